"""The desk and the city mean the same registry row when they check a change for staleness.

A station takes its township's persons from its first download, a clerk finishes a
registry-changing general item offline, and the sync agent pushes it to the real server.
When nothing changed meanwhile the change applies; when the city changed the item's own row
(the person for G08, the enrolment it registers or stops for G09/G12/G13) it goes to
综合业务科 as a conflict. The station's case is based on the person's version; the enrolment
versions it held travel in the case's base_record (schema.registry_rows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from station_client.core.intake_rules import ApplicantInput
from station_client.services.intake import IntakeRequest, intake
from station_client.sync.agent import SyncAgent
from sync_server.db.engine import Database
from sync_server.db.tables import cases, conflicts, enrolments, persons
from tests.support.factories import add_person, person_id
from tests.support.sync_world import World, in_process

QUIET, BUSY = person_id(41), person_id(42)  # the city leaves QUIET's rows alone, changes BUSY's
NAME = "王小明"
THIS_MONTH = dt.date.today().strftime("%Y-%m")  # the desk collects months of this year only
PHONE = "13912345678"

G08 = {"change_items": ["address"], "new_address": "乐山市市中区白塔街8号"}
G09 = {"grade": "300", "year": dt.date.today().year, "household_division": "511102004",
       "not_in_other_pension": True, "contact_phone": PHONE}  # fmt: skip
G12 = {"employment_type": "part_time", "residence_division": "511102004", "base": "5000",
       "period_start": THIS_MONTH, "period_end": THIS_MONTH, "contact_phone": PHONE}  # fmt: skip
G13 = {"stop_month": THIS_MONTH, "insurance_types": ["enterprise_pension"], "reason": "moved"}
MATERIALS = {"G08": ["id_card"], "G09": ["id_card", "hukou"], "G12": ["id_card"], "G13": ["id_card"]}


def _run(
    tmp_path: Path,
    template: Path,
    item: str,
    form: dict[str, object],
    *,
    prepare: Callable[[Database, str], None],
    city_changes: Callable[[sa.Connection], None],
) -> dict[str, tuple[str, list[tuple[str, str, str]]]]:
    """Both persons' cases after the push: {person: (server case status, [(entity, key, reason)])}."""

    def both(db: Database) -> None:
        for who in (QUIET, BUSY):
            prepare(db, who)

    with in_process(template, tmp_path, prepare=both) as (world, client):
        session = world.session()
        with world.server_db.write() as conn:  # after the station took the slice
            city_changes(conn)
        ids = {
            who: intake(
                session, IntakeRequest(item, ApplicantInput(NAME, who), form, MATERIALS[item])
            ).case_id
            for who in (QUIET, BUSY)
        }
        session.db.close()
        _sync(world, client)
        with world.server_db.read() as conn:
            return {who: _outcome(conn, str(case_id)) for who, case_id in ids.items()}


def _sync(world: World, client: object) -> None:
    agent = SyncAgent(world.paths.home, world.dek, client=client)
    try:
        assert agent.run_once().ok
    finally:
        agent.close()


def _outcome(conn: sa.Connection, case_id: str) -> tuple[str, list[tuple[str, str, str]]]:
    status = conn.execute(sa.select(cases.c.status).where(cases.c.case_id == case_id)).scalar_one()
    found = conn.execute(
        sa.select(conflicts.c.entity, conflicts.c.entity_key, conflicts.c.base_version, conflicts.c.current_version)
        .where(conflicts.c.case_id == case_id)
    ).all()  # fmt: skip
    return str(status), [(e, k, "new row" if not b else f"{b}->{c}") for e, k, b, c in found]


def _enrol(conn: sa.Connection, who: str, insurance: str, kind: str, status: str = "active") -> None:
    conn.execute(
        sa.insert(enrolments).values(
            id_number=who,
            insurance_type=insurance,
            county_code="511102",
            kind=kind,
            status=status,
            since=dt.date(2015, 1, 1),
        )
    )


def test_g12_for_a_known_person_without_a_flexible_enrolment_applies_unless_the_city_enrolled_them(
    sqlite_template: Path, tmp_path: Path
) -> None:
    outcome = _run(
        tmp_path, sqlite_template, "G12", G12,
        prepare=lambda db, who: add_person(db, who, version=3),  # known, version 3, no enrolment
        city_changes=lambda conn: _enrol(conn, BUSY, "enterprise_pension", "employee"),
    )  # fmt: skip
    assert outcome[QUIET] == ("completed", [])
    status, found = outcome[BUSY]
    assert status != "completed" and found == [("enrolment", f"{BUSY}:enterprise_pension", "3->1")]


def test_g09_for_a_known_person_without_a_resident_enrolment_applies_unless_the_city_enrolled_them(
    sqlite_template: Path, tmp_path: Path
) -> None:
    outcome = _run(
        tmp_path, sqlite_template, "G09", G09,
        prepare=lambda db, who: add_person(db, who, version=2),
        city_changes=lambda conn: _enrol(conn, BUSY, "resident_pension", "resident", "suspended"),
    )  # fmt: skip
    assert outcome[QUIET] == ("completed", [])
    assert outcome[BUSY][1] == [("enrolment", f"{BUSY}:resident_pension", "2->1")]


def test_g13_stops_the_flexible_enrolment_the_desk_saw_unless_the_city_changed_it(
    sqlite_template: Path, tmp_path: Path
) -> None:
    def city_stops_it(conn: sa.Connection) -> None:
        conn.execute(
            sa.update(enrolments)
            .where(enrolments.c.id_number == BUSY)
            .values(status="stopped", version=enrolments.c.version + 1)
        )

    outcome = _run(
        tmp_path, sqlite_template, "G13", G13,
        prepare=lambda db, who: add_person(db, who, version=4, enrolled={"enterprise_pension": "511102"},
                                           kind="flexible"),
        city_changes=city_stops_it,
    )  # fmt: skip
    assert outcome[QUIET] == ("completed", [])
    assert outcome[BUSY][1] == [("enrolment", f"{BUSY}:enterprise_pension", "4->2")]


def test_g08_changes_the_person_the_desk_saw_unless_the_city_changed_them(
    sqlite_template: Path, tmp_path: Path
) -> None:
    outcome = _run(
        tmp_path, sqlite_template, "G08", G08,
        prepare=lambda db, who: add_person(db, who, version=3),
        city_changes=lambda conn: conn.execute(
            sa.update(persons).where(persons.c.id_number == BUSY).values(phone="13700000000", version=4)
        ),
    )  # fmt: skip
    assert outcome[QUIET] == ("completed", [])
    assert outcome[BUSY][1] == [("person", BUSY, "3->4")]
