"""The sync bar tells the truth: 离线 while the city server is down, 在线 once a real
``sync-server serve`` process (HTTPS, the city CA pinned) starts, and the pending count
falls to 0 after the round that sends the cases taken in offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_server.commands.init import initialise
from sync_server.db.engine import Database
from tests.support.serve_process import Served, free_port, serving
from tests.support.sync_world import CLERK_PASSWORD, enrol_station
from tests.support.uidriver import Driver

pytestmark = pytest.mark.slow


def test_the_bar_turns_online_when_the_server_starts_and_pending_falls_to_zero(tmp_path: Path):
    data = tmp_path / "server"
    initialise(data, database_url=None, hosts=("127.0.0.1", "localhost"))
    port = free_port()
    served = Served(
        f"https://127.0.0.1:{port}",
        data / "tls" / "ca.pem",
        data,
        Database.from_url(f"sqlite:///{data / 'server.db'}"),
    )
    try:
        with serving(served, port), served.client() as client:
            world = enrol_station(served.db, tmp_path / "station", client, ca_pem=served.ca.read_bytes())
        session = world.session()  # the clerk's first login on this PC: their key is wrapped here
        world.take_in(session, 2)  # two cases taken in while the server is down
        session.db.close()

        driver = Driver.start(world.paths.home, start_sync=True)
        try:
            driver.login(world.clerk, CLERK_PASSWORD)
            bar = driver.app.syncbar
            driver.pump(lambda: bar.view.online_text == "离线", what="离线", timeout=30)
            assert bar.view.pending_text == "待上报 2 笔"
            assert "无法连接" in bar.view.error_text

            with serving(served, port):
                driver.click(bar.now)  # 立即同步
                driver.pump(
                    lambda: bar.view.online_text == "在线" and bar.view.pending == 0 and not bar.view.running,
                    what="在线, 待上报 0 笔",
                    timeout=60,
                )
            assert bar.view.pending_text == "待上报 0 笔"
            assert bar.view.error_text == "" and "今天" in bar.view.last_success_text
            assert sorted(world.server_case_ids()) and len(world.server_case_ids()) == 2
            driver.settle()
        finally:
            driver.close()
        driver.assert_no_errors()
    finally:
        served.db.dispose()
