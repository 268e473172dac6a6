"""The anti-fraud rules without a database: a department's file read row by row, and the
checks (two pensions, 资格认证, one account for several families, a prison term)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from schema.identifiers import Sex
from schema.person_records import Benefit, BenefitKind, PersonRecords, RegistryPerson
from sync_server.core.fraud.exchange_file import ExchangeSource, read_exchange_file
from sync_server.core.fraud.findings import (
    AccountHolder,
    ExchangeFact,
    FraudKind,
    person_findings,
    shared_account_findings,
    suspensions,
)
from tests.support.factories import COUNTY, person_id

TODAY = dt.date(2026, 3, 20)
PID = person_id(1, born=dt.date(1950, 1, 1))


def _records(*benefits: Benefit) -> PersonRecords:
    person = RegistryPerson(id_number=PID, name="王小明", sex=Sex.MALE, birth_date=dt.date(1950, 1, 1))
    return PersonRecords(person=person, benefits=benefits)


def _benefit(kind: BenefitKind, start: str = "2015-01", n: int = 1) -> Benefit:
    return Benefit(id=n, id_number=PID, kind=kind, monthly_amount=Decimal("1000.00"), calculation={},
                   start_month=start, paid_through="2026-03", county=COUNTY)  # fmt: skip


def test_full_width_digits_are_read_and_each_bad_row_has_its_line() -> None:
    header = "公民身份号码,姓名,收监日期,刑期截止日期,监所\n"
    wide = PID.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    content = (
        header + f"{wide},王小明,２０２６-０１-０５,2029-01-04,五通桥监狱\n{PID},王小明,2026/1/x,,监狱\n"
    ).encode()
    parsed = read_exchange_file(ExchangeSource.PRISON, content, today=TODAY)
    assert [(r.line, r.id_number, r.event_date, r.until) for r in parsed.rows] == [
        (2, PID, dt.date(2026, 1, 5), dt.date(2029, 1, 4))
    ]
    assert [(p.line, p.code) for p in parsed.problems] == [(3, "exchange_row_date_invalid")]


def test_a_prisoner_in_payment_is_suspended_until_the_term_ends() -> None:
    records = _records(_benefit(BenefitKind.EMPLOYEE_PENSION))
    fact = ExchangeFact(7, "prison", dt.date(2026, 1, 5), dt.date(2029, 1, 4))
    found = person_findings(records, [fact], last_certified=TODAY, today=TODAY)
    assert [(f.kind, f.basis, f.suspend) for f in found] == [
        (FraudKind.IMPRISONED, "event:7", (BenefitKind.EMPLOYEE_PENSION,))
    ]
    released = ExchangeFact(8, "prison", dt.date(2020, 1, 5), dt.date(2025, 1, 4))
    assert person_findings(records, [released], last_certified=TODAY, today=TODAY) == []


def test_two_pensions_open_a_case_without_suspending() -> None:
    records = _records(_benefit(BenefitKind.EMPLOYEE_PENSION), _benefit(BenefitKind.RESIDENT_PENSION, n=2))
    found = person_findings(records, [], last_certified=TODAY, today=TODAY)
    assert [(f.kind, f.suspend) for f in found] == [(FraudKind.DUPLICATE_PENSION, ())]
    assert suspensions(found, {PID: records}) == []


def test_no_certification_for_twelve_months_suspends_the_pension() -> None:
    records = _records(_benefit(BenefitKind.EMPLOYEE_PENSION))
    stale = person_findings(records, [], last_certified=dt.date(2025, 3, 1), today=TODAY)
    assert [(f.kind, f.opens_case) for f in stale] == [(FraudKind.NO_CERTIFICATION, False)]
    assert [s.kind for s in suspensions(stale, {PID: records})] == [BenefitKind.EMPLOYEE_PENSION]
    assert person_findings(records, [], last_certified=dt.date(2025, 4, 1), today=TODAY) == []
    granted_lately = _records(_benefit(BenefitKind.EMPLOYEE_PENSION, start="2025-10"))
    assert person_findings(granted_lately, [], last_certified=None, today=TODAY) == []


def test_one_account_for_two_families_is_a_case_but_a_married_couple_is_not() -> None:
    a, b, c = (person_id(n, born=dt.date(1950, 1, 1)) for n in (1, 2, 3))
    couple = [
        AccountHolder(a, "甲", COUNTY, "employee_pension"),
        AccountHolder(b, "乙", COUNTY, "resident_pension"),
    ]
    assert shared_account_findings({"6228480000001": couple}, [frozenset((a, b))]) == []
    three = [*couple, AccountHolder(c, "丙", COUNTY, "employee_pension")]
    found = shared_account_findings({"6228480000001": three}, [frozenset((a, b))])
    assert [(f.kind, f.subject, f.id_number) for f in found] == [
        (FraudKind.SHARED_ACCOUNT, "6228480000001", a)
    ]
