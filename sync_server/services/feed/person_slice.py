"""A person as the township's stations receive them: the registry row, the enrolments and
the records the desk needs (:mod:`sync_server.core.person_slice`), read for a set of
persons with one query per table.

Every writer of a person's slice goes through here, so a station never receives a record
that lacks the carried records: the snapshot (:func:`person_changes_for_rows`), a push's
registry changes (:func:`completed`), a conflict resolution and a decision that changed
benefits, cards, contributions or the person's status (:func:`tell_townships`). The change's
version is ``persons.version + persons.records_version``; both only grow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.protocol import ChangeKind
from sync_server.core.feed_change import FeedChange, township_scope
from sync_server.core.person_slice import BenefitRow, SliceRecords, audit_flags, last_paid, record_json
from sync_server.core.registry_effects import Enrolment, Person
from sync_server.db.tables import (
    benefits,
    cards,
    contribution_records,
    contribution_year_summaries,
    enrolments,
    fraud_cases,
    persons,
)
from sync_server.services.bulk import in_list
from sync_server.services.feed import changes as feed
from sync_server.services.feed.members import Members

__all__ = [
    "ENROLMENT_COLUMNS",
    "PERSON_COLUMNS",
    "completed",
    "enrolment_rows",
    "person_changes",
    "person_changes_for_rows",
    "read_range_records",
    "read_records",
    "tell_townships",
]

_CHUNK = 5000  # persons per IN list

# The columns a slice record reads (person_changes_for_rows): not the timestamps, whose
# conversion cost as much as the rest of a row.
PERSON_COLUMNS = tuple(
    persons.c[name]
    for name in ("id_number", "name", "sex", "birth_date", "township_code", "phone", "address", "version")
)
ENROLMENT_COLUMNS = tuple(
    enrolments.c[name]
    for name in (
        "id_number",
        "insurance_type",
        "county_code",
        "kind",
        "status",
        "since",
        "unit_uscc",
        "version",
    )
)


def _chunks(keys: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(keys), _CHUNK):
        yield list(keys[start : start + _CHUNK])


def read_records(conn: Connection, id_numbers: Iterable[str]) -> dict[str, SliceRecords]:
    """The carried records of each known person among ``id_numbers``."""
    keys = sorted(set(id_numbers))
    out: dict[str, SliceRecords] = {}
    for chunk in _chunks(keys):
        out.update(_read_chunk(conn, Members.listed(conn, chunk)))
    return out


def read_range_records(conn: Connection, township: str, first: str, last: str) -> dict[str, SliceRecords]:
    """:func:`read_records` of a snapshot page's persons, chosen by their range rather than a
    list of thousands of ID numbers (``members`` says why)."""
    return _read_chunk(conn, Members.page(conn, township, first, last))


def enrolment_rows(conn: Connection, members: Members) -> dict[str, list[Row[Any]]]:
    """The enrolments of ``members`` (``ENROLMENT_COLUMNS``), by ID number, in insurance order."""
    e = enrolments.c
    held: dict[str, list[Row[Any]]] = defaultdict(list)
    query = members.rows(
        lambda whose: sa.select(*ENROLMENT_COLUMNS).where(whose(e.id_number)), "id_number", "insurance_type"
    )
    for row in conn.execute(query):
        held[row.id_number].append(row)
    return held


def _read_chunk(conn: Connection, members: Members) -> dict[str, SliceRecords]:
    p, b, c = persons.c, benefits.c, cards.c
    found = {
        r.id_number: (r.status, r.death_date, r.residence_code, int(r.records_version))
        for r in conn.execute(
            sa.select(p.id_number, p.status, p.death_date, p.residence_code, p.records_version).where(
                members.own(p.id_number)
            )
        )
    }
    paid: dict[str, list[BenefitRow]] = defaultdict(list)
    benefit_rows = members.rows(
        lambda whose: sa.select(
            b.id_number, b.id, b.kind, b.monthly_amount, b.status, b.start_month, b.end_month
        ).where(whose(b.id_number)),
        "id_number",
        "id",
    )
    for r in conn.execute(benefit_rows):
        paid[r.id_number].append(BenefitRow(r.kind, r.monthly_amount, r.status, r.start_month, r.end_month))
    card: dict[str, str] = {}
    card_rows = members.rows(
        lambda whose: sa.select(c.id_number, c.id, c.status).where(whose(c.id_number)), "id_number", "id"
    )
    for r in conn.execute(card_rows):
        card[r.id_number] = r.status  # the latest card issued stands
    months, years = _last_months(conn, members)
    cases: dict[str, list[tuple[str, dict[str, object]]]] = defaultdict(list)
    f = fraud_cases.c
    open_cases = members.rows(
        lambda whose: sa.select(f.id_number, f.id, f.kind, f.evidence).where(
            f.status == "open", whose(f.id_number)
        ),
        "id_number",
        "id",
    )
    for r in conn.execute(open_cases):
        cases[r.id_number].append((r.kind, dict(r.evidence)))
    no_case = audit_flags(())
    out = {}
    for key, (status, death_date, residence, records_version) in found.items():
        flags = audit_flags(cases[key]) if key in cases else no_case
        paid_months, archived = months.get(key), years.get(key)
        out[key] = SliceRecords(
            status,
            death_date,
            residence,
            records_version,
            benefits=tuple(paid[key]) if key in paid else (),
            card_status=card.get(key),
            last_paid=last_paid(paid_months or (), archived or ()) if paid_months or archived else (),
            audit_case_open=flags[0],
            death_reported=flags[1],
        )
    return out


def _last_months(
    conn: Connection, members: Members
) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, int]]]]:
    """Per person: (insurance, latest month paid net of refunds), (insurance, latest archived year)."""
    r, y = contribution_records.c, contribution_year_summaries.c
    paid_months = members.rows(
        lambda whose: (
            sa.select(r.id_number, r.insurance_type, r.month)
            .where(whose(r.id_number))
            .group_by(r.id_number, r.insurance_type, r.month)
            .having(sa.func.sum(r.employer_part + r.personal_part) > 0)
        )  # a refunded month is not paid
    ).subquery()
    months: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in conn.execute(
        sa.select(
            paid_months.c.id_number, paid_months.c.insurance_type, sa.func.max(paid_months.c.month)
        ).group_by(paid_months.c.id_number, paid_months.c.insurance_type)
    ):
        months[row[0]].append((row[1], row[2]))
    years: dict[str, list[tuple[str, int]]] = defaultdict(list)
    archived = members.rows(
        lambda whose: (
            sa.select(y.id_number, y.insurance_type, sa.func.max(y.year).label("year"))
            .where(whose(y.id_number), y.months > 0)
            .group_by(y.id_number, y.insurance_type)
        )
    )
    for row in conn.execute(archived):
        years[row[0]].append((row[1], int(row[2])))
    return months, years


def _enrolment(e: Row[Any]) -> Enrolment:
    return Enrolment(
        e.id_number, e.insurance_type, e.county_code, e.kind, e.status, e.since, e.unit_uscc, int(e.version)
    )


def person_changes_for_rows(
    person_rows: Sequence[Row[Any]],
    enrolment_rows: Mapping[str, Sequence[Row[Any]]],
    records: Mapping[str, SliceRecords],
) -> list[FeedChange]:
    """Each ``persons`` row with its enrolments and records, for its township's stations."""
    out = []
    for row in person_rows:
        if not row.township_code:
            continue
        person = Person(row.id_number, row.name, row.sex, row.birth_date, row.township_code, row.phone,
                        row.address, int(row.version))  # fmt: skip
        held = [_enrolment(e) for e in enrolment_rows.get(row.id_number, ())]
        carried = records.get(row.id_number, SliceRecords())
        out.append(
            FeedChange(
                township_scope(row.township_code),
                ChangeKind.PERSON.value,
                row.id_number,
                person.version + carried.records_version,
                record_json(person, held, carried),
            )
        )  # fmt: skip  (the version is PersonRecord.slice_version)
    return out


