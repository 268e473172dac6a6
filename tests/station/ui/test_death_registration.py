"""End to end: a death registration (C018) decided by the city reaches the desk.

A pensioner of the station's township is in the city's records with a pension in payment
(paid through this month) and an active card; the station pulls them. A relative reports
the death at the desk, offline; the station syncs; a reviewer of 综合业务科 claims and
approves the case through the console's service. In the same transaction the pension ends
with the month of death, the months paid after it become an overpayment to recover, the
card is cancelled and the person is recorded deceased. On its next pull the station holds
the new record, and the real window's person screen shows 已死亡 with the date first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from schema.identifiers import make_resident_id
from schema.lifecycle import Actor, CaseEvent
from schema.records import PersonRecord
from schema.vocabulary import Section
from station_client.core.intake_rules import ApplicantInput
from station_client.services import registry as station_registry
from station_client.services.intake import IntakeRequest, intake
from station_client.store import open_store
from station_client.sync.agent import SyncAgent
from station_client.ui.person import PersonScreen
from sync_server.db.engine import Database
from sync_server.db.tables import benefits, cards, enrolments, payables, persons
from sync_server.services.admin.staff import add_staff
from sync_server.services.review import decide as review
from tests.support.dates import today
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, StationHome, person
from tests.support.sync_world import CLERK_PASSWORD, TOWNSHIP, World, in_process
from tests.support.uidriver import Driver

PENSIONER = make_resident_id("511102", dt.date(1950, 4, 8), 57)  # a man of 70-odd
REPORTER = make_resident_id("511102", dt.date(1978, 9, 2), 64)  # his daughter
MONTHLY = Decimal("3120.55")
REVIEWER = Actor.reviewer("review.integrated", Section.INTEGRATED)


def _month(d: dt.date, back: int) -> dt.date:
    """The first day of the month ``back`` months before ``d``'s."""
    n = d.year * 12 + d.month - 1 - back
    return dt.date(n // 12, n % 12 + 1, 1)


# Died on the 15th two months ago; the pension was paid through this month, so two months
# (last month and this one) were paid after the month of death.
DEATH = _month(today(), 2).replace(day=15)
PAID_THROUGH = f"{today():%Y-%m}"
OVERPAID_MONTHS = 2


def _pensioner(db: Database) -> None:
    with db.write() as conn:
        conn.execute(
            sa.insert(persons).values(
                id_number=PENSIONER, name="李德福", sex="male", birth_date=dt.date(1950, 4, 8),
                township_code=TOWNSHIP, phone="13808130001",
            )
        )  # fmt: skip
        conn.execute(
            sa.insert(enrolments).values(
                id_number=PENSIONER, insurance_type="enterprise_pension", county_code="511102", kind="retired",
                status="active", since=dt.date(1992, 1, 1),
            )
        )  # fmt: skip
        conn.execute(
            sa.insert(benefits).values(
                id_number=PENSIONER, kind="employee_pension", monthly_amount=MONTHLY, calculation={},
                start_month="2010-05", end_month=None, status="in_payment", paid_through=PAID_THROUGH,
                county_code="511102",
            )
        )  # fmt: skip
        conn.execute(sa.insert(cards).values(id_number=PENSIONER, status="active", history=[]))
        add_staff(conn, username=REVIEWER.username, role="reviewer", section=Section.INTEGRATED,
                  now=dt.datetime.now(dt.UTC), actor="test", password="Review-Password-2026",
                  must_change_password=False)  # fmt: skip


@pytest.fixture
def reported(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[World, Any, str]]:
    """The station has pulled the pensioner and reported the death; the city holds the case."""
    with in_process(sqlite_template, tmp_path, prepare=_pensioner) as (w, client):
        session = w.session()
        before = station_registry.find_by_id(session.db, w.dek, PENSIONER, today=today())
        assert before is not None and before.status == "alive"
        assert [(b.kind, b.status) for b in before.benefits] == [("employee_pension", "in_payment")]
        assert before.card_status == "active"
        result = intake(
            session,
            IntakeRequest(
                item_code="C018",
                applicant=ApplicantInput(name="李秀英", id_number=REPORTER),
                form={
                    "deceased_id_number": PENSIONER,
                    "deceased_name": "李德福",
                    "death_date": DEATH.isoformat(),
                    "reporter_relation": "child",
                    "cremated": True,
                    "contact_phone": "13908130002",
                },
                materials_provided=("death_certificate", "reporter_id_card"),
            ),
        )
        assert result.tier == "complex", result
        agent = SyncAgent(w.paths.home, w.dek, client=client)
        try:
            report = agent.run_once()
            assert report.ok, report.problem
            assert str(result.case_id) in w.server_case_ids()
            yield w, agent, str(result.case_id)
        finally:
            agent.close()


def test_an_approved_death_registration_stops_the_pension_and_the_desk_shows_deceased(
    reported: tuple[World, Any, str],
) -> None:
    w, agent, case_id = reported
    now = dt.datetime.now(dt.UTC)
    with w.server_db.write() as conn:
        review.claim(conn, case_id, actor=REVIEWER, now=now)
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=REVIEWER, now=now)

    with w.server_db.read() as conn:
        person = conn.execute(sa.select(persons).where(persons.c.id_number == PENSIONER)).one()
        pension = conn.execute(sa.select(benefits).where(benefits.c.id_number == PENSIONER)).one()
        card = conn.execute(sa.select(cards).where(cards.c.id_number == PENSIONER)).one()
        owed = conn.execute(sa.select(payables).where(payables.c.id_number == PENSIONER)).all()
    assert (person.status, person.death_date) == ("deceased", DEATH)
    assert (pension.status, pension.end_month) == ("ended", f"{DEATH:%Y-%m}")  # the pension stops
    assert card.status == "cancelled"
    recover = [p for p in owed if p.kind == "overpayment_recovery"]
    assert [(p.direction, p.status, p.amount) for p in recover] == [
        ("recover", "open", MONTHLY * OVERPAID_MONTHS)  # 3,120.55 × 2 = 6,241.10 paid after the death
    ]

    assert agent.run_once().ok  # the station's next pull
    db = open_store(w.paths.home)
    held = station_registry.find_by_id(db, w.dek, PENSIONER, today=today())
    db.close()
    assert held is not None and (held.status, held.death_date, held.card_status) == (
        "deceased",
        DEATH,
        "cancelled",
    )
    assert [(b.status, b.end_month) for b in held.benefits] == [("ended", f"{DEATH:%Y-%m}")]

    ui = Driver.start(w.paths.home, start_sync=False)
    try:
        ui.login(w.clerk, CLERK_PASSWORD)
        ui.type_into(ui.screen.query, PENSIONER)
        ui.enter(ui.screen.query)
        screen = ui.wait_screen(PersonScreen)
        ui.pump(lambda: screen.found is not None, what="the person found")
        ui.settle()
        assert screen.deceased_label is not None and screen.deceased_label.winfo_ismapped()
        said = screen.deceased_label.cget("text")
        assert said.startswith(f"【已死亡】{DEATH.year}年{DEATH.month}月{DEATH.day}日死亡。"), said
        assert screen.card is not None
        assert screen.card.benefits == [
            ("职工基本养老金", "3,120.55 元", "终止", f"2010年5月至{DEATH.year}年{DEATH.month}月")
        ]
        assert dict(screen.card.lines)["社保卡"] == "已注销"
        # Above the rest of the card: nothing of it is drawn higher than the warning.
        top = screen.deceased_label.winfo_rooty()
        assert all(child.winfo_rooty() >= top for child in screen.result.winfo_children()), "deceased first"
    finally:
        ui.close()
    ui.assert_no_errors()


