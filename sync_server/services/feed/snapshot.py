"""A station's first download (or its download after a start-over), read from the tables.

Served page by page in the phases of :class:`core.cursor.Phase`, each ordered by key:
reference data, the station's staff accounts, the station's own cases (their status, or
the decision with its reason), the persons and then the units of its township, then its 催缴名单. Records are built by the same functions the feed's writers use
(``services.staff.staff_account``, ``services.feed.person_slice``), so a
station applies a snapshot change and a feed change alike (by ``Change.version``: newer
replaces older).

The pages are read in separate transactions while other transactions commit, so a row
changed during the snapshot may be served twice: once by a later page and again by the
feed that follows (which starts from the position taken before the first page). That is
harmless because stations apply by version. Nothing is lost: a change either committed
before the position was taken (so every later page reads it from the tables) or is in
the feed after the position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.protocol import Change, ChangeKind
from schema.records import UnitRecord
from sync_server.core.clock import beijing_date
from sync_server.core.cursor import Phase, SnapshotCursor, next_phase
from sync_server.core.person_slice import SliceRecords
from sync_server.db.tables import cases, persons, staff, stations, units
from sync_server.services.admin import holidays, reference, station_contact, station_keys
from sync_server.services.admin.staff import staff_account
from sync_server.services.feed import person_slice
from sync_server.services.feed.case_records import case_change
from sync_server.services.feed.digest import station_staff
from sync_server.services.feed.members import Members
from sync_server.services.finance import dues_feed, receipt_stock

JsonObject = dict[str, Any]  # a record's JSON dump (person_changes_for_rows makes dicts)


def staff_change(row: Row[Any]) -> Change:
    """A clerk's account, exactly as ``services.staff`` puts it in the feed."""
    account = staff_account(row)
    return Change(
        kind=ChangeKind.STAFF, key=row.username, version=account.version, data=account.model_dump(mode="json")
    )


def person_change(
    row: Row[Any], enrolment_rows: Sequence[Row[Any]], records: SliceRecords | None = None
) -> Change:
    """A person of the registry with their enrolments and carried records, as every writer
    of the township's feed sends them (``services.feed.person_slice``)."""
    (made,) = person_slice.person_changes_for_rows(
        [row], {row.id_number: enrolment_rows}, {row.id_number: records or SliceRecords()}
    )
    return Change(kind=ChangeKind.PERSON, key=made.key, version=made.version, data=made.data)


def unit_change(row: Row[Any]) -> Change:
    record = UnitRecord(
        uscc=row.uscc,
        name=row.name,
        county=row.county_code,
        township=row.township_code,
        version=int(row.version),
    )
    return Change(
        kind=ChangeKind.UNIT, key=row.uscc, version=record.version, data=record.model_dump(mode="json")
    )


def _reference(conn: Connection, station_id: str, after: str, limit: int) -> list[Change]:
    # Ordered by kind: catalog, divisions, rates, the station's own record (its contact),
    # then the loaded holiday schedules (workdays).
    loaded = holidays.workdays_change(conn)
    own = conn.execute(sa.select(stations).where(stations.c.id == station_id)).first()
    every = [*reference.reference_changes(), *([loaded] if loaded else [])]
    if own is not None:
        every.append(station_contact.station_change(own))
        every.append(receipt_stock.stock_change(conn, station_id))  # its 票据号段
    every.append(station_keys.keys_change(conn))  # every station's keys, for the 核验 screen
    every.sort(key=lambda c: c.kind.value)
    return [c for c in every if c.kind.value > after][:limit]


def _staff(conn: Connection, station_id: str, after: str, limit: int) -> list[Change]:
    rows = conn.execute(
        sa.select(staff)
        .where(station_staff(station_id), staff.c.username > after)
        .order_by(staff.c.username)
        .limit(limit)
    )
    return [staff_change(r) for r in rows]


def _cases(conn: Connection, station_id: str, after: str, limit: int) -> list[Change]:
    rows = conn.execute(
        sa.select(cases)
        .where(cases.c.station_id == station_id, cases.c.case_id > after)
        .order_by(cases.c.case_id)
        .limit(limit)
    )
    return [case_change(dict(r._mapping)) for r in rows]


def _persons(conn: Connection, township: str, after: str, limit: int) -> list[Change]:
    rows = conn.execute(
        sa.select(*person_slice.PERSON_COLUMNS)
        .where(persons.c.township_code == township, persons.c.id_number > after)
        .order_by(persons.c.id_number)
        .limit(limit)
    ).all()
    if not rows:
        return []
    # The page's persons by their range, not by a list of thousands of ID numbers.
    first, last = rows[0].id_number, rows[-1].id_number
    held = person_slice.enrolment_rows(conn, Members.page(conn, township, first, last))
    records = person_slice.read_range_records(conn, township, first, last)
    # Built by our own records, so not validated again as JSON (the bulk of a snapshot's CPU).
    made = person_slice.person_changes_for_rows(rows, held, records)
    return [
        Change.model_construct(
            kind=ChangeKind.PERSON, key=m.key, version=m.version, data=cast(JsonObject, m.data)
        )
        for m in made
    ]


def _units(conn: Connection, township: str, after: str, limit: int) -> list[Change]:
    rows = conn.execute(
        sa.select(units)
        .where(units.c.township_code == township, units.c.uscc > after)
        .order_by(units.c.uscc)
        .limit(limit)
    )
    return [unit_change(r) for r in rows]


def _read(
    conn: Connection, phase: Phase, *, station_id: str, township: str, after: str, limit: int
) -> list[Change]:
    if phase == Phase.REFERENCE:
        return _reference(conn, station_id, after, limit)
    if phase == Phase.STAFF:
        return _staff(conn, station_id, after, limit)
    if phase == Phase.CASE:
        return _cases(conn, station_id, after, limit)
    if phase == Phase.PERSON:
        return _persons(conn, township, after, limit)
    if phase == Phase.UNIT:
        return _units(conn, township, after, limit)
    return _dues(conn, township, after)


def _dues(conn: Connection, township: str, after: str) -> list[Change]:
    # One change at most, computed now (services.finance.dues_feed, as at each plan build).
    if after:
        return []
    now = dt.datetime.now(dt.UTC)
    made = dues_feed.dues_change(conn, township, beijing_date(now), now)
    return [made] if made else []


def _phase_key(phase: Phase, change: Change) -> str:
    # The reference phase is keyed by kind (one change each); the others by record key.
    return change.kind.value if phase == Phase.REFERENCE else change.key


def snapshot_page(
    conn: Connection, station_id: str, township: str, cursor: SnapshotCursor, limit: int
) -> tuple[list[Change], SnapshotCursor | None]:
    """Up to ``limit`` changes from ``cursor`` on; the next cursor, or None once all is served."""
    out: list[Change] = []
    phase: Phase | None = cursor.phase
    after = cursor.after
    while phase is not None:
        room = limit - len(out)
        page = _read(conn, phase, station_id=station_id, township=township, after=after, limit=room)
        out += page
        if len(page) == room:
            return out, SnapshotCursor(cursor.resume, phase, _phase_key(phase, page[-1]))
        phase, after = next_phase(phase), ""
    return out, None
