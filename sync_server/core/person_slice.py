"""What a township's stations hold of a person's records, decided without a database. Pure.

The desk needs little of the one database (一库): whether the person is alive, their 经常居住地,
the benefits paid to them (kind, monthly amount, status: G06/G24), the state of their
social security card and the last month paid per insurance. No contribution history
travels: it stays in the city. ``services.feed.person_slice`` reads the rows and this module
turns them into the fields of :class:`schema.records.PersonRecord`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from schema.normalize import clean_text
from schema.records import BenefitRecord, LastContribution, PersonRecord
from schema.vocabulary import InsuranceType
from sync_server.core.ingest.registry_slice import _SEX as SEX  # one spelling of the registry's sexes
from sync_server.core.registry_effects import Enrolment, Person

_BENEFIT_ORDER = {"in_payment": 0, "suspended": 1, "ended": 2}
_INSURANCES = frozenset(i.value for i in InsuranceType)


@dataclass(frozen=True, slots=True)
class BenefitRow:
    kind: str
    monthly_amount: Decimal
    status: str  # in_payment | suspended | ended
    start_month: str
    end_month: str | None


@dataclass(frozen=True, slots=True)
class SliceRecords:
    """The carried records of one person, as read from the tables."""

    status: str = "alive"
    death_date: dt.date | None = None
    residence: str | None = None
    records_version: int = 0
    benefits: tuple[BenefitRow, ...] = ()
    card_status: str | None = None
    last_paid: tuple[LastContribution, ...] = ()
    audit_case_open: bool = False
    death_reported: dt.date | None = None


def audit_flags(open_cases: Iterable[tuple[str, dict[str, object]]]) -> tuple[bool, dt.date | None]:
    """(any open 稽核 case, the death an open ``reported_dead`` case reports) from the
    (kind, evidence) of a person's open cases; a dismissed report no longer warns."""
    is_open, died = False, None
    for kind, evidence in open_cases:
        is_open = True
        event = evidence.get("event")
        if kind == "reported_dead" and isinstance(event, dict) and event.get("event_date"):
            day = dt.date.fromisoformat(str(event["event_date"]))
            died = day if died is None else min(died, day)
    return is_open, died


def _benefit_order(rows: Iterable[BenefitRow]) -> list[BenefitRow]:
    """Paid ones first, then suspended, then ended; within each the latest first."""
    newest_first = sorted(rows, key=lambda b: (b.start_month, b.kind), reverse=True)
    return sorted(newest_first, key=lambda b: _BENEFIT_ORDER.get(b.status, 3))  # stable


def benefit_records(rows: Iterable[BenefitRow]) -> tuple[BenefitRecord, ...]:
    """Paid ones first, then suspended, then ended; within each the latest first."""
    return tuple(
        BenefitRecord(
            kind=b.kind,
            monthly_amount=b.monthly_amount,
            status=b.status,  # type: ignore[arg-type,unused-ignore]  # the table holds three values
            start_month=b.start_month,
            end_month=b.end_month,
        )
        for b in _benefit_order(rows)
    )


def last_paid(
    months: Iterable[tuple[str, str]], archived_years: Iterable[tuple[str, int]]
) -> tuple[LastContribution, ...]:
    """The latest month per insurance from (insurance, month) of months paid (net of refunds),
    else the latest archived year (insurance, year) when no month of it is kept monthly."""
    latest: dict[str, str] = {}
    for insurance, month in months:
        if month > latest.get(insurance, ""):
            latest[insurance] = month
    for insurance, year in archived_years:
        if str(year) > latest.get(insurance, "")[:4]:
            latest[insurance] = str(year)
    return tuple(
        LastContribution(insurance=InsuranceType(insurance), month=latest[insurance])
        for insurance in sorted(latest)
        if insurance in _INSURANCES
    )


def with_records(record: PersonRecord, records: SliceRecords) -> PersonRecord:
    """The registry's record of the person with the carried records added."""
    return PersonRecord.model_validate(
        {
            **dict(record),
            "status": records.status,
            "death_date": records.death_date,
            "residence": records.residence,
            "benefits": benefit_records(records.benefits),
            "card_status": records.card_status,
            "last_contributions": records.last_paid,
            "records_version": records.records_version,
            "audit_case_open": records.audit_case_open,
            "death_reported": records.death_reported if records.status != "deceased" else None,
        }
    )  # validated: a value the station could not read is refused here, not there


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def record_json(person: Person, held: Iterable[Enrolment], records: SliceRecords) -> dict[str, Any]:
    """``with_records(person_record(person, held), records).model_dump(mode="json")``, written
    directly: a snapshot serves hundreds of thousands of persons and the model round trip was
    most of the server's CPU a person. Same dict, key for key and in the same order
    (``tests/server/test_record_json.py`` compares them); the rows come from the registry's own
    tables, whose writers validated them as records."""
    return {
        "id_number": person.id_number,
        "name": clean_text(person.name),  # schema.cases.Name cleans it so
        "sex": SEX.get(person.sex, person.sex),
        "birth_date": person.birth_date.isoformat(),
        "township": person.township_code or "",
        "phone": person.phone,
        "address": person.address,
        "version": person.version,
        "enrolments": [
            {
                "insurance": e.insurance_type,
                "county": e.county_code,
                "status": e.status,
                "since": e.since.isoformat(),
                "unit_uscc": e.unit_uscc,
                "version": e.version,
            }
            for e in sorted(held, key=lambda x: x.insurance_type)
        ],
        "residence": records.residence,
        "status": records.status,
        "death_date": _day(records.death_date),
        "benefits": [
            {
                "kind": b.kind,
                "monthly_amount": str(b.monthly_amount),
                "status": b.status,
                "start_month": b.start_month,
                "end_month": b.end_month,
            }
            for b in _benefit_order(records.benefits)
        ],
        "card_status": records.card_status,
        "last_contributions": [{"insurance": c.insurance.value, "month": c.month} for c in records.last_paid],
        "records_version": records.records_version,
        "audit_case_open": records.audit_case_open,
        "death_reported": _day(records.death_reported) if records.status != "deceased" else None,
    }
