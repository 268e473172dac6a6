"""核验 (F7): is a printed document genuine? The clerk scans its QR code with the
keyboard-wedge scanner (it types the code and Enter into the field) or pastes it; the
check runs offline with the keys the station holds (``services.document_check``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from station_client.ui import theme
from station_client.ui.screen import Screen, entry
from station_client.ui.viewmodels.verify import PROMPT, VerifyView, view
from station_client.ui.widgets import button, label

if TYPE_CHECKING:
    from station_client.ui.navigation import App

MAX_ROWS = 7


class VerifyScreen(Screen):
    title = "核验：回执、办结单和缴费收据的真伪"
    hint = "扫码或粘贴后回车核验；Esc 返回"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        c = self.content
        c.grid_columnconfigure(0, weight=1)
        label(c, PROMPT, wrap=1250).grid(row=0, column=0, columnspan=3, sticky="w")
        self.code = entry(c, width=900, placeholder="二维码内容（https://…/v/… 或 SSB1|…）")
        self.code.grid(row=1, column=0, sticky="w", pady=(8, 0))
        button(c, "核验 (回车)", self.on_enter, width=150).grid(
            row=1, column=1, sticky="w", padx=8, pady=(8, 0)
        )
        button(c, "返回 (Esc)", self.nav.back, kind="secondary", width=130).grid(
            row=1, column=2, sticky="w", pady=(8, 0)
        )
        panel = ctk.CTkFrame(c, fg_color=theme.PANEL, corner_radius=10)
        panel.grid(row=2, column=0, columnspan=3, sticky="ew", pady=(14, 0))
        panel.grid_columnconfigure(1, weight=1)
        self.cells: list[tuple[ctk.CTkLabel, ctk.CTkLabel]] = []
        for n in range(MAX_ROWS):
            name = label(panel, "", muted=True)
            value = label(panel, "", bold=True)
            name.grid(row=n, column=0, sticky="w", padx=(16, 12), pady=2)
            value.grid(row=n, column=1, sticky="w", pady=2)
            self.cells.append((name, value))
        self.note = label(c, "", wrap=1250)
        self.note.grid(row=3, column=0, columnspan=3, sticky="w", pady=(10, 0))
        self.result: VerifyView | None = None
        self.checking = False

    def focus_first(self) -> None:
        self.code.focus_set()

    def on_show(self) -> None:
        self.code.focus_set()

    def on_enter(self) -> None:
        text = self.code.get().strip()
        if not text:
            self.banner.show(PROMPT, "info")
            return
        if self.checking:
            return
        self.checking = True
        session = self.clerk
        names = {i.code: i.name for i in self.app.reference.catalog.items} if self.app.reference else {}

        def job(db: Database) -> Any:
            from station_client.services import document_check

            return document_check.check(db, session.dek, text)

        def done(found: Any) -> None:
            self.checking = False
            self._show(view(found, names))

        def failed(exc: BaseException) -> None:
            self.checking = False
            self._show(None)
            self.show_error(exc)

        self.run(job, done, failed)

    def _show(self, result: VerifyView | None) -> None:
        self.result = result
        rows = result.rows if result else ()
        for n, (name, value) in enumerate(self.cells):
            name.configure(text=rows[n][0] if n < len(rows) else "")
            value.configure(text=rows[n][1] if n < len(rows) else "")
        self.note.configure(text=result.note if result else "")
        if result is not None:
            self.banner.show(result.headline, result.kind)
        # ready for the next scan: the scanner types into an empty field
        self.code.delete(0, "end")
        self.code.focus_set()
