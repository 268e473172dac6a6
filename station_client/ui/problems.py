"""同步问题: every operation the server refused, its reason in the server's words, and what
to do; correct and send again, or open the case. Below them, the cases the city sent to
综合业务科 (数据冲突待处理), each with what to tell the applicant; Enter opens the case.
Last, in a store restored from a backup, the cases it lost (备份后丢失) with their 票据号码:
the clerk retakes them from the paper receipt and marks each done (Enter)."""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from station_client.ui import actions, events, theme
from station_client.ui.screen import Screen
from station_client.ui.viewmodels.desk import RESEND
from station_client.ui.widgets import Column, Table, button, label

if TYPE_CHECKING:
    from station_client.services.case_detail import CaseDetail
    from station_client.services.set_aside import OpView
    from station_client.ui.navigation import App

CONFLICT_ROW = "conflict:"
LOST_ROW = "lost:"


class ProblemsScreen(Screen):
    title = "同步问题：被退回待更正和数据冲突待处理的业务"
    hint = "↑↓ 选择，回车修正或查看；Esc 返回"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        c = self.content
        c.grid_columnconfigure(0, weight=1)
        c.grid_rowconfigure(1, weight=1)
        self.summary = label(c, "正在读取…", bold=True)
        self.summary.grid(row=0, column=0, sticky="w")
        self.table = Table(
            c,
            [
                Column("number", "受理编号", 275),
                Column("item", "事项", 260, stretch=True),
                Column("who", "申请人", 110),
                Column("kind", "上报内容", 170),
                Column("state", "状态", 220),
                Column("code", "退回代码", 190),
            ],
            height=7,
        )
        self.table.grid(row=1, column=0, sticky="nsew", pady=(8, 0))
        self.table.view.bind("<<TreeviewSelect>>", lambda _e: self._explain())
        self.table.on_open(lambda _iid: self.fix())
        self.panel = panel = ctk.CTkFrame(c, fg_color=theme.WARNING_BG, corner_radius=8)
        panel.grid(row=2, column=0, sticky="ew", pady=(8, 0))
        panel.grid_columnconfigure(0, weight=1)
        self.reason = label(panel, "", wrap=1250)
        self.reason.grid(row=0, column=0, sticky="w", padx=12, pady=(8, 2))
        self.advice = label(panel, "", wrap=1250, bold=True)
        self.advice.grid(row=1, column=0, sticky="w", padx=12, pady=(0, 8))
        actions = ctk.CTkFrame(c, fg_color="transparent")
        actions.grid(row=3, column=0, sticky="w", pady=(8, 0))
        self.fix_button = button(actions, "修正并重新上报 (回车)", self.fix, width=230)
        self.fix_button.grid(row=0, column=0, padx=(0, 8))
        button(actions, "查看业务详情", self.open_case, kind="secondary", width=170).grid(
            row=0, column=1, padx=(0, 8)
        )
        button(actions, "立即同步 (F5)", app.sync_now, kind="secondary", width=170).grid(
            row=0, column=2, padx=(0, 8)
        )
        button(actions, "返回 (Esc)", self.nav.back, kind="secondary", width=130).grid(row=0, column=3)
        self.ops: dict[str, Any] = {}
        self.conflicts: dict[str, Any] = {}  # table row id CONFLICT_ROW + case_id -> CaseSummary
        self.lost: dict[str, Any] = {}  # LOST_ROW + case_id -> services.backup.LostCase
        app.bus.listen(self, events.CASES_CHANGED, self._changed)

    def on_show(self) -> None:
        self.load()

    def _changed(self, _event: tk.Event) -> None:
        if self.winfo_ismapped():
            self.load()

    def focus_first(self) -> None:
        self.table.focus_table()

    def load(self) -> None:
        session = self.clerk
        catalog = self.app.reference.catalog if self.app.reference else None

        def job(db: Database) -> Any:
            from station_client.services import reference, set_aside
            from station_client.services.backup import lost_cases
            from station_client.services.caselist import conflict_cases

            known = catalog or reference.catalog(db)
            return (
                set_aside.list_refused(db, session.dek, known),
                conflict_cases(db, session.dek, known),
                lost_cases(db, session.dek, open_only=True),
            )

        self.run(job, lambda found: self._show(*found))

    def _show(self, ops: list[Any], conflicts: list[Any], lost: list[Any] | None = None) -> None:
        self.table.clear()
        self.ops = {str(op.local_id): op for op in ops}
        self.conflicts = {CONFLICT_ROW + c.case_id: c for c in conflicts}
        self.lost = {LOST_ROW + c.case_id: c for c in lost or ()}
        for op in ops:
            self.table.add(
                str(op.local_id),
                [
                    op.case_number,
                    f"{op.item_code} {op.item_name}",
                    op.applicant_name,
                    op.kind_label,
                    op.state_label,
                    op.code or "",
                ],
                tags=("alert",),
            )
        for iid, case in self.conflicts.items():
            self.table.add(
                iid,
                [case.case_number, f"{case.item_code} {case.item_name}", case.applicant_name,
                 "受理（办结）信息上报", case.status_label, "数据冲突"],
                tags=("alert",),
            )  # fmt: skip
        for iid, gone in self.lost.items():
            self.table.add(
                iid,
                [gone.case_number,
                 f"（本机无记录）票据号码 {gone.receipt_stock}" if gone.receipt_stock else "（本机无记录）无缴费收据",
                 gone.applicant_name or "—", "备份后受理", lost_status(gone.status), "备份后丢失"],
                tags=("alert",),
            )  # fmt: skip
        if not ops and not conflicts and not self.lost:
            self.summary.configure(text="没有被退回的业务：全部业务都已上报或正在排队上报。")
            self.reason.configure(text="")
            self.advice.configure(text="")
            self.fix_button.configure(state="disabled")
            self.panel.grid_remove()
            return
        self.panel.grid()
        parts = []
        if ops:
            parts.append(
                f"共 {len(ops)} 笔业务被服务器退回，需要处理（同一业务后续的上报会等它处理完再发送，其他业务照常上报）。"
            )
        if conflicts:
            parts.append(
                f"{len(conflicts)} 件业务数据与市局记录冲突，已转综合业务科处理：请按提示告知申请人。"
            )
        if self.lost:
            parts.append(
                f"本机数据从备份恢复，{len(self.lost)} 件备份之后受理的业务本机没有：请根据纸质回执重新受理。"
            )
        self.summary.configure(text="".join(parts))
        first = str(ops[0].local_id) if ops else next(iter(self.conflicts), None) or next(iter(self.lost))
        self.table.select(first)
        self._explain()

    def _current(self) -> Any:
        iid = self.table.selected()
        return self.ops.get(iid) if iid else None

    def _conflict(self) -> Any:
        iid = self.table.selected()
        return self.conflicts.get(iid) if iid else None

    def _lost_case(self) -> Any:
        iid = self.table.selected()
        return self.lost.get(iid) if iid else None

    def _explain(self) -> None:
        gone = self._lost_case()
        if gone is not None:
            self.reason.configure(text=lost_reason(gone))
            self.advice.configure(text=LOST_ADVICE)
            self.fix_button.configure(text="已重新受理，不再提示 (回车)", state="normal")
            return
        case = self._conflict()
        if case is not None and case.conflict is not None:
            self.reason.configure(
                text=f"冲突原因：{case.conflict.reason}。{case.conflict.history}，无需重新上报。"
            )
            self.advice.configure(text=case.conflict.tell_applicant)
            self.fix_button.configure(text="查看业务详情 (回车)", state="normal")
            return
        op = self._current()
        if op is None:
            return
        self.reason.configure(text=f"退回原因：{op.reason or '（服务器未说明）'}")
        self.advice.configure(text=f"怎么办：{op.advice}")
        text = "修正并重新上报 (回车)" if op.editable else "重新上报 (回车)"
        self.fix_button.configure(text=text, state="normal" if op.resendable else "disabled")

    def on_enter(self) -> None:
        self.fix()

    def fix(self) -> None:
        if (gone := self._lost_case()) is not None:
            self._acknowledge(gone)
            return
        if self._conflict() is not None:
            self.open_case()
            return
        op = self._current()
        if op is None or not op.resendable:
            return
        if op.editable:
            self._open_form(op)
        else:
            self._resend(op)

    def _open_form(self, op: OpView) -> None:
        if self.app.reference is None:
            self.banner.show("正在载入事项目录，请稍候几秒再试。", "info")
            return
        session, catalog, clock = self.clerk, self.app.reference.catalog, self.app.clock

        def job(db: Database) -> CaseDetail:
            from station_client.services.case_detail import case_detail

            return case_detail(db, session.dek, catalog, op.case_id, now=clock())

        def done(detail: CaseDetail) -> None:
            self.nav.open_form(detail.summary.item_code, mode=RESEND, case=detail, op=op)

        self.run(job, done)

    def _acknowledge(self, gone: Any) -> None:
        session, now = self.clerk, self.app.clock()

        def job(db: Database) -> bool:
            from station_client.services.backup import acknowledge_lost

            return acknowledge_lost(db, gone.case_id, by=session.username, now=now)

        self.run(job, lambda _done: self.load())

    def _resend(self, op: OpView) -> None:
        actions.resend_as_is(self, op, then=self.load)

    def open_case(self) -> None:
        if self._lost_case() is not None:
            return  # not in this store: the paper receipt is the record
        case = self._conflict()
        if case is not None:
            self.nav.open_case(case.case_id)
            return
        op = self._current()
        if op is not None:
            self.nav.open_case(op.case_id)


LOST_ADVICE = (
    "请根据纸质回执重新受理：按受理编号或票据号码找出纸质回执，核对后重新受理；回执上已缴的费用请报综合业务科核对，勿向申请人重复收取。"
    "办完后按回车标记为已重新受理。"
)


def lost_status(value: str) -> str:
    from schema.lifecycle import CaseStatus

    try:
        return f"市局：{CaseStatus(value).label}"
    except ValueError:
        return f"市局：{value}"


def lost_reason(gone: Any) -> str:
    """Why a lost case is listed: taken after the backup, so the restored store lacks it."""
    stock = f"，缴费收据票据号码 {gone.receipt_stock}" if gone.receipt_stock else ""
    who = f"，申请人 {gone.applicant_name}" if gone.applicant_name else ""
    return (
        f"受理编号 {gone.case_number}{who}{stock}：此业务在最近一次备份之后受理，市局已收到，"
        "但本机数据从备份恢复后没有它。"
    )
