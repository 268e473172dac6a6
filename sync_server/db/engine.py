"""Engines for the two supported databases, and the transaction helpers every service uses.

* SQLite (embedded default): WAL, ``synchronous=FULL``, foreign keys on, a busy timeout,
  and ``BEGIN IMMEDIATE`` for write transactions so two writers never deadlock on a lock
  upgrade. Readers use deferred transactions and are not blocked by WAL writers.
* PostgreSQL (production) through psycopg 3, READ COMMITTED; row locks do the serialising.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_WRITE = "ssb_write"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _json_text(value: Any) -> str:
    """JSON columns on SQLite: a document already serialised (``services.bulk.RawJson``,
    bytes) is stored as it is; anything else as SQLAlchemy would, with ``json.dumps``."""
    return value.decode() if isinstance(value, bytes) else json.dumps(value)


def create_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            json_serializer=_json_text,
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    # Short statements: JIT compiling a plan costs far more than it saves (hundreds of
    # milliseconds of PostgreSQL CPU for a read that runs in a few).
    kwargs.setdefault("connect_args", {"options": "-c jit=off"})
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """An engine plus the two kinds of transaction the services need."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name  # "sqlite" | "postgresql"

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(create_engine(url, **kwargs))

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self.engine.execution_options(**{_WRITE: True}).begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (rolled back at the end)."""
        with self.engine.connect() as conn, conn.begin() as tx:
            yield conn
            tx.rollback()

    def dispose(self) -> None:
        self.engine.dispose()


def current_xid(conn: Connection) -> int:
    """The id of the current transaction on PostgreSQL (assigning one), 0 on SQLite."""
    if conn.dialect.name != "postgresql":
        return 0
    return int(conn.exec_driver_sql("SELECT pg_current_xact_id()::text::bigint").scalar_one())


def feed_snapshot(conn: Connection) -> tuple[int, tuple[int, ...]] | None:
    """This statement's snapshot on PostgreSQL: (xmax, the transaction ids still running).

    Transactions below xmax and not running have finished (``core.cursor``). None on
    SQLite, where writers are serialised and every committed row is final.
    """
    if conn.dialect.name != "postgresql":
        return None
    text = str(conn.exec_driver_sql("SELECT pg_current_snapshot()::text").scalar_one())
    _xmin, xmax, running = text.split(":")
    return int(xmax), tuple(int(t) for t in running.split(",") if t)
