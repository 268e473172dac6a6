"""Per-station request rate limit: a fixed window counted in the ``throttle`` table.

One upsert per request counts it and says whether it is over the limit, so every server
process behind the load balancer sees the same count. Keys are ``rate:<who>`` and do not
collide with the failure counters of :mod:`sync_server.services.access.throttle`.
"""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.db.tables import throttle
from sync_server.db.upsert import upsert

DEFAULT_LIMIT = 120  # requests
DEFAULT_WINDOW = dt.timedelta(minutes=1)


def rate_key(station_id: str) -> str:
    return f"rate:station:{station_id}"


def hit(
    conn: Connection,
    key: str,
    now: dt.datetime,
    *,
    limit: int = DEFAULT_LIMIT,
    window: dt.timedelta = DEFAULT_WINDOW,
) -> int | None:
    """Count one request for ``key``; the seconds to wait when it is over ``limit``, else None."""
    expired = throttle.c.window_start <= now - window
    statement = upsert(
        conn,
        throttle,
        on=[throttle.c.key],
        values={"key": key, "failures": 1, "window_start": now},
        update={
            "failures": sa.case((expired, 1), else_=throttle.c.failures + 1),
            "window_start": sa.case((expired, now), else_=throttle.c.window_start),
        },
    ).returning(throttle.c.failures, throttle.c.window_start)
    row = conn.execute(statement).one()
    if int(row.failures) <= limit:
        return None
    start: dt.datetime = row.window_start
    return max(1, math.ceil((start + window - now).total_seconds()))
