"""The sync bar at the bottom of every screen: the truth about sync, and 立即同步.

It listens for ``<<SyncStatus>>`` and redraws from ``app.sync`` through
:func:`~station_client.ui.viewmodels.sync.sync_view`; it never asks the agent itself.
"""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING

import customtkinter as ctk

from station_client.ui import events, theme
from station_client.ui.viewmodels.sync import OFFLINE, ONLINE, SyncView, alert_text, sync_view
from station_client.ui.widgets import button

if TYPE_CHECKING:
    from station_client.ui.navigation import App

_DOT = {ONLINE: theme.ONLINE, OFFLINE: theme.OFFLINE}


class SyncBar(ctk.CTkFrame):  # type: ignore[misc]
    def __init__(self, parent: ctk.CTkFrame, app: App) -> None:
        super().__init__(
            parent, fg_color=theme.PANEL, corner_radius=0, border_width=1, border_color=theme.BORDER
        )
        self.app = app
        small = theme.font(theme.SMALL)
        bold = theme.font(theme.BODY, "bold")
        self.online = ctk.CTkLabel(self, text="", font=bold, width=120, corner_radius=6, text_color="#FFFFFF")
        self.online.grid(row=0, column=0, padx=(12, 8), pady=6)
        self.pending = ctk.CTkLabel(self, text="", font=bold)
        self.pending.grid(row=0, column=1, padx=8)
        self.set_aside = ctk.CTkButton(
            self, text="", font=bold, fg_color="transparent", hover_color=theme.SECONDARY, text_color=theme.TEXT,
            width=110, command=app.nav.open_problems,
        )  # fmt: skip
        self.set_aside.grid(row=0, column=2, padx=4)
        self.attachments = ctk.CTkLabel(self, text="", font=small)
        self.attachments.grid(row=0, column=3, padx=8)
        self.last = ctk.CTkLabel(self, text="", font=small)
        self.last.grid(row=0, column=4, padx=8)
        self.error = ctk.CTkLabel(
            self, text="", font=small, text_color=theme.DANGER, wraplength=460, justify="left", anchor="w"
        )
        self.error.grid(row=0, column=5, padx=8, sticky="ew")
        self.grid_columnconfigure(5, weight=1)
        self.now = button(self, "立即同步 (F5)", app.sync_now, width=150)
        self.now.grid(row=0, column=6, padx=(8, 12), pady=6)
        self.view: SyncView | None = None
        app.bus.listen(self, events.SYNC_STATUS, self._redraw)
        self._redraw(None)

    def redraw(self) -> None:
        """Draw the bar again from ``app.sync`` and ``app.backup_warning``."""
        self._redraw(None)

    def _redraw(self, _event: tk.Event | None) -> None:
        view = self.view = sync_view(self.app.sync, self.app.clock())
        self.online.configure(text=f"● {view.online_text}", fg_color=_DOT.get(view.state, theme.MUTED))
        self.pending.configure(text=view.pending_text)
        self.set_aside.configure(
            text=view.set_aside_text, text_color=theme.DANGER if view.set_aside else theme.TEXT
        )
        self.attachments.configure(text=view.attachments_text)
        self.last.configure(text=view.last_success_text)
        # The sync error and the backup warning (services/backup), one line each.
        self.error.configure(text=alert_text(view, getattr(self.app, "backup_warning", None)))
        self.now.configure(text=view.button_text, state="disabled" if view.running else "normal")