def person_changes(conn: Connection, id_numbers: Iterable[str]) -> list[FeedChange]:
    """The slice record of each of these persons, read now, in ID-number order."""
    keys = sorted(set(id_numbers))
    out: list[FeedChange] = []
    for chunk in _chunks(keys):
        rows = conn.execute(
            sa.select(*PERSON_COLUMNS)
            .where(in_list(conn, persons.c.id_number, chunk))
            .order_by(persons.c.id_number)
        ).all()
        held = enrolment_rows(conn, Members.listed(conn, chunk))
        out += person_changes_for_rows(rows, held, read_records(conn, chunk))
    return out


def completed(conn: Connection, changes: Sequence[FeedChange]) -> list[FeedChange]:
    """A push's registry feed changes with each person's record re-read whole (deletions,
    for a township a person left, stay as they are)."""
    wanted = [c.key for c in changes if c.kind == ChangeKind.PERSON.value and not c.deleted]
    if not wanted:
        return list(changes)
    fresh = {c.key: c for c in person_changes(conn, wanted)}
    return [
        fresh.get(c.key, c) if c.kind == ChangeKind.PERSON.value and not c.deleted else c for c in changes
    ]


def tell_townships(conn: Connection, id_numbers: Iterable[str]) -> list[FeedChange]:
    """After a transaction changed these persons' carried records: count the change and send
    each person's record to their township's stations (in the caller's transaction)."""
    keys = sorted(set(id_numbers))
    if not keys:
        return []
    for chunk in _chunks(keys):
        conn.execute(
            sa.update(persons)
            .where(in_list(conn, persons.c.id_number, chunk))
            .values(records_version=persons.c.records_version + 1)
        )
    told = person_changes(conn, keys)
    feed.emit_many(conn, told)
    return told
