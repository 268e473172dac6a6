"""The app's link to the data behind the desk: reference data and the sync agent.

A mixin of :class:`~station_client.ui.app.StationApp`. The catalog, the rate tables and
the item search index are loaded on the worker thread after login (and again when a
pull brings a new catalog). The :class:`~station_client.sync.agent.SyncAgent` runs in
its own thread with its own connection; its ``on_status`` callback hands each status to
the Tk thread through the runner's queue, which updates ``app.sync`` and broadcasts
``<<SyncStatus>>``. After a write at the desk, :meth:`SyncLink.cases_changed` re-reads
the outbox counts (on the worker), wakes the agent and refreshes the recent items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from station_client.ui import events
from station_client.ui.events import Bus
from station_client.ui.runner import Runner
from station_client.ui.viewmodels.sync import SyncState
from station_client.ui.widgets import Banner

if TYPE_CHECKING:
    from station_client.core.pinyin_search import Usage
    from station_client.paths import StationPaths
    from station_client.services.session import Session
    from station_client.sync.agent import AgentStatus, SyncAgent
    from station_client.sync.status import SyncStatus
    from station_client.ui.viewmodels.items import DeskReference


class SyncLink:
    # provided by StationApp
    paths: StationPaths
    clock: Callable[[], datetime]
    runner: Runner
    bus: Bus
    notice: Banner
    session: Session | None
    agent: SyncAgent | None
    reference: DeskReference | None
    sync: SyncState
    start_sync_agent: bool
    sync_interval: float

    def load_reference(self) -> None:
        from station_client.ui.viewmodels.items import load_reference

        clock = self.clock

        def loaded(reference: DeskReference) -> None:
            self.reference = reference
            self.bus.broadcast(events.CATALOG_READY)

        self.runner.submit(lambda db: load_reference(db, clock()), loaded)

    def _start_sync(self) -> None:
        if self.agent is not None or not self.start_sync_agent or self.session is None:
            return
        from station_client.sync.agent import SyncAgent

        def on_status(status: AgentStatus) -> None:  # the agent's thread: hand it to ours
            self.runner.call_soon(lambda: self._agent_status(status))

        self.agent = SyncAgent(
            self.paths.home, self.session.dek, interval=self.sync_interval, on_status=on_status
        )
        self.agent.start()

    def _agent_status(self, status: AgentStatus) -> None:
        self.sync = replace(
            self.sync, online=status.online, running=status.running, store=status.store or self.sync.store
        )
        self.bus.broadcast(events.SYNC_STATUS)
        if not status.running:
            self.bus.broadcast(events.CASES_CHANGED)  # decisions and statuses may have come down
            pulled = status.store.catalog_version if status.store is not None else None
            if self.reference is not None and pulled and pulled != self.reference.catalog.version:
                self.load_reference()  # a new catalog (and rate tables) came down

    def sync_now(self) -> None:
        if self.agent is None:
            self.notice.show("同步程序尚未启动：请先登录。", "warning")
            return
        self.sync = replace(self.sync, running=True)
        self.bus.broadcast(events.SYNC_STATUS)
        self.agent.wake()

    def refresh_status(self) -> None:
        """Read the outbox counts again (after a write at this desk) and wake the agent."""
        from station_client.sync.status import read_status

        def done(store: SyncStatus) -> None:
            self.sync = replace(self.sync, store=store)
            self.bus.broadcast(events.SYNC_STATUS)

        self.runner.submit(read_status, done)

    def cases_changed(self) -> None:
        """A case was written at this desk: counts, lists, recent items, and a sync round soon."""
        from station_client.services.desk import item_usage

        self.refresh_status()
        self.bus.broadcast(events.CASES_CHANGED)
        if self.agent is not None:
            self.agent.wake()
        clock = self.clock

        def done(usage: Usage) -> None:
            if self.reference is not None:
                self.reference = replace(self.reference, usage=usage)

        self.runner.submit(lambda db: item_usage(db, now=clock()), done)
