"""本站业务: this station's cases, filtered and searched; one case with its history and
what can be done with it (补正, 交付审核结果, 修正并重新上报, 重印回执).

Nothing is clipped: a list cell too narrow for an item's name ends in "…" and the
selected case is written out whole under the list; the detail wraps every value (and the
city's reason) to the width its panel really has. The detail reads the case again after
each sync round, so a decision or a return pulled meanwhile shows without reopening it.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from datetime import date
from functools import partial
from tkinter import ttk
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from schema.cases import MAX_DAILY_COUNTER, case_number
from schema.vocabulary import Tier
from station_client.services.caselist import CaseFilter
from station_client.ui import actions, documents, events, theme
from station_client.ui.screen import Screen, entry
from station_client.ui.viewmodels.cases import FILTERS, alert, elide, empty_text, full_text, row_values
from station_client.ui.viewmodels.desk import RESEND, SUPPLEMENT
from station_client.ui.widgets import Column, ScrollFrame, Table, button, label

if TYPE_CHECKING:
    from station_client.services.case_detail import CaseDetail
    from station_client.services.set_aside import OpView
    from station_client.ui.navigation import App

COLUMNS = [
    Column("number", "受理编号", 275),  # widened to the font's longest number: see _fit_number
    Column("item", "事项", 330, stretch=True),
    Column("who", "申请人", 110),
    Column("at", "受理时间", 120),
    Column("status", "状态", 140),
    Column("deadline", "期限", 100),
    Column("marks", "需要处理", 170),
]
CELL_PAD = 12  # a list cell's padding, left and right
# The widest a case number gets (a general case's W and four digits): it is how clerks and
# citizens name a case, so its column is never narrower than this in the list's font.
LONGEST_NUMBER = case_number("000000000-00", date(2000, 1, 1), MAX_DAILY_COUNTER, tier=Tier.GENERAL)


class CasesScreen(Screen):
    title = "本站业务"
    hint = "输入受理编号、身份证号、事项编码或姓名后回车查找；↓ 进入列表，回车查看"

    def __init__(self, app: App, filter_: str = "all") -> None:
        super().__init__(app)
        self.filter = CaseFilter(filter_)
        c = self.content
        c.grid_columnconfigure(0, weight=1)
        c.grid_rowconfigure(2, weight=1)
        bar = ctk.CTkFrame(c, fg_color="transparent")
        bar.grid(row=0, column=0, sticky="w")
        self.filter_buttons: dict[CaseFilter, ctk.CTkButton] = {}
        for n, f in enumerate(FILTERS):
            b = button(bar, f.label, partial(self.set_filter, f), kind="secondary", width=130)
            b.grid(row=0, column=n, padx=(0, 6))
            self.filter_buttons[f] = b
        find = ctk.CTkFrame(c, fg_color="transparent")
        find.grid(row=1, column=0, sticky="ew", pady=(8, 0))
        self.query = entry(find, width=460, placeholder="受理编号 / 身份证号 / 事项编码 / 姓名")
        self.query.grid(row=0, column=0)
        button(find, "查找", self.load, width=100).grid(row=0, column=1, padx=10)
        self.count = label(find, "", muted=True)
        self.count.grid(row=0, column=2, sticky="w")
        self.table = Table(c, COLUMNS, height=10)
        self.table.grid(row=2, column=0, sticky="nsew", pady=(8, 0))
        self.table.on_open(self.open_case)
        self.table.view.bind("<<TreeviewSelect>>", lambda _e: self._show_full(), "+")
        self.full = label(c, "", wrap=1300, size=theme.SMALL)  # the selected case, whole
        self.full.grid(row=3, column=0, sticky="ew", pady=(6, 0))
        self.query.bind("<Down>", lambda _e: self.table.focus_table())
        self.rows: dict[str, Any] = {}
        app.bus.listen(self, events.CASES_CHANGED, self._changed)
        self._paint_filters()

    def on_show(self) -> None:
        self.load()

    def _changed(self, _event: tk.Event) -> None:
        if self.winfo_ismapped():
            self.load()

    def focus_first(self) -> None:
        self.query.focus_set()

    def set_filter(self, f: CaseFilter) -> None:
        self.filter = f
        self._paint_filters()
        self.load()

    def _paint_filters(self) -> None:
        for f, b in self.filter_buttons.items():
            chosen = f is self.filter
            b.configure(
                fg_color=theme.PRIMARY if chosen else theme.SECONDARY,
                text_color="#FFFFFF" if chosen else theme.TEXT,
            )

    def on_enter(self) -> None:
        self.load()

    def load(self) -> None:
        session, catalog, clock = (
            self.clerk,
            self.app.reference.catalog if self.app.reference else None,
            self.app.clock,
        )
        query, filter_ = self.query.get(), self.filter

        def job(db: Database) -> Any:
            from station_client.services import caselist, reference

            return caselist.list_cases(
                db, session.dek, catalog or reference.catalog(db), filter_=filter_, query=query, now=clock()
            )

        self.run(job, lambda found: self._show(found, query))

    def _show(self, found: list[Any], query: str) -> None:
        self.table.clear()
        self.rows = {c.case_id: c for c in found}
        view = self.table.view
        font = ttk.Style(view).lookup("Treeview", "font")
        view.update_idletasks()

        def measure(text: str) -> int:
            return int(view.tk.call("font", "measure", font, text))

        def fit(value: str, key: str) -> str:  # the cell's width less its padding
            return elide(value, int(view.column(key, "width")) - CELL_PAD, measure)

        self._fit_number([c.case_number for c in found], measure)
        keys = [column.key for column in COLUMNS]
        for case in found:
            values = [fit(v, k) for v, k in zip(row_values(case), keys, strict=True)]
            self.table.add(case.case_id, values, tags=("alert",) if alert(case) else ())
        self.count.configure(text=f"共 {len(found)} 件" if found else empty_text(self.filter, query))
        self._show_full()

    def _fit_number(self, numbers: list[str], measure: Callable[[str], int]) -> None:
        """受理编号 whole: its column as wide as the longest number needs; 事项 gives up the room
        (a long item name ends in "…" there and is written out whole under the list)."""
        view = self.table.view
        need = max(measure(n) for n in [LONGEST_NUMBER, *numbers]) + CELL_PAD + 2
        grow = need - int(view.column("number", "width"))
        if grow > 0:
            view.column("number", width=need)
            view.column("item", width=max(120, int(view.column("item", "width")) - grow))

    def _show_full(self) -> None:
        chosen = self.table.selected()
        case = self.rows.get(chosen) if chosen else None
        if case is None and len(self.rows) == 1:
            case = next(iter(self.rows.values()))
        self.full.configure(text=full_text(case) if case is not None else "")

    def open_case(self, case_id: str) -> None:
        self.nav.open_case(case_id)


class CaseDetailScreen(Screen):
    title = "业务详情"
    hint = "Esc 返回列表"

    def __init__(self, app: App, case_id: str) -> None:
        super().__init__(app)
        self.case_id = case_id
        self.detail: CaseDetail | None = None
        c = self.content
        c.grid_columnconfigure(0, weight=3)
        c.grid_columnconfigure(1, weight=2)
        c.grid_rowconfigure(1, weight=1)
        self.head = label(c, "正在读取…", bold=True, size=20, wrap=1250)
        self.head.grid(row=0, column=0, columnspan=2, sticky="w")
        self.left = ScrollFrame(c, fg_color=theme.PANEL, corner_radius=0)
        self.left.grid(row=1, column=0, sticky="nsew", padx=(0, 8), pady=(6, 0))
        self.left.inner.grid_columnconfigure(1, weight=1)
        self.right = ScrollFrame(c, fg_color=theme.PANEL, corner_radius=0)
        self.right.grid(row=1, column=1, sticky="nsew", pady=(6, 0))
        self.actions = ctk.CTkFrame(c, fg_color="transparent")
        self.actions.grid(row=2, column=0, columnspan=2, sticky="w", pady=(8, 0))
        self.handover = ctk.CTkFrame(c, fg_color=theme.INFO_BG, corner_radius=8)
        self.recipient: ctk.CTkEntry | None = None
        self.conflict_line: Any = None  # what to tell the applicant, for a case sent to 综合业务科
        self.reason: Any = None  # the city's reason for its decision, whole
        self._wrapped: list[tuple[Any, ScrollFrame]] = []  # labels wrapped to their panel's width
        for area in (self.left, self.right):
            tk.Misc.bind(area.canvas, "<Configure>", lambda _e: self._fit(), "+")
        app.bus.listen(self, events.CASES_CHANGED, self._changed)

    def _changed(self, _event: tk.Event) -> None:
        if self.winfo_ismapped():  # a sync round may have brought a decision or a return
            self.on_show()

    def on_show(self) -> None:
        session, clock, case_id = self.clerk, self.app.clock, self.case_id
        catalog = self.app.reference.catalog if self.app.reference else None

        def job(db: Database) -> CaseDetail:
            from station_client.services import reference
            from station_client.services.case_detail import case_detail

            return case_detail(db, session.dek, catalog or reference.catalog(db), case_id, now=clock())

        self.run(job, self._show)

    def focus_moved(self, widget: tk.Misc) -> None:
        for area in (self.left, self.right):
            if area.contains(widget):
                area.see(widget)

    def _section(self, row: int, title: str) -> int:
        label(self.left.inner, title, bold=True, size=20).grid(
            row=row, column=0, columnspan=2, sticky="w", padx=10, pady=(10, 2)
        )
        return row + 1

    def _wrap(self, widget: Any, area: ScrollFrame) -> Any:
        self._wrapped.append((widget, area))
        return widget

    def _fit(self) -> None:
        """Wrap each long text to what its panel shows (the panels share the window 3:2)."""
        self.update_idletasks()
        for widget, area in self._wrapped:
            if widget.winfo_exists():
                room = area.canvas.winfo_width() - widget.winfo_x() - 16
                if room > 100 and int(widget.cget("wraplength")) != room:
                    widget.configure(wraplength=room)

    def _pairs(self, row: int, pairs: list[tuple[str, str]]) -> int:
        for key, value in pairs:
            label(self.left.inner, key, muted=True, wrap=220).grid(
                row=row, column=0, sticky="ne", padx=(10, 12), pady=2
            )
            self._wrap(label(self.left.inner, value, wrap=420), self.left).grid(
                row=row, column=1, sticky="w", pady=2
            )
            row += 1
        return row

    def _paragraph(self, row: int, text: str, *, bold: bool = False) -> Any:
        line = self._wrap(label(self.left.inner, text, wrap=640, bold=bold), self.left)
        line.grid(row=row, column=0, columnspan=2, sticky="w", padx=10, pady=2)
        return line

    def _show(self, detail: CaseDetail) -> None:
        self.detail = detail
        s = detail.summary
        self.head.configure(text=f"{s.case_number}　{s.item_code} {s.item_name}　【{s.status_label}】")
        for area in (self.left.inner, self.right.inner, self.actions):
            for child in area.winfo_children():
                child.destroy()
        self._wrapped.clear()
        row, self.conflict_line, self.reason = 0, None, None
        if detail.conflict is not None:
            c = detail.conflict
            row = self._section(row, "数据冲突待处理" if c.open else "数据冲突处理结果")
            self.conflict_line = self._paragraph(row, c.tell_applicant, bold=True)
            row = self._pairs(row + 1, [("原因", c.reason), ("经过", c.resolved_history or c.history)])
        if detail.decision:  # first: it is what the clerk came for
            d = detail.decision
            row = self._section(row, "审核决定")
            row = self._pairs(row, [("结果", d["status_label"]), ("科室", d["section_label"])])
            words = "退回原因" if s.status == "returned" else "原因"
            self.reason = self._paragraph(
                row, f"{words}：{d.get('reason') or '—'}", bold=s.status == "returned"
            )
            row += 1
        row = self._pairs(self._section(row, "申请人"), detail.applicant)
        row = self._pairs(self._section(row, "表单"), detail.form)
        materials = [("已收材料", "、".join(detail.materials) or "无")]
        asked = detail.supplement_request
        if asked is not None and asked.requested:
            materials.append(("要求补交", "、".join(asked.requested_names)))
        materials += [(name, f"{size}，{state}") for name, size, state in detail.attachments]
        row = self._pairs(self._section(row, "材料与扫描件"), materials)
        if detail.fee:
            fee = detail.fee
            row = self._pairs(
                self._section(row, "缴费"),
                [
                    ("实收", f"{fee['collected']} 元"),
                    *[(k, f"{v} 元") for k, v in fee["by_insurance"].items()],
                    *[("缴费收据", r.line) for r in detail.stock_receipts],
                ],
            )
        label(self.right.inner, "办理经过", bold=True, size=20).grid(
            row=0, column=0, sticky="w", padx=10, pady=(10, 2)
        )
        from station_client.ui.viewmodels.sync import when

        for n, h in enumerate(detail.history, start=1):
            line = label(
                self.right.inner, f"{when(h.at, self.app.clock())}　{h.text}", wrap=460, size=theme.SMALL
            )
            self._wrap(line, self.right).grid(row=n, column=0, sticky="w", padx=10, pady=2)
        base = len(detail.history) + 1
        label(self.right.inner, "上报记录", bold=True, size=20).grid(
            row=base, column=0, sticky="w", padx=10, pady=(12, 2)
        )
        for n, op in enumerate(detail.operations, start=base + 1):
            text = f"{op.kind_label}：{op.state_label}"
            if op.reason:
                text += f"\n原因：{op.reason}\n处理：{op.advice}"
            self._wrap(label(self.right.inner, text, wrap=460, size=theme.SMALL), self.right).grid(
                row=n, column=0, sticky="w", padx=10, pady=2
            )
        self._actions(detail)
        self._fit()

    def _actions(self, detail: CaseDetail) -> None:
        column = 0

        def add(text: str, command: Any, kind: str = "primary", width: int = 170) -> None:
            nonlocal column
            button(self.actions, text, command, kind=kind, width=width).grid(
                row=0, column=column, padx=(0, 8)
            )
            column += 1

        if detail.can_supplement:
            add("补正（补交材料）", self.supplement)
        if detail.can_hand_over:
            add("登记交付审核结果", self.show_handover)
        for op in detail.refused:
            if op.editable and op.resendable:
                add("修正并重新上报", partial(self.correct, op))
            elif op.resendable:
                add("重新上报", partial(self.resend_as_is, op))
        for number, kind in detail.receipts:
            add(
                f"重印{kind}",
                partial(self.app.documents.print_receipts, [number]),
                kind="secondary",
                width=150,
            )
        for r in detail.stock_receipts:  # 作废收据: a reason and a second staff member's password
            if not r.voided:
                add(
                    "作废收据…",
                    partial(self.nav.open_receipt_void, self.case_id, r.number),
                    kind="secondary",
                    width=130,
                )
        decided = detail.decision.get("status") if detail.decision else None
        for notice, words in documents.case_notices(detail.summary.status, decided):
            add(
                f"打印{words}",
                partial(self.app.documents.print_case_notice, self.case_id, notice),
                kind="secondary",
                width=170,
            )
        add("返回 (Esc)", self.nav.back, kind="secondary", width=130)

    def supplement(self) -> None:
        if self.detail is not None:
            self.nav.open_form(self.detail.summary.item_code, mode=SUPPLEMENT, case=self.detail)

    def correct(self, op: OpView) -> None:
        if self.detail is not None:
            self.nav.open_form(self.detail.summary.item_code, mode=RESEND, case=self.detail, op=op)

    def resend_as_is(self, op: OpView) -> None:
        actions.resend_as_is(self, op, then=self.on_show)

    def show_handover(self) -> None:
        for child in self.handover.winfo_children():
            child.destroy()
        self.handover.grid(row=3, column=0, columnspan=2, sticky="ew", pady=(8, 0))
        label(self.handover, "领取人（本人或代领人姓名）", bold=True).grid(row=0, column=0, padx=12, pady=8)
        self.recipient = entry(self.handover, width=260)
        self.recipient.grid(row=0, column=1, pady=8)
        raw = self.detail.applicant_raw if self.detail is not None else {}
        self.recipient.insert(0, str(raw.get("name", "")))
        button(self.handover, "确认已交付 (回车)", self.hand_over, kind="success", width=200).grid(
            row=0, column=2, padx=12
        )
        self.recipient.focus_set()

    def hand_over(self) -> None:
        if self.recipient is None:
            return
        recipient = self.recipient.get().strip()
        if not recipient:
            self.banner.show("请填写领取人姓名。", "error")
            return
        session, clock, case_id = self.clerk, self.app.clock, self.case_id

        def job(_db: Database) -> Any:
            from uuid import UUID

            from station_client.services.supplement import hand_over

            return hand_over(session, UUID(case_id), recipient=recipient, now=clock())

        def done(_result: Any) -> None:
            self.handover.grid_remove()
            self.recipient = None
            self.banner.show(f"已登记：审核结果已交付 {recipient}。", "success")
            self.app.cases_changed()
            self.on_show()

        self.run(job, done)

    def on_enter(self) -> None:
        if self.recipient is not None:
            self.hand_over()

    def on_escape(self) -> bool:
        if self.recipient is not None:
            self.handover.grid_remove()
            self.recipient = None
            return True
        return False
