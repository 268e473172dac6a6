"""Official holiday schedules: stored, audited, sent to stations; provisional due dates recounted.

``sync-server calendar import FILE`` calls :func:`import_schedule` in one transaction:

1. the year's schedule (``schema.holiday_schedule``) replaces any stored one
   (``holiday_schedules``: who loaded it and when; a changed file bumps its version);
2. the audit log records it (``calendar.import``);
3. stations receive every loaded year as one ``workdays`` reference change (scope
   ``all``; also served in the snapshot), so they count on the same calendar offline;
4. every open case whose due date is provisional is recounted on the new calendar
   (:func:`recount_provisional`): the row changes, the audit log records each case
   (``case.due_recount``) and the accepting station learns the date on its next pull
   (a ``case_status`` record of the same version: it only fills in the date).

The calendar the server counts with is :func:`server_calendar`: the schedules shipped in
``schema/data/holidays`` plus those loaded here (a loaded year wins), then
``chinesecalendar``, then the provisional rule. A push reads it inside its transaction.
A push that read the calendar just before an import commits may still store a
provisional date counted the old way; importing the same file again recounts it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.catalog import Catalog, load_catalog
from schema.errors import CatalogError
from schema.holiday_schedule import HolidaySchedule, YearOverride
from schema.lifecycle import CaseEvent
from schema.protocol import Change, ChangeKind
from schema.workdays import DueDate, WorkdayCalendar, shipped_schedules
from sync_server.core import routing
from sync_server.core.clock import beijing_date
from sync_server.db.tables import case_events, cases, holiday_schedules
from sync_server.services import audit
from sync_server.services.feed import changes as feed
from sync_server.services.feed.case_records import case_change

WORKDAYS_KEY = "workdays"
# Statuses of a case still with the city, whose due date still runs.
OPEN_STATUSES = ("submitted", "routed", "claimed", "returned", "conflict")


@dataclass(frozen=True)
class StoredSchedule:
    schedule: HolidaySchedule
    digest: str
    version: int
    loaded_by: str
    loaded_at: dt.datetime


@dataclass(frozen=True)
class Recount:
    case_id: str
    case_number: str
    before: dt.date | None
    after: DueDate


@dataclass(frozen=True)
class ImportResult:
    year: int
    version: int
    unchanged: bool  # the same schedule was already loaded
    replaced: bool  # another schedule of the year was loaded before
    recounted: list[Recount]


def schedule_digest(schedule: HolidaySchedule) -> str:
    return hashlib.sha256(_canonical(_data(schedule.override)).encode()).hexdigest()


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _data(year: YearOverride) -> dict[str, Any]:
    return {
        "holidays": sorted(d.isoformat() for d in year.holidays),
        "workdays": sorted(d.isoformat() for d in year.workdays),
        "source": year.source,
    }


def _stored(row: Any) -> StoredSchedule:
    schedule = HolidaySchedule(
        year=row.year,
        holidays=frozenset(dt.date.fromisoformat(d) for d in row.holidays),
        workdays=frozenset(dt.date.fromisoformat(d) for d in row.workdays),
        source=row.source,
    )
    return StoredSchedule(schedule, row.digest, int(row.version), row.loaded_by, row.loaded_at)


def stored_schedules(conn: Connection) -> dict[int, StoredSchedule]:
    """The loaded schedules by year."""
    rows = conn.execute(sa.select(holiday_schedules).order_by(holiday_schedules.c.year))
    return {int(r.year): _stored(r) for r in rows}


def stored_schedule(conn: Connection, year: int) -> StoredSchedule | None:
    row = conn.execute(sa.select(holiday_schedules).where(holiday_schedules.c.year == year)).first()
    return None if row is None else _stored(row)


def server_calendar(conn: Connection) -> WorkdayCalendar:
    """The calendar due dates are counted with; the same object while nothing is loaded,
    so counted dates stay cached (``routing``)."""
    key = tuple(
        (int(r.year), str(r.digest))
        for r in conn.execute(
            sa.select(holiday_schedules.c.year, holiday_schedules.c.digest).order_by(holiday_schedules.c.year)
        )
    )
    hit = _CACHE.get(key)
    if hit is None:
        if len(_CACHE) > 8:
            _CACHE.clear()
        loaded = {y: s.schedule.override for y, s in stored_schedules(conn).items()}
        hit = _CACHE[key] = WorkdayCalendar(shipped_schedules() | loaded)
    return hit


_CACHE: dict[tuple[tuple[int, str], ...], WorkdayCalendar] = {}


def workdays_change(conn: Connection) -> Change | None:
    """Every loaded year as one reference change (the override table's JSON); None if none."""
    loaded = stored_schedules(conn)
    if not loaded:
        return None
    data = {
        "note": "sync-server calendar import",
        "years": {str(y): _data(s.schedule.override) for y, s in loaded.items()},
    }
    version = sum(s.version for s in loaded.values())  # every load adds one
    return Change(kind=ChangeKind.WORKDAYS, key=WORKDAYS_KEY, version=version, data=data)


def import_schedule(
    conn: Connection,
    schedule: HolidaySchedule,
    *,
    actor: str,
    now: dt.datetime,
    catalog: Catalog | None = None,
) -> ImportResult:
    """Store, audit and publish a year's schedule, then recount provisional due dates."""
    digest = schedule_digest(schedule)
    before = stored_schedule(conn, schedule.year)
    unchanged = before is not None and before.digest == digest
    version = before.version if before is not None and unchanged else (before.version + 1 if before else 1)
    if not unchanged:
        data = _data(schedule.override)
        values = {
            "holidays": data["holidays"],
            "workdays": data["workdays"],
            "source": schedule.source,
            "digest": digest,
            "version": version,
            "loaded_by": actor[:64],
            "loaded_at": now,
        }
        if before is None:
            conn.execute(sa.insert(holiday_schedules).values(year=schedule.year, **values))
        else:
            conn.execute(
                sa.update(holiday_schedules).where(holiday_schedules.c.year == schedule.year).values(**values)
            )
        audit.append(
            conn, actor=actor, action="calendar.import", entity="holiday_schedule",
            entity_id=str(schedule.year), at=now,
            detail={"version": version, "digest": digest, "source": schedule.source,
                    "holidays": len(schedule.holidays), "workdays": len(schedule.workdays),
                    "replaced_digest": before.digest if before else None},
        )  # fmt: skip
        change = workdays_change(conn)
        assert change is not None  # this year was just stored
        feed.emit(
            conn, feed.FeedChange(feed.SCOPE_ALL, change.kind.value, change.key, change.version, change.data)
        )
    recounted = recount_provisional(conn, server_calendar(conn), actor=actor, now=now, catalog=catalog)
    return ImportResult(schedule.year, version, unchanged, before is not None and not unchanged, recounted)


def _starts(conn: Connection, rows: Sequence[Any]) -> dict[str, dt.date]:
    """The date each case's time limit counts from: its last 补正, else its acceptance."""
    starts = {r.case_id: beijing_date(r.accepted_at) for r in rows}
    query = (
        sa.select(case_events.c.case_id, sa.func.max(case_events.c.at).label("at"))
        .where(case_events.c.case_id.in_(list(starts)), case_events.c.event == CaseEvent.SUPPLEMENT.value)
        .group_by(case_events.c.case_id)
    )
    for r in conn.execute(query):
        starts[r.case_id] = beijing_date(r.at)
    return starts


def recount_provisional(
    conn: Connection,
    calendar: WorkdayCalendar,
    *,
    actor: str,
    now: dt.datetime,
    catalog: Catalog | None = None,
    batch: int = 500,
) -> list[Recount]:
    """Recount every open case whose due date is provisional; the cases whose date or mark changed."""
    catalog = catalog or load_catalog()
    done: list[Recount] = []
    after = ""
    while True:
        rows = conn.execute(
            sa.select(cases)
            .where(
                cases.c.due_provisional.is_(True), cases.c.status.in_(OPEN_STATUSES), cases.c.case_id > after
            )
            .order_by(cases.c.case_id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        after = rows[-1].case_id
        starts = _starts(conn, rows)
        changed: list[tuple[Any, DueDate]] = []
        for row in rows:
            try:
                item = catalog.item(row.item_code)
            except CatalogError:
                continue  # an item withdrawn from the catalog: leave its date as it is
            counted = routing.due(item, starts[row.case_id], calendar)
            if counted is not None and (counted.day, counted.provisional) != (
                row.due_date,
                row.due_provisional,
            ):
                changed.append((row, counted))
        _store_recounts(conn, changed, actor=actor, now=now)
        done += [Recount(r.case_id, r.case_number, r.due_date, c) for r, c in changed]


def _store_recounts(
    conn: Connection, changed: list[tuple[Any, DueDate]], *, actor: str, now: dt.datetime
) -> None:
    if not changed:
        return
    conn.execute(
        sa.update(cases)
        .where(cases.c.case_id == sa.bindparam("k_case_id"))
        .values(
            due_date=sa.bindparam("v_due"), due_provisional=sa.bindparam("v_provisional"), updated_at=now
        ),
        [{"k_case_id": r.case_id, "v_due": c.day, "v_provisional": c.provisional} for r, c in changed],
    )
    announced: list[feed.FeedChange] = []
    entries: list[audit.AuditItem] = []
    for row, counted in changed:
        change = case_change(
            dict(row._mapping) | {"due_date": counted.day, "due_provisional": counted.provisional}
        )
        scope = feed.station_scope(row.station_id)
        announced.append(feed.FeedChange(scope, change.kind.value, change.key, change.version, change.data))
        entries.append(
            (now, actor, "case.due_recount", "case", row.case_id,
             {"case_number": row.case_number, "before": row.due_date.isoformat() if row.due_date else None,
              "after": counted.day.isoformat(), "provisional": counted.provisional})
        )  # fmt: skip
    feed.emit_many(conn, announced)
    audit.append_many(conn, entries)
