"""SIGKILL the station at random moments of its sync, again and again; nothing is lost or doubled.

The server is a real ``sync-server serve`` process over HTTPS. Each time round, the clerk
takes new cases in, then the station process (``sync_crash_station.py``) starts syncing
and is killed with SIGKILL after a random delay: in the middle of numbering a batch,
sending it, recording its results, pulling, or between any two of those. At the end a
clean sync runs, and the server must hold exactly the cases the station took in, each
once, with one operation per outbox row, numbered without a gap, and both audit chains
intact.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from station_client.store import audit as station_audit
from station_client.store import open_store
from station_client.sync.agent import SyncAgent
from sync_server.db.tables import audit_log, cases, operations, stations
from sync_server.services import audit as server_audit
from tests.station.serve_process import Served, serve
from tests.station.sync_world import World, enrol_station

pytestmark = pytest.mark.slow

KILLS = 22
HELPER = Path(__file__).with_name("sync_crash_station.py")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serve(tmp_path / "server") as server:
        yield server


def _start_station(w: World) -> subprocess.Popen[str]:
    env = {**os.environ, "SSB_RECOVERY_KEY": w.recovery_key, "PYTHONPATH": str(Path.cwd())}
    process = subprocess.Popen(
        [sys.executable, str(HELPER), str(w.paths.home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def test_sigkill_at_random_moments_loses_nothing_and_doubles_nothing(served, tmp_path):
    rng = random.Random(20261126)
    with served.client() as client:
        w = enrol_station(served.db, tmp_path / "station", client, ca_pem=served.ca.read_bytes())
    session = w.session()
    taken: set[str] = set()
    moments: list[str] = []
    for _ in range(KILLS):
        taken |= {str(r.case_id) for r in w.take_in(session, rng.randint(30, 90))}
        station = _start_station(w)
        # half the kills early (numbering, the first batches), half anywhere in the round
        time.sleep(rng.uniform(0.0, rng.choice((0.12, 0.6))))
        station.send_signal(signal.SIGKILL)
        assert station.wait(10) == -signal.SIGKILL
        assert station.stdout is not None
        station.stdout.close()
        in_flight = session.db.execute(
            "SELECT count(*) FROM outbox WHERE state = 'pending' AND seq IS NOT NULL"
        ).fetchone()[0]
        moments.append("numbered, not acknowledged" if in_flight else "between batches or after")
    assert len(moments) >= 20
    assert "numbered, not acknowledged" in moments  # some kills fell between numbering and recording

    with served.client() as client:
        report = SyncAgent(w.paths.home, w.dek, client=client).run_once()
    assert (report.pushed >= 0 and report.problem is None) or report.problem.code != "internal_error"

    db = open_store(w.paths.home)
    outbox = db.execute("SELECT op_id, seq, state FROM outbox ORDER BY seq").fetchall()
    assert {state for _, _, state in outbox} == {"done"}
    assert [seq for _, seq, _ in outbox] == list(range(1, len(outbox) + 1))
    assert station_audit.verify(db) is None
    db.close()

    server_cases = w.server_case_ids()
    assert len(server_cases) == len(set(server_cases)) == len(taken)
    assert set(server_cases) == taken
    with served.db.read() as conn:
        ops = conn.execute(
            sa.select(operations.c.op_id, operations.c.seq, operations.c.status).where(
                operations.c.station_id == w.station_id
            )
        ).all()
        assert sorted(o.op_id for o in ops) == sorted(op_id for op_id, _, _ in outbox)
        assert {o.status for o in ops} == {"applied"}
        last_seq = conn.execute(
            sa.select(stations.c.last_seq).where(stations.c.id == w.station_id)
        ).scalar_one()
        assert last_seq == len(outbox)
        accepted = (
            conn.execute(sa.select(audit_log.c.entity_id).where(audit_log.c.action == "case.accept"))
            .scalars()
            .all()
        )
        assert sorted(accepted) == sorted(taken)  # one audit entry per case: applied once
        assert conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one() == len(taken)
        chain = server_audit.verify(conn)
    assert chain.intact, chain
