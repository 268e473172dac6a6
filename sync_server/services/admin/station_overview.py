"""What 综合业务科 sees of each station: status, last push and pull, and the pull backlog.

The backlog is what the server knows a station still has to download: feed changes in
the station's scopes (``all``, ``station:<id>``, ``township:<code>``) after the cursor the
station last sent (``stations.pull_cursor``, recorded by every pull). A station that has
never pulled, or is in the middle of its first download (a snapshot cursor), is shown as
such. What a station has not yet *pushed* lives only on its PC; the last push time tells
how long it has been silent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.divisions import load_divisions
from sync_server.core.cursor import CursorError, FeedCursor, decode
from sync_server.db.tables import cases, changes, stations
from sync_server.services.admin.stations import STATUS_LABELS
from sync_server.services.feed import changes as feed
from sync_server.services.review.queue import Count

BACKLOG_CAP = 10_000
OPEN_STATUSES = ("routed", "claimed", "returned", "conflict", "submitted")


@dataclass(frozen=True)
class StationRow:
    id: str
    name: str
    county: str
    township: str
    status: str
    status_label: str
    enrolled_at: dt.datetime | None
    last_push_at: dt.datetime | None
    last_pull_at: dt.datetime | None
    backlog: Count | None  # None: see ``backlog_note``
    backlog_note: str
    open_cases: int
    code_live: bool  # an enrolment code is waiting to be used
    generation: int


def pull_backlog(conn: Connection, row: Any) -> tuple[Count | None, str]:
    if row.last_pull_at is None:
        return None, "尚未下载"
    if not row.pull_cursor:
        return None, "首次下载中"
    try:
        cursor = decode(row.pull_cursor)
    except CursorError:
        return None, "同步位置无法识别"
    if not isinstance(cursor, FeedCursor):
        return None, "首次下载中"
    pos = cursor.position
    scopes = (feed.SCOPE_ALL, feed.station_scope(row.id), feed.township_scope(row.township_code))
    after = sa.or_(*feed.unseen(pos))  # rows the cursor has not seen (core.cursor)
    inner = (
        sa.select(sa.literal(1))
        .select_from(changes)
        .where(changes.c.scope.in_(scopes), after)
        .limit(BACKLOG_CAP + 1)
        .subquery()
    )
    value = int(conn.execute(sa.select(sa.func.count()).select_from(inner)).scalar_one())
    return Count(min(value, BACKLOG_CAP), value > BACKLOG_CAP), ""


def station_rows(conn: Connection, *, county: str | None = None, now: dt.datetime) -> list[StationRow]:
    divisions = load_divisions()
    query = sa.select(stations).order_by(stations.c.county_code, stations.c.id)
    if county:
        query = query.where(stations.c.county_code == county)
    open_cases: dict[str, int] = dict(
        conn.execute(
            sa.select(cases.c.station_id, sa.func.count())
            .where(cases.c.status.in_(OPEN_STATUSES))
            .group_by(cases.c.station_id)
        ).all()
    )
    out = []
    for r in conn.execute(query):
        backlog, note = pull_backlog(conn, r)
        expires = r.enrol_expires_at
        out.append(
            StationRow(
                id=r.id,
                name=r.name,
                county=divisions.name_of(r.county_code),
                township=divisions.name_of(r.township_code),
                status=r.status,
                status_label=STATUS_LABELS.get(r.status, r.status),
                enrolled_at=r.enrolled_at,
                last_push_at=r.last_push_at,
                last_pull_at=r.last_pull_at,
                backlog=backlog,
                backlog_note=note,
                open_cases=int(open_cases.get(r.id, 0)),
                code_live=expires is not None and expires > now,
                generation=int(r.start_over_generation),
            )
        )
    return out
