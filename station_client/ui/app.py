"""The station's window: a header, a stack of screens, the sync bar, and the login/lock cover.

The window owns the layout, the keys, the timers (idle lock, cycle collection), the
errors and the desk's state; it hands the rest out: the stack and where each screen
leads to :class:`~station_client.ui.router.Router` (``app.nav``), the login, lock and
switch covers to :class:`~station_client.ui.covers.CoverLayer` (``app.covers``),
printing to :class:`~station_client.ui.documents.Printer` (``app.documents``). Screens
see it as :class:`~station_client.ui.navigation.App`.

Threads: the Tk thread owns every widget and never touches the store or the network.
The :class:`~station_client.ui.runner.Runner` worker runs store work (login, look-ups,
intake, PDFs) on its own connection; the :class:`~station_client.sync.agent.SyncAgent`
runs sync rounds on its own thread and connection and reports through the runner's
queue. Widgets learn about changes through virtual events (:mod:`station_client.ui.events`).

Keys: Tab follows each screen's fields, Enter is the screen's main action, Esc goes
back; F2 新业务, F3 本站业务, F4 同步问题, F5 立即同步, F6 催缴名单, F7 核验, F8 日结, F12 锁定.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import tkinter as tk
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import customtkinter as ctk
from sqlite_utils import Database

from station_client.core.case_numbering import local_day
from station_client.paths import StationPaths
from station_client.ui import documents, errors, events, theme
from station_client.ui.backup_link import BackupLink
from station_client.ui.covers import CoverLayer
from station_client.ui.events import Bus
from station_client.ui.router import Router
from station_client.ui.runner import Runner
from station_client.ui.screen import Screen
from station_client.ui.sync_link import SyncLink
from station_client.ui.syncbar import SyncBar
from station_client.ui.viewmodels.desk import DeskState
from station_client.ui.viewmodels.items import DeskReference
from station_client.ui.viewmodels.sync import SyncState
from station_client.ui.widgets import Banner, button

if TYPE_CHECKING:
    from station_client.services.session import Session
    from station_client.sync.agent import SyncAgent

log = logging.getLogger(__name__)

IDLE_CHECK_MS = 5000
GC_MS = 2000  # Python's cycle collector runs here, on the Tk thread (see runner.py)
DESIGN_SIZE = (1366, 700)  # 1366×768 less the Windows taskbar and title bar


def utc_now() -> datetime:
    return datetime.now(UTC)


class StationApp(SyncLink, BackupLink, ctk.CTk):  # type: ignore[misc]
    def __init__(
        self,
        home: str | Path | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        opener: Callable[[Path], None] = documents.open_document,
        start_sync: bool = True,
        sync_interval: float = 60.0,
    ) -> None:
        super().__init__()
        self.paths = StationPaths.of(home)
        self.clock = clock
        self.start_sync_agent = start_sync
        self.sync_interval = sync_interval
        self.title("乡镇社保服务站 工作站")
        self.fonts = theme.make_fonts(self)
        theme.apply(self, self.fonts)
        self.configure(fg_color=theme.BG)
        self._place_window()
        self._gc_was_enabled = gc.isenabled()
        gc.disable()
        self._gc_round = 0
        self._gc_job: str | None = self.after(GC_MS, self._collect)
        self.bus = Bus()
        self.runner = Runner(self, self._open_db, on_error=self.report_error)
        self.session: Session | None = None  # bound to the worker's connection
        self.agent: SyncAgent | None = None
        self.sync = SyncState()
        self.desk = DeskState()
        self.reference: DeskReference | None = None  # loaded after login
        self.station_label = ""
        self._last_touch = 0.0
        self._build()
        self.nav = Router(self, self.notice)
        self.covers = CoverLayer(self, self, self.nav)
        self.documents = documents.Printer(self, self.notice, opener)
        self._bind_keys()
        self.protocol("WM_DELETE_WINDOW", self.shutdown)
        self._idle_job: str | None = self.after(IDLE_CHECK_MS, self._check_idle)
        self.covers.show_login()

    # ── layout ──────────────────────────────────────────────────────────────────────

    def _place_window(self) -> None:
        self.minsize(1024, 600)
        if sys.platform == "win32":
            self.geometry(f"{DESIGN_SIZE[0]}x{DESIGN_SIZE[1]}")
            self.after(0, lambda: self.state("zoomed"))
            return
        width = min(DESIGN_SIZE[0], self.winfo_screenwidth())
        height = min(DESIGN_SIZE[1], self.winfo_screenheight() - 68)
        self.geometry(f"{width}x{height}+0+0")

    def _build(self) -> None:
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(2, weight=1)
        self.header = ctk.CTkFrame(self, fg_color=theme.PRIMARY, corner_radius=0, height=56)
        self.notice = Banner(self, wraplength=1300)
        self.body = ctk.CTkFrame(self, fg_color=theme.BG, corner_radius=0)
        self.body.grid_columnconfigure(0, weight=1)
        self.body.grid_rowconfigure(0, weight=1)
        self.cover_frame = ctk.CTkFrame(self, fg_color=theme.BG, corner_radius=0)
        self.cover_frame.grid_columnconfigure(0, weight=1)
        self.cover_frame.grid_rowconfigure(0, weight=1)
        self.syncbar: SyncBar | None = None

    def _build_header(self) -> None:
        for child in self.header.winfo_children():
            child.destroy()
        white = {"text_color": "#FFFFFF"}
        title = ctk.CTkLabel(self.header, text="乡镇社保服务站", font=theme.font(22, "bold"), **white)
        title.grid(row=0, column=0, padx=(16, 8), pady=8)
        where = ctk.CTkLabel(self.header, text=self.station_label, font=theme.font(theme.SMALL), **white)
        where.grid(row=0, column=1, padx=8, sticky="w")
        self.header.grid_columnconfigure(2, weight=1)
        who = f"柜员：{self.session.display_name}" if self.session else ""
        self.clerk_label = ctk.CTkLabel(self.header, text=who, font=theme.font(theme.BODY), **white)
        self.clerk_label.grid(row=0, column=2, padx=8, sticky="e")
        actions: tuple[tuple[str, Callable[[], object]], ...] = (
            ("首页", self.nav.home),
            ("新业务 F2", self.nav.new_applicant),
            ("本站业务 F3", self.nav.open_cases),
            ("同步问题 F4", self.nav.open_problems),
            ("锁定 F12", self.covers.lock),
            ("切换柜员", self.covers.switch_clerk),
        )
        for column, (text, command) in enumerate(actions, start=3):
            b = button(self.header, text, command, kind="secondary", width=96 if len(text) < 5 else 118)
            b.grid(row=0, column=column, padx=3, pady=8)

    def show_main(self) -> None:
        self.cover_frame.grid_remove()
        self._build_header()
        self.header.grid(row=0, column=0, sticky="ew")
        self.notice.grid(row=1, column=0, sticky="ew", padx=12)
        self.body.grid(row=2, column=0, sticky="nsew")
        if self.syncbar is None:
            self.syncbar = SyncBar(self, self)
        self.syncbar.grid(row=3, column=0, sticky="ew")

    def hide_main(self) -> None:
        for part in (self.header, self.notice, self.body):
            part.grid_remove()
        if self.syncbar is not None:
            self.syncbar.grid_remove()
        self.cover_frame.grid(row=0, column=0, rowspan=4, sticky="nsew")

    def desk_opened(self) -> None:
        """A clerk is at the desk: tell the screens, load the reference data, start syncing."""
        self.bus.broadcast(events.SESSION_CHANGED)
        if self.reference is None:
            self.load_reference()
            self.documents.clear_exports()
        self._start_sync()
        self.refresh_status()
        self.start_backups()

    # ── keys and activity ───────────────────────────────────────────────────────────

    def _bind_keys(self) -> None:
        for key in ("<Return>", "<KP_Enter>"):
            self.bind_all(key, self._on_return, add="+")
        self.bind_all("<Escape>", self._on_escape, add="+")
        keys: dict[str, Callable[[], object]] = {
            "<F2>": self.nav.new_applicant,
            "<F3>": self.nav.open_cases,
            "<F4>": self.nav.open_problems,
            "<F5>": self.sync_now,
            "<F6>": self.nav.open_dues,
            "<F7>": self.nav.open_verify,
            "<F8>": self.nav.open_daily_close,
            "<F12>": self.covers.lock,
        }
        for key, action in keys.items():
            self.bind_all(key, partial(self._key_action, action), add="+")
        self.bind_all("<KeyPress>", self._activity, add="+")
        self.bind_all("<ButtonPress>", self._activity, add="+")
        tk.Misc.bind(self, "<FocusIn>", self._focus_moved, "+")

    def _key_action(self, action: Callable[[], object], _event: tk.Event) -> None:
        if self.session is not None and self.covers.current is None:
            action()

    def today(self) -> date:
        """Today in Beijing: the desk judges months and ages by the local date, not UTC's."""
        return local_day(self.clock())

    @property
    def top(self) -> Screen | None:
        """The screen the clerk sees: the cover when one is up, else the top of the stack."""
        return self.covers.current or self.nav.top

    def _on_return(self, event: tk.Event) -> None:
        if isinstance(event.widget, tk.Text):
            return  # a new line in a multi-line box
        screen = self.top
        if screen is not None and str(event.widget).startswith(str(screen)):
            screen.on_enter()

    def _on_escape(self, _event: tk.Event) -> None:
        screen = self.top
        if screen is None or screen.on_escape():
            return
        if self.covers.current is None:
            self.nav.back()

    def _focus_moved(self, event: tk.Event) -> None:
        screen = self.top
        if screen is not None and isinstance(event.widget, tk.Misc):
            screen.focus_moved(event.widget)

    def _activity(self, _event: tk.Event) -> None:
        if self.session is None or self.covers.current is not None:
            return
        now = self.clock()
        if now.timestamp() - self._last_touch > 1:
            self._last_touch = now.timestamp()
            self.session.touch(now)

    def _collect(self) -> None:
        """Collect reference cycles on this thread, so Tk fonts and images die where they live."""
        self._gc_job = self.after(GC_MS, self._collect)
        self._gc_round += 1
        gc.collect(2 if self._gc_round % 15 == 0 else 1)

    def _check_idle(self) -> None:
        self._idle_job = self.after(IDLE_CHECK_MS, self._check_idle)
        if self.session is not None and self.covers.current is None and self.session.is_locked(self.clock()):
            self.covers.show_lock()

    # ── errors and shutdown ─────────────────────────────────────────────────────────

    def _open_db(self) -> Database:
        from station_client.store import open_store

        return open_store(self.paths.home, create=False)

    explain = staticmethod(errors.explain)
    expected = staticmethod(errors.expected)

    def report_error(self, exc: BaseException) -> None:
        """A job failed: a clerk's problem goes to the screen's banner; a bug is logged too."""
        if not self.expected(exc):
            self.report_callback_exception(type(exc), exc, exc.__traceback__)
            return
        screen = self.top
        if screen is not None:
            screen.show_error(exc)
        else:
            self.notice.show(self.explain(exc), "error")

    def report_callback_exception(
        self, exc: type[BaseException], val: BaseException, tb: TracebackType | None
    ) -> None:
        log.error("unexpected error in the window", exc_info=(exc, val, tb))
        with contextlib.suppress(tk.TclError):
            self.notice.show(errors.MSG_UNEXPECTED, "error")

    def shutdown(self) -> None:
        """Stop the agent and the worker, cancel every timer, close the window (backing up first)."""
        if self.agent is not None:
            self.withdraw()
            self.agent.stop(timeout=5.0)
            self.agent = None
        self.runner.close()
        if self.session is not None:
            self.backup_at_logout()
        for job in self.tk.splitlist(self.tk.call("after", "info")):
            self.tk.call("after", "cancel", job)
        theme.forget_fonts()
        gc.collect()
        self.destroy()
        if self._gc_was_enabled:
            gc.enable()
