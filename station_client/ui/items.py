"""选择业务: type a name, a code or pinyin initials (lhjy → 灵活就业…); the list follows
as you type, in the same order for the same keys; before typing it is grouped by insurance
type, recent and frequent items first."""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING

import customtkinter as ctk

from station_client.ui import events, theme
from station_client.ui.screen import Screen, entry
from station_client.ui.viewmodels.items import applicant_note, choose
from station_client.ui.widgets import Column, Table, button, label

if TYPE_CHECKING:
    from station_client.ui.navigation import App


class ItemsScreen(Screen):
    title = "办理业务：选择事项"
    hint = "输入名称、编码或拼音首字母；↓ 进入列表，回车选定，Esc 返回"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        c = self.content
        c.grid_columnconfigure(0, weight=1)
        applicant = app.desk.applicant
        self.who = label(c, f"申请人：{applicant.line}" if applicant else "", bold=True)
        self.who.grid(row=0, column=0, sticky="w")
        bar = ctk.CTkFrame(c, fg_color="transparent")
        bar.grid(row=1, column=0, sticky="ew", pady=(8, 0))
        self.query = entry(bar, width=520, placeholder="如：灵活就业、G14、lhjy")
        self.query.grid(row=0, column=0, sticky="w")
        button(bar, "办理所选事项", self.on_enter, width=180).grid(row=0, column=1, padx=12)
        self.note = label(bar, "", muted=True, size=theme.SMALL)
        self.note.grid(row=0, column=2, sticky="w")
        self.table = Table(
            c,
            [
                Column("code", "编码", 90),
                Column("name", "事项名称", 640, stretch=True),
                Column("group", "险种", 150),
                Column("kind", "类别·时限", 190),
            ],
            height=12,
        )
        self.table.grid(row=2, column=0, sticky="nsew", pady=(8, 0))
        c.grid_rowconfigure(2, weight=1)
        self.table.on_open(self._open)
        self.query.bind("<KeyRelease>", self._typed)
        self.query.bind("<Down>", lambda _e: self.table.focus_table())
        self._last = None
        app.bus.listen(self, events.CATALOG_READY, lambda _e: self.fill())
        self.fill()

    def focus_first(self) -> None:
        self.query.focus_set()

    def _typed(self, _event: tk.Event) -> None:
        if self.query.get() != self._last:
            self.fill()

    def fill(self) -> None:
        reference = self.app.reference
        self.table.clear()
        if reference is None:
            self.note.configure(text="正在载入事项目录…")
            return
        query = self.query.get()
        self._last = query
        applicant = self.app.desk.applicant
        kind = applicant.kind if applicant else None
        groups = choose(reference, query, kind)
        for n, group in enumerate(groups):
            gid = f"group-{n}"
            self.table.add(gid, ["", f"【{group.title}】", "", ""], tags=("group",))
            for row in group.rows:
                self.table.add(f"{gid}:{row.code}", row.values)
        total = sum(1 for i in reference.catalog if kind is None or i.applicant is kind)
        if query.strip() and not groups:
            self.note.configure(
                text="没有找到：请换个说法，或输入事项编码（如 G14、C009）。", text_color=theme.DANGER
            )
        else:
            unique = len({iid.split(":")[1] for iid in self.table.rows() if ":" in iid})
            self.note.configure(text=applicant_note(kind, unique, total), text_color=theme.MUTED)
        first = self._first_item()
        if first is not None:
            self.table.view.selection_set(first)
            self.table.view.focus(first)
            self.table.view.see("group-0")

    def _first_item(self) -> str | None:
        return next((iid for iid in self.table.rows() if ":" in iid), None)

    def _open(self, iid: str) -> None:
        if ":" in iid:  # not a group heading
            self.pick(iid.split(":", 1)[1])

    def on_enter(self) -> None:
        chosen = self.table.selected() or self._first_item()
        if chosen is not None:
            self._open(chosen)

    def pick(self, code: str) -> None:
        self.app.desk.item_code = code
        self.nav.open_form(code)
