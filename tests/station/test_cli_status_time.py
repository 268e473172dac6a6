"""``station-client status`` shows times in Beijing time, as the window and the console do,
whatever the time zone the PC is set to."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from station_client.cli import main
from station_client.store import meta
from station_client.store.codec import iso


@pytest.fixture
def new_york(monkeypatch):
    """The PC's time zone set to New York (UTC-5 in winter)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_status_shows_the_last_sync_and_the_last_error_in_beijing_time(station_home, new_york):
    db = station_home.db
    meta.put(db, meta.LAST_SUCCESS_AT, iso(datetime(2026, 11, 26, 2, 5, 9, tzinfo=UTC)))
    meta.put_json(
        db,
        meta.LAST_ERROR,
        {
            "code": "network",
            "message": "无法连接市社保服务器。",
            "at": iso(datetime(2026, 11, 26, 17, 30, tzinfo=UTC)),
        },
    )
    result = CliRunner().invoke(main, ["status", "--home", str(station_home.paths.home)], env={})
    assert result.exit_code == 0, result.output
    assert "上次成功同步：2026-11-26 10:05:09 北京时间" in result.stdout
    assert "最近一次错误（2026-11-27 01:30:00 北京时间）：无法连接市社保服务器。" in result.stdout
