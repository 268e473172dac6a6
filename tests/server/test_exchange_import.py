"""Data exchange and the 稽核 cases on both backends (docs/fraud_checks.md).

The issue's done-when: a death file of 1,000 rows naming 20 pensioners in payment, with 5
malformed rows, suspends exactly those 20, opens 20 cases and reports the 5 rows by line
and code; the same file again changes nothing; a confirmed case recovers the months paid
after death as a payable to the fund; a dismissed one resumes the pension.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from schema.person_records import Benefit, BenefitKind, BenefitStatus, PayableDirection
from schema.record_changes import BenefitGranted, ChangeContext
from sync_server.core.fraud.exchange_file import HEADERS, ExchangeSource
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, benefits, exchange_events, fraud_cases, payables, persons
from sync_server.errors import ApiError
from sync_server.services.fraud import cases
from sync_server.services.fraud.exchange import import_exchange_file
from sync_server.services.records.write import write_record_changes
from tests.conftest import table_count
from tests.support.factories import COUNTY, add_person, person_id

AT = dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 20)
DIED = "2025-12-05"  # paid through 2026-03: January to March are overpaid
PENSIONERS = [person_id(n, born=dt.date(1950, 1, 1)) for n in range(20)]
ALIVE_PENSIONER = person_id(20, born=dt.date(1950, 1, 1))  # in payment, not in the file
NO_BENEFIT = [person_id(n, born=dt.date(1960, 2, 2)) for n in range(10)]  # registered, nothing paid


def _pension(id_number: str) -> Benefit:
    return Benefit(
        id_number=id_number,
        kind=BenefitKind.EMPLOYEE_PENSION,
        monthly_amount=Decimal("2856.40"),
        calculation={"basic": "1500.00"},
        start_month="2015-01",
        paid_through="2026-03",
        bank_account=f"62284800{id_number[-10:-1]}",
        county=COUNTY,
    )


def _seed(db: Database) -> None:
    for pid in [*PENSIONERS, ALIVE_PENSIONER, *NO_BENEFIT]:
        add_person(db, pid)
    with db.write() as conn:
        write_record_changes(
            conn,
            [BenefitGranted(benefit=_pension(pid)) for pid in [*PENSIONERS, ALIVE_PENSIONER]],
            ChangeContext(case_id=None, source="demo", actor="seed", at=AT),
        )


# The 5 malformed rows, by the line they are put on, and the code each must be reported with.
MALFORMED = {
    101: ("110101195001011230,张三,2025-12-01,W1,卫健委", "exchange_row_id_invalid"),  # bad check digit
    202: (
        f"{person_id(900, born=dt.date(1940, 1, 1))},李四,2025-13-40,W2,卫健委",
        "exchange_row_date_invalid",
    ),
    303: (f"{person_id(901, born=dt.date(1940, 1, 1))},,2025-12-01,W3,公安局", "exchange_row_name_missing"),
    404: (f"{person_id(902, born=dt.date(1940, 1, 1))},王五,2025-12-01,卫健委", "exchange_row_columns"),
    505: (
        f"{person_id(903, born=dt.date(1940, 1, 1))},赵六,2027-01-01,W5,卫健委",
        "exchange_row_date_future",
    ),
}


def death_file() -> bytes:
    """1,000 rows: the 20 pensioners, 10 registered persons without benefits, 965 persons the
    registry does not know (other cities' residents), and the 5 malformed rows."""
    valid = [f"{pid},王小明,{DIED},W{n},卫健委" for n, pid in enumerate(PENSIONERS)]
    valid += [f"{pid},李明,{DIED},N{n},公安局" for n, pid in enumerate(NO_BENEFIT)]
    born = dt.date(1938, 3, 3)
    valid += [f"{person_id(n, area='510104', born=born + dt.timedelta(days=n // 1000))},某人,2026-01-0{1 + n % 9},X{n},卫健委"
              for n in range(965)]  # fmt: skip
    lines: list[str] = []
    rows = iter(valid)
    for line in range(2, 1002):  # line 1 is the header
        lines.append(MALFORMED[line][0] if line in MALFORMED else next(rows))
    return ("\ufeff" + ",".join(HEADERS[ExchangeSource.DEATH]) + "\n" + "\n".join(lines) + "\n").encode()


def _import(db: Database, content: bytes) -> object:
    return import_exchange_file(
        db, ExchangeSource.DEATH, content, file_name="death.csv", actor="cli:auditor", at=AT, today=TODAY
    )


def _statuses(db: Database) -> dict[str, str]:
    with db.read() as conn:
        return {
            r.id_number: r.status for r in conn.execute(sa.select(benefits.c.id_number, benefits.c.status))
        }


def test_death_file_suspends_the_pensioners_opens_cases_and_reports_bad_rows(db: Database) -> None:
    _seed(db)
    result = _import(db, death_file())

    assert result.rows_total == 1000 and result.rows_imported == 995  # type: ignore[attr-defined]
    reported = {(p.line, p.code) for p in result.problems}  # type: ignore[attr-defined]
    assert reported == {(line, code) for line, (_row, code) in MALFORMED.items()}
    statuses = _statuses(db)
    assert {pid for pid, s in statuses.items() if s == BenefitStatus.SUSPENDED.value} == set(PENSIONERS)
    assert statuses[ALIVE_PENSIONER] == BenefitStatus.IN_PAYMENT.value
    with db.read() as conn:
        opened = conn.execute(
            sa.select(fraud_cases.c.id_number, fraud_cases.c.kind, fraud_cases.c.status)
        ).all()
        reason = conn.execute(
            sa.select(benefits.c.status_reason).where(benefits.c.id_number == PENSIONERS[0])
        ).scalar_one()
        actions = set(conn.execute(sa.select(audit_log.c.action)).scalars())
    assert sorted(r.id_number for r in opened) == sorted(PENSIONERS)
    assert {(r.kind, r.status) for r in opened} == {("reported_dead", "open")}
    assert DIED in reason
    assert {"exchange_imported", "fraud_cases_opened", "records_changed"} <= actions
    assert table_count(db, exchange_events) == 995


def test_the_same_file_again_changes_nothing(db: Database) -> None:
    _seed(db)
    content = death_file()
    first = _import(db, content)
    audit_rows = table_count(db, audit_log)
    again = _import(db, content)

    assert again.already_imported and again.import_id == first.import_id  # type: ignore[attr-defined]
    assert again.imported_by == "cli:auditor" and len(again.problems) == 5  # type: ignore[attr-defined]
    assert table_count(db, exchange_events) == 995
    assert table_count(db, fraud_cases) == 20
    assert table_count(db, audit_log) == audit_rows


def _case_of(db: Database, id_number: str) -> int:
    with db.read() as conn:
        return int(
            conn.execute(sa.select(fraud_cases.c.id).where(fraud_cases.c.id_number == id_number)).scalar_one()
        )


def test_confirming_recovers_the_months_paid_after_death(db: Database) -> None:
    _seed(db)
    _import(db, death_file())
    case_id = _case_of(db, PENSIONERS[0])
    with db.write() as conn:
        decided = cases.confirm_case(conn, case_id, actor="auditor1", at=AT, reason="经核实已死亡")
    with db.read() as conn:
        payable = conn.execute(sa.select(payables).where(payables.c.id == decided.payable_id)).one()
        person = conn.execute(sa.select(persons).where(persons.c.id_number == PENSIONERS[0])).one()
        benefit = conn.execute(sa.select(benefits).where(benefits.c.id_number == PENSIONERS[0])).one()
    assert decided.status == "confirmed" and decided.decided_by == "auditor1"
    assert payable.direction == PayableDirection.RECOVER.value
    assert payable.amount == Decimal("2856.40") * 3  # 2026-01 .. 2026-03
    assert payable.case_id == f"fraud-{case_id}" and payable.fund == "enterprise_pension"
    assert person.status == "deceased" and person.death_date == dt.date(2025, 12, 5)
    assert benefit.status == "ended" and benefit.end_month == "2025-12"
    with db.write() as conn, pytest.raises(ApiError) as refused:
        cases.confirm_case(conn, case_id, actor="auditor2", at=AT)
    assert refused.value.code == "fraud_case_decided"


def test_dismissing_needs_a_reason_and_resumes_the_pension(db: Database) -> None:
    _seed(db)
    _import(db, death_file())
    case_id = _case_of(db, PENSIONERS[1])
    with db.write() as conn, pytest.raises(ApiError) as refused:
        cases.dismiss_case(conn, case_id, actor="auditor1", at=AT, reason="  ")
    assert refused.value.code == "fraud_reason_missing"
    with db.write() as conn:
        decided = cases.dismiss_case(
            conn, case_id, actor="auditor1", at=AT, reason="同名同号误报，本人已到场认证"
        )
    assert decided.status == "dismissed" and decided.reason == "同名同号误报，本人已到场认证"
    assert _statuses(db)[PENSIONERS[1]] == BenefitStatus.IN_PAYMENT.value
    with db.read() as conn:
        last = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).one()
    assert last.action == "fraud_case_dismissed" and last.entity_id == str(case_id)
