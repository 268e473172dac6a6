"""``make test`` on a machine without a PostgreSQL server: the storage tests start their own.

The first test is the newcomer's box: a child pytest run with nothing answering on the
port the tests look at (a closed one here) and no ``SSB_TEST_PG_ADMIN``, two xdist
workers. The run starts one throwaway cluster (``initdb`` in a temporary directory,
``pg_ctl start`` on a free port), both workers use it, the storage tests pass on it, and
it is stopped and gone when the run ends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.support import pg_cluster

ROOT = Path(__file__).resolve().parents[1]
REPORT = "SSB_TEST_PG_REPORT"  # where test_the_postgresql_the_tests_run_on writes its URL


def test_the_postgresql_the_tests_run_on(pg_admin_url: str) -> None:
    with psycopg.connect(pg_admin_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    if REPORT in os.environ:  # the child run of the test below: tell it which server this worker used
        with open(os.environ[REPORT], "a", encoding="utf-8") as out:
            out.write(f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')} {pg_admin_url}\n")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


@pytest.mark.slow
def test_without_a_postgresql_the_run_starts_one_cluster_its_workers_share_and_stops_it(
    tmp_path: Path,
) -> None:
    closed, run = _closed_port(), uuid.uuid4().hex
    report = tmp_path / "servers.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SSB_TEST_PG_"))}
    env |= {"SSB_TEST_PG_PORT": str(closed), REPORT: str(report), "PYTHONDONTWRITEBYTECODE": "1"}
    assert not pg_cluster.answers(f"postgresql://postgres@127.0.0.1:{closed}/test")
    args = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "each",
        f"--testrunuid={run}", "--timeout=300",
        "tests/test_pg_cluster.py::test_the_postgresql_the_tests_run_on",
        "tests/server/test_db_types.py::test_upsert_keeps_the_row_already_there",
        "tests/server/test_db_types.py::test_postgresql_session_zone_does_not_leak",
    ]  # fmt: skip
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "10 passed" in done.stdout  # on each worker: the probe, two storage tests on SQLite and PostgreSQL
    used = sorted(line.split() for line in report.read_text(encoding="utf-8").splitlines())
    assert [worker for worker, _ in used] == ["gw0", "gw1"]
    assert len({url for _, url in used}) == 1  # one cluster for the run
    url = used[0][1]
    assert f":{closed}/" not in url and url.startswith("postgresql://postgres@127.0.0.1:")
    # stopped at the end of the run, its directory removed
    assert not pg_cluster.answers(url)
    assert not (pg_cluster.run_root().parent / f"{pg_cluster.PREFIX}{run}").exists()
