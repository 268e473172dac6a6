"""The server commits a batch but the answer never reaches the station.

A transport wrapper passes the request to the real app (which applies and commits it),
reads the answer, and then raises as a dropped connection would. The station knows
nothing of the outcome. The transport resends a push once on a broken connection (pushes
are idempotent by operation id); when that answer is lost too, the round ends and the next
round resends the very same bytes. Either way the server answers ``duplicate`` and nothing is
applied twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from schema.protocol import OpStatus
from station_client.store import open_store
from station_client.sync.agent import SyncAgent
from station_client.transport import PUSH_PATH
from sync_server.db.tables import cases, ledger_entries, operations
from tests.support.sync_world import World, in_process


class LosesAnswers(httpx.BaseTransport):
    """Lets the server handle a request, then drops the connection before the answer arrives."""

    def __init__(self, inner: httpx.BaseTransport, *, lose: int) -> None:
        self.inner = inner
        self.lose = lose  # how many push answers to lose
        self.bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path == PUSH_PATH:
            self.bodies.append(request.content)
            if self.lose > 0:
                self.lose -= 1
                response.read()  # the server has answered: its transaction is committed
                raise httpx.ReadError("Connection reset by peer", request=request)
        return response


@pytest.fixture
def world(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[World, httpx.Client]]:
    with in_process(sqlite_template, tmp_path) as made:
        yield made


def _client(client: httpx.Client, lose: int) -> tuple[httpx.Client, LosesAnswers]:
    wire = LosesAnswers(client._transport, lose=lose)
    return httpx.Client(transport=wire, base_url=client.base_url), wire


def _op_ids(w: World) -> list[str]:
    db = open_store(w.paths.home)
    try:
        return [r[0] for r in db.execute("SELECT op_id FROM outbox ORDER BY local_id")]
    finally:
        db.close()


def test_one_lost_answer_is_retried_at_once_and_answered_duplicate(world):
    w, client = world
    session = w.session()
    w.take_in(session, 12)
    lossy, wire = _client(client, lose=1)

    round_ = SyncAgent(w.paths.home, w.dek, client=lossy).run_once()
    assert round_.ok, round_.problem  # the transport sent the push again on a fresh connection
    lost, resent = wire.bodies
    assert _operations_part(lost) == _operations_part(resent)
    results = [r[0] for r in session.db.execute("SELECT result FROM outbox ORDER BY local_id")]
    assert all(f'"status":"{OpStatus.DUPLICATE.value}"' in r for r in results)
    assert len(w.server_case_ids()) == 12 and len(w.server_operations()) == 12


def test_a_lost_answer_is_retried_with_the_same_bytes_and_answered_duplicate(world):
    w, client = world
    session = w.session()
    w.take_in(session, 12)
    lossy, wire = _client(client, lose=2)  # the answer and the transport's one retry both lost

    first = SyncAgent(w.paths.home, w.dek, client=lossy).run_once()
    assert not first.ok and first.transient  # the station cannot know it went through
    assert len(w.server_case_ids()) == 12  # … but the server committed it
    db = session.db
    assert (
        db.execute("SELECT count(*) FROM outbox WHERE state = 'pending' AND seq IS NOT NULL").fetchone()[0]
        == 12
    )

    second = SyncAgent(w.paths.home, w.dek, client=lossy).run_once()
    assert second.ok, second.problem
    lost, _lost_again, resent = wire.bodies
    assert _operations_part(lost) == _operations_part(resent)  # byte for byte, only sent_at differs
    results = [r[0] for r in db.execute("SELECT result FROM outbox ORDER BY local_id")]
    assert all(f'"status":"{OpStatus.DUPLICATE.value}"' in r for r in results)
    assert db.execute("SELECT count(*) FROM outbox WHERE state = 'done'").fetchone()[0] == 12

    # nothing doubled on the server: one case, one operation, per case taken in
    assert len(w.server_case_ids()) == 12
    ops = w.server_operations()
    assert sorted(ops) == sorted(_op_ids(w)) and set(ops.values()) == {OpStatus.APPLIED.value}
    with w.server_db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one() == 12
        assert conn.execute(sa.select(sa.func.count()).select_from(operations)).scalar_one() == 12
        assert conn.execute(sa.select(sa.func.count()).select_from(ledger_entries)).scalar_one() == 0


def test_answers_lost_again_and_again_still_end_in_exactly_once(world):
    w, client = world
    session = w.session()
    w.take_in(session, 5)
    lossy, _ = _client(client, lose=6)  # three rounds of two lost answers (the send and its retry)
    agent = SyncAgent(w.paths.home, w.dek, client=lossy)
    outcomes = [agent.run_once().ok for _ in range(3)]
    w.take_in(session, 4)  # new work arrives while the answers keep getting lost
    outcomes.append(agent.run_once().ok)
    assert outcomes == [False, False, False, True]
    assert len(w.server_case_ids()) == 9
    assert len(w.server_operations()) == 9
    assert session.db.execute("SELECT count(*) FROM outbox WHERE state = 'done'").fetchone()[0] == 9
    seqs = [r[0] for r in session.db.execute("SELECT seq FROM outbox ORDER BY seq")]
    assert seqs == list(range(1, 10))
    agent.close()


def _operations_part(body: bytes) -> bytes:
    import gzip

    raw = gzip.decompress(body)
    return raw[raw.index(b'"operations"') :]
