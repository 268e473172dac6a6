"""A city server restored from an older backup: the stations send again what it lost.

Push 100 cases, take a backup with ``sync-server backup``, push 100 more, put the backup
back the way packaging/README.md tells the administrator (SQLite: server stopped,
``server.db`` replaced; PostgreSQL: ``restore-postgresql.sh`` into a new database,
``database_url`` pointed at it, ``db upgrade``, server started), sync: the server holds all
200 operations, each once, and the station said what it did. Every scenario runs on
SQLite and on PostgreSQL. Acknowledged operations are kept 30 days; one purged before the
restore is named as lost.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from station_client.core import server_restore as rules
from station_client.store import open_store, outbox
from station_client.store.codec import iso
from station_client.sync.agent import SyncAgent
from sync_server.cli import main as server_cli
from sync_server.db.engine import Database
from sync_server.db.tables import operations, stations
from sync_server.services import backup as backup_service
from sync_server.settings import load_settings, write_settings_file
from tests.support.factories import make_client
from tests.support.sync_world import World, enrol_station

REPO = Path(__file__).resolve().parents[2]
RESTORE_SCRIPT = REPO / "packaging" / "server" / "restore-postgresql.sh"
# No wait for "missing" seqs: after a restore they are not on their way, they are lost.
NO_GAP_WAIT = {"push_gap_wait_seconds": 0}


def _pg_env(admin_url: str) -> dict[str, str]:
    """libpq's variables for the restore script, as the administrator sets them."""
    admin = sa.engine.make_url(admin_url)
    return {
        "PATH": "/usr/bin:/bin",
        "PGHOST": admin.host or "",
        "PGPORT": str(admin.port or 5432),
        "PGUSER": admin.username or "",
    }


