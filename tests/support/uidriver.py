"""Driving a StationApp in process: typing, keys, clicks, and waiting for background work."""

from __future__ import annotations

import contextlib
import time
import tkinter as tk
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station_client.ui.app import StationApp
from tests.support.stationkit import PASSWORDS


class Driver:
    def __init__(self, app: StationApp) -> None:
        self.app = app
        self.opened: list[Path] = []
        self.errors: list[tuple[Any, ...]] = []
        app.documents.opener = self.opened.append
        app.report_callback_exception = lambda *exc: self.errors.append(exc)  # type: ignore[method-assign]

    @classmethod
    def start(cls, home: Path, **options: Any) -> Driver:
        driver = cls(StationApp(home, **options))
        driver.pump(
            lambda: driver.app.top is not None and driver.app.top.winfo_ismapped(), what="the first window"
        )
        return driver

    # ── waiting ─────────────────────────────────────────────────────────────────────

    def pump(
        self, until: Callable[[], object] | None = None, *, timeout: float = 15.0, what: str = ""
    ) -> None:
        end = time.monotonic() + timeout
        while True:
            self.app.update()
            if self.errors:
                raise AssertionError(f"Tk callback error: {self.errors[0][1]!r}") from self.errors[0][1]
            if until is None or until():
                return
            if time.monotonic() > end:
                raise AssertionError(
                    f"timed out waiting for {what or until}; screen={self.screen!r}, banner={self.banner!r}"
                )
            time.sleep(0.01)

    def settle(self, timeout: float = 15.0) -> None:
        """Until no background job is pending, then a few more rounds of the event loop."""
        self.pump(lambda: not self.app.runner.busy, timeout=timeout, what="background jobs")
        for _ in range(3):
            self.app.update()
            time.sleep(0.01)
        self.pump(lambda: not self.app.runner.busy, timeout=timeout, what="background jobs")

    @property
    def screen(self) -> Any:
        return self.app.top

    @property
    def banner(self) -> str:
        screen = self.app.top
        return screen.banner.text if screen is not None else ""

    def wait_screen(self, kind: type, timeout: float = 15.0) -> Any:
        self.pump(
            lambda: isinstance(self.app.top, kind) and self.app.top.winfo_ismapped(),
            timeout=timeout,
            what=kind.__name__,
        )
        self.settle()
        return self.app.top

    # ── input ───────────────────────────────────────────────────────────────────────

    @staticmethod
    def inner(widget: Any) -> tk.Misc:
        """The tk widget that takes the keys (CTkEntry and CTkTextbox wrap a tk one)."""
        for name in ("_entry", "_textbox"):
            found = getattr(widget, name, None)
            if isinstance(found, tk.Misc):
                return found
        return widget

    def type_into(self, widget: Any, text: str, *, replace: bool = True) -> None:
        """Type ``text`` into an entry as a keyboard (or an ID-card reader) would."""
        target = self.inner(widget)
        target.focus_force()
        if replace:
            widget.delete(0, "end")
        widget.insert("end", text)
        target.event_generate("<KeyRelease>", keysym="a")
        self.app.update()

    def key(self, widget: Any, keysym: str) -> None:
        target = self.inner(widget)
        target.focus_force()
        self.app.update()
        target.event_generate(f"<{keysym}>")
        self.app.update()

    def enter(self, widget: Any | None = None) -> None:
        self.key(widget if widget is not None else self.app.focus_get(), "Return")

    def escape(self, widget: Any | None = None) -> None:
        self.key(widget if widget is not None else self.app.focus_get(), "Escape")

    def click(self, button: Any) -> None:
        button.invoke()
        self.app.update()

    # ── common steps ────────────────────────────────────────────────────────────────

    def login(self, username: str = "clerk1", password: str | None = None) -> None:
        from station_client.ui.login import LoginScreen
        from station_client.ui.workbench import WorkbenchScreen

        screen = self.wait_screen(LoginScreen)
        self.type_into(screen.username, username)
        self.type_into(screen.password, password if password is not None else PASSWORDS[username])
        self.enter(screen.password)
        self.wait_screen(WorkbenchScreen)
        self.pump(lambda: self.app.reference is not None, what="the catalog")
        self.settle()

    def close(self) -> None:
        with contextlib.suppress(tk.TclError):
            self.app.shutdown()

    def assert_no_errors(self) -> None:
        assert not self.errors, f"Tk callback errors: {[e[1] for e in self.errors]}"
