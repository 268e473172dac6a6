"""Load persons' records: one SELECT per table for any number of persons.

The ingest and approval paths call :func:`load_person_records` once with every person a
batch or a decision touches; nothing here queries per person or per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.person_records import (
    AccountYear,
    Benefit,
    Card,
    ContributionMonth,
    ContributionYearSummary,
    Determination,
    Enrolment,
    Payable,
    PersonChange,
    PersonRecords,
    RegistryPerson,
    RegistryUnit,
    Transfer,
)
from sync_server.db.tables import (
    benefits,
    cards,
    contribution_records,
    contribution_year_summaries,
    determinations,
    enrolments,
    payables,
    person_changes,
    personal_accounts,
    persons,
    transfers,
    units,
)
from sync_server.services.bulk import in_list

M = TypeVar("M")
_SEX = {"M": "male", "F": "female"}  # old rows may carry the wire spelling


def person_from_row(r: Row[Any]) -> RegistryPerson:
    return RegistryPerson(
        id_number=r.id_number,
        name=r.name,
        sex=_SEX.get(r.sex, r.sex),
        birth_date=r.birth_date,
        township=r.township_code,
        residence=r.residence_code,
        phone=r.phone,
        address=r.address,
        status=r.status,
        death_date=r.death_date,
        version=r.version,
    )


def unit_from_row(r: Row[Any]) -> RegistryUnit:
    return RegistryUnit(
        uscc=r.uscc,
        name=r.name,
        county=r.county_code,
        township=r.township_code,
        risk_class=r.risk_class,
        status=r.status,
        closed_on=r.closed_on,
        version=r.version,
    )


def enrolment_from_row(r: Row[Any]) -> Enrolment:
    return Enrolment(
        insurance=r.insurance_type,
        county=r.county_code,
        kind=r.kind,
        status=r.status,
        unit_uscc=r.unit_uscc,
        since=r.since,
        until=r.until,
        stop_reason=r.stop_reason,
        version=r.version,
    )


def contribution_from_row(r: Row[Any]) -> ContributionMonth:
    return ContributionMonth(
        id_number=r.id_number,
        insurance=r.insurance_type,
        month=r.month,
        base=r.base,
        employer_part=r.employer_part,
        personal_part=r.personal_part,
        account_part=r.account_part,
        source=r.source,
        case_id=r.case_id,
        county=r.county_code,
        unit_uscc=r.unit_uscc,
    )


def _summary(r: Row[Any]) -> ContributionYearSummary:
    return ContributionYearSummary(
        id_number=r.id_number,
        insurance=r.insurance_type,
        year=r.year,
        months=r.months,
        base_sum=r.base_sum,
        employer_sum=r.employer_sum,
        personal_sum=r.personal_sum,
        account_sum=r.account_sum,
        index_sum=r.index_sum,
        county=r.county_code,
    )


def _account(r: Row[Any]) -> AccountYear:
    return AccountYear(
        id_number=r.id_number,
        insurance=r.insurance_type,
        year=r.year,
        opening=r.opening,
        credited=r.credited,
        interest=r.interest,
        rate=r.rate,
        closing=r.closing,
    )


def _benefit(r: Row[Any]) -> Benefit:
    return Benefit(
        id=r.id,
        id_number=r.id_number,
        kind=r.kind,
        monthly_amount=r.monthly_amount,
        calculation=r.calculation,
        start_month=r.start_month,
        end_month=r.end_month,
        status=r.status,
        status_reason=r.status_reason,
        paid_through=r.paid_through,
        bank_name=r.bank_name,
        bank_account=r.bank_account,
        county=r.county_code,
        case_id=r.case_id,
        version=r.version,
    )


def _payable(r: Row[Any]) -> Payable:
    return Payable(
        id=r.id,
        id_number=r.id_number,
        unit_uscc=r.unit_uscc,
        payee_name=r.payee_name,
        kind=r.kind,
        amount=r.amount,
        direction=r.direction,
        status=r.status,
        case_id=r.case_id,
        county=r.county_code,
        fund=r.fund,
        detail=r.detail,
        created_at=r.created_at,
        settled_at=r.settled_at,
    )


def card_from_row(r: Row[Any]) -> Card:
    return Card(
        id=r.id,
        id_number=r.id_number,
        card_number=r.card_number,
        status=r.status,
        bank_name=r.bank_name,
        history=tuple(r.history),
        version=r.version,
    )


def _transfer(r: Row[Any]) -> Transfer:
    return Transfer(
        id=r.id,
        id_number=r.id_number,
        direction=r.direction,
        insurance=r.insurance_type,
        region_from=r.region_from,
        region_to=r.region_to,
        months=r.months,
        pooled_amount=r.pooled_amount,
        account_amount=r.account_amount,
        county=r.county_code,
        case_id=r.case_id,
        at=r.at,
    )


def determination_from_row(r: Row[Any]) -> Determination:
    return Determination(
        id=r.id,
        id_number=r.id_number,
        unit_uscc=r.unit_uscc,
        kind=r.kind,
        item_code=r.item_code,
        result=r.result,
        valid_from=r.valid_from,
        valid_until=r.valid_until,
        county=r.county_code,
        case_id=r.case_id,
        created_at=r.created_at,
    )


def _change(r: Row[Any]) -> PersonChange:
    return PersonChange(
        id_number=r.id_number,
        field=r.field,
        old_value=r.old_value,
        new_value=r.new_value,
        case_id=r.case_id,
        source=r.source,
        at=r.at,
    )


def _grouped(
    conn: Connection, table: sa.Table, ids: list[str], build: Callable[[Row[Any]], M], *order: Any
) -> dict[str, list[M]]:
    query = sa.select(table).where(in_list(conn, table.c.id_number, ids)).order_by(*order)
    out: dict[str, list[M]] = defaultdict(list)
    for r in conn.execute(query):
        out[r.id_number].append(build(r))
    return out


def load_person_records(conn: Connection, id_numbers: Iterable[str]) -> dict[str, PersonRecords]:
    """Every listed person's records, keyed by ID number; persons not in the registry are absent."""
    ids = sorted(set(id_numbers))
    if not ids:
        return {}
    found = {
        r.id_number: person_from_row(r)
        for r in conn.execute(sa.select(persons).where(in_list(conn, persons.c.id_number, ids)))
    }
    ids = sorted(found)
    if not ids:
        return {}
    parts: dict[str, dict[str, list[Any]]] = {
        "enrolments": _grouped(conn, enrolments, ids, enrolment_from_row, enrolments.c.insurance_type),
        "contributions": _grouped(
            conn,
            contribution_records,
            ids,
            contribution_from_row,
            contribution_records.c.month,
            contribution_records.c.id,
        ),
        "year_summaries": _grouped(
            conn, contribution_year_summaries, ids, _summary, contribution_year_summaries.c.year
        ),
        "accounts": _grouped(conn, personal_accounts, ids, _account, personal_accounts.c.year),
        "benefits": _grouped(conn, benefits, ids, _benefit, benefits.c.id),
        "payables": _grouped(conn, payables, ids, _payable, payables.c.id),
        "cards": _grouped(conn, cards, ids, card_from_row, cards.c.id),
        "transfers": _grouped(conn, transfers, ids, _transfer, transfers.c.id),
        "changes": _grouped(conn, person_changes, ids, _change, person_changes.c.at, person_changes.c.id),
        "determinations": _grouped(
            conn,
            determinations,
            ids,
            determination_from_row,
            determinations.c.valid_from,
            determinations.c.id,
        ),
    }
    return {
        pid: PersonRecords(person=person, **{name: tuple(rows.get(pid, ())) for name, rows in parts.items()})
        for pid, person in found.items()
    }


def load_unit_determinations(conn: Connection, uscc: str) -> list[Determination]:
    """A unit's determinations (C003 projects, C016 bases, C094 rate float, C097 备案), oldest first."""
    query = (
        sa.select(determinations)
        .where(determinations.c.unit_uscc == uscc, determinations.c.id_number.is_(None))
        .order_by(determinations.c.valid_from, determinations.c.id)
    )
    return [determination_from_row(r) for r in conn.execute(query)]


def load_units(conn: Connection, usccs: Collection[str]) -> dict[str, RegistryUnit]:
    """The listed units, keyed by USCC (one query)."""
    if not usccs:
        return {}
    query = sa.select(units).where(in_list(conn, units.c.uscc, sorted(set(usccs))))
    return {r.uscc: unit_from_row(r) for r in conn.execute(query)}
