"""Upgrades keep data: what the previous release wrote opens, whole, with this one.

``tests/data/previous_release/`` holds a server data directory and a station home made by
the previous release's own code (``scripts/make_previous_release_data.py``; its README says
how): ``seed-demo --persons 300``, station 511102004-00 enrolled, six cases taken, the
first four pushed, the last two still in the outbox. These tests open them with the
current code: the server through ``sync-server db upgrade``, the station store by simply
opening it, and the admin's upgrade steps in packaging/README.md run as written.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from station_client.crypto.wraps import unwrap_with_recovery
from station_client.services import reference
from station_client.services.caselist import list_cases
from station_client.services.receipt_pdf import receipt_pdf
from station_client.services.session import login
from station_client.store import keys, meta, migrations, open_store, outbox, receipts
from station_client.sync.agent import SyncAgent
from sync_server.api.app import create_app
from sync_server.db.engine import Database
from sync_server.db.migrate import is_up_to_date
from sync_server.settings import load_settings
from tests.support.serve_process import Served, free_port, serving

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "previous_release"
BIN = Path(sys.executable).parent
STATION = "511102004-00"
CLERK, CLERK_PASSWORD = "clerk.upgrade", "Upgrade-Desk-2026"
# What the server must still hold after the upgrade, row for row.
KEPT_TABLES = (
    "cases",
    "case_events",
    "operations",
    "ledger_entries",
    "audit_log",
    "persons",
    "contribution_records",
    "personal_accounts",
    "staff",
    "stations",
)


@dataclass(frozen=True)
class OldCase:
    case_id: str
    number: str
    item: str
    receipt: str | None


@dataclass(frozen=True)
class Previous:
    server: Path  # the data directory (settings.toml, tls/, server.db)
    home: Path  # the station's data directory
    cases: tuple[OldCase, ...]

    @property
    def server_db(self) -> Path:
        return self.server / "server.db"

    @property
    def pushed(self) -> tuple[OldCase, ...]:
        return self.cases[:4]

    @property
    def waiting(self) -> tuple[OldCase, ...]:
        return self.cases[4:]


def _gunzip_copy(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
    for packed in target.glob("*.gz"):
        with gzip.open(packed) as src, packed.with_suffix("").open("wb") as dst:
            shutil.copyfileobj(src, dst)
        packed.unlink()


@pytest.fixture
def previous(tmp_path: Path) -> Previous:
    _gunzip_copy(DATA / "server", tmp_path / "server")
    _gunzip_copy(DATA / "station", tmp_path / "station")
    lines = (DATA / "cases.txt").read_text(encoding="utf-8").split("\n")
    cases = tuple(
        OldCase(a, b, c, None if d == "-" else d) for a, b, c, d in (line.split() for line in lines if line)
    )
    return Previous(tmp_path / "server", tmp_path / "station", cases)


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in KEPT_TABLES}


def _run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )


def _upgrade(server: Path) -> subprocess.CompletedProcess[str]:
    return _run(BIN / "sync-server", "db", "upgrade", "--data-dir", server)


def _station_cases_on_server(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {
            str(r[0]) for r in conn.execute("SELECT case_number FROM cases WHERE station_id = ?", [STATION])
        }


def _station_ops_on_server(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(
            conn.execute("SELECT count(*) FROM operations WHERE station_id = ?", [STATION]).fetchone()[0]
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ── the server ──────────────────────────────────────────────────────────────────────


def test_the_previous_release_database_upgrades_and_keeps_every_row(previous: Previous) -> None:
    before = _counts(previous.server_db)
    assert before["cases"] == 4 and before["ledger_entries"] > 0 and before["audit_log"] > 0

    done = _upgrade(previous.server)

    assert done.returncode == 0, done.stderr
    assert "升级到" in done.stdout
    after = _counts(previous.server_db)
    assert {t: after[t] for t in KEPT_TABLES if t != "audit_log"} == {
        t: before[t] for t in KEPT_TABLES if t != "audit_log"
    }
    assert after["audit_log"] >= before["audit_log"]  # an upgrade may add entries, never drop one
    assert _station_cases_on_server(previous.server_db) == {c.number for c in previous.pushed}
    db = Database.from_url(f"sqlite:///{previous.server_db}")
    try:
        assert is_up_to_date(db)
    finally:
        db.dispose()
    verified = _run(BIN / "sync-server", "audit", "verify", "--data-dir", previous.server)
    assert verified.returncode == 0, verified.stderr
    assert f"共 {after['audit_log']} 条" in verified.stdout
    again = _upgrade(previous.server)
    assert again.returncode == 0 and "已是最新版本" in again.stdout


def test_the_previous_release_postgresql_database_upgrades_and_keeps_every_row(
    pg_admin_url: str, tmp_path: Path
) -> None:
    name = f"previous_release_{os.getpid()}"
    url = f"{pg_admin_url.rpartition('/')[0]}/{name}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        dump = DATA / "server" / "server.pg.dump"
        restored = _run("pg_restore", "--no-owner", "--no-acl", f"--dbname={url}", dump)
        assert restored.returncode == 0, restored.stderr
        data_dir = tmp_path / "server"
        shutil.copytree(DATA / "server" / "tls", data_dir / "tls")
        settings = (DATA / "server" / "settings.toml").read_text(encoding="utf-8")
        (data_dir / "settings.toml").write_text(f'{settings}database_url = "{url}"\n', encoding="utf-8")
        before = _pg_counts(url)
        assert before["cases"] == 4 and before["ledger_entries"] > 0

        done = _upgrade(data_dir)

        assert done.returncode == 0, done.stderr
        after = _pg_counts(url)
        assert {t: after[t] for t in KEPT_TABLES if t != "audit_log"} == {
            t: before[t] for t in KEPT_TABLES if t != "audit_log"
        }
        assert after["audit_log"] >= before["audit_log"]
        verified = _run(BIN / "sync-server", "audit", "verify", "--data-dir", data_dir)
        assert verified.returncode == 0, verified.stderr
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in KEPT_TABLES}  # type: ignore[index]


# ── the station ─────────────────────────────────────────────────────────────────────


def test_the_previous_release_station_store_opens_with_everything_readable(previous: Previous) -> None:
    db = open_store(previous.home)  # the current code: migrations run on open
    try:
        assert migrations.user_version(db) == len(migrations.MIGRATIONS)
        assert meta.station_id(db) == STATION
        session = login(db, CLERK, CLERK_PASSWORD, now=_now())  # the password still unlocks the data key
        recovery = (previous.home / "recovery_key.txt").read_text(encoding="utf-8").strip()
        wrap = keys.get_wrap(db, "recovery")
        assert wrap is not None
        by_recovery = unwrap_with_recovery(wrap, recovery)  # the key printed at enrolment still opens it

        listed = list_cases(db, session.dek, reference.catalog(db))
        assert {c.case_number for c in listed} == {c.number for c in previous.cases}
        assert {c.case_number for c in listed if c.waiting_sync} == {c.number for c in previous.waiting}

        waiting = outbox.unfinished(db)
        assert {e.case_id for e in waiting} == {c.case_id for c in previous.waiting}
        for entry in waiting:
            assert outbox.read_json(db, session.dek, entry.local_id)["op_id"] == entry.op_id
            assert outbox.read_json(db, by_recovery, entry.local_id)["op_id"] == entry.op_id

        for case in previous.cases:
            if case.receipt is None:
                continue
            doc = receipts.get(db, session.dek, case.receipt)
            assert doc is not None and doc["fee"]["collected"]
            printable = receipt_pdf(db, session.dek, case.receipt)
            assert printable.pdf.startswith(b"%PDF")
    finally:
        db.close()


def test_the_old_outbox_goes_up_to_the_upgraded_server_exactly_once(previous: Previous) -> None:
    assert _upgrade(previous.server).returncode == 0
    ops_before = _station_ops_on_server(previous.server_db)
    db = open_store(previous.home)
    dek = login(db, CLERK, CLERK_PASSWORD, now=_now()).dek
    db.close()
    settings = load_settings(previous.server)
    with TestClient(create_app(settings), base_url=settings.public_url) as client:
        first = SyncAgent(previous.home, dek, client=client).run_once()
        second = SyncAgent(previous.home, dek, client=client).run_once()

    assert first.problem is None and second.problem is None
    assert _station_cases_on_server(previous.server_db) == {c.number for c in previous.cases}
    assert _station_ops_on_server(previous.server_db) == ops_before + len(previous.waiting)
    db = open_store(previous.home)
    try:
        assert outbox.unfinished(db) == []
    finally:
        db.close()


# ── the admin's procedure, as packaging/README.md writes it ──────────────────────────


def _readme_blocks() -> tuple[list[str], list[str]]:
    """The shell lines of the two "Upgrading" blocks (server, station), comments left out."""
    text = (ROOT / "packaging" / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Upgrading\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2, "packaging/README.md: Upgrading has a server block and a station block"
    server, station = (
        [line for line in block.splitlines() if line.strip() and not line.startswith("#")] for block in blocks
    )
    return server, station


def _shell(line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The README's commands run as they are; only the names the test can't have are shims:
    # sudo (the test already is the service's user) and the bundle's console program.
    shims = (
        'sudo() { [ "$1 $2" = "-u sync-server" ] || exit 99; shift 2; "$@"; }\n'
        f'station-client-cli() {{ {shlex.quote(str(BIN / "station-client"))} "$@"; }}\n'
        f"export PATH={shlex.quote(str(BIN))}:$PATH\n"
    )
    return subprocess.run(
        ["bash", "-c", shims + line], capture_output=True, text=True, check=False, env={**os.environ, **env}
    )


def _point_station_at(home: Path, url: str) -> None:
    """The test's server listens on a free port, not the address the station enrolled with."""
    db = open_store(home)
    try:
        meta.put(db, meta.SERVER_URL, url)
    finally:
        db.close()