def _clipped(panel: Any) -> list[str]:
    """Widgets inside ``panel`` that reach below it (a grid crops them without a word)."""
    panel.update_idletasks()
    bottom = panel.winfo_rooty() + panel.winfo_height()
    out, todo = [], list(panel.winfo_children())
    while todo:
        child = todo.pop()
        if child.winfo_ismapped() and child.winfo_class() != "Canvas":
            if child.winfo_rooty() + child.winfo_height() > bottom + 1:
                out.append(str(child))
            todo += child.winfo_children()
    return out


def test_the_person_screen_of_a_deceased_pensioner_fits_and_says_what_the_desk_may_do(
    ui_home: StationHome,
) -> None:
    """The same screen on a slice written locally: every part of the record is drawn inside
    the 1366×700 window, the warning first (no server involved)."""
    from tests.station.ui.test_screens import _fits

    record = PersonRecord.model_validate(
        {
            **person(KNOWN_ID, KNOWN_NAME, version=3).model_dump(),
            "residence": "511102006",
            "status": "deceased",
            "death_date": dt.date(2026, 1, 15),
            "card_status": "cancelled",
            "records_version": 2,
            "enrolments": [
                {"insurance": i, "county": "511102", "status": "stopped", "since": "2001-07-01", "version": 1}
                for i in ("enterprise_pension", "employee_medical", "unemployment", "work_injury")
            ],
            "benefits": [
                {"kind": "employee_pension", "monthly_amount": "3120.55", "status": "ended",
                 "start_month": "2020-06", "end_month": "2026-01"},
                {"kind": "nursing_allowance", "monthly_amount": "800.00", "status": "ended",
                 "start_month": "2024-01", "end_month": "2026-01"},
                {"kind": "unemployment_benefit", "monthly_amount": "1710.00", "status": "ended",
                 "start_month": "1999-03", "end_month": "2000-02"},
            ],
            "last_contributions": [{"insurance": "enterprise_pension", "month": "2020-05"}],
        }
    )  # fmt: skip
    with ui_home.db.atomic():
        station_registry.apply_person(ui_home.db, ui_home.dek, record)
    ui = Driver.start(ui_home.paths.home, start_sync=False)
    try:
        ui.login()
        ui.type_into(ui.screen.query, KNOWN_ID)
        ui.enter(ui.screen.query)
        screen = ui.wait_screen(PersonScreen)
        ui.pump(lambda: screen.found is not None, what="the person found")
        ui.settle()
        assert screen.deceased_label is not None
        assert screen.deceased_label.cget("text").startswith("【已死亡】2026年1月15日死亡。")
        assert (
            len(screen.card.benefits) == 3 and dict(screen.card.lines)["参保状态"] == "已死亡（参保关系终止）"
        )
        assert _fits(ui.app) == [], "person"
        assert _clipped(screen.result) == [], "drawn past the bottom of the person panel"
        ui.enter()  # the desk may still go on: the reporting relative's business
        assert ui.app.desk.applicant is not None and ui.app.desk.applicant.record == record
    finally:
        ui.close()
    ui.assert_no_errors()
