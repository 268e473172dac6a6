"""Pull: a station asks for what changed after its cursor (docs/design.md §3.4, §4; docs/server.md).

**The feed is commit-ordered.** A page is read under one snapshot (``db.engine.
feed_snapshot``): the ``changes`` rows in the station's scopes (``all``, ``station:<id>``,
``township:<its township>``) that the cursor's position has not seen and whose transaction
had committed when the snapshot was taken, in ``(xid, id)`` order. The next position lists
the transactions that snapshot saw running, so their rows are served whenever they commit;
nothing waits for them (``core.cursor`` explains why this neither stalls nor skips). On
SQLite writers are serialised, ``xid`` is 0 and ``id`` alone orders the feed.

**No cursor** (first sync, or after a start-over): the station first gets a snapshot
(``services.snapshot``), then the feed from the position taken before the snapshot
(``core.cursor.resume_position`` on PostgreSQL, ``(0, max id)`` on SQLite).

**The last page** (``has_more`` false) carries the :class:`StationDigest` of what the
station should now hold (``services.digest``), unless a change in its scopes committed
after the page's snapshot: then the station is not in step *yet* and the digest is left
out rather than sent wrong.

**Start-over.** ``services.start_over`` puts a ``start_over`` change in the station's
feed. A page that reaches one ends with it, and its ``next_cursor`` is a snapshot cursor
that resumes the feed right after the order: the station applies the page, drops its
reference data, staff and registry slice, and carries on with ``next_cursor`` (not with
None, which would resume the feed from the head and skip decisions committed meanwhile).
A cursor the server cannot serve from is answered with ``start_over`` set, no changes and
no cursor: its position is beyond anything this database holds (restored from a backup,
another server's cursor), or it has not seen rows that were pruned (``services.prune``:
it does not cover the prune mark); the station drops the same data and pulls from None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.protocol import Change, ChangeKind, PullPage, PullRequest
from sync_server.core.cursor import (
    MAX_FEED_TEXT,
    PHASES,
    Cursor,
    CursorError,
    FeedCursor,
    FeedPosition,
    SnapshotCursor,
    advance,
    covers,
    decode,
    durable_form,
    encode,
    position_of,
    resume_position,
)
from sync_server.db.engine import Database, feed_snapshot
from sync_server.db.tables import changes, stations
from sync_server.errors import ApiError
from sync_server.services.feed import changes as feed
from sync_server.services.feed.digest import digest_for_station
from sync_server.services.feed.prune import prune_mark
from sync_server.services.feed.served_page import FeedRow, ServedPage
from sync_server.services.feed.snapshot import snapshot_page
from sync_server.settings import Settings

Snapshot = tuple[int, tuple[int, ...]] | None  # (xmax, running) on PostgreSQL


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


def _visible(snapshot: Snapshot) -> sa.ColumnElement[bool]:
    """Rows of transactions that had committed when ``snapshot`` was taken."""
    if snapshot is None:
        return sa.true()
    xmax, running = snapshot
    return sa.and_(changes.c.xid < xmax, changes.c.xid.not_in(running))


# What a page serves of a feed row; ``data`` as the JSON text held (``served_page``).
_SERVED = (
    changes.c.xid,
    changes.c.id,
    changes.c.kind,
    changes.c.key,
    changes.c.version,
    sa.cast(changes.c.data, sa.Text).label("data"),
    changes.c.deleted,
)


def read_feed(
    conn: Connection, scopes: Sequence[str], after: FeedPosition, limit: int, snapshot: Snapshot
) -> list[Row[Any]]:
    """Up to ``limit`` rows in ``scopes`` unseen by ``after`` and visible in ``snapshot``, in (xid, id) order."""
    branches = []
    for scope in scopes:
        for part in feed.unseen(after):
            query = sa.select(*_SERVED).where(changes.c.scope == scope, part, _visible(snapshot))
            branches.append(sa.select(query.order_by(changes.c.xid, changes.c.id).limit(limit).subquery()))
    merged = sa.union_all(*branches).subquery()
    return list(conn.execute(sa.select(merged).order_by(merged.c.xid, merged.c.id).limit(limit)).all())


def _held_back(conn: Connection, scopes: Sequence[str], after: FeedPosition) -> bool:
    """A committed row in ``scopes`` that ``after`` has not seen (it committed after the page's snapshot)."""
    query = sa.select(changes.c.id).where(changes.c.scope.in_(scopes), sa.or_(*feed.unseen(after))).limit(1)
    return conn.execute(query).first() is not None


def _top_id(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(changes.c.id), 0))).scalar_one())


def feed_head(conn: Connection, snapshot: Snapshot) -> FeedPosition:
    """The position a snapshot starts the feed from: everything it has seen is in the tables."""
    if snapshot is None:
        return FeedPosition(0, _top_id(conn))
    return resume_position(*snapshot)


