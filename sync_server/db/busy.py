"""A database that cannot take a request now: answered ``server_busy`` (503, ``Retry-After``).

Every connection of the pool in use past its timeout (``sqlalchemy.exc.TimeoutError``), a
database that refuses or drops the connection, SQLite locked past its busy timeout, a
deadlock victim or a serialisation failure (``OperationalError``): the request's
transaction did not commit, or, when the link broke during the commit itself, the station's
retry is answered exactly once by its operation ids. Either way the same request a little
later is the remedy, so the caller hears "busy, try again" instead of ``internal_error``
and a stack trace in the log.
"""

from __future__ import annotations

import logging

from sqlalchemy import exc

from sync_server.errors import ApiError

__all__ = ["DATABASE_BUSY", "RETRY_AFTER_SECONDS", "busy_error", "log_busy"]

DATABASE_BUSY: tuple[type[Exception], ...] = (exc.TimeoutError, exc.OperationalError)
RETRY_AFTER_SECONDS = 5


def busy_error() -> ApiError:
    """The refusal to answer for any of :data:`DATABASE_BUSY`."""
    return ApiError(
        "server_busy",
        detail={"retry_after_seconds": RETRY_AFTER_SECONDS},
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def log_busy(log: logging.Logger, method: str, path: str, error: Exception) -> None:
    """One warning line with the driver's own words ("database is locked", "connection
    refused", the pool's limits), never SQLAlchemy's text of the statement and its
    parameters, which may hold ID numbers. An operator reads here why, say, an
    unmigrated SQLite file ("no such table") keeps answering busy."""
    reason = str(getattr(error, "orig", None) or error).splitlines()[0][:200]
    log.warning("database busy on %s %s: %s: %s", method, path, type(error).__name__, reason)
