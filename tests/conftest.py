"""Shared fixtures.

``database`` runs a test once on SQLite and once on PostgreSQL (Kinto's rule: one storage
suite, every backend). The PostgreSQL is ``SSB_TEST_PG_ADMIN``, else the one at
127.0.0.1:5432, else a throwaway cluster the run starts itself and stops at the end
(:mod:`tests.support.pg_cluster`; xdist workers share it). Each pytest worker gets its own
PostgreSQL database, migrated once; tests start from empty tables.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings

from sync_server.db.engine import Database
from sync_server.db.migrate import upgrade
from sync_server.db.tables import metadata
from tests.support import pg_cluster

BACKENDS = ["sqlite", "postgresql"]

# No timed assertions (speed lives in bench/): Hypothesis's per-example deadline would fail a
# property on a loaded CI machine for being slow, not wrong.
hypothesis_settings.register_profile("ssb", deadline=None)
hypothesis_settings.load_profile("ssb")


def _pg_dsn(admin_url: str, dbname: str) -> str:
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """Found or started on first use only: a run without PostgreSQL tests starts nothing."""
    url, lease = pg_cluster.admin_url()
    yield url
    if lease is not None:
        lease.release()


@pytest.fixture(scope="session")
def pg_database_name(pg_admin_url: str) -> Iterator[str]:
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"ssb_test_{os.getpid()}_{worker_id}".replace("-", "_")
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url(pg_admin_url: str, pg_database_name: str) -> str:
    url = _pg_dsn(pg_admin_url, pg_database_name)
    db = Database.from_url(url)
    upgrade(db)
    db.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    db = Database.from_url(f"sqlite:///{path}")
    upgrade(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


def _truncate_all(url: str) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database URL, on each backend in turn."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "server.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    _truncate_all(url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    yield database
    database.dispose()


def table_count(db: Database, table: sa.Table) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
