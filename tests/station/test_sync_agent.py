"""The sync agent against the real server app in process (TestClient is an httpx.Client).

Nothing is mocked on the server side: cases are taken in by the station's intake service
while nothing talks to the server, then the agent pushes them, signed and gzip, through
the real routes, ingest and database.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from schema.protocol import OpStatus
from station_client.store import meta, open_store, outbox
from station_client.sync.agent import SyncAgent
from station_client.sync.status import read_status
from station_client.transport import MSG_OFFLINE, Transport
from sync_server.db.tables import case_events, cases, operations, stations
from tests.support.factories import make_client
from tests.support.sync_world import World, enrol_station, in_process


@pytest.fixture
def world(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[World, httpx.Client]]:
    with in_process(sqlite_template, tmp_path) as made:
        yield made


def outbox_states(w: World) -> dict[str, int]:
    db = open_store(w.paths.home)
    try:
        return {k: v for k, v in outbox.counts(db).items() if v}
    finally:
        db.close()


# ── the main path ───────────────────────────────────────────────────────────────────


def test_fifty_cases_taken_in_offline_reach_the_server_once_and_status_says_in_step(db, tmp_path):
    client = make_client(db, tmp_path)  # on SQLite and on PostgreSQL
    w = enrol_station(db, tmp_path / "station", client)
    session = w.session()
    taken = w.take_in(session, 50)
    assert outbox_states(w) == {"pending": 50}
    status = read_status(session.db)
    assert status.pending == 50 and not status.in_step  # nothing sent yet, and it says so

    agent = SyncAgent(w.paths.home, w.dek, client=client)
    report = agent.run_once()

    assert report.ok, report.problem
    assert report.pushed == 50
    assert sorted(w.server_case_ids()) == sorted(str(t.case_id) for t in taken)
    assert set(w.server_operations().values()) == {OpStatus.APPLIED.value}
    assert outbox_states(w) == {"done": 50}
    status = read_status(session.db)
    assert status.in_step and status.last_success_at is not None and status.last_error is None
    assert status.catalog_version is not None and status.cursor is not None
    with w.server_db.read() as conn:
        last_seq = conn.execute(
            sa.select(stations.c.last_seq).where(stations.c.id == w.station_id)
        ).scalar_one()
    assert last_seq == 50
    # numbered 1..50 in creation order, and the next number is stored for after a rewrite
    rows = session.db.execute("SELECT seq FROM outbox ORDER BY local_id").fetchall()
    assert [r[0] for r in rows] == list(range(1, 51))
    assert meta.get(session.db, meta.NEXT_SEQ) == "51"

    again = agent.run_once()  # nothing new: a quiet round, still in step
    assert again.ok and again.pushed == 0
    agent.close()
    client.close()


def test_batches_hold_at_most_the_limit_and_go_in_seq_order(world):
    w, client = world
    session = w.session()
    w.take_in(session, 23)
    agent = SyncAgent(w.paths.home, w.dek, client=client)
    from station_client.sync import push

    db = open_store(w.paths.home)
    seen: list[int] = []
    real_push = Transport.push

    def counting(self, body):
        response = real_push(self, body)
        seen.append(len(response.results))
        return response

    Transport.push = counting  # type: ignore[method-assign]
    try:
        report = push.push_all(db, w.dek, agent._transport(db), limit=10)
    finally:
        Transport.push = real_push  # type: ignore[method-assign]
    assert seen == [10, 10, 3] and report.done == 23
    assert len(w.server_case_ids()) == 23
    db.close()
    agent.close()


# ── failures ────────────────────────────────────────────────────────────────────────


class Unplugged(httpx.BaseTransport):
    """The network cable: while unplugged every request fails to connect."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.plugged = threading.Event()
        self.attempts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if not self.plugged.is_set():
            raise httpx.ConnectError("[Errno 101] Network is unreachable", request=request)
        return self.inner.handle_request(request)


def unplugged_client(client: httpx.Client) -> tuple[httpx.Client, Unplugged]:
    cable = Unplugged(client._transport)
    return httpx.Client(transport=cable, base_url=client.base_url), cable


def test_a_failed_round_never_shows_as_a_success(world):
    w, client = world
    session = w.session()
    w.take_in(session, 3)
    before = read_status(session.db).last_success_at
    offline, _ = unplugged_client(client)
    report = SyncAgent(w.paths.home, w.dek, client=offline).run_once()
    assert not report.ok and report.offline and report.transient
    status = read_status(session.db)
    assert status.last_success_at == before  # the initial pull's success, not this round
    assert status.last_error is not None and status.last_error.message == MSG_OFFLINE
    assert status.pending == 3 and status.retrying == 3 and not status.in_step
    assert any("无法连接市社保服务器" in line for line in status.lines())
    assert w.server_case_ids() == []