@pytest.mark.slow
def test_the_readme_upgrade_steps_run_as_written(previous: Previous) -> None:
    server_lines, station_lines = _readme_blocks()
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    backups = previous.server.parent / "backups"
    backups.mkdir()
    env = {"VENV": str(BIN.parent), "DATA": str(previous.server), "URL": url, "BACKUPS": str(backups)}
    assignment, *steps = server_lines
    assert set(re.findall(r"(\w+)=", assignment)) == set(env)  # the variables the steps use

    # serving() needs only the data directory, address and CA; the old data dir's own TLS files serve.
    served = Served(url, previous.server / "tls" / "ca.pem", previous.server, Database.from_url("sqlite://"))
    outputs: list[str] = []
    with ExitStack() as running:
        running.callback(served.db.dispose)
        for line in steps:
            if line.startswith("systemctl stop"):
                continue  # nothing runs yet: the test starts the upgraded server at "systemctl start"
            if "pip install" in line:
                continue  # the new release is this tree, installed in .venv
            if line.startswith("systemctl start"):
                running.enter_context(serving(served, port))
                continue
            done = _shell(line, env)
            assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
            outputs.append(done.stdout)
        assert '"status":"ready"' in outputs[-1].replace(" ", "")
        assert len(list(backups.iterdir())) == 1  # taken before anything changed
        assert any("完整：共" in out for out in outputs)  # audit verify

        _point_station_at(previous.home, url)
        station_env = {"SSB_HOME": str(previous.home), "SSB_USER": CLERK, "SSB_PASSWORD": CLERK_PASSWORD}
        said = {}
        for line in station_lines:
            done = _shell(line, station_env)
            assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
            said[line.split()[1]] = done.stdout

    assert "待上报业务：2 笔" in said["status"]
    assert all(case.number in said["cases"] for case in previous.cases)
    assert _station_cases_on_server(previous.server_db) == {c.number for c in previous.cases}
