"""Pull: a station asks for what changed after its cursor (docs/design.md §3.4, §4; docs/server.md).

**The feed is commit-ordered.** A page is the ``changes`` rows in the station's scopes
(``all``, ``station:<id>``, ``township:<its township>``) after the cursor's ``(xid, id)``,
in ``(xid, id)`` order. On PostgreSQL only rows with ``xid`` below
:func:`db.engine.visible_horizon` are served: every transaction below it has finished, so
no row can later commit *before* the cursor. A transaction that is still running holds
the feed back (for every station) until it ends; it never makes a station skip its row.
On SQLite writers are serialised, ``xid`` is 0 and ``id`` alone orders the feed.

**No cursor** (first sync, or after a start-over): the station first gets a snapshot
(``services.snapshot``), then the feed from the position taken before the snapshot:
``(horizon, 0)`` on PostgreSQL, ``(0, max id)`` on SQLite.

**The last page** (``has_more`` false) carries the :class:`StationDigest` of what the
station should now hold (``services.digest``), unless a committed change in its scopes is
still held back by the horizon: then the station is not in step *yet* and the digest is
left out rather than sent wrong.

**Start-over.** ``services.start_over`` puts a ``start_over`` change in the station's
feed. A page that reaches one ends with it, and its ``next_cursor`` is a snapshot cursor
that resumes the feed right after the order: the station applies the page, drops its
reference data, staff and registry slice, and carries on with ``next_cursor`` (not with
None, which would resume the feed from the head and skip decisions committed meanwhile).
A cursor the server cannot serve from is answered with ``start_over`` set, no changes and
no cursor: its position is beyond anything this database holds (restored from a backup,
another server's cursor); the station drops the same data and pulls from None. Feed rows
are never pruned yet; when pruning comes, a cursor below the pruned position must be
answered the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.protocol import Change, ChangeKind, PullPage, PullRequest
from sync_server.core.cursor import (
    PHASES,
    Cursor,
    CursorError,
    FeedCursor,
    FeedPosition,
    SnapshotCursor,
    decode,
    durable_form,
    encode,
)
from sync_server.db.engine import Database, visible_horizon
from sync_server.db.tables import changes, stations
from sync_server.errors import ApiError
from sync_server.services.feed import changes as feed
from sync_server.services.feed.digest import digest_for_station
from sync_server.services.feed.snapshot import snapshot_page
from sync_server.settings import Settings


class PullingStation(Protocol):
    """What pull needs to know about the signing station (``api.auth.StationContext``)."""

    @property
    def station_id(self) -> str: ...

    @property
    def township_code(self) -> str: ...


def parse_cursor(text: str | None) -> Cursor | None:
    """The cursor a station sent; ApiError ``cursor_invalid`` when this server never issued it."""
    if text is None:
        return None
    try:
        return decode(text)
    except CursorError as exc:
        raise ApiError("cursor_invalid", detail={"cursor": text, "reason": str(exc)}) from exc


def scopes_for(station: PullingStation) -> tuple[str, ...]:
    return (
        feed.SCOPE_ALL,
        feed.station_scope(station.station_id),
        feed.township_scope(station.township_code),
    )


def _after(position: FeedPosition) -> sa.ColumnElement[bool]:
    # A row-value comparison, so each branch below is one range scan of ix_changes_feed.
    return sa.tuple_(changes.c.xid, changes.c.id) > sa.tuple_(
        sa.literal(position.xid), sa.literal(position.id)
    )


def read_feed(
    conn: Connection, scopes: Sequence[str], after: FeedPosition, limit: int, horizon: int | None
) -> list[Row[Any]]:
    """Up to ``limit`` feed rows in ``scopes`` after ``after``, below ``horizon``, in (xid, id) order."""
    branches = []
    for scope in scopes:
        query = sa.select(changes).where(changes.c.scope == scope, _after(after))
        if horizon is not None:
            query = query.where(changes.c.xid < horizon)
        branches.append(sa.select(query.order_by(changes.c.xid, changes.c.id).limit(limit).subquery()))
    merged = sa.union_all(*branches).subquery()
    return list(conn.execute(sa.select(merged).order_by(merged.c.xid, merged.c.id).limit(limit)).all())


def _held_back(conn: Connection, scopes: Sequence[str], after: FeedPosition) -> bool:
    """A committed row in ``scopes`` after ``after`` that the horizon does not let out yet."""
    query = sa.select(changes.c.id).where(changes.c.scope.in_(scopes), _after(after)).limit(1)
    return conn.execute(query).first() is not None


def _top_id(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(changes.c.id), 0))).scalar_one())


def feed_head(conn: Connection, horizon: int | None) -> FeedPosition:
    """The position a snapshot starts the feed from: everything before it is in the tables."""
    return FeedPosition(horizon, 0) if horizon is not None else FeedPosition(0, _top_id(conn))


def _unusable(conn: Connection, cursor: Cursor, horizon: int | None) -> bool:
    """The cursor points past anything this database holds: the station must start over."""
    pos = cursor.position if isinstance(cursor, FeedCursor) else cursor.resume
    return pos.id > _top_id(conn) or (horizon is not None and pos.xid > horizon)


def _change(row: Row[Any]) -> Change:
    return Change(
        kind=ChangeKind(row.kind), key=row.key, version=row.version, data=row.data, deleted=bool(row.deleted)
    )


def pull(conn: Connection, station: PullingStation, request: PullRequest, settings: Settings) -> PullPage:
    """One page for ``station`` (read-only: run it in ``db.read()``)."""
    limit = min(request.limit, settings.pull_page_size)
    cursor = parse_cursor(request.cursor)
    horizon = visible_horizon(conn)  # first: rows below it are final for the rest of this call
    if cursor is None:
        cursor = SnapshotCursor(feed_head(conn, horizon), PHASES[0])
    elif _unusable(conn, cursor, horizon):
        return PullPage(changes=(), next_cursor=None, has_more=True, start_over=True)

    served: list[Change] = []
    if isinstance(cursor, SnapshotCursor):
        served, rest = snapshot_page(conn, station.station_id, station.township_code, cursor, limit)
        if rest is not None:
            return PullPage(changes=tuple(served), next_cursor=encode(rest), has_more=True)
        position = cursor.resume
    else:
        position = cursor.position

    scopes = scopes_for(station)
    room = limit - len(served)
    rows = read_feed(conn, scopes, position, room + 1, horizon)  # one more tells has_more
    has_more = len(rows) > room
    rows = rows[:room]
    restart = next((i for i, r in enumerate(rows) if r.kind == ChangeKind.START_OVER.value), None)
    if restart is not None:
        # The page ends with the order; the next cursor is a snapshot that resumes the
        # feed right after it, so nothing the station has not seen is skipped.
        rows = rows[: restart + 1]
        after = FeedPosition(int(rows[-1].xid), int(rows[-1].id))
        served += [_change(r) for r in rows]
        rest = SnapshotCursor(after, PHASES[0])
        return PullPage(changes=tuple(served), next_cursor=encode(rest), has_more=True)
    if rows:
        position = FeedPosition(int(rows[-1].xid), int(rows[-1].id))
    served += [_change(r) for r in rows]
    digest = None
    if not has_more:
        # Tables first, then the check: a change the digest saw has its feed row visible here.
        digest = digest_for_station(conn, station.station_id, station.township_code)
        if horizon is not None and _held_back(conn, scopes, position):
            digest = None
    return PullPage(
        changes=tuple(served), next_cursor=encode(FeedCursor(position)), has_more=has_more, digest=digest
    )


def record_pull(conn: Connection, station_id: str, sent: str | None, now: dt.datetime) -> None:
    """Note the pull for the dashboard's sync lag: the time and the cursor the station sent.

    The cursor a station sends is the one it has durably applied. Bookkeeping, not a state
    change of the station, so it is not audited (every pull would take the audit lock).
    """
    parsed = parse_cursor(sent)
    conn.execute(
        sa.update(stations)
        .where(stations.c.id == station_id)
        .values(last_pull_at=now, pull_cursor=durable_form(parsed) if parsed else None)
    )


def serve_pull(
    db: Database, station: PullingStation, request: PullRequest, settings: Settings, now: dt.datetime
) -> PullPage:
    """A page read in a read transaction, then the bookkeeping in a short write transaction."""
    with db.read() as conn:
        page = pull(conn, station, request, settings)
    with db.write() as conn:
        record_pull(conn, station.station_id, request.cursor, now)
    return page