def test_the_agent_retries_on_a_timer_and_at_once_when_woken(world):
    w, client = world
    session = w.session()
    w.take_in(session, 5)
    offline, cable = unplugged_client(client)
    seen = []
    agent = SyncAgent(
        w.paths.home, w.dek, client=offline, interval=3600, rand=lambda: 0.01, on_status=seen.append
    )
    agent.start()
    try:
        _wait(lambda: cable.attempts >= 3, "the agent retries with backoff while the link is down")
        assert agent.status().online is False
        assert agent.status().store is not None and agent.status().store.pending == 5
        cable.plugged.set()
        agent.wake()  # the link is back
        _wait(lambda: len(w.server_case_ids()) == 5, "the woken agent pushes the backlog")
        _wait(lambda: agent.status().online and agent.status().store.in_step, "status catches up")
        w.take_in(session, 2)  # new work on the desk, then a wake
        agent.wake()
        _wait(lambda: len(w.server_case_ids()) == 7, "new work goes up on wake")
    finally:
        agent.stop()
    assert seen and all(s.store is not None for s in seen)


def _wait(condition, what: str, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out: {what}")


def test_a_rejected_operation_is_set_aside_and_only_its_case_waits(world):
    w, client = world
    session = w.session()
    good = w.take_in(session, 4)
    bad = w.take_in(session, 1)[0]
    later = w.take_in(session, 3)
    db = session.db
    # The server's catalog does not know the item this operation names (e.g. a newer
    # local catalog): a business rejection, not a transport fault.
    local_id, op_id = db.execute(
        "SELECT local_id, op_id FROM outbox WHERE case_id = ?", [str(bad.case_id)]
    ).fetchone()
    draft = outbox.read_json(db, w.dek, local_id)
    draft["payload"]["item_code"] = "G99"
    with db.atomic():
        reseal(db, w.dek, local_id, op_id, draft)
        # a second operation of the same case, written later: it must wait behind the first
        follow_up = dict(draft, op_id="6f1c5b0e-0000-4000-8000-000000000001", kind="case_withdraw")
        follow_up["payload"] = {"clerk": w.clerk, "reason": "申请人撤回"}
        outbox.enqueue(
            db, w.dek, op_id=follow_up["op_id"], case_id=str(bad.case_id), kind="case_withdraw",
            created_at=bad_created(db, local_id), draft=follow_up,
        )  # fmt: skip

    report = SyncAgent(w.paths.home, w.dek, client=client).run_once()

    assert report.ok and report.pushed == 7 and report.set_aside == 1
    assert sorted(w.server_case_ids()) == sorted(str(r.case_id) for r in good + later)
    row = db.execute(
        "SELECT state, last_error_code, last_error_message, seq FROM outbox WHERE local_id = ?", [local_id]
    ).fetchone()
    assert row[0] == "set_aside" and row[1] == "op_item_unknown" and "事项" in row[2] and row[3] == 5
    blocked = db.execute("SELECT state, seq FROM outbox WHERE op_id = ?", [follow_up["op_id"]]).fetchone()
    assert blocked == ("blocked", None)  # never numbered: no gap, no send behind the rejected one
    status = read_status(db)
    assert (status.set_aside, status.blocked, status.pending) == (1, 1, 0) and not status.in_step
    assert db.execute("SELECT set_aside FROM cases WHERE case_id = ?", [str(bad.case_id)]).fetchone()[0] == 1
    assert any(e["action"] == "sync.set_aside" for e in outbox_audit(db))

    # Next round: the rejection stays aside, nothing is resent, the blocked one still waits.
    again = SyncAgent(w.paths.home, w.dek, client=client).run_once()
    assert again.ok and again.pushed == 0
    assert len(w.server_operations()) == 8


def reseal(db, dek, local_id: int, op_id: str, draft: dict) -> None:
    """Put a changed draft back in the outbox, sealed as the store seals it."""
    db.execute(
        "UPDATE outbox SET enc = ? WHERE local_id = ?",
        [outbox.seal_enc(dek, op_id, json.dumps(draft).encode()), local_id],
    )


def bad_created(db, local_id):
    from station_client.store.codec import parse_instant

    return parse_instant(
        db.execute("SELECT created_at FROM outbox WHERE local_id = ?", [local_id]).fetchone()[0]
    )


def outbox_audit(db):
    from station_client.store import audit

    return audit.entries(db)


def test_a_station_clock_an_hour_fast_is_corrected_and_the_offset_kept(world):
    w, client = world
    session = w.session()
    w.take_in(session, 2)
    fast = SyncAgent(w.paths.home, w.dek, client=client, clock=lambda: time.time() + 3600)  # an hour fast
    report = fast.run_once()
    assert report.ok and report.pushed == 2  # refused once for the clock, signed again with the server's time
    assert -3605 < float(meta.get(session.db, meta.CLOCK_OFFSET_SECONDS)) < -3595
    with w.server_db.read() as conn:
        flags = conn.execute(sa.select(cases.c.clock_flag)).scalars().all()
    assert len(flags) == 2
    w.take_in(session, 1)
    again = fast.run_once()
    assert again.ok and again.pushed == 1  # the kept offset signs right at once
    fast.close()


def test_a_server_restored_from_a_backup_gets_the_missing_operations_again(world):
    w, client = world
    session = w.session()
    w.take_in(session, 10)
    agent = SyncAgent(w.paths.home, w.dek, client=client)
    assert agent.run_once().ok
    lost = w.server_case_ids()
    with w.server_db.write() as conn:  # the server loses everything after seq 6
        gone = (
            conn.execute(
                sa.select(operations.c.case_id).where(
                    operations.c.station_id == w.station_id, operations.c.seq > 6
                )
            )
            .scalars()
            .all()
        )
        conn.execute(sa.delete(operations).where(operations.c.seq > 6))
        conn.execute(sa.delete(case_events).where(case_events.c.case_id.in_(gone)))
        conn.execute(sa.delete(cases).where(cases.c.case_id.in_(gone)))
        conn.execute(sa.update(stations).where(stations.c.id == w.station_id).values(last_seq=6))
    w.take_in(session, 2)

    report = agent.run_once()
    assert report.ok, report.problem
    assert len(w.server_case_ids()) == 12 and set(lost) <= set(w.server_case_ids())
    assert sorted(int(s) for s in w.server_seqs()) == list(range(1, 13))
    assert outbox_states(w) == {"done": 12}
    agent.close()


def test_rate_limiting_is_retried_after_the_time_the_server_names(world):
    w, client = world
    session = w.session()
    w.take_in(session, 3)
    client.app.state.station_rate_limit = 1  # type: ignore[attr-defined]
    agent = SyncAgent(w.paths.home, w.dek, client=client, rand=lambda: 0.0)
    report = agent.run_once()
    assert not report.ok and report.transient and report.problem.code == "rate_limited"  # type: ignore[union-attr]
    assert report.retry_after is not None and report.retry_after >= 1
    agent.start()
    try:
        _wait(lambda: agent.status().next_round_at is not None, "the loop schedules its next round")
        wait = (agent.status().next_round_at - datetime.now(UTC)).total_seconds()  # type: ignore[operator]
        assert wait >= report.retry_after - 2  # full jitter drew 0: Retry-After alone sets the wait
    finally:
        agent.stop()


def test_a_batch_too_large_for_the_server_is_halved_until_it_fits(sqlite_template, tmp_path):
    with in_process(sqlite_template, tmp_path, max_body_bytes=2_500) as (w, client):
        _halved(w, client)


def _halved(w: World, client: httpx.Client) -> None:
    session = w.session()
    w.take_in(session, 60)
    statuses: list[int] = []
    watched = httpx.Client(
        transport=client._transport,
        base_url=client.base_url,
        event_hooks={
            "response": [lambda r: statuses.append(r.status_code) if r.request.method == "POST" else None]
        },
    )
    report = SyncAgent(w.paths.home, w.dek, client=watched).run_once()
    assert report.ok and report.pushed == 60
    assert statuses[0] == 413 and statuses[-1] == 200  # refused whole, then halved until it fits
    assert len(w.server_case_ids()) == 60


def test_a_draft_that_no_longer_makes_an_operation_is_set_aside_locally_not_sent(world):
    w, client = world
    session = w.session()
    bad = w.take_in(session, 1)[0]
    w.take_in(session, 2)
    db = session.db
    local_id, op_id = db.execute(
        "SELECT local_id, op_id FROM outbox WHERE case_id = ?", [str(bad.case_id)]
    ).fetchone()
    draft = outbox.read_json(db, w.dek, local_id)
    draft["payload"]["applicant"]["id_number"] = "not-an-id"  # fails the contract's own check
    reseal(db, w.dek, local_id, op_id, draft)
    report = SyncAgent(w.paths.home, w.dek, client=client).run_once()
    assert report.ok and report.pushed == 2
    row = db.execute(
        "SELECT state, seq, last_error_code FROM outbox WHERE local_id = ?", [local_id]
    ).fetchone()
    assert row == ("set_aside", None, "op_malformed")
    assert sorted(w.server_seqs()) == [1, 2]  # no number given to it, none skipped
