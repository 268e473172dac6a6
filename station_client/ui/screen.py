"""The base of every screen on the app's stack.

A screen is a frame inside ``app.body``. It knows the window only through the
:class:`~station_client.ui.navigation.App` protocol: ``self.nav`` says where the clerk
goes next, ``app.covers`` and ``app.documents`` do the rest; no screen imports another
(``tests/station/ui/test_navigation.py``). The app calls :meth:`Screen.on_show` each time
it comes to the top, :meth:`Screen.on_enter` when Enter is pressed outside a button or a
multi-line box (the screen's main action), and :meth:`Screen.on_escape` before going
back (a screen may close a panel of its own first). ``self.banner`` shows the screen's
messages; :meth:`Screen.run` runs work off the Tk thread and reports failures there.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import customtkinter as ctk
from sqlite_utils import Database

from station_client.ui import theme
from station_client.ui.widgets import Banner, heading, label

if TYPE_CHECKING:
    from station_client.services.session import Session
    from station_client.ui.navigation import App, Navigator

T = TypeVar("T")


class Screen(ctk.CTkFrame):  # type: ignore[misc]
    title = ""
    hint = ""  # keyboard hint under the title

    cover = False  # login, lock, switch: shown over the whole window, not on the stack

    def __init__(self, app: App) -> None:
        super().__init__(app.cover_frame if self.cover else app.body, fg_color=theme.BG, corner_radius=0)
        self.app = app
        self.grid_columnconfigure(0, weight=1)
        top = ctk.CTkFrame(self, fg_color="transparent")
        top.grid(row=0, column=0, sticky="ew", padx=20, pady=(10, 0))
        top.grid_columnconfigure(1, weight=1)
        self.title_label = heading(top, self.title)
        self.title_label.grid(row=0, column=0, sticky="w")
        self.hint_label = label(top, self.hint, muted=True, size=theme.SMALL)
        self.hint_label.grid(row=0, column=1, sticky="e", padx=(20, 0))
        self.banner = Banner(self, wraplength=1250)
        self.banner.grid(row=1, column=0, sticky="ew", padx=20, pady=(6, 0))
        self.content = ctk.CTkFrame(self, fg_color="transparent")
        self.content.grid(row=2, column=0, sticky="nsew", padx=20, pady=(6, 10))
        self.grid_rowconfigure(2, weight=1)

    @property
    def nav(self) -> Navigator:
        return self.app.nav

    @property
    def clerk(self) -> Session:
        """The clerk's session: every screen of the desk opens after login."""
        session = self.app.session
        assert session is not None, "a desk screen opened before login"
        return session

    # ── called by the app ───────────────────────────────────────────────────────────

    def on_show(self) -> None:
        """The screen came to the top (again)."""

    def on_enter(self) -> None:
        """Enter pressed: the screen's main action."""

    def on_escape(self) -> bool:
        """Esc pressed: True when the screen handled it (the app then does not go back)."""
        return False

    def focus_first(self) -> None:
        """Put the keyboard where the clerk starts on this screen."""
        self.focus_set()

    def focus_moved(self, widget: tk.Misc) -> None:
        """The keyboard moved to ``widget`` (scroll it into view if the screen scrolls)."""

    # ── helpers ─────────────────────────────────────────────────────────────────────

    def set_title(self, text: str) -> None:
        self.title_label.configure(text=text)

    def show_error(self, exc_or_text: BaseException | str) -> None:
        self.banner.show(self.app.explain(exc_or_text), "error")

    def run(
        self,
        job: Callable[[Database], T],
        done: Callable[[T], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``job`` on the worker; ``done``/``failed`` come back only if this screen still exists."""
        self.app.runner.submit(job, done, failed or self.app.report_error, owner=self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def entry(parent: Any, *, width: int = 360, placeholder: str = "", show: str = "") -> ctk.CTkEntry:
    from station_client.ui.widgets import entry_ring

    options: dict[str, Any] = {"placeholder_text": placeholder} if placeholder else {}
    if show:
        options["show"] = show
    widget = ctk.CTkEntry(parent, width=width, height=40, font=theme.font(), **options)
    entry_ring(widget)
    return widget
