"""Kill the station at each named point of its sync; what is left is exactly what must be.

The server is a real ``sync-server serve`` process over HTTPS. The station runs its round
in its own process (``sync_crash_station.py``) with one crash point armed
(``station_client.sync.crash_points``), which kills it with SIGKILL there. For each point
the test checks the station's store and the server's tables right after the kill (what a
crash at that instant must leave), then restarts the sync and checks that nothing was
lost and nothing applied twice: the server holds exactly the cases taken in, once each,
one operation per outbox row, numbered without a gap, and both audit chains are intact.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from station_client.store import audit as station_audit
from station_client.store import meta, open_store
from station_client.sync.agent import SyncAgent
from sync_server.db.tables import audit_log, cases, operations, stations
from sync_server.services import audit as server_audit
from sync_server.services.admin.staff import add_staff
from tests.support.serve_process import Served, serve
from tests.support.sync_world import World, enrol_station, now

pytestmark = pytest.mark.slow

HELPER = Path(__file__).with_name("sync_crash_station.py")
BATCH = 20


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("crash-server")) as server:
        yield server


@pytest.fixture
def world(served: Served, tmp_path: Path) -> World:
    with served.client() as client:
        return enrol_station(served.db, tmp_path / "station", client, ca_pem=served.ca.read_bytes())


def _crash_at(w: World, point: str) -> str:
    """Run one round in a station process armed at ``point``; it must die there."""
    env = {
        **os.environ,
        "SSB_RECOVERY_KEY": w.recovery_key,
        "SSB_CRASH_AT": point,
        "SSB_BATCH_LIMIT": str(BATCH),
        "PYTHONPATH": str(Path.cwd()),
    }
    process = subprocess.Popen(
        [sys.executable, str(HELPER), str(w.paths.home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    out, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, (point, process.returncode, out, err[-2000:])
    assert out.strip() == "ready"  # killed inside the round, before it could say anything more
    return point


# ── what the station and the server hold ────────────────────────────────────────────


@dataclass(frozen=True)
class Outbox:
    done: list[int]  # seqs of rows acknowledged
    numbered_pending: list[int]  # seqs given, answer not recorded
    unnumbered: int  # rows never put in a batch
    next_seq: int


def _outbox(w: World) -> Outbox:
    db = open_store(w.paths.home)
    try:
        rows = db.execute("SELECT seq, state FROM outbox ORDER BY local_id").fetchall()
        next_seq = int(meta.get(db, meta.NEXT_SEQ) or 1)
    finally:
        db.close()
    return Outbox(
        done=sorted(s for s, state in rows if state == "done"),
        numbered_pending=sorted(s for s, state in rows if state == "pending" and s is not None),
        unnumbered=sum(1 for s, _ in rows if s is None),
        next_seq=next_seq,
    )


def _server_seqs(served: Served, w: World) -> list[int]:
    with served.db.read() as conn:
        rows = conn.execute(sa.select(operations.c.seq).where(operations.c.station_id == w.station_id))
        return sorted(int(r[0]) for r in rows)


def _results(w: World) -> dict[int, str]:
    """seq → the status the server answered (``applied`` / ``duplicate``), as recorded."""
    db = open_store(w.paths.home)
    try:
        rows = db.execute("SELECT seq, json_extract(result, '$.status') FROM outbox").fetchall()
    finally:
        db.close()
    return {int(seq): str(status) for seq, status in rows}


def _restart(served: Served, w: World) -> None:
    with served.client() as client:
        report = SyncAgent(w.paths.home, w.dek, client=client, batch_limit=BATCH).run_once()
    assert report.problem is None, report


def _nothing_lost_nothing_doubled(served: Served, w: World, taken: set[str]) -> None:
    db = open_store(w.paths.home)
    outbox = db.execute("SELECT op_id, seq, state FROM outbox ORDER BY seq").fetchall()
    assert station_audit.verify(db) is None
    db.close()
    assert {state for _, _, state in outbox} <= {"done"}
    assert [seq for _, seq, _ in outbox] == list(range(1, len(outbox) + 1))
    assert len(outbox) == len(taken)

    assert sorted(w.server_case_ids()) == sorted(taken)  # each case once
    with served.db.read() as conn:
        ops = conn.execute(
            sa.select(operations.c.op_id, operations.c.status).where(operations.c.station_id == w.station_id)
        ).all()
        assert sorted(o.op_id for o in ops) == sorted(op_id for op_id, _, _ in outbox)
        assert {o.status for o in ops} <= {"applied"}
        last_seq = conn.execute(
            sa.select(stations.c.last_seq).where(stations.c.id == w.station_id)
        ).scalar_one()
        assert last_seq == len(outbox)
        accepted = (
            conn.execute(
                sa.select(audit_log.c.entity_id).where(
                    audit_log.c.action == "case.accept", audit_log.c.entity_id.in_(taken)
                )
            )
            .scalars()
            .all()
        )
        assert sorted(accepted) == sorted(taken)  # one audit entry per case: applied once
        station_cases = sa.select(sa.func.count()).where(cases.c.station_id == w.station_id)
        assert conn.execute(station_cases).scalar_one() == len(taken)
        chain = server_audit.verify(conn)
    assert chain.intact, chain


def _take_in(w: World, n: int) -> set[str]:
    session = w.session()
    try:
        return {str(r.case_id) for r in w.take_in(session, n)}
    finally:
        session.db.close()


# ── push ────────────────────────────────────────────────────────────────────────────


def test_killed_after_numbering_a_batch_nothing_was_sent_and_the_numbers_stay(served, world):
    taken = _take_in(world, 50)
    _crash_at(world, "push.numbered")
    # the first batch is numbered and stored, in one transaction; none of it left the PC
    assert _outbox(world) == Outbox(done=[], numbered_pending=list(range(1, 21)), unnumbered=30, next_seq=21)
    assert _server_seqs(served, world) == []

    _restart(served, world)
    assert set(_results(world).values()) == {"applied"}  # the stored numbers were sent as they were
    _nothing_lost_nothing_doubled(served, world, taken)


def test_killed_after_the_answer_came_the_server_has_it_the_station_resends_it(served, world):
    taken = _take_in(world, BATCH)  # one batch: the server's side is exact
    _crash_at(world, "push.answered")
    assert _outbox(world) == Outbox(done=[], numbered_pending=list(range(1, 21)), unnumbered=0, next_seq=21)
    assert _server_seqs(served, world) == list(range(1, 21))  # applied and committed

    _restart(served, world)
    # the same bytes went again and the server answered with what it had stored
    assert _results(world) == dict.fromkeys(range(1, 21), "duplicate")
    _nothing_lost_nothing_doubled(served, world, taken)


def test_killed_after_recording_an_answer_the_rest_follows_once(served, world):
    taken = _take_in(world, 50)
    _crash_at(world, "push.recorded")
    # batch 1 answered and recorded; batch 2 was numbered and sent before that answer was
    # awaited (two batches on the wire), so the server holds it or not, whole
    assert _outbox(world) == Outbox(
        done=list(range(1, 21)), numbered_pending=list(range(21, 41)), unnumbered=10, next_seq=41
    )
    assert _server_seqs(served, world) in (list(range(1, 21)), list(range(1, 41)))

    _restart(served, world)
    results = _results(world)
    # batch 2 was applied whole (answered duplicate now) or not at all (applied now), never
    # in part; the server may still have been applying it when the station died
    assert {results[s] for s in range(21, 41)} in ({"duplicate"}, {"applied"})
    assert {results[s] for s in range(41, 51)} == {"applied"}
    _nothing_lost_nothing_doubled(served, world, taken)


# ── pull ────────────────────────────────────────────────────────────────────────────


def _new_clerks(served: Served, w: World, n: int) -> set[str]:
    names = {f"c{w.station_id[-4:]}x{i}" for i in range(n)}
    with served.db.write() as conn:
        for name in sorted(names):
            add_staff(conn, username=name, role="clerk", station_id=w.station_id, now=now(), actor="test")
    return names


def _pulled_state(w: World) -> tuple[str | None, set[str], int]:
    db = open_store(w.paths.home)
    try:
        staff = {str(r[0]) for r in db.execute("SELECT username FROM staff")}
        reference_rows = int(db.execute("SELECT count(*) FROM reference").fetchone()[0])
        return meta.get(db, meta.PULL_CURSOR), staff, reference_rows
    finally:
        db.close()


def test_killed_in_the_middle_of_a_pull_page_none_of_the_page_is_kept(served, world):
    clerks = _new_clerks(served, world, 3)  # one page of three staff changes for this station
    before = _pulled_state(world)
    assert not clerks & before[1]
    _crash_at(world, "pull.applying")  # after the first change of the page
    assert _pulled_state(world) == before  # the page's transaction died with the process

    _restart(served, world)
    cursor, staff, _ = _pulled_state(world)
    assert clerks <= staff
    assert cursor != before[0]
    _nothing_lost_nothing_doubled(served, world, set())


def test_killed_after_a_pull_page_the_page_and_its_cursor_are_kept(served, world):
    clerks = _new_clerks(served, world, 3)
    before = _pulled_state(world)
    _crash_at(world, "pull.applied")
    cursor, staff, reference_rows = _pulled_state(world)
    assert clerks <= staff  # the page is applied …
    assert cursor is not None and cursor != before[0]  # … together with the cursor it leads to
    assert reference_rows == before[2]

    _restart(served, world)
    assert _pulled_state(world)[1] == staff  # carried on from the cursor: nothing lost
    _nothing_lost_nothing_doubled(served, world, set())