class City:
    """The city server as its administrator runs it: a data directory, a database, the app.

    ``restore`` follows packaging/README.md for the backend, then starts a new app (a new
    client) on the restored database; ``w.server_db`` follows it.
    """

    def __init__(self, data_dir: Path, database_url: str, pg_admin_url: str | None) -> None:
        self.data_dir = data_dir
        self.pg_admin_url = pg_admin_url
        self.restored: list[str] = []  # new PostgreSQL databases, dropped at the end
        self._configure(database_url)
        db = Database.from_url(database_url)
        self.client: httpx.Client = make_client(db, data_dir, **NO_GAP_WAIT)
        self.w: World = enrol_station(db, data_dir / "station", self.client)

    def _configure(self, database_url: str) -> None:
        write_settings_file(self.data_dir, {"secret_key": "test-secret", "database_url": database_url})

    def sync(self):
        return SyncAgent(self.w.paths.home, self.w.dek, client=self.client).run_once()

    def backup(self, target: Path) -> str:
        result = CliRunner().invoke(server_cli, ["backup", str(target), "--data-dir", str(self.data_dir)])
        assert result.exit_code == 0, result.output
        return result.output

    def restore(self, backup: Path) -> None:
        """The server stopped, the backup put back as documented, the server started on it."""
        self.stop()
        if self.pg_admin_url is None:  # SQLite: the copy over server.db, no WAL left behind
            for stale in ("server.db-wal", "server.db-shm"):
                (self.data_dir / stale).unlink(missing_ok=True)
            shutil.copyfile(backup, self.data_dir / "server.db")
        else:
            fresh = f"ssb_restored_{uuid.uuid4().hex[:12]}"
            done = subprocess.run(
                [str(RESTORE_SCRIPT), str(backup), fresh], env=_pg_env(self.pg_admin_url),
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            self.restored.append(fresh)
            assert done.returncode == 0, done.stderr
            url = load_settings(self.data_dir).effective_database_url
            self._configure(url.rsplit("/", 1)[0] + "/" + fresh)  # database_url → the new database
            upgraded = CliRunner().invoke(server_cli, ["db", "upgrade", "--data-dir", str(self.data_dir)])
            assert upgraded.exit_code == 0, upgraded.output
        db = Database.from_url(load_settings(self.data_dir).effective_database_url)
        self.w.server_db = db
        self.client = make_client(db, self.data_dir, **NO_GAP_WAIT)

    def stop(self) -> None:
        self.client.close()
        self.w.server_db.dispose()

    def drop_restored(self) -> None:
        if self.pg_admin_url is None:
            return
        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            for name in self.restored:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def city(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[City]:
    """One enrolled station and its city server, on SQLite and on PostgreSQL (``database_url``)."""
    pg_admin_url = None
    if not database_url.startswith("sqlite"):
        if shutil.which("pg_restore") is None:
            pytest.skip("PostgreSQL client tools not installed")
        pg_admin_url = request.getfixturevalue("pg_admin_url")
    made = City(tmp_path, database_url, pg_admin_url)  # the data dir is tmp_path
    try:
        yield made
    finally:
        made.stop()
        made.drop_restored()


def restored_audit(w: World) -> list[str]:
    db = open_store(w.paths.home)
    try:
        return [r[0] for r in db.execute("SELECT action FROM audit WHERE action = 'sync.server_restored'")]
    finally:
        db.close()


def test_a_server_restored_from_a_backup_gets_every_operation_back_once(city, tmp_path):
    w = city.w
    session = w.session()
    w.take_in(session, 100)
    assert city.sync().ok
    said = city.backup(tmp_path / "backups" / "city.db")
    assert "已备份到" in said and "1 个服务站" in said

    w.take_in(session, 100)
    assert city.sync().ok
    assert len(w.server_operations()) == 200

    city.restore(tmp_path / "backups" / "city.db")
    assert len(w.server_operations()) == 100  # the server went back in time

    report = city.sync()  # nothing new at the desk: the pull tells the station

    assert report.ok, report.problem
    assert report.pushed == 100
    assert sorted(w.server_seqs()) == list(range(1, 201))  # each seq once, no gap
    assert set(w.server_operations().values()) == {"applied"}
    assert len(set(w.server_case_ids())) == 200
    ours = {r[0] for r in session.db.execute("SELECT op_id FROM outbox")}
    assert set(w.server_operations()) == ours  # the same op ids: exactly once, not copies
    assert restored_audit(w) == ["sync.server_restored"]
    detail = session.db.execute("SELECT detail FROM audit WHERE action = 'sync.server_restored'").fetchone()[
        0
    ]
    assert "市局服务器已从备份恢复，本站已重新上报 100 笔" in detail

    again = city.sync()  # in step now: nothing more is sent
    assert again.ok and again.pushed == 0
    assert len(w.server_operations()) == 200


def test_new_cases_after_a_restore_go_up_behind_the_resent_ones(city, tmp_path):
    w = city.w
    session = w.session()
    w.take_in(session, 10)
    assert city.sync().ok
    city.backup(tmp_path / "city.db")
    w.take_in(session, 10)
    assert city.sync().ok
    city.restore(tmp_path / "city.db")

    w.take_in(session, 5)  # the push meets sequence_gap first, never a stop
    report = city.sync()

    assert report.ok, report.problem
    assert sorted(w.server_seqs()) == list(range(1, 26))
    assert len(set(w.server_case_ids())) == 25
    with w.server_db.read() as conn:
        assert conn.execute(sa.select(stations.c.last_seq)).scalar() == 25


def test_acknowledged_operations_are_kept_30_days_then_purged(city):
    w = city.w
    session = w.session()
    w.take_in(session, 6)
    assert city.sync().ok
    db = session.db
    old = iso(dt.datetime.now(dt.UTC) - rules.RETENTION - dt.timedelta(hours=1))
    recent = iso(dt.datetime.now(dt.UTC) - rules.RETENTION + dt.timedelta(hours=1))
    with db.atomic():
        db.execute("UPDATE outbox SET acked_at = ? WHERE seq <= 2", [old])
        db.execute("UPDATE outbox SET acked_at = ? WHERE seq = 3", [recent])

    assert city.sync().ok  # each round purges

    assert [r[0] for r in db.execute("SELECT seq FROM outbox ORDER BY seq")] == [3, 4, 5, 6]
    assert outbox.purged_through(db) == 2
    assert outbox.highest_acknowledged(db) == 6


def test_operations_purged_before_the_restore_are_named_as_lost(city, tmp_path):
    w = city.w
    city.backup(tmp_path / "empty.db")  # before the station pushed anything
    session = w.session()
    w.take_in(session, 6)
    assert city.sync().ok
    db = session.db
    old = iso(dt.datetime.now(dt.UTC) - rules.RETENTION - dt.timedelta(days=1))
    with db.atomic():
        db.execute("UPDATE outbox SET acked_at = ? WHERE seq <= 2", [old])
    assert city.sync().ok  # seq 1 and 2 purged
    city.restore(tmp_path / "empty.db")

    report = city.sync()

    assert report.problem is not None and report.problem.code == "server_lost_operations"
    assert "2 笔" in report.problem.message and "1–2" in report.problem.message
    assert w.server_operations() == {}  # nothing after the hole can be applied before it
    assert db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0] == 4


def test_the_rule_names_what_the_server_lacks():
    assert rules.behind(10, 10, []) is None
    assert rules.behind(12, 10, []) is None  # the server is ahead: not this rule's business
    found = rules.behind(3, 9, [6, 7, 8, 9])
    assert found is not None and found.first_missing == 4 and found.lost == (4, 5)
    assert "4–5" in rules.lost_words(found.lost)
    assert "3、5–7" in rules.lost_words((3, 5, 6, 7))


def test_a_backup_never_overwrites_an_earlier_one(city, tmp_path):
    city.backup(tmp_path / "city.db")
    result = CliRunner().invoke(
        server_cli, ["backup", str(tmp_path / "city.db"), "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "已存在" in result.output


@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="PostgreSQL client tools not installed")
def test_postgresql_backup_and_the_restore_script_round_trip(pg_admin_url, pg_url, tmp_path):
    """``sync-server backup`` (pg_dump) then restore-postgresql.sh into a fresh database."""
    db = Database.from_url(pg_url)
    try:
        made = backup_service.backup(db, tmp_path / "city.dump")
        with db.read() as conn:
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            held = [
                conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                for t in (stations, operations)
            ]
    finally:
        db.dispose()
    assert made.dialect == "postgresql" and made.size > 0

    fresh = f"ssb_restored_{tmp_path.name[-12:]}".replace("-", "_").lower()
    admin = sa.engine.make_url(pg_admin_url)
    env = {"PGHOST": admin.host or "", "PGPORT": str(admin.port or 5432), "PGUSER": admin.username or ""}
    script = REPO / "packaging" / "server" / "restore-postgresql.sh"
    done = subprocess.run(
        [str(script), str(made.path), fresh], env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        assert done.returncode == 0, done.stderr
        restored_url = pg_url.rsplit("/", 1)[0] + "/" + fresh
        back = Database.from_url(restored_url)
        try:
            with back.read() as conn:
                assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == revision
                tables = (stations, operations)
                assert [
                    conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in tables
                ] == held
        finally:
            back.dispose()
        refused = subprocess.run(
            [str(script), str(made.path), fresh], env={"PATH": "/usr/bin:/bin", **env},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert refused.returncode != 0 and "已存在" in refused.stderr  # never over a live database
    finally:
        subprocess.run(["dropdb", "--if-exists", fresh], env={"PATH": "/usr/bin:/bin", **env}, check=False)
