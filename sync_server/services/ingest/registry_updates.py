"""Loading and storing the registry slice of a push (:mod:`sync_server.core.ingest.registry_slice`).

A push loads the persons, enrolments and units its cases name, and the staff accounts
its password changes name, with a few ``IN`` queries (rows that cases or password
changes may change are locked ``FOR UPDATE``, so a console edit cannot
slip in between); the pure core decides what changes, and :func:`write` stores the final
rows with one statement per kind. A conflict resolution uses the same two steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core.feed_change import FeedChange
from sync_server.core.ingest.registry_slice import RegistrySlice, StaffRow, person_record
from sync_server.core.registry_effects import Enrolment, Person
from sync_server.db.tables import enrolments, persons, staff, units
from sync_server.db.upsert import upsert
from sync_server.services.bulk import in_list
from sync_server.services.feed import person_slice

__all__ = ["load", "load_staff", "person_record", "write"]


# ---- reading ----------------------------------------------------------------------


def load(
    conn: Connection,
    into: RegistrySlice,
    id_numbers: Iterable[str],
    locked: Iterable[str],
    usccs: Iterable[str],
) -> RegistrySlice:
    """Read the persons and enrolments of ``id_numbers`` (``locked``: those that may change)
    and the counties of the units ``usccs`` into the slice."""
    to_lock = sorted(set(locked))
    plain = sorted(set(id_numbers) - set(to_lock))
    for keys, lock in ((to_lock, True), (plain, False)):
        if keys:
            _load_persons(conn, into, keys, lock=lock)
    wanted = sorted(set(usccs))
    if wanted:
        rows = conn.execute(
            sa.select(units.c.uscc, units.c.county_code).where(in_list(conn, units.c.uscc, wanted))
        )
        into.unit_counties.update({r.uscc: r.county_code for r in rows})
    return into


def _load_persons(conn: Connection, into: RegistrySlice, keys: list[str], *, lock: bool) -> None:
    p, e = persons.c, enrolments.c
    people = (
        sa.select(p.id_number, p.name, p.sex, p.birth_date, p.township_code, p.phone, p.address,
                  p.version, p.residence_code)
        .where(in_list(conn, p.id_number, keys))
        .order_by(p.id_number)
    )  # fmt: skip
    for number, name, sex, born, township, phone, address, version, residence in conn.execute(
        people.with_for_update() if lock else people
    ).all():
        into.loaded_person(Person(number, name, sex, born, township, phone, address, int(version), residence))
    query = (
        sa.select(e.id_number, e.insurance_type, e.county_code, e.kind, e.status, e.since, e.unit_uscc,
                  e.version)
        .where(in_list(conn, e.id_number, keys))
        .order_by(e.id)
    )  # fmt: skip
    for number, insurance, county, kind, status, since, uscc, version in conn.execute(
        query.with_for_update() if lock else query
    ).all():
        into.loaded_enrolment(Enrolment(number, insurance, county, kind, status, since, uscc, int(version)))


def load_staff(conn: Connection, into: RegistrySlice, usernames: Iterable[str]) -> RegistrySlice:
    """Read (and lock, on PostgreSQL) the accounts a batch's password changes name."""
    wanted = sorted(set(usernames))
    if not wanted:
        return into
    s = staff.c
    query = sa.select(
        s.username, s.display_name, s.role, s.station_id, s.password_hash, s.disabled, s.version,
        s.must_change_password,
    ).where(in_list(conn, s.username, wanted))  # fmt: skip
    for row in conn.execute(query.with_for_update()).all():
        into.loaded_staff(
            StaffRow(row.username, row.display_name, row.role, row.station_id, row.password_hash,
                     bool(row.disabled), int(row.version), bool(row.must_change_password))
        )  # fmt: skip
    return into


# ---- writing ----------------------------------------------------------------------


def write(
    conn: Connection, changed: RegistrySlice, now: dt.datetime, *, complete: bool = True
) -> list[FeedChange]:
    """Store every created or changed row; the feed changes that tell the townships, each
    person's record re-read whole unless ``complete`` is false (a push completes them with
    its payers' news: ``services.ingest.township_news``)."""
    _store(
        conn,
        persons,
        [(old, _person_row(p, now)) for old, p in changed.changed_persons()],
        ("id_number",),
    )
    _store(
        conn,
        enrolments,
        [(old, _enrolment_row(e, now)) for old, e in changed.changed_enrolments()],
        ("id_number", "insurance_type"),
    )
    accounts = changed.changed_staff()
    if accounts:
        conn.execute(
            sa.update(staff)
            .where(staff.c.username == sa.bindparam("k_username"))
            .values(
                password_hash=sa.bindparam("v_hash"),
                must_change_password=sa.bindparam("v_must"),
                version=sa.bindparam("v_version"),
                updated_at=now,
            ),
            [
                {"k_username": a.username, "v_hash": a.password_hash, "v_must": a.must_change_password,
                 "v_version": a.version}
                for a in accounts
            ],
        )  # fmt: skip
    # Re-read whole, so the stations keep the records a person's slice carries.
    news = changed.township_changes()
    return person_slice.completed(conn, news) if complete else news


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
        conn.execute(upsert(conn, table, on=[table.c[k] for k in keys]), new)
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
