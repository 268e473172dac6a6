"""日结 (F8): the clerk counts the drawer by denomination, the screen shows 应收 (receipts
issued − voided) against 实点 as they type, a difference needs a reason, and Enter closes:
the close is recorded with its outbox operation (``services.daily_close``) and the 日结单
is printed (``services.close_pdf``). The screen opens on the oldest day left open."""

from __future__ import annotations

import tkinter as tk
from pathlib import Path
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from schema.daily_close import DENOMINATION_LABELS, DENOMINATIONS
from station_client.ui import theme
from station_client.ui.screen import Screen, entry
from station_client.ui.viewmodels.daily_close import (
    REASON_PROMPT,
    Count,
    closed_line,
    export_name,
    headline,
    line_amount,
    note,
    read_counts,
    receipt_row,
    sums,
)
from station_client.ui.widgets import Column, Table, button, label

if TYPE_CHECKING:
    from station_client.services.daily_close import Closed, DayView
    from station_client.ui.navigation import App

COLUMNS = [
    Column("number", "票据号码", 300),
    Column("time", "时间", 80),
    Column("clerk", "收款人", 120),
    Column("item", "缴费项目", 420, stretch=True),
    Column("amount", "金额（元）", 130, anchor="e"),
    Column("state", "状态", 80),
]
PER_COLUMN = 4  # denominations per column of boxes


