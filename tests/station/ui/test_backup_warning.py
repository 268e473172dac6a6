"""The window warns when the station's last good backup is over a day old, and its scheduled
backup (off the UI thread) clears the warning once the backup folder is back."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from station_client.core import backup_rules
from station_client.services import backup
from station_client.store import meta
from station_client.store.codec import iso
from tests.support.stationkit import StationHome
from tests.support.uidriver import Driver


def test_a_stale_backup_is_shown_until_the_usb_drive_is_back(ui_home: StationHome, tmp_path: Path):
    usb = tmp_path / "usb"
    usb.mkdir()
    backup.configure(ui_home.db, usb)
    usb.rmdir()  # the USB drive was pulled out
    two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2, hours=1)
    meta.put(ui_home.db, backup.LAST_BACKUP_AT, iso(two_days_ago))

    driver = Driver.start(ui_home.paths.home, start_sync=False)
    try:
        driver.login("clerk1")
        label = driver.app.syncbar.error  # the bar's red line (no sync error here: no server set)
        driver.pump(lambda: "未备份" in label.cget("text"), what="the backup warning")
        stale = "本机数据已 2 天未备份：备份位置不可用，请插好备份 U 盘"
        assert label.cget("text") == stale

        # The link goes down too: the bar says both, the sync error first.
        driver.app.sync = replace(driver.app.sync, online=False)
        driver.app.syncbar._redraw(None)
        assert label.cget("text").split("\n") == [driver.app.syncbar.view.error_text, stale]
        assert "无法连接" in driver.app.syncbar.view.error_text

        usb.mkdir()  # plugged in again: the next scheduled check backs up
        driver.app._check_backup()
        driver.pump(lambda: "未备份" not in label.cget("text"), what="the warning gone")
        assert list(usb.glob("*" + backup_rules.SUFFIX))
        driver.settle()
    finally:
        driver.close()
    driver.assert_no_errors()
