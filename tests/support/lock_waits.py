"""Waiting for a transaction to be blocked on a lock, instead of sleeping and hoping it is.

A race test holds a lock in one thread and needs to know that the other thread really is
waiting for it before letting go. :func:`blocked_on_lock` polls, with a bounded timeout,
for the evidence the database gives:

* PostgreSQL: a backend of this database waiting on a lock (``pg_stat_activity``,
  ``wait_event_type = 'Lock'``: a row lock or a transaction id);
* SQLite: the thread is inside its ``BEGIN IMMEDIATE`` (the engine's ``begin`` listener,
  ``sync_server.db.engine``), which cannot return while another writer holds the lock.
"""

from __future__ import annotations

import sys
import threading
import time

import sqlalchemy as sa

from sync_server.db.engine import Database

POLL_SECONDS = 0.005

_PG_WAITING = sa.text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid != pg_backend_pid()"
)


def blocked_on_lock(db: Database, thread: threading.Thread, timeout: float = 10.0) -> bool:
    """True once ``thread``'s transaction waits on a lock; False if it did not within ``timeout``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if _pg_waiting(db) if db.is_postgres else _in_begin_immediate(thread):
            return True
        time.sleep(POLL_SECONDS)
    return False


def _pg_waiting(db: Database) -> bool:
    with db.engine.connect() as conn:
        return bool(conn.execute(_PG_WAITING).scalar_one())


def _in_begin_immediate(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == "_on_begin":  # sync_server.db.engine's BEGIN IMMEDIATE
            return True
        frame = frame.f_back
    return False
