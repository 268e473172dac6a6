"""Back-office review on both backends: claim races, the lifecycle's refusals, decisions that
reach the accepting station's pull feed, the chief's steps, the queue and its counts."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.errors import TransitionError
from schema.lifecycle import Actor, CaseEvent
from schema.protocol import ChangeKind
from schema.records import DecisionRecord
from schema.vocabulary import Role, Section
from sync_server.core.queue_filters import QueueFilters, Tab, parse_cursor
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, case_events, cases, changes
from sync_server.errors import ApiError
from sync_server.services import audit
from sync_server.services.review import case_view
from sync_server.services.review import chief as review_chief
from sync_server.services.review import decide as review
from sync_server.services.review import queue as review_queue
from tests.support.console_kit import add_account, case_row, console_client, push_case
from tests.support.console_world import pull_all, pull_until
from tests.support.factories import Station, add_person, enrolled_station
from tests.support.lock_waits import blocked_on_lock

PENSION = Section.PENSION
A = Actor.reviewer("review.a", PENSION)
B = Actor.reviewer("review.b", PENSION)
CHIEF = Actor.chief("chief.pension", PENSION)
MEDICAL = Actor.reviewer("review.medical", Section.MEDICAL)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def insured(db: Database, case_id: str) -> None:
    """The applicant of a retirement case is insured here: its approval stops that enrolment."""
    add_person(db, case_row(db, case_id).applicant_key, enrolled={"enterprise_pension": "511102"})


@pytest.fixture
def world(db: Database, tmp_path: Path) -> tuple[TestClient, Station]:
    station = enrolled_station(db)
    for name in ("review.a", "review.b"):
        add_account(db, name, Role.REVIEWER, section="pension")
    add_account(db, "chief.pension", Role.CHIEF, section="pension")
    add_account(db, "review.medical", Role.REVIEWER, section="medical")
    return console_client(db, tmp_path), station


def _claim_in_thread(db: Database, case_id: str, actor: Actor, outcome: dict[str, Any], **hooks: Any) -> None:
    hooks.get(
        "gate", lambda: None
    )()  # outside the transaction: SQLite's BEGIN IMMEDIATE would hold the others
    try:
        with db.write() as conn:
            hooks.get("before", lambda: None)()
            review.claim(conn, case_id, actor=actor, now=now())
            hooks.get("after", lambda: None)()
        outcome[actor.username] = "won"
    except ApiError as exc:
        outcome[actor.username] = exc.code


def test_two_reviewers_claiming_at_the_same_moment_exactly_one_wins(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    """A holds the row (updated, not committed) while B reads the old row and tries too:
    on PostgreSQL B's UPDATE waits for A, re-checks its condition and matches nothing; on
    SQLite B's write transaction waits for A's to end. A commits only once B is seen
    waiting on the lock."""
    client, station = world
    case_id = push_case(client, station)
    a_updated = threading.Event()
    b_was_blocked: list[bool] = []
    outcome: dict[str, Any] = {}
    second = threading.Thread(
        target=_claim_in_thread, args=(db, case_id, B, outcome), kwargs={"before": lambda: a_updated.wait(5)}
    )

    def hold() -> None:
        """A has updated the row: let B go, and keep the transaction (and the lock) open
        until B is waiting on it."""
        a_updated.set()
        b_was_blocked.append(blocked_on_lock(db, second))

    first = threading.Thread(target=_claim_in_thread, args=(db, case_id, A, outcome), kwargs={"after": hold})
    first.start()
    assert a_updated.wait(10)
    second.start()
    first.join(20)
    second.join(20)
    assert b_was_blocked == [True]  # B really tried while A held the row
    assert outcome == {"review.a": "won", "review.b": "case_already_claimed"}
    row = case_row(db, case_id)
    assert (row.status, row.claimed_by, row.version) == ("claimed", "review.a", 2)
    with db.read() as conn:
        claims = conn.execute(
            sa.select(sa.func.count()).where(case_events.c.case_id == case_id, case_events.c.event == "claim")
        ).scalar_one()
    assert claims == 1


def test_many_reviewers_released_together_one_claim_stands(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    names = [f"review.r{n}" for n in range(6)]
    for name in names:
        add_account(db, name, Role.REVIEWER, section="pension")
    case_id = push_case(client, station)
    gate = threading.Barrier(len(names))
    outcome: dict[str, Any] = {}
    threads = [
        threading.Thread(
            target=_claim_in_thread,
            args=(db, case_id, Actor.reviewer(name, PENSION), outcome),
            kwargs={"gate": gate.wait},
        )
        for name in names
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [name for name, result in outcome.items() if result == "won"]
    assert len(winners) == 1
    assert sorted(r for r in outcome.values() if r != "won") == ["case_already_claimed"] * (len(names) - 1)
    assert case_row(db, case_id).claimed_by == winners[0]
    with db.read() as conn:
        assert audit.verify(conn).intact


def test_the_accepting_clerk_cannot_claim_or_decide_even_as_a_reviewer(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    add_account(db, "clerk.moved", Role.REVIEWER, section="pension")
    case_id = push_case(client, station, clerk="clerk.moved")
    moved = Actor.reviewer("clerk.moved", PENSION)
    with db.write() as conn, pytest.raises(TransitionError) as refused:
        review.claim(conn, case_id, actor=moved, now=now())
    assert refused.value.code == "case_separation_of_duties"
    with db.write() as conn:
        review.claim(conn, case_id, actor=A, now=now())
    with db.write() as conn, pytest.raises(TransitionError) as refused:
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=moved, now=now())
    assert refused.value.code == "case_separation_of_duties"
    with db.write() as conn, pytest.raises(TransitionError) as refused:  # nor be handed it
        review_chief.reassign(conn, case_id, "clerk.moved", actor=CHIEF, now=now())
    assert refused.value.code == "case_separation_of_duties"


def test_outside_the_section_nothing_is_allowed_not_even_reading(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    case_id = push_case(client, station)
    with db.write() as conn, pytest.raises(TransitionError) as refused:
        review.claim(conn, case_id, actor=MEDICAL, now=now())
    assert refused.value.code == "case_actor_not_allowed"
    with db.read() as conn, pytest.raises(ApiError) as hidden:
        case_view.case_view(conn, case_id, MEDICAL)
    assert hidden.value.code == "forbidden"
    with db.read() as conn:
        page = review_queue.queue_page(
            conn, section="medical", username="review.medical", filters=QueueFilters(), after=None, now=now()
        )
    assert page.rows == [] and page.tabs[Tab.ROUTED].value == 0


def test_deciding_needs_your_own_claim(db: Database, world: tuple[TestClient, Station]) -> None:
    client, station = world
    case_id = push_case(client, station)
    with db.write() as conn, pytest.raises(TransitionError) as refused:
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=A, now=now())
    assert refused.value.code == "case_transition_not_allowed"  # nobody has claimed it yet
    with db.write() as conn:
        review.claim(conn, case_id, actor=A, now=now())
    with db.write() as conn, pytest.raises(TransitionError) as refused:
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=B, now=now())
    assert refused.value.code == "case_not_claimed_by_actor"
    assert case_row(db, case_id).status == "claimed"


def test_reject_needs_a_reason_and_return_says_what_is_missing(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    first, second = push_case(client, station), push_case(client, station)
    for case_id in (first, second):
        with db.write() as conn:
            review.claim(conn, case_id, actor=A, now=now())
    for event in (CaseEvent.REJECT, CaseEvent.RETURN_FOR_SUPPLEMENT):
        with db.write() as conn, pytest.raises(ApiError) as refused:
            review.decide(conn, first, event, actor=A, now=now(), reason="   ")
        assert refused.value.code == "request_invalid"
    with db.write() as conn, pytest.raises(ApiError):
        review.decide(conn, first, CaseEvent.RETURN_FOR_SUPPLEMENT, actor=A, now=now(), missing=["no_such"])
    assert case_row(db, first).status == "claimed"
    with db.write() as conn:
        review.decide(conn, first, CaseEvent.REJECT, actor=A, now=now(), reason="未达到法定退休年龄")
        review.decide(
            conn, second, CaseEvent.RETURN_FOR_SUPPLEMENT, actor=A, now=now(), missing=["personnel_archive"],
            reason="档案缺少招工表",
        )  # fmt: skip
    rejected, returned = case_row(db, first), case_row(db, second)
    assert (rejected.status, rejected.decision_reason) == ("rejected", "未达到法定退休年龄")
    assert rejected.completed_at is not None
    assert returned.status == "returned" and returned.completed_at is None
    assert returned.decision_reason == "请补正以下材料：1. 本人人事档案。说明：档案缺少招工表"


def test_an_approval_reaches_the_accepting_station_through_its_pull(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    other = enrolled_station(db, point=1)
    case_id = push_case(client, station)
    insured(db, case_id)
    _, cursor = pull_all(client, station)
    with db.write() as conn:
        review.claim(conn, case_id, actor=A, now=now())
    with db.write() as conn:
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=A, now=now())
    pulled = pull_until(client, station, cursor, lambda seen: any(c["kind"] == "decision" for c in seen))
    mine = [c for c in pulled if c["key"] == case_id]
    # (a shared PostgreSQL may have held the routed status back from the first pull: it may come first)
    assert [(c["kind"], c["data"]["status"]) for c in mine][-2:] == [
        ("case_status", "claimed"),
        ("decision", "approved"),
    ]
    decision = DecisionRecord.model_validate(mine[-1]["data"])
    assert (decision.decided_by, decision.section, decision.version) == ("review.a", PENSION, 3)
    theirs, _ = pull_all(client, other)
    assert all(c["key"] != case_id for c in theirs)  # another station learns nothing of it
    with db.read() as conn:
        scopes = conn.execute(
            sa.select(changes.c.scope).where(changes.c.kind == ChangeKind.DECISION.value)
        ).all()
        actions = (
            conn.execute(sa.select(audit_log.c.action).where(audit_log.c.entity_id == case_id))
            .scalars()
            .all()
        )
        assert audit.verify(conn).intact
    assert scopes == [(f"station:{station.id}",)]
    # the approval's record changes are audited in the same transaction as the decision
    assert actions[-3:] == ["case.claim", "records_changed", "case.approve"]


def test_the_chief_reassigns_releases_and_reroutes(db: Database, world: tuple[TestClient, Station]) -> None:
    client, station = world
    case_id = push_case(client, station)
    with db.write() as conn, pytest.raises(TransitionError) as refused:
        review_chief.reassign(conn, case_id, "review.b", actor=A, now=now())
    assert refused.value.code == "case_actor_not_allowed"  # only the chief
    with db.write() as conn:
        review_chief.reassign(conn, case_id, "review.b", actor=CHIEF, now=now())
    assert (case_row(db, case_id).status, case_row(db, case_id).claimed_by) == ("claimed", "review.b")
    with db.write() as conn, pytest.raises(TransitionError) as refused:  # not to another section's reviewer
        review_chief.reassign(conn, case_id, "review.medical", actor=CHIEF, now=now())
    assert refused.value.code == "case_actor_not_allowed"
    with db.write() as conn, pytest.raises(ApiError) as unknown:
        review_chief.reassign(conn, case_id, "nobody", actor=CHIEF, now=now())
    assert unknown.value.code == "request_invalid"
    with db.write() as conn:
        review_chief.release(conn, case_id, actor=CHIEF, now=now())
    assert (case_row(db, case_id).status, case_row(db, case_id).claimed_by) == ("routed", None)
    with db.write() as conn:
        review_chief.reroute(conn, case_id, "integrated", actor=CHIEF, now=now(), note="涉及关键信息更正")
    assert case_row(db, case_id).section == "integrated"
    with db.read() as conn:
        events = conn.execute(
            sa.select(case_events.c.event).where(case_events.c.case_id == case_id).order_by(case_events.c.id)
        ).scalars().all()  # fmt: skip
        load = review_queue.workload(conn, "pension", now=now())
    assert events[-3:] == ["reassign", "release", "route"]
    assert load.waiting.value == 0 and {r.username for r in load.reviewers} >= {"review.a", "review.b"}


def test_the_queue_filters_sorts_counts_and_pages_without_offset(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    yujin = enrolled_station(db, township="511123100")
    ids = [push_case(client, station) for _ in range(5)] + [push_case(client, yujin) for _ in range(3)]
    with db.write() as conn:  # spread the due dates so the order is visible
        for n, case_id in enumerate(ids):
            conn.execute(
                sa.update(cases)
                .where(cases.c.case_id == case_id)
                .values(due_date=dt.date(2026, 1, 1) + dt.timedelta(days=(7 * n) % 11))
            )
        conn.execute(sa.update(cases).where(cases.c.case_id == ids[0]).values(due_date=None))

    def page(filters: QueueFilters, after: str | None = None, limit: int = 3) -> review_queue.QueuePage:
        with db.read() as conn:
            return review_queue.queue_page(
                conn, section="pension", username="review.a", filters=filters, after=parse_cursor(after),
                now=dt.datetime(2026, 1, 6, tzinfo=dt.UTC), limit=limit,
            )  # fmt: skip

    seen: list[Any] = []
    cursor: str | None = None
    while True:
        current = page(QueueFilters(), cursor)
        seen += current.rows
        cursor = current.next_cursor
        if cursor is None:
            break
    assert [r.case_id for r in seen][-1] == ids[0]  # no due date: last
    dated = [r.due_date for r in seen[:-1]]
    assert dated == sorted(dated) and len({r.case_id for r in seen}) == 8
    first = page(QueueFilters())
    assert (first.matching.text, first.tabs[Tab.ROUTED].value, first.overdue.value) == ("8", 8, 2)
    in_yujin = page(QueueFilters(county="511123"), limit=50)
    assert {r.case_id for r in in_yujin.rows} == set(ids[5:]) and in_yujin.matching.value == 3
    overdue = page(QueueFilters(overdue=True), limit=50)
    assert all(r.due_date < dt.date(2026, 1, 6) for r in overdue.rows) and overdue.matching.value == 2
    with db.read() as conn:
        capped = review_queue.capped_count(conn, [cases.c.section == "pension"], cap=5)
    assert (capped.value, capped.capped, capped.text) == (5, True, "5+")
    insured(db, ids[1])
    with db.write() as conn:
        review.claim(conn, ids[1], actor=A, now=now())
        review.decide(conn, ids[1], CaseEvent.APPROVE, actor=A, now=now())
    mine = page(QueueFilters(tab=Tab.DONE))
    assert [r.case_id for r in mine.rows] == [ids[1]]
