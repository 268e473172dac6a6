"""The registry rows one push reads and writes, held in memory for the whole batch.

A push loads the persons, enrolments and units its cases name with a few ``IN`` queries
(rows that cases will change are locked ``FOR UPDATE`` on PostgreSQL, so a console edit
cannot slip in between), the pure core decides what changes, and :meth:`Registry.write`
stores the final rows with one statement per kind. Later cases of the same batch see
the changes of earlier ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from schema.records import EnrolmentRecord, PersonRecord
from sync_server.core.registry_effects import Effect, Enrolment, Person
from sync_server.db.tables import enrolments, persons, units
from sync_server.services.bulk import in_list
from sync_server.services.feed import FeedChange, township_scope

_SEX = {"male": "M", "female": "F", "M": "M", "F": "F"}


@dataclass
class Registry:
    persons: dict[str, Person] = field(default_factory=dict)
    enrolments: dict[str, dict[str, Enrolment]] = field(default_factory=dict)
    unit_counties: dict[str, str] = field(default_factory=dict)
    _loaded_persons: dict[str, Person] = field(default_factory=dict)
    _loaded_enrolments: dict[tuple[str, str], Enrolment] = field(default_factory=dict)

    def enrolments_of(self, id_number: str) -> dict[str, Enrolment]:
        return self.enrolments.get(id_number, {})

    def apply(self, effect: Effect) -> None:
        for p in effect.persons:
            self.persons[p.id_number] = p
        for e in effect.enrolments:
            self.enrolments.setdefault(e.id_number, {})[e.insurance_type] = e

    # ---- reading ------------------------------------------------------------------

    def load(
        self, conn: Connection, id_numbers: Iterable[str], locked: Iterable[str], usccs: Iterable[str]
    ) -> None:
        to_lock = sorted(set(locked))
        plain = sorted(set(id_numbers) - set(to_lock))
        for keys, lock in ((to_lock, True), (plain, False)):
            if keys:
                self._load_persons(conn, keys, lock=lock)
        wanted = sorted(set(usccs))
        if wanted:
            rows = conn.execute(
                sa.select(units.c.uscc, units.c.county_code).where(in_list(conn, units.c.uscc, wanted))
            )
            self.unit_counties.update({r.uscc: r.county_code for r in rows})

    def _load_persons(self, conn: Connection, keys: list[str], *, lock: bool) -> None:
        pg = conn.dialect.name == "postgresql"
        p, e = persons.c, enrolments.c
        people = (
            sa.select(
                p.id_number,
                p.name,
                p.sex,
                p.birth_date,
                p.township_code,
                p.phone,
                p.address,
                p.version,
                p.residence_code,
            )
            .where(in_list(conn, p.id_number, keys))
            .order_by(p.id_number)
        )
        for number, name, sex, born, township, phone, address, version, residence in conn.execute(
            people.with_for_update() if lock and pg else people
        ).all():
            person = Person(number, name, sex, born, township, phone, address, int(version), residence)
            self.persons[number] = self._loaded_persons[number] = person
        query = (
            sa.select(
                e.id_number,
                e.insurance_type,
                e.county_code,
                e.kind,
                e.status,
                e.since,
                e.unit_uscc,
                e.version,
            )
            .where(in_list(conn, e.id_number, keys))
            .order_by(e.id)
        )
        for number, insurance, county, kind, status, since, uscc, version in conn.execute(
            query.with_for_update() if lock and pg else query
        ).all():
            enrolment = Enrolment(number, insurance, county, kind, status, since, uscc, int(version))
            self.enrolments.setdefault(number, {})[insurance] = enrolment
            self._loaded_enrolments[(number, insurance)] = enrolment

    # ---- writing ------------------------------------------------------------------

    def changed_persons(self) -> list[tuple[Person | None, Person]]:
        """(as loaded, as now) for every person created or changed, in key order."""
        return [
            (self._loaded_persons.get(k), p)
            for k, p in sorted(self.persons.items())
            if self._loaded_persons.get(k) != p
        ]

    def write(self, conn: Connection, now: dt.datetime) -> list[FeedChange]:
        """Store every created or changed row; the feed changes that tell the townships."""
        person_rows = self.changed_persons()
        enrolment_rows = [
            (self._loaded_enrolments.get((e.id_number, e.insurance_type)), e)
            for by_type in self.enrolments.values()
            for e in by_type.values()
            if self._loaded_enrolments.get((e.id_number, e.insurance_type)) != e
        ]
        _store(conn, persons, [(old, _person_row(p, now)) for old, p in person_rows], ("id_number",))
        _store(
            conn,
            enrolments,
            [(old, _enrolment_row(e, now)) for old, e in enrolment_rows],
            ("id_number", "insurance_type"),
        )
        return self._feed(person_rows)

    def _feed(self, rows: list[tuple[Person | None, Person]]) -> list[FeedChange]:
        out: list[FeedChange] = []
        for old, p in rows:
            if old is not None and old.township_code and old.township_code != p.township_code:
                out.append(
                    FeedChange(township_scope(old.township_code), "person", p.id_number, p.version, {}, True)
                )
            if p.township_code:
                data = person_record(p, self.enrolments_of(p.id_number).values()).model_dump(mode="json")
                out.append(
                    FeedChange(township_scope(p.township_code), "person", p.id_number, p.version, data)
                )
        return out


def person_record(p: Person, held: Iterable[Enrolment]) -> PersonRecord:
    return PersonRecord(
        id_number=p.id_number,
        name=p.name,
        sex=_SEX.get(p.sex, p.sex),
        birth_date=p.birth_date,
        township=p.township_code or "",
        phone=p.phone,
        address=p.address,
        version=p.version,
        enrolments=tuple(
            EnrolmentRecord(
                insurance=e.insurance_type,
                county=e.county_code,
                status=e.status,
                since=e.since,
                unit_uscc=e.unit_uscc,
                version=e.version,
            )
            for e in sorted(held, key=lambda x: x.insurance_type)
        ),
    )


def _person_row(p: Person, now: dt.datetime) -> dict[str, Any]:
    return {**p.as_json(), "birth_date": p.birth_date, "updated_at": now}


def _enrolment_row(e: Enrolment, now: dt.datetime) -> dict[str, Any]:
    return {**e.as_json(), "since": e.since, "updated_at": now}


def _store(
    conn: Connection, table: sa.Table, rows: list[tuple[Any, dict[str, Any]]], keys: tuple[str, ...]
) -> None:
    new = [row for old, row in rows if old is None]
    changed = [row for old, row in rows if old is not None]
    if new:
        # Another station's push may have created the same person a moment ago; theirs stands.
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(insert(table).on_conflict_do_nothing(index_elements=list(keys)), new)
    if changed:
        columns = [c for c in changed[0] if c not in keys]
        statement = (
            sa.update(table)
            .where(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys))
            .values({c: sa.bindparam(f"v_{c}") for c in columns})
        )
        conn.execute(
            statement,
            [{**{f"k_{k}": r[k] for k in keys}, **{f"v_{c}": r[c] for c in columns}} for r in changed],
        )
