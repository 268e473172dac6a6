"""The app's link to the station's backups: a scheduled backup while the window runs, one as
the window closes, and the warning the sync bar shows when the last good backup is stale.

A mixin of :class:`~station_client.ui.app.StationApp`. The backup runs on the runner's worker
thread (services/backup.py opens its own connection and copies with SQLite's online backup
API, so the clerk keeps working); the sync bar redraws from ``app.backup_warning``.
"""

from __future__ import annotations

import contextlib
import tkinter as tk
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from station_client.services import backup as backups
from station_client.ui.events import Bus
from station_client.ui.runner import Runner

if TYPE_CHECKING:
    from station_client.paths import StationPaths
    from station_client.ui.syncbar import SyncBar

CHECK_MS = 10 * 60 * 1000  # how often the window asks whether a backup is due


class BackupLink:
    # provided by StationApp
    paths: StationPaths
    clock: Callable[[], datetime]
    runner: Runner
    bus: Bus
    after: Callable[..., str]
    syncbar: SyncBar | None

    backup_warning: str | None = None  # what the sync bar says about backups, or None
    _backup_job: str | None = None

    def start_backups(self) -> None:
        """After login: check now, then every ten minutes (each check backs up when due)."""
        if self._backup_job is None:
            self._check_backup()

    def _check_backup(self) -> None:
        self._backup_job = self.after(CHECK_MS, self._check_backup)
        paths, now = self.paths, self.clock()
        self.runner.submit(lambda db: backups.scheduled(db, paths, now), self._backup_checked)

    def _backup_checked(self, warning: str | None) -> None:
        self.backup_warning = warning
        # Only the sync bar shows it: redraw the bar itself. A SYNC_STATUS broadcast also
        # made the workbench reload its counts, and a virtual event sent while the bar is
        # not mapped can be lost, leaving the warning unshown until the next sync round.
        if self.syncbar is not None:
            with contextlib.suppress(tk.TclError):  # the window is closing
                self.syncbar.redraw()

    def backup_at_logout(self) -> None:
        backups.at_logout(self.paths, self.clock())
