"""Opening the station store: one SQLite file, WAL, ``synchronous=FULL``, foreign keys on.

One connection per thread (SQLite connections are not shared across threads): the UI,
the CLI and the sync worker each call :func:`open_store` for their own. Every open runs
the versioned migrations (:mod:`station_client.store.migrations`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from station_client.paths import DB_NAME
from station_client.store.migrations import migrate

BUSY_TIMEOUT_SECONDS = 30.0  # the sync worker may hold the write lock while the clerk saves


def store_file(path: str | Path) -> Path:
    """``path`` itself when it names a ``.db`` file, else ``<path>/station.db`` (a home)."""
    p = Path(path)
    return p if p.suffix == ".db" else p / DB_NAME


def open_store(path: str | Path, *, create: bool = True) -> Database:
    """Open (and migrate) the store at a home directory or a ``.db`` file path.

    ``create=False`` refuses to make a new file (read-only commands such as ``status``
    on a home that was never enrolled) and raises FileNotFoundError instead.
    """
    file = store_file(path)
    if not file.exists():
        if not create:
            raise FileNotFoundError(file)
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    conn = sqlite3.connect(str(file), timeout=BUSY_TIMEOUT_SECONDS)
    db = Database(conn)
    with db.ensure_autocommit_on():
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")  # the outbox must survive a power cut
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    migrate(db)
    return db
