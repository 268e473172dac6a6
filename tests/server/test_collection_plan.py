"""The month's collection plan in the database, arrears and the township dues list (both backends)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sync_server.db.engine import Database
from sync_server.db.tables import (
    audit_log,
    collection_plan_lines,
    collection_plan_locks,
    contribution_records,
    enrolments,
    persons,
    units,
)
from sync_server.errors import ApiError
from sync_server.services.finance.collection import arrears_on, build_collection_plan, township_dues
from tests.conftest import table_count
from tests.server.test_cli_admin import run
from tests.support.factories import COUNTY, TOWNSHIP, add_person, person_id, unit_uscc

D = Decimal
UNIT = unit_uscc(1)
AT = dt.datetime(2026, 2, 1, 1, 0, tzinfo=dt.UTC)


def _record(
    id_number: str, insurance: str, month: str, parts: tuple[str, str, str], **kw: Any
) -> dict[str, Any]:
    base, employer, personal = parts
    row = {
        "id_number": id_number,
        "insurance_type": insurance,
        "month": month,
        "base": D(base),
        "employer_part": D(employer),
        "personal_part": D(personal),
        "account_part": D("0"),
        "source": "unit_declaration",
        "county_code": COUNTY,
        "unit_uscc": UNIT,
    }
    row.update(kw)
    return row


def world(db: Database) -> tuple[str, str, str]:
    """A unit (risk class 3) with two employees in pension and work injury, a flexible worker."""
    a, b, flex = person_id(1), person_id(2), person_id(3)
    with db.write() as conn:
        conn.execute(
            sa.insert(units).values(
                uscc=UNIT, name="乐山测试有限公司", county_code=COUNTY, township_code=TOWNSHIP, risk_class=3
            )
        )
    for n in (a, b):
        add_person(db, n, enrolled={"enterprise_pension": COUNTY, "work_injury": COUNTY})
    add_person(db, flex, enrolled={"enterprise_pension": COUNTY}, kind="flexible")
    with db.write() as conn:
        conn.execute(sa.update(enrolments).where(enrolments.c.kind == "employee").values(unit_uscc=UNIT))
        conn.execute(sa.update(persons).where(persons.c.id_number == flex).values(residence_code="511102005"))
        conn.execute(
            sa.insert(contribution_records),
            [
                _record(a, "enterprise_pension", "2025-11", ("5000.00", "800.00", "400.00")),
                _record(a, "enterprise_pension", "2025-12", ("6000.00", "960.00", "480.00")),  # the latest
                _record(
                    a, "enterprise_pension", "2026-01", ("9000.00", "1440.00", "720.00")
                ),  # not before Jan
                _record(
                    flex,
                    "enterprise_pension",
                    "2025-12",
                    ("5000.00", "0", "1000.00"),
                    source="desk",
                    unit_uscc=None,
                ),
            ],
        )
    return a, b, flex


def _lines(db: Database) -> dict[tuple[str, str], Any]:
    with db.read() as conn:
        return {(r.payer, r.insurance_type): r for r in conn.execute(sa.select(collection_plan_lines))}


def test_the_plan_is_built_from_enrolments_bases_and_rates_and_audited(db: Database) -> None:
    world(db)
    with db.write() as conn:
        result = build_collection_plan(conn, "2026-01", actor="finance1", now=AT)
    lines = _lines(db)
    pension = lines[(UNIT, "enterprise_pension")]
    # a: 6,000 (Dec's record) → 960 + 480; b: no record → 4,588 → 734.08 + 367.04
    assert (pension.persons, pension.base_total, pension.employer_part, pension.employee_part) == (
        2,
        D("10588.00"),
        D("1694.08"),
        D("847.04"),
    )
    assert lines[(UNIT, "work_injury")].amount == D("64.24")  # no injury record: 4,588 × 0.7 % = 32.12, twice
    flex = lines[(person_id(3), "enterprise_pension")]
    assert (flex.payer_kind, flex.township_code, flex.amount) == ("flexible", "511102005", D("1000.00"))
    assert pension.due_date == dt.date(2026, 2, 15)
    assert len(result.diff.added) == 3
    with db.read() as conn:
        entry = conn.execute(sa.select(audit_log).where(audit_log.c.action == "collection_plan_built")).one()
    assert (entry.actor, entry.entity_id, entry.detail["added"], entry.detail["total"]) == (
        "finance1",
        "2026-01",
        3,
        "3605.36",
    )


def test_running_it_twice_changes_nothing_and_a_rebuild_shows_what_changed(db: Database) -> None:
    _a, b, _flex = world(db)
    with db.write() as conn:
        build_collection_plan(conn, "2026-01", actor="finance1", now=AT)
    before, audits = _lines(db), table_count(db, audit_log)
    with db.write() as conn:
        again = build_collection_plan(conn, "2026-01", actor="finance1", now=AT + dt.timedelta(hours=1))
    assert not again.changed and table_count(db, audit_log) == audits
    assert {k: (v.digest, v.built_at) for k, v in _lines(db).items()} == {
        k: (v.digest, v.built_at) for k, v in before.items()
    }
    with db.write() as conn:  # b's December declaration arrives late: his base is now 5,000
        conn.execute(
            sa.insert(contribution_records).values(
                **_record(b, "enterprise_pension", "2025-12", ("5000.00", "800.00", "400.00"))
            )
        )
        conn.execute(sa.update(enrolments).where(enrolments.c.kind == "flexible").values(status="suspended"))
        rebuilt = build_collection_plan(conn, "2026-01", actor="finance2", now=AT + dt.timedelta(hours=2))
    assert [x.key for x in rebuilt.diff.changed] == [("2026-01", "unit", UNIT, "enterprise_pension")]
    assert rebuilt.diff.removed == (("2026-01", "flexible", person_id(3), "enterprise_pension"),)
    assert _lines(db)[(UNIT, "enterprise_pension")].base_total == D("11000.00")
    assert table_count(db, audit_log) == audits + 1
    with db.read() as conn:
        detail = conn.execute(
            sa.select(audit_log.c.detail).order_by(audit_log.c.seq.desc()).limit(1)
        ).scalar_one()
    assert (detail["changed"], detail["removed"], detail["changed_keys"]) == (
        1,
        1,
        [f"unit/{UNIT}/enterprise_pension"],
    )


def test_arrears_match_the_plan_with_what_was_paid_and_charge_late_fees(db: Database) -> None:
    _a, b, flex = world(db)
    with db.write() as conn:
        build_collection_plan(conn, "2026-01", actor="finance1", now=AT)
        # January pension: a's 2,160.00 and b's 734.08 recorded, more than the 2,541.12 planned; injury unpaid
        conn.execute(
            sa.insert(contribution_records).values(
                **_record(b, "enterprise_pension", "2026-01", ("4588.00", "734.08", "0"))
            )
        )
    with db.read() as conn:
        assert arrears_on(conn, dt.date(2026, 2, 15)) == []  # due day: not yet in arrears
        found = {x.payer: x for x in arrears_on(conn, dt.date(2026, 3, 4))}  # 17 days late
    unit = found[UNIT]
    # the pension line is paid up (an overpayment is not arrears); work injury is wholly unpaid
    assert [(x.line.insurance, x.unpaid, x.late_fee) for x in unit.items] == [
        ("work_injury", D("64.24"), D("0.55"))
    ]  # 64.24 × 0.0005 × 17 = 0.54604
    assert (found[flex].months, found[flex].unpaid, found[flex].late_fees) == (
        ("2026-01",),
        D("1000.00"),
        D("8.50"),
    )
    with db.read() as conn:
        assert [x.payer for x in arrears_on(conn, dt.date(2026, 3, 4), township="511102005")] == [flex]


def test_the_township_dues_list_names_flexible_workers_due_or_in_arrears(db: Database) -> None:
    _a, _b, flex = world(db)
    with db.write() as conn:
        build_collection_plan(conn, "2026-01", actor="finance1", now=AT)
        build_collection_plan(conn, "2026-02", actor="finance1", now=AT)
    with db.read() as conn:
        (due,) = township_dues(conn, "511102005", dt.date(2026, 3, 1))
        assert (
            township_dues(conn, TOWNSHIP, dt.date(2026, 3, 1)) == []
        )  # the unit's township: no flexible workers
    assert (due.id_number, due.name, due.current_month, due.current_amount, due.due_date) == (
        flex,
        "王小明",
        "2026-02",
        D("1000.00"),
        dt.date(2026, 3, 15),
    )
    assert (due.arrears_months, due.arrears_amount, due.late_fee) == (
        ("2026-01",),
        D("1000.00"),
        D("7.00"),
    )  # 14 days
    with db.write() as conn:
        conn.execute(
            sa.insert(contribution_records),
            [
                _record(
                    flex, "enterprise_pension", m, ("5000.00", "0", "1000.00"), source="desk", unit_uscc=None
                )
                for m in ("2026-01", "2026-02")
            ],
        )
    with db.read() as conn:
        assert township_dues(conn, "511102005", dt.date(2026, 3, 1)) == []


def test_cli_plans_collect_twice_and_arrears(database_url: str, tmp_path: Path, db: Database) -> None:
    path = tmp_path / "server"
    assert run("init", "--data-dir", path, "--database-url", database_url).exit_code == 0
    world(db)
    first = run("plans", "collect", "--month", "２０２６-01", "--data-dir", path)  # full-width digits
    assert first.exit_code == 0, first.output
    assert "新增 3 行" in first.output and "3,605.36" in first.output
    second = run("plans", "collect", "--month", "2026-01", "--data-dir", path)
    assert second.exit_code == 0 and "未作任何改动" in second.output
    bad = run("plans", "collect", "--month", "2026-13", "--data-dir", path)
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
    owed = run("plans", "arrears", "--on", "2026-03-04", "--data-dir", path)
    assert owed.exit_code == 0 and "8.50" in owed.output and "欠费 2 户" in owed.output


def test_a_locked_months_plan_is_not_rebuilt(db: Database) -> None:
    world(db)
    with db.write() as conn:
        build_collection_plan(conn, "2026-01", actor="finance1", now=AT)
        conn.execute(
            sa.insert(collection_plan_locks).values(month="2026-01", locked_by="checker1", locked_at=AT)
        )
    with pytest.raises(ApiError) as refused, db.write() as conn:
        conn.execute(sa.update(enrolments).where(enrolments.c.kind == "flexible").values(status="suspended"))
        build_collection_plan(conn, "2026-01", actor="finance1", now=AT)
    assert refused.value.code == "collection_plan_locked" and "checker1" in refused.value.message
    assert len(_lines(db)) == 3