class DailyCloseScreen(Screen):
    title = "日结：清点现金，核对当日缴费收据"
    hint = "输入各面额张数，Tab 到下一项；回车日结并打印日结单；Esc 返回"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        c = self.content
        c.grid_columnconfigure(0, weight=1)
        c.grid_rowconfigure(3, weight=1)
        self.headline = label(c, "正在读取…", bold=True, wrap=1250)
        self.headline.grid(row=0, column=0, sticky="w")
        self.note = label(c, "", muted=True, wrap=1250, size=theme.SMALL)
        self.note.grid(row=1, column=0, sticky="w")
        middle = ctk.CTkFrame(c, fg_color="transparent")
        middle.grid(row=2, column=0, sticky="ew", pady=(6, 0))
        boxes = ctk.CTkFrame(middle, fg_color=theme.PANEL, corner_radius=10)
        boxes.grid(row=0, column=0, sticky="nw")
        self.boxes: dict[str, ctk.CTkEntry] = {}
        self.amounts: dict[str, ctk.CTkLabel] = {}
        for n, face in enumerate(DENOMINATIONS):  # created in this order: Tab follows it
            row, col = n % PER_COLUMN, (n // PER_COLUMN) * 3
            label(boxes, DENOMINATION_LABELS[face]).grid(
                row=row, column=col, sticky="e", padx=(14, 6), pady=3
            )
            box = entry(boxes, width=110, placeholder="张数")
            box.grid(row=row, column=col + 1, sticky="w", pady=3)
            box.bind("<KeyRelease>", self._recount, add="+")
            self.boxes[face] = box
            amount = label(boxes, "= 0.00", muted=True)
            amount.configure(width=140, anchor="w")
            amount.grid(row=row, column=col + 2, sticky="w", padx=(6, 10))
            self.amounts[face] = amount
        panel = ctk.CTkFrame(middle, fg_color=theme.PANEL, corner_radius=10)
        panel.grid(row=0, column=1, sticky="nsew", padx=(12, 0))
        middle.grid_columnconfigure(1, weight=1)
        self.expected = label(panel, "", wrap=520)
        self.expected.grid(row=0, column=0, sticky="w", padx=14, pady=(10, 2))
        self.counted = label(panel, "", bold=True)
        self.counted.grid(row=1, column=0, sticky="w", padx=14, pady=2)
        self.difference = label(panel, "", bold=True)
        self.difference.grid(row=2, column=0, sticky="w", padx=14, pady=2)
        why = ctk.CTkFrame(panel, fg_color="transparent")
        why.grid(row=3, column=0, sticky="w", padx=14, pady=(6, 10))
        label(why, "差额原因").grid(row=0, column=0, sticky="w", padx=(0, 8))
        self.reason = entry(why, width=460, placeholder=REASON_PROMPT)
        self.reason.grid(row=0, column=1, sticky="w")
        self.table = Table(c, COLUMNS, height=5)
        self.table.grid(row=3, column=0, sticky="nsew", pady=(8, 0))
        actions = ctk.CTkFrame(c, fg_color="transparent")
        actions.grid(row=4, column=0, sticky="w", pady=(8, 0))
        self.close_button = button(actions, "日结并打印 (回车)", self.on_enter, width=200)
        self.close_button.grid(row=0, column=0, padx=(0, 8))
        self.reprint_button = button(actions, "重印日结单", self.reprint, kind="secondary", width=160)
        self.reprint_button.grid(row=0, column=1, padx=(0, 8))
        button(actions, "返回 (Esc)", self.nav.back, kind="secondary", width=130).grid(row=0, column=2)
        self.view: DayView | None = None
        self.count = read_counts({})
        self.closing = False
        self.last_closed: Closed | None = None
        self.printed: Path | None = None

    # ── showing the day ─────────────────────────────────────────────────────────────

    def on_show(self) -> None:
        self.load()

    def focus_first(self) -> None:
        self.boxes[DENOMINATIONS[0]].focus_set()

    def load(self) -> None:
        session, now = self.clerk, self.app.clock()

        def job(_db: Database) -> Any:
            from station_client.services import daily_close

            return daily_close.day_view(session, daily_close.day_to_close(session, now), now)

        self.run(job, self._show)

    def _show(self, view: DayView) -> None:
        self.view = view
        self.headline.configure(text=headline(view))
        self.note.configure(text=note(view, self.app.today()))
        self.table.clear()
        for n, r in enumerate(view.receipts):
            self.table.add(str(n), receipt_row(r), tags=("muted",) if r.voided else ())
        for box in self.boxes.values():
            box.delete(0, "end")
        self.reason.delete(0, "end")
        self.reprint_button.configure(state="normal" if view.earlier else "disabled")
        self._recount()
        self.focus_first()

    def texts(self) -> dict[str, str]:
        return {face: box.get() for face, box in self.boxes.items()}

    def _recount(self, _event: tk.Event | None = None) -> None:
        self.count = read_counts(self.texts())
        for face, amount in self.amounts.items():
            amount.configure(text=line_amount(face, self.count))
        receipts = self.view.receipts if self.view else ()
        shown = sums(self.count, receipts)
        self.expected.configure(text=shown.expected)
        self.counted.configure(text=shown.counted)
        self.difference.configure(
            text=shown.difference, text_color=theme.SUCCESS if shown.kind == "success" else theme.DANGER
        )

    # ── closing ─────────────────────────────────────────────────────────────────────

    def on_enter(self) -> None:
        view = self.view
        if view is None or self.closing:
            return
        count: Count = read_counts(self.texts())
        if count.bad:  # the service would refuse it too; say which box, and go there
            face = count.bad[0]
            self.banner.show(
                f"「{DENOMINATION_LABELS[face]}」的张数“{self.boxes[face].get()}”无法识别：请只输入整数张数，没有就留空。",
                "error",
            )
            self.boxes[face].focus_set()
            return
        reason = self.reason.get()
        if sums(count, view.receipts).figures.difference != 0 and not reason.strip():
            self.banner.show(
                f"实点现金与应收不符（{sums(count, view.receipts).difference.split('　')[-1]}）："
                "请在「差额原因」中写明原因，或重新清点后再日结。",
                "error",
            )
            self.reason.focus_set()
            return
        self.closing = True
        session, now, paths = self.clerk, self.app.clock(), self.app.paths

        def job(db: Database) -> Any:
            from station_client.services import close_pdf, daily_close
            from station_client.services.receipt_pdf import export

            closed = daily_close.close_day(session, view.day, count.pieces, reason, now=now)
            printable = close_pdf.close_pdf(db, session.dek, closed.close_id)
            return closed, export(paths, export_name(closed, session.station_id), printable.pdf)

        def done(result: Any) -> None:
            self.closing = False
            closed, path = result
            self.last_closed, self.printed = closed, path
            self.app.documents.open_pdf(path)
            self.app.cases_changed()  # the close waits in the outbox: the bar counts it, the agent wakes
            self.load()
            self.banner.show(closed_line(closed), "success")

        def failed(exc: BaseException) -> None:
            self.closing = False
            self.show_error(exc)

        self.run(job, done, failed)

    def reprint(self) -> None:
        view = self.view
        if view is None or not view.earlier:
            return
        last = view.earlier[-1]
        session, paths = self.clerk, self.app.paths

        def job(db: Database) -> Path:
            from station_client.services import close_pdf
            from station_client.services.receipt_pdf import export

            printable = close_pdf.close_pdf(db, session.dek, last.close_id)
            return export(paths, f"close-{session.station_id}-{printable.number}", printable.pdf)

        def done(path: Path) -> None:
            self.printed = path
            self.app.documents.open_pdf(path)
            self.banner.show(f"已重新生成日结单 {path.name}，请在打开的 PDF 阅读器中打印。", "success")

        self.run(job, done)
