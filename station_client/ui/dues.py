"""催缴名单: the township's flexible workers due or in arrears, as the city last sent them,
with the totals and when the list was built; Enter prints it (a PDF opened in the viewer,
ID numbers masked, the file cleared from exports/ after a day like the receipts)."""

from __future__ import annotations

import tkinter as tk
from pathlib import Path
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from station_client.ui import events, theme
from station_client.ui.screen import Screen
from station_client.ui.viewmodels.dues import NO_LIST, export_name, totals_line, version_line
from station_client.ui.widgets import Column, Table, button, label

if TYPE_CHECKING:
    from schema.records import TownshipDuesRecord
    from station_client.ui.navigation import App

COLUMNS = [  # services.dues.HEAD, in the order of services.dues.row_texts
    Column("name", "姓名", 130),
    Column("id", "证件号码", 220),
    Column("month", "本期月份", 110),
    Column("current", "本期应缴", 120, anchor="e"),
    Column("arrears_months", "欠费月份", 300, stretch=True),
    Column("arrears", "欠费金额", 120, anchor="e"),
    Column("late_fee", "滞纳金", 110, anchor="e"),
]


class DuesScreen(Screen):
    title = "催缴名单：本乡镇应缴和欠费的灵活就业人员"
    hint = "回车打印；↑↓ 查看；F5 立即同步；Esc 返回（红色为已欠费）"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        c = self.content
        c.grid_columnconfigure(0, weight=1)
        c.grid_rowconfigure(2, weight=1)
        self.version = label(c, "正在读取…", muted=True, wrap=1250, size=theme.SMALL)
        self.version.grid(row=0, column=0, sticky="w")
        self.summary = label(c, "", bold=True, wrap=1250)
        self.summary.grid(row=1, column=0, sticky="w", pady=(4, 0))
        self.table = Table(c, COLUMNS, height=12)
        self.table.grid(row=2, column=0, sticky="nsew", pady=(8, 0))
        self.table.on_open(lambda _iid: self.print_list())
        actions = ctk.CTkFrame(c, fg_color="transparent")
        actions.grid(row=3, column=0, sticky="w", pady=(8, 0))
        self.print_button = button(actions, "打印 (回车)", self.print_list, width=170)
        self.print_button.grid(row=0, column=0, padx=(0, 8))
        button(actions, "立即同步 (F5)", app.sync_now, kind="secondary", width=170).grid(
            row=0, column=1, padx=(0, 8)
        )
        button(actions, "返回 (Esc)", self.nav.back, kind="secondary", width=130).grid(row=0, column=2)
        self.record: TownshipDuesRecord | None = None
        self.loaded = False  # the first read has come back
        self.printing = False
        self.printed: Path | None = None  # the last PDF written for printing
        app.bus.listen(self, events.CASES_CHANGED, self._changed)  # a pull may bring a new list

    def on_show(self) -> None:
        self.load()

    def _changed(self, _event: tk.Event) -> None:
        if self.winfo_ismapped():
            self.load()

    def focus_first(self) -> None:
        self.table.focus_table()

    def on_enter(self) -> None:
        self.print_list()

    def load(self) -> None:
        session = self.clerk

        def job(db: Database) -> Any:
            from station_client.services import dues

            record = dues.township_list(db, session.dek)
            if record is None:
                return None
            return record, [dues.row_texts(x) for x in record.items], dues.totals(record.items)

        self.run(job, self._show)

    def _show(self, found: Any) -> None:
        self.loaded = True
        kept = self.table.selected()  # a reload (a pull brought a new list) keeps the clerk's place
        self.table.clear()
        if found is None:
            self.record = None
            self.version.configure(text="")
            self.summary.configure(text=NO_LIST)
            self.print_button.configure(state="disabled")
            return
        record, rows, sums = found
        self.record = record
        for n, (item, values) in enumerate(zip(record.items, rows, strict=True)):
            self.table.add(str(n), values, tags=("alert",) if item.arrears_months else ())
        self.version.configure(text=version_line(record))
        self.summary.configure(text=totals_line(sums))
        self.print_button.configure(state="normal" if record.items else "disabled")
        # A row is always selected (the clerk's, else the first): the screen may have taken
        # focus before the list arrived, and Enter prints the selected row's list.
        rows = self.table.rows()
        if rows:
            self.table.select(kept if kept in rows else rows[0])

    def print_list(self) -> None:
        record = self.record
        if record is None or not record.items:
            self.banner.show(NO_LIST if record is None else "名单中没有人员，无需打印。", "info")
            return
        if self.printing:
            return
        self.printing = True
        paths, station = self.app.paths, self.app.station_label or record.township

        def job(_db: Database) -> Path:
            from station_client.services import dues
            from station_client.services.receipt_pdf import export

            return export(paths, export_name(record), dues.render_pdf(record, station=station))

        def done(path: Path) -> None:
            self.printing = False
            self.printed = path
            self.banner.show(f"已生成催缴名单 {path.name}，请在打开的 PDF 阅读器中打印。", "success")
            self.app.documents.open_pdf(path)

        def failed(exc: BaseException) -> None:
            self.printing = False
            self.show_error(exc)

        self.run(job, done, failed)
