"""Sync over real HTTPS: a ``sync-server serve`` process on a free port, the city CA pinned.

The station is enrolled through the API over TLS, takes cases in offline, and
``station-client sync`` sends them. A station pinned to another CA refuses to talk; a
server that is down gives the offline message and exit status 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from station_client.cli import main
from station_client.commands.common import PASSWORD_ENV, RECOVERY_ENV
from station_client.commands.sync import EXIT_IN_STEP, EXIT_REFUSED, EXIT_UNREACHABLE
from station_client.sync.agent import SyncAgent
from station_client.transport import MSG_UNTRUSTED, UntrustedServerError, make_client
from sync_server.tls import create_city_pki
from tests.support.serve_process import Served, serve
from tests.support.sync_world import CLERK_PASSWORD, World, enrol_station

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("server") / "data") as server:
        yield server


@pytest.fixture
def world(served: Served, tmp_path: Path) -> Iterator[World]:
    with served.client() as client:
        yield enrol_station(served.db, tmp_path / "station", client, ca_pem=served.ca.read_bytes())


def run_sync(w: World, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["sync", "--home", str(w.paths.home), *args],
        env=env or {RECOVERY_ENV: w.recovery_key},
        catch_exceptions=False,
    )
    return result.exit_code, result.output


def test_cases_taken_in_offline_go_up_over_https_with_the_pinned_ca(world):
    session = world.session()
    taken = world.take_in(session, 10)
    code, output = run_sync(world)
    assert code == EXIT_IN_STEP, output
    assert "同步完成：上报 10 笔" in output and "已与服务器一致" in output
    assert sorted(world.server_case_ids()) == sorted(str(t.case_id) for t in taken)
    code, output = run_sync(world, "--json", "--user", world.clerk, env={PASSWORD_ENV: CLERK_PASSWORD})
    assert code == EXIT_IN_STEP and '"in_step": true' in output
    code, output = run_sync(world, "--user", world.clerk, env={PASSWORD_ENV: "wrong-password"})
    assert code == 1 and "密码" in output


def test_a_station_pinned_to_another_ca_refuses_the_server(world, tmp_path):
    session = world.session()
    world.take_in(session, 2)
    other = create_city_pki(tmp_path / "other-ca", ["127.0.0.1"])
    world.paths.ca.write_bytes(other.ca_cert.read_bytes())  # a CA the server's certificate is not from

    code, output = run_sync(world)
    assert code == EXIT_REFUSED
    assert MSG_UNTRUSTED in output
    assert world.server_case_ids() == []
    assert session.db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0] == 2

    server_url = session.db.execute("SELECT value FROM meta WHERE key = 'server_url'").fetchone()[0]
    with make_client(server_url, other.ca_cert) as client, pytest.raises(UntrustedServerError):
        SyncAgent(world.paths.home, world.dek, client=client)._transport(session.db).push(b"{}")


def test_a_server_that_cannot_be_reached_gives_the_offline_message_and_status_1(world):
    session = world.session()
    world.take_in(session, 1)
    session.db.execute("UPDATE meta SET value = 'https://127.0.0.1:9' WHERE key = 'server_url'")
    code, output = run_sync(world)
    assert code == EXIT_UNREACHABLE
    assert "无法连接市社保服务器" in output
    assert "待上报业务：1 笔" in output and "尚未与服务器一致" in output


def test_a_round_over_tls_learns_no_clock_offset_when_the_clocks_agree(world):
    agent = SyncAgent(world.paths.home, world.dek)  # its own pinned HTTPS client, from the home
    try:
        assert agent.run_once().ok
    finally:
        agent.close()
    db = world.session().db
    assert (
        float(
            db.execute(
                "SELECT coalesce(max(value), 0) FROM meta WHERE key = 'clock_offset_seconds'"
            ).fetchone()[0]
        )
        == 0
    )
