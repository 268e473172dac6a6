"""核对 and 办结: read the case back to the applicant (the fee and its decomposition
first), confirm, then the result with its number; the slip or receipt (and the payment
receipt) is rendered off the Tk thread and opened for printing at once. When a sync
meanwhile learns that the city sent the case to 综合业务科 (数据冲突待处理), the 办结单
is no longer offered and the screen says what to tell the applicant."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from schema.vocabulary import Tier
from station_client.core.intake_rules import CheckedIntake, IntakeRefused
from station_client.core.outbox_rules import OpState
from station_client.ui import events, theme
from station_client.ui.screen import Screen
from station_client.ui.viewmodels.finish import confirm_lines, fee_lines, result_view, upload_line
from station_client.ui.viewmodels.form import FormModel
from station_client.ui.widgets import ScrollFrame, button, label

if TYPE_CHECKING:
    from station_client.services.intake import IntakeResult
    from station_client.ui.navigation import App

PRINT_AFTER_MS = 60  # a few frames: the finish screen is on the glass before the PDFs render
BANK_ITEMS = frozenset({"G12", "G14"})  # services.payment_notice.NOTICE_ITEMS (not imported: startup time)
BANK_TEXT = "银行缴费（打印缴费通知单）"


class ConfirmScreen(Screen):
    title = "核对并确认"
    hint = "与申请人核对无误后按回车确认办理，Esc 返回修改"

    def __init__(
        self,
        app: App,
        model: FormModel,
        checked: CheckedIntake,
        *,
        on_refused: Callable[[IntakeRefused], None],
    ) -> None:
        super().__init__(app)
        self.model, self.checked = model, checked
        self.on_refused = on_refused  # the form's: a refusal at saving is shown there
        c = self.content
        c.grid_columnconfigure(0, weight=3)
        c.grid_columnconfigure(1, weight=2)
        c.grid_rowconfigure(0, weight=1)
        left = ScrollFrame(c, fg_color=theme.PANEL, corner_radius=0)
        left.grid(row=0, column=0, sticky="nsew", padx=(0, 8))
        left.inner.grid_columnconfigure(1, weight=1)
        for n, (key, value) in enumerate(confirm_lines(checked, len(model.scans))):
            label(left.inner, key, muted=True, wrap=220).grid(
                row=n, column=0, sticky="ne", padx=(10, 12), pady=3
            )
            label(left.inner, value, wrap=560, bold=key in ("办理事项", "承诺办结日期")).grid(
                row=n, column=1, sticky="w", pady=3
            )
        right = ctk.CTkFrame(c, fg_color=theme.INFO_BG if checked.fee else theme.PANEL, corner_radius=8)
        right.grid(row=0, column=1, sticky="nsew")
        right.grid_columnconfigure(1, weight=1)
        from station_client.core.fee_breakdown import breakdown

        fee = fee_lines(breakdown(checked.fee)) if checked.fee is not None else None
        if fee is None:
            label(right, "本业务不收费。", bold=True).grid(row=0, column=0, padx=16, pady=16, sticky="w")
        else:
            label(right, "收费金额（确认前请告知申请人）", bold=True).grid(
                row=0, column=0, columnspan=2, padx=16, pady=(14, 0), sticky="w"
            )
            self.amount = label(right, f"应缴 {fee.collected} 元", bold=True, size=theme.BIG)
            self.amount.grid(row=1, column=0, columnspan=2, padx=16, sticky="w")
            label(right, f"大写：{fee.words}", wrap=420).grid(
                row=2, column=0, columnspan=2, padx=16, pady=(0, 8), sticky="w"
            )
            for n, (key, value) in enumerate(fee.rows, start=3):
                label(right, key, size=theme.SMALL).grid(row=n, column=0, padx=(16, 8), sticky="w")
                label(right, value, size=theme.SMALL).grid(row=n, column=1, padx=(0, 16), sticky="e")
        if checked.warnings:
            self.banner.show("请核实：" + "；".join(w.message for w in checked.warnings), "warning")
        bottom = ctk.CTkFrame(c, fg_color="transparent")
        bottom.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(8, 0))
        bottom.grid_columnconfigure(0, weight=1)
        self.progress = label(bottom, "", bold=True)  # 正在保存…: at once, while the worker saves
        self.progress.grid(row=0, column=0, sticky="w")
        self.back_button = button(bottom, "返回修改 (Esc)", self.nav.back, kind="secondary", width=170)
        self.back_button.grid(row=0, column=1, padx=8)
        self.confirm_text = "确认办结 (回车)" if checked.item.tier.value == "general" else "确认受理 (回车)"
        self.confirm_button = button(
            bottom, self.confirm_text, self.on_enter, kind="success", width=220, height=44
        )
        self.confirm_button.grid(row=0, column=2)
        self.bank_button: ctk.CTkButton | None = None  # G12/G14: pay at the bank (Tab from 确认)
        if checked.fee is not None and checked.item.code in BANK_ITEMS:
            self.bank_button = button(
                bottom, BANK_TEXT, self.pay_at_bank, kind="secondary", width=280, height=44
            )
            self.bank_button.grid(row=0, column=3, padx=(8, 0))
        self._busy = False

    def focus_first(self) -> None:
        self.confirm_button.focus_set()

    def on_enter(self) -> None:
        if self._busy:
            return
        session, clock, request = self.clerk, self.app.clock, self.model.request()

        def job(_db: Database) -> IntakeResult:
            from station_client.services.intake import intake

            return intake(session, request, now=clock())

        def failed(exc: BaseException) -> None:
            self._working(False)
            if isinstance(exc, IntakeRefused):
                self.nav.back()
                self.on_refused(exc)
                return
            self.show_error(exc)

        self._working(True)
        self.run(job, self._done, failed)

    def pay_at_bank(self) -> None:
        """No cash: a 缴费通知单 with the station's payment reference instead of case and receipt."""
        if self._busy:
            return
        session, clock, request = self.clerk, self.app.clock, self.model.request()

        def job(_db: Database) -> Any:
            from station_client.services import payment_notice

            return payment_notice.issue(session, request, now=clock())

        def failed(exc: BaseException) -> None:
            self._working(False)
            if isinstance(exc, IntakeRefused):
                self.nav.back()
                self.on_refused(exc)
                return
            self.show_error(exc)

        def done(issued: Any) -> None:
            self.nav.open_notice_finish(issued)
            self.app.cases_changed()  # the sync bar counts the new outbox row

        self._working(True)
        self.run(job, done, failed)

    def _working(self, busy: bool) -> None:
        """While the case is saved: the buttons off, the wait said in words, a busy pointer."""
        self._busy = busy
        state = "disabled" if busy else "normal"
        self.confirm_button.configure(state=state, text="正在保存…" if busy else self.confirm_text)
        if self.bank_button is not None:
            self.bank_button.configure(state=state)
        self.back_button.configure(state=state)
        self.progress.configure(text="正在保存业务，请稍候…（请勿关闭窗口）" if busy else "")
        self.configure(cursor="watch" if busy else "")

    def on_escape(self) -> bool:
        return self._busy  # no going back while the case is being saved

    def _done(self, result: IntakeResult) -> None:
        self.nav.open_finish(result)
        self.app.cases_changed()


