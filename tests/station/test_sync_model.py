"""A Hypothesis state machine over the outbox and the real ingest: faults at random, never a loss.

Steps: the clerk takes cases in; a sync round runs through a wire that may lose the
request before the server sees it, lose the answer after the server committed, or
deliver the request twice (the replay is refused as a reused nonce). After every step:
the server holds no operation the station does not, no case twice, and seqs without a
gap; whatever the station marked done, the server has. At the end one clean round
leaves both sides equal.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from station_client.sync.agent import SyncAgent
from station_client.transport import PUSH_PATH
from sync_server.db.engine import Database
from tests.support.factories import make_client
from tests.support.sync_world import World, enrol_station

FAULTS = ("none", "lose_request", "lose_answer", "twice")


class Wire(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.fault = "none"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != PUSH_PATH or self.fault == "none":
            return self.inner.handle_request(request)
        if self.fault == "lose_request":
            raise httpx.ConnectError("Network is unreachable", request=request)
        response = self.inner.handle_request(request)
        response.read()
        if self.fault == "lose_answer":
            raise httpx.ReadError("Connection reset by peer", request=request)
        replay = self.inner.handle_request(request)  # "twice": the network delivered it again
        replay.read()
        return replay


class SyncModel(RuleBasedStateMachine):
    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="sync-model-"))
        shutil.copyfile(self.template, self.tmp / "server.db")
        self.db = Database.from_url(f"sqlite:///{self.tmp / 'server.db'}")
        self.client = make_client(self.db, self.tmp)
        self.world: World = enrol_station(self.db, self.tmp / "station", self.client)
        self.session = self.world.session()
        self.wire = Wire(self.client._transport)
        self.agent = SyncAgent(
            self.world.paths.home,
            self.world.dek,
            client=httpx.Client(transport=self.wire, base_url=self.client.base_url),
            batch_limit=4,
        )
        self.taken: set[str] = set()

    @rule(n=st.integers(1, 6))
    def take_in(self, n: int) -> None:
        self.taken |= {str(r.case_id) for r in self.world.take_in(self.session, n)}

    @rule(fault=st.sampled_from(FAULTS))
    def sync(self, fault: str) -> None:
        self.wire.fault = fault
        self.agent.run_once()

    @invariant()
    def nothing_doubled_nothing_invented(self) -> None:
        local = {
            op_id: state
            for op_id, state in self.session.db.execute("SELECT op_id, state FROM outbox").fetchall()
        }
        server = self.world.server_operations()
        assert set(server) <= set(local)
        assert all(op_id in server for op_id, state in local.items() if state == "done")
        cases = self.world.server_case_ids()
        assert len(cases) == len(set(cases)) and set(cases) <= self.taken
        assert sorted(self.world.server_seqs()) == list(range(1, len(server) + 1))

    def teardown(self) -> None:
        try:
            self.wire.fault = "none"
            report = self.agent.run_once()
            assert report.ok, report.problem
            assert set(self.world.server_case_ids()) == self.taken
            states = {s for (s,) in self.session.db.execute("SELECT DISTINCT state FROM outbox")}
            assert states <= {"done"}
        finally:
            self.agent.close()
            self.session.db.close()
            self.client.close()
            self.db.dispose()
            shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.mark.slow
def test_random_faults_never_lose_or_double_an_operation(sqlite_template: Path) -> None:
    SyncModel.template = sqlite_template
    run_state_machine_as_test(
        SyncModel,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
