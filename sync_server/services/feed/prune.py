"""Pruning the feed: old rows every active station has seen are deleted (``sync-server feed prune``).

A run takes the **mark**: the position every active station's cursor covers
(``core.cursor.meet`` over the cursors they last sent, ``stations.pull_cursor``; active =
enrolled and pulled within the retention window). It then deletes, in batches of its own
transactions, the rows the mark has seen that are older than the retention window. The
mark is stored (``feed_prune``) before anything is deleted, and pull answers a cursor that
does not cover it with ``start_over`` (the station downloads a snapshot again): that is
the station that stayed away longer than the window, or whose cursor was older than the
previous mark. Marks only move forward: a station already behind the previous mark does
not hold the next one back (it starts over anyway), and a run whose mark would not cover
the previous one keeps the previous one.

A station that has never pulled, or is in the middle of its first download, does not hold
pruning back: its feed begins at the position its snapshot was taken.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core.cursor import (
    CursorError,
    FeedCursor,
    FeedPosition,
    covers,
    decode,
    encode,
    meet,
    position_of,
    resume_position,
)
from sync_server.db.engine import Database, feed_snapshot
from sync_server.db.tables import changes, feed_prune, stations
from sync_server.services import audit
from sync_server.services.feed.changes import unseen

BATCH = 5000


@dataclass(frozen=True)
class PruneResult:
    mark: str  # the feed cursor every deleted row was seen by
    cutoff: dt.datetime  # rows older than this were candidates
    deleted: int
    behind: tuple[str, ...]  # enrolled stations whose cursor does not cover the mark: they start over


def prune_mark(conn: Connection) -> FeedPosition | None:
    """The stored mark, or None when the feed was never pruned."""
    text = conn.execute(sa.select(feed_prune.c.mark).where(feed_prune.c.id == 1)).scalar_one_or_none()
    if text is None:
        return None
    cursor = decode(str(text))
    return position_of(cursor)


def _cursor_position(text: str | None) -> FeedPosition | None:
    if not text:
        return None
    try:
        return position_of(decode(text))
    except CursorError:
        return None


def _head(conn: Connection) -> FeedPosition:
    snapshot = feed_snapshot(conn)
    if snapshot is not None:
        return resume_position(*snapshot)
    top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(changes.c.id), 0))).scalar_one()
    return FeedPosition(0, int(top))


def _take_mark(
    conn: Connection, cutoff: dt.datetime, now: dt.datetime
) -> tuple[FeedPosition, tuple[str, ...]]:
    previous = prune_mark(conn)
    rows = conn.execute(
        sa.select(stations.c.id, stations.c.pull_cursor, stations.c.last_pull_at).where(
            stations.c.status == "active"
        )
    ).all()
    cursors = {row.id: _cursor_position(row.pull_cursor) for row in rows}
    active = [
        pos
        for row in rows
        if (pos := cursors[row.id]) is not None
        and row.last_pull_at is not None
        and row.last_pull_at >= cutoff
        and (previous is None or covers(pos, previous))
    ]
    mark = meet(active) if active else _head(conn)
    if previous is not None and not covers(mark, previous):
        mark = previous
    values = {"mark": encode(FeedCursor(mark)), "pruned_before": cutoff, "pruned_at": now, "deleted": 0}
    if previous is None and conn.execute(sa.select(feed_prune.c.id)).first() is None:
        conn.execute(sa.insert(feed_prune).values(id=1, **values))
    else:
        conn.execute(sa.update(feed_prune).where(feed_prune.c.id == 1).values(**values))
    behind = tuple(sorted(sid for sid, pos in cursors.items() if pos is not None and not covers(pos, mark)))
    return mark, behind


def prune_feed(
    db: Database, *, retention_days: int, now: dt.datetime, actor: str, batch: int = BATCH
) -> PruneResult:
    """Delete feed rows older than ``retention_days`` that every active station has seen."""
    cutoff = now - dt.timedelta(days=retention_days)
    with db.write() as conn:
        mark, behind = _take_mark(conn, cutoff, now)
    seen = sa.not_(sa.or_(*unseen(mark)))
    deleted = 0
    while True:
        with db.write() as conn:
            ids = (
                conn.execute(
                    sa.select(changes.c.id)
                    .where(changes.c.created_at < cutoff, seen)
                    .order_by(changes.c.id)
                    .limit(batch)
                )
                .scalars()
                .all()
            )
            if ids:
                conn.execute(sa.delete(changes).where(changes.c.id.in_(ids)))
        deleted += len(ids)
        if len(ids) < batch:
            break
    text = encode(FeedCursor(mark))
    with db.write() as conn:
        conn.execute(sa.update(feed_prune).where(feed_prune.c.id == 1).values(deleted=deleted))
        audit.append(
            conn,
            actor=actor,
            action="feed.prune",
            entity="feed",
            entity_id="changes",
            detail={"mark": text, "cutoff": cutoff.isoformat(), "deleted": deleted, "behind": list(behind)},
            at=now,
        )
    return PruneResult(text, cutoff, deleted, behind)