class FinishScreen(Screen):
    title = "办理完成"
    hint = "回车：下一位申请人；Esc：返回首页"

    def __init__(self, app: App, result: IntakeResult, *, auto_print: bool = True) -> None:
        super().__init__(app)
        self.result = result
        view = self.view = result_view(result)
        c = self.content
        c.grid_columnconfigure(0, weight=1)
        panel = ctk.CTkFrame(c, fg_color=theme.PANEL, corner_radius=10)
        panel.grid(row=0, column=0, sticky="ew")
        label(
            panel, f"✔ {view.headline}：{result.item_code} {result.item_name}", bold=True, size=theme.TITLE
        ).grid(row=0, column=0, sticky="w", padx=20, pady=(16, 4))
        label(panel, view.number_label, muted=True).grid(row=1, column=0, sticky="w", padx=20)
        self.number = label(panel, view.number, bold=True, size=36)
        self.number.grid(row=2, column=0, sticky="w", padx=20)
        for n, line in enumerate(view.lines, start=3):
            label(panel, line, wrap=1200).grid(row=n, column=0, sticky="w", padx=20, pady=2)
        self.upload = label(panel, upload_line(None), wrap=1200)  # what is true, read from the outbox
        self.upload.grid(row=len(view.lines) + 3, column=0, sticky="w", padx=20, pady=2)
        self.print_state = label(panel, "", muted=True, size=theme.SMALL)
        self.print_state.grid(row=len(view.lines) + 4, column=0, sticky="w", padx=20, pady=(6, 16))
        actions = ctk.CTkFrame(c, fg_color="transparent")
        actions.grid(row=1, column=0, sticky="w", pady=(12, 0))
        self.print_buttons = []
        for n, (number, text) in enumerate(view.receipts):
            b = button(actions, text, partial(self.print, [number]), kind="secondary", width=170)
            b.grid(row=0, column=n, padx=(0, 10))
            self.print_buttons.append(b)
        column = len(view.receipts)
        button(actions, "为同一申请人继续办理", self.same_applicant, kind="secondary", width=230).grid(
            row=0, column=column, padx=(0, 10)
        )
        self.next_button = button(actions, "下一位申请人 (回车)", self.nav.new_applicant, width=220)
        self.next_button.grid(row=0, column=column + 1, padx=(0, 10))
        button(actions, "返回首页 (Esc)", self.nav.home, kind="secondary", width=170).grid(
            row=0, column=column + 2
        )
        self.files: list[Path] = []
        self.slip_withdrawn = False
        app.bus.listen(self, events.CASES_CHANGED, self._recheck)
        app.bus.listen(self, events.CASES_CHANGED, self._read_upload)
        app.bus.listen(self, events.SYNC_STATUS, self._read_upload)
        self._read_upload()
        self._auto_print = auto_print

    def on_show(self) -> None:
        """Printing starts once the screen is drawn: rendering the PDFs on the worker, started
        at once, held the interpreter while the screen was being drawn (blank for up to a second)."""
        if self._auto_print:
            self._auto_print = False
            self.print_state.configure(text="正在生成回执，请稍候…")
            self.update_idletasks()
            self.after(PRINT_AFTER_MS, partial(self.print, [number for number, _text in self.view.receipts]))

    def focus_first(self) -> None:
        self.next_button.focus_set()

    def _read_upload(self, _event: Any = None) -> None:
        """Whether the case has reached the city: after a sync round or a write, read its outbox rows."""
        case_id = str(self.result.case_id)

        def job(db: Database) -> list[OpState]:
            from station_client.store import outbox

            return [op.state for op in outbox.of_case(db, case_id)]

        self.run(job, lambda states: self.upload.configure(text=upload_line(states)))

    def print(self, numbers: list[str]) -> None:
        self.print_state.configure(text="正在生成回执，请稍候…")

        def done(files: list[Path]) -> None:
            self.files.extend(files)
            if self.winfo_exists():
                self.print_state.configure(
                    text=f"已打开 {len(files)} 份回执供打印：{'、'.join(f.name for f in files)}"
                )

        self.app.documents.print_receipts(numbers, done)

    def _recheck(self, _event: Any = None) -> None:
        """A case finished at the desk may come back from the city as a conflict case."""
        if self.slip_withdrawn or self.result.tier is not Tier.GENERAL or not self.winfo_exists():
            return
        session, case_id = self.clerk, str(self.result.case_id)

        def job(db: Database) -> Any:
            from station_client.core.conflict_words import conflict_view
            from station_client.store import cases

            row = cases.get_row(db, case_id)
            if row is None:
                return None
            doc = cases.get_doc(db, session.dek, case_id)
            return conflict_view(row.status, row.tier, None if doc is None else doc.conflict)

        self.run(job, self._conflicted)

    def _conflicted(self, view: Any) -> None:
        if view is None or view.slip_allowed or not self.winfo_exists():
            return
        self.slip_withdrawn = True
        slip = self.print_buttons[0]  # the first receipt is the case's own slip (view.receipts)
        slip.grid_remove()
        self.banner.show(
            f"该业务数据与市局记录冲突，已转综合业务科处理，不能出具办结单。{view.tell_applicant}", "warning"
        )

    def same_applicant(self) -> None:
        self.nav.home()
        self.nav.open_items()

    def on_enter(self) -> None:
        self.nav.new_applicant()

    def on_escape(self) -> bool:
        self.nav.home()
        return True
