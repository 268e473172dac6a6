"""Failure counters with lockout, kept in the database so every server process sees them.

A key names what is being guessed at: ``enrol:<client address>`` for enrolment codes,
``login:<username>`` for console logins. ``max_failures`` failures within the window lock
the key for ``lockout``; the count starts again when the window or the lock has passed.

Typical use (the refused request's own transaction rolls back, so the failure is
recorded in a transaction of its own)::

    with db.write() as conn:
        throttle.check(conn, key, now, code="enrol_locked")
        try:
            station = verify_enrolment_code(conn, code, now)
        except ApiError:
            failed = True
        ...
    if failed:
        with db.write() as conn:
            throttle.record_failure(conn, key, now, max_failures=5, lockout=timedelta(minutes=15))
"""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.db.tables import throttle
from sync_server.db.upsert import upsert
from sync_server.errors import ApiError


def locked_until(conn: Connection, key: str, now: dt.datetime) -> dt.datetime | None:
    """When the lock on ``key`` ends, or None when it is not locked at ``now``."""
    until = conn.execute(sa.select(throttle.c.locked_until).where(throttle.c.key == key)).scalar()
    if until is None or until <= now:
        return None
    return until  # type: ignore[no-any-return]


def locked_keys(conn: Connection, prefix: str, now: dt.datetime) -> dict[str, dt.datetime]:
    """The keys starting with ``prefix`` that are locked at ``now`` (prefix removed), and until when."""
    query = sa.select(throttle.c.key, throttle.c.locked_until).where(
        throttle.c.key.startswith(prefix, autoescape=True), throttle.c.locked_until > now
    )
    return {key.removeprefix(prefix): until for key, until in conn.execute(query)}


def check(conn: Connection, key: str, now: dt.datetime, *, code: str = "rate_limited") -> None:
    """Raise ApiError ``code`` (with ``Retry-After``) while ``key`` is locked."""
    until = locked_until(conn, key, now)
    if until is not None:
        seconds = max(1, math.ceil((until - now).total_seconds()))
        raise ApiError(
            code,
            detail={"retry_after_seconds": seconds, "locked_until": until.isoformat()},
            headers={"Retry-After": str(seconds)},
        )


def _lock_row(conn: Connection, key: str, now: dt.datetime) -> tuple[int, dt.datetime, dt.datetime | None]:
    """Make sure the row exists, then lock it (PostgreSQL; SQLite writers are serialised)."""
    conn.execute(upsert(conn, throttle, values={"key": key, "failures": 0, "window_start": now}))
    query = sa.select(throttle.c.failures, throttle.c.window_start, throttle.c.locked_until).where(
        throttle.c.key == key
    )
    row = conn.execute(query.with_for_update()).one()
    return int(row.failures), row.window_start, row.locked_until


def record_failure(
    conn: Connection,
    key: str,
    now: dt.datetime,
    *,
    max_failures: int,
    lockout: dt.timedelta,
    window: dt.timedelta | None = None,
) -> bool:
    """Count one failure for ``key``; True when this failure locked it.

    Failures older than ``window`` (default: ``lockout``) no longer count.
    """
    failures, window_start, until = _lock_row(conn, key, now)
    if until is not None and until > now:
        return True  # already locked: a failure during the lock does not extend or lift it
    if now - window_start > (window or lockout):
        failures, window_start = 0, now
    failures += 1
    locked = failures >= max_failures
    conn.execute(
        sa.update(throttle)
        .where(throttle.c.key == key)
        .values(
            # A lock starts a fresh count for when it ends.
            failures=0 if locked else failures,
            window_start=now if locked else window_start,
            locked_until=now + lockout if locked else None,
        )
    )
    return locked


def reset(conn: Connection, key: str) -> None:
    """Forget the failures of ``key`` (after a success, or an administrator's unlock)."""
    conn.execute(sa.delete(throttle).where(throttle.c.key == key))