def _unusable(conn: Connection, cursor: Cursor, snapshot: Snapshot) -> bool:
    """The cursor points past anything this database holds, or missed pruned rows: start over."""
    pos = position_of(cursor)
    if pos.id > _top_id(conn) or (snapshot is not None and pos.xid > snapshot[0]):
        return True
    mark = prune_mark(conn)
    return mark is not None and not covers(pos, mark)


def _served(rows: Sequence[Row[Any]]) -> tuple[FeedRow, ...]:
    return tuple(FeedRow(r.kind, r.key, int(r.version), r.data, bool(r.deleted)) for r in rows)


def _fitting(
    position: FeedPosition, rows: list[Row[Any]], running: tuple[int, ...], complete: bool
) -> tuple[list[Row[Any]], FeedPosition, bool]:
    """The rows to serve and the next position; fewer rows when the cursor would grow too long.

    Serving past many running transactions lists each of them; the page then ends before
    the transaction that makes the cursor too long (the rest comes on the next page).
    """
    while True:
        served = [(int(r.xid), int(r.id)) for r in rows]
        nxt = advance(position, served, running, complete=complete)
        if not rows or len(encode(FeedCursor(nxt))) <= MAX_FEED_TEXT:
            return rows, nxt, complete
        cut = rows[-1].xid
        rows, complete = [r for r in rows if r.xid < cut], False


def pull(conn: Connection, station: PullingStation, request: PullRequest, settings: Settings) -> PullPage:
    """One page for ``station`` as a model (read-only: run it in ``db.read()``); what
    :func:`served` sends, parsed."""
    return served(conn, station, request, settings).page()


def served(conn: Connection, station: PullingStation, request: PullRequest, settings: Settings) -> ServedPage:
    """One page for ``station``, its feed rows as held (read-only: run it in ``db.read()``)."""
    limit = min(request.limit, settings.pull_page_size)
    cursor = parse_cursor(request.cursor)
    snapshot = feed_snapshot(conn)  # first: rows it saw committed are final for the rest of this call
    running = snapshot[1] if snapshot is not None else ()
    if cursor is None:
        cursor = SnapshotCursor(feed_head(conn, snapshot), PHASES[0])
    elif _unusable(conn, cursor, snapshot):
        return ServedPage(PullPage(changes=(), next_cursor=None, has_more=True, start_over=True))

    built: tuple[Change, ...] = ()
    if isinstance(cursor, SnapshotCursor):
        from_snapshot, rest = snapshot_page(conn, station.station_id, station.township_code, cursor, limit)
        built = tuple(from_snapshot)
        if rest is not None:
            return ServedPage(PullPage(changes=built, next_cursor=encode(rest), has_more=True))
        position = cursor.resume
    else:
        position = cursor.position

    scopes = scopes_for(station)
    room = limit - len(built)
    rows = read_feed(conn, scopes, position, room + 1, snapshot)  # one more tells has_more
    has_more = len(rows) > room
    rows = rows[:room]
    restart = next((i for i, r in enumerate(rows) if r.kind == ChangeKind.START_OVER.value), None)
    if restart is not None:
        # The page ends with the order; the next cursor is a snapshot that resumes the
        # feed right after it, so nothing the station has not seen is skipped.
        rows = rows[: restart + 1]
        after = advance(position, [(int(r.xid), int(r.id)) for r in rows], running, complete=False)
        head = PullPage(changes=built, next_cursor=encode(SnapshotCursor(after, PHASES[0])), has_more=True)
        return ServedPage(head, _served(rows))
    rows, position, complete = _fitting(position, rows, running, not has_more)
    has_more = not complete
    digest = None
    if not has_more:
        # Tables first, then the check: a change the digest saw has its feed row visible here.
        digest = digest_for_station(conn, station.station_id, station.township_code)
        if snapshot is not None and _held_back(conn, scopes, position):
            digest = None
    head = PullPage(
        changes=built,
        next_cursor=encode(FeedCursor(position)),
        has_more=has_more,
        digest=digest,
        station_last_seq=None if has_more else _last_seq(conn, station.station_id),
    )
    return ServedPage(head, _served(rows))


def _last_seq(conn: Connection, station_id: str) -> int | None:
    """What the server holds of the station's pushes: a station that saw more acknowledged
    resends the rest (the server was restored from a backup)."""
    value = conn.execute(sa.select(stations.c.last_seq).where(stations.c.id == station_id)).scalar()
    return None if value is None else int(value)


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
) -> ServedPage:
    """A page read in a read transaction, then the bookkeeping in a short write transaction."""
    with db.read() as conn:
        page = served(conn, station, request, settings)
    with db.write() as conn:
        record_pull(conn, station.station_id, request.cursor, now)
    return page
