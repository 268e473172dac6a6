"""Fixed-window counters for the public look-ups, kept in ``public_limits`` so every server
process counts together (a stateless process behind a load balancer keeps nothing).

One upsert per look-up counts it and returns the count; rows whose window has passed are
deleted now and then (:func:`prune`), so addresses are not kept longer than they count.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.db.engine import Database
from sync_server.db.tables import public_limits
from sync_server.db.upsert import upsert
from sync_server.errors import ApiError

PRUNE_EVERY = dt.timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` look-ups per ``window`` for one key."""

    count: int
    window: dt.timedelta


@dataclass(frozen=True, slots=True)
class Counted:
    hits: int
    window_start: dt.datetime

    def over(self, limit: Limit) -> bool:
        return self.hits > limit.count

    def retry_after(self, limit: Limit, now: dt.datetime) -> int:
        """Seconds until the window ends (at least one)."""
        return max(1, math.ceil((self.window_start + limit.window - now).total_seconds()))


def hit(conn: Connection, key: str, now: dt.datetime, limit: Limit) -> Counted:
    """Count one look-up for ``key`` in its current window."""
    expired = public_limits.c.window_start <= now - limit.window
    statement = upsert(
        conn,
        public_limits,
        on=[public_limits.c.key],
        values={"key": key, "hits": 1, "window_start": now},
        update={
            "hits": sa.case((expired, 1), else_=public_limits.c.hits + 1),
            "window_start": sa.case((expired, now), else_=public_limits.c.window_start),
        },
    ).returning(public_limits.c.hits, public_limits.c.window_start)
    row = conn.execute(statement).one()
    return Counted(int(row.hits), row.window_start)


def prune(conn: Connection, now: dt.datetime, longest: dt.timedelta) -> int:
    """Delete counters whose window (at most ``longest``) has passed; how many."""
    result = conn.execute(sa.delete(public_limits).where(public_limits.c.window_start <= now - longest))
    return int(result.rowcount or 0)


@dataclass
class Pruning:
    """When this server process last pruned the counters (one per process)."""

    last: dt.datetime | None = None

    def due(self, now: dt.datetime) -> bool:
        if self.last is not None and now - self.last < PRUNE_EVERY:
            return False
        self.last = now
        return True


def refusal(retry_after: int) -> ApiError:
    """ApiError ``public_rate_limited`` (429) saying when to come back."""
    minutes = max(1, -(-retry_after // 60))
    return ApiError(
        "public_rate_limited",
        "查询过于频繁：为保护您的个人信息，同一网络或同一受理编号在一段时间内只能查询有限次数。"
        f"请 {minutes} 分钟后再试，或持受理回执到受理服务站咨询。",
        {"retry_after_seconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def admit(db: Database, key: str, now: dt.datetime, limit: Limit, pruning: Pruning) -> None:
    """Count one look-up for ``key``; ApiError ``public_rate_limited`` when over ``limit``.
    Prunes old counters when this process has not for a while."""
    with db.write() as conn:
        if pruning.due(now):
            prune(conn, now, limit.window)
        counted = hit(conn, key, now, limit)
    if counted.over(limit):
        raise refusal(counted.retry_after(limit, now))
