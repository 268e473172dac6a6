"""The item's form: fields generated from the catalog, checked inline as the clerk leaves
each one, the materials checklist with scans, the fee; Enter checks it all and goes on
to the confirmation (or, for a supplement or a correction, saves it).

Modes: ``intake`` (a new case), ``supplement`` (补正 of a returned case: the case's
values filled in, earlier materials kept), ``resend`` (a case the server set aside:
its values and the server's reasons filled in, sent again under a new operation id).
"""

from __future__ import annotations

import contextlib
import tkinter as tk
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from tkinter import filedialog
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from schema.catalog import FieldType
from schema.vocabulary import Tier
from station_client.core.intake_rules import IntakeRefused
from station_client.ui import theme
from station_client.ui.form_fields import FieldRow, make_row
from station_client.ui.form_side import SidePanel, load_scan
from station_client.ui.screen import Screen
from station_client.ui.viewmodels.cases import return_words
from station_client.ui.viewmodels.desk import INTAKE, RESEND, SUPPLEMENT
from station_client.ui.viewmodels.form import FormModel, ScanDraft
from station_client.ui.widgets import ScrollFrame, button, label

if TYPE_CHECKING:
    from station_client.services.case_detail import CaseDetail
    from station_client.services.set_aside import OpView
    from station_client.ui.navigation import App

FILETYPES = [
    ("扫描件（JPG、PNG、PDF）", "*.jpg *.jpeg *.png *.pdf *.JPG *.JPEG *.PNG *.PDF"),
    ("所有文件", "*.*"),
]


def _load(path: Path, material_code: str, _db: Database) -> ScanDraft:
    return load_scan(path, material_code)


class FormScreen(Screen):
    hint = "Tab 下一项，回车检查并确认，Esc 返回"

    def __init__(
        self,
        app: App,
        item_code: str,
        *,
        mode: str = INTAKE,
        case: CaseDetail | None = None,
        op: OpView | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(app)
        reference = app.reference
        assert reference is not None, "the router opens a form once the catalog is loaded"
        self.item = reference.catalog.item(item_code)
        self.mode, self.case, self.op = mode, case, op
        provided: Sequence[str] = case.materials_provided if case is not None else ()
        asked = case.supplement_request if case is not None and mode == SUPPLEMENT else None
        if asked is not None:  # what the reviewer asked for again is not received yet: 还缺, to tick or scan
            provided = asked.kept
        self.model = FormModel(
            self.item,
            reference,
            app.desk.applicant,
            app.today(),
            mode=mode,
            initial=initial if initial is not None else (case.form_values if case is not None else None),
            provided=provided,
            server_problems=op.problems if op is not None else (),
        )
        c = self.content
        c.grid_columnconfigure(0, weight=1)
        c.grid_columnconfigure(1, weight=0, minsize=480)
        c.grid_rowconfigure(1, weight=1)
        tier = (
            "一般业务 · 当场办结"
            if self.item.tier is Tier.GENERAL
            else f"复杂业务 · 承诺时限 {self.item.time_limit.label}"
        )
        prefix = {INTAKE: "", SUPPLEMENT: "补正：", RESEND: "更正后重新上报："}[mode]
        self.set_title(f"{prefix}{self.item.code} {self.item.name}")
        who = app.desk.applicant.line if app.desk.applicant else ""
        top = ctk.CTkFrame(c, fg_color="transparent")  # a 补正 shows the return's reason under this line
        top.grid(row=0, column=0, sticky="ew", padx=(0, 8))
        top.grid_columnconfigure(0, weight=1)
        label(top, f"{tier}　　申请人：{who}", muted=True).grid(row=0, column=0, sticky="w")
        self.return_reason: ctk.CTkLabel | None = None
        if asked is not None:
            self.return_reason = label(top, return_words(asked), wrap=820, bold=True)
            self.return_reason.configure(fg_color=theme.WARNING_BG, text_color=theme.WARNING, corner_radius=6)
            self.return_reason.grid(row=1, column=0, sticky="ew", pady=(4, 0))
        self.left = ScrollFrame(c, fg_color=theme.PANEL, corner_radius=0)
        self.left.grid(row=1, column=0, sticky="nsew", pady=(6, 0), padx=(0, 8))
        self.rows: dict[str, FieldRow] = {}
        for n, f in enumerate(self.model.fields):  # derived fields are the rules' to fill
            row = make_row(self.left.inner, f, self._changed, self._left)
            row.grid(row=n, column=0, sticky="ew", padx=6, pady=4)
            self.rows[f.name] = row
        self.left.inner.grid_columnconfigure(0, weight=1)
        self.note_box: ctk.CTkTextbox | None = None
        if mode == SUPPLEMENT:
            label(self.left.inner, "补正说明（写明补了什么）", bold=True).grid(
                row=len(self.rows), column=0, sticky="w", padx=16, pady=(8, 0)
            )
            self.note_box = ctk.CTkTextbox(
                self.left.inner,
                height=70,
                width=560,
                border_width=1,
                border_color=theme.BORDER,
                font=theme.font(),
            )
            self.note_box.grid(row=len(self.rows) + 1, column=0, sticky="w", padx=16, pady=(0, 8))
            inner = self.note_box._textbox  # the tk.Text: Tab leaves the box on to the materials
            inner.bind("<Tab>", lambda e: (e.widget.tk_focusNext().focus_set(), "break")[1])
            inner.bind("<Shift-Tab>", lambda e: (e.widget.tk_focusPrev().focus_set(), "break")[1])
        self.side = SidePanel(c, self, self.model)  # from the top: the checklist needs the height
        self.side.grid(row=0, column=1, rowspan=2, sticky="nsew")
        self.right_scroll = self.side.list  # only the checklist scrolls: the fee stays in view
        bottom = ctk.CTkFrame(c, fg_color="transparent")
        bottom.grid(row=2, column=0, columnspan=2, sticky="ew", pady=(8, 0))
        bottom.grid_columnconfigure(0, weight=1)
        self.status = label(bottom, "", muted=True, size=theme.SMALL)
        self.status.grid(row=0, column=0, sticky="w")
        button(bottom, "返回 (Esc)", self.go_back, kind="secondary", width=140).grid(row=0, column=1, padx=8)
        submit = {INTAKE: "检查并确认 (回车)", SUPPLEMENT: "保存补正 (回车)", RESEND: "重新上报 (回车)"}[mode]
        self.submit_button = button(bottom, submit, self.on_enter, width=220)
        self.submit_button.grid(row=0, column=2)
        self._escape_armed = False
        self._pending: str | None = None
        self._busy = False
        self._summary = ""  # the problems banner as last shown: kept up to date until it is replaced
        self._fill_initial()
        self.baseline = (self.model.filled(), set(self.model.provided))
        self.refresh()

    def _fill_initial(self) -> None:
        for name, row in self.rows.items():
            value = self.model.raw.get(name)
            if (
                value is None
                and row.f.default is not None
                and row.f.type in (FieldType.BOOLEAN, FieldType.CHOICE)
            ):
                value = row.f.default
                self.model.raw[name] = value
            if value is not None:
                row.set_value(value)

    # ── validation as the clerk goes ────────────────────────────────────────────────

    def _changed(self, name: str) -> None:
        self.model.set_raw(name, self.rows[name].value())
        self._escape_armed = False
        if self._pending is None:
            self._pending = self.after(120, self.refresh)

    def _left(self, name: str) -> None:
        self.model.set_raw(name, self.rows[name].value())
        self.model.touch(name)
        self.refresh()

    def refresh(self) -> Any:
        if self._pending is not None:
            with contextlib.suppress(tk.TclError, ValueError):
                self.after_cancel(self._pending)
            self._pending = None
        verdict = self.model.verdict()
        for name, row in self.rows.items():
            row.show(self.model.message(name, verdict))
            row.mark_required(self.model.required_now(row.f, verdict.values))
        self.side.refresh(verdict)
        if self._summary and self.banner.text == self._summary:  # say what is left, nothing once complete
            self._summary = verdict.summary(self.item)
            if self._summary:
                self.banner.show(self._summary, "error")
            else:
                self.banner.clear()
        errors = sum(1 for n in self.rows if self.model.message(n, verdict) and n in verdict.errors)
        self.status.configure(text=f"已检查的项目中有 {errors} 处需要更正" if errors else "")
        return verdict

    def focus_first(self) -> None:
        first = next(iter(self.rows.values()), None)
        if first is not None:
            first.focus_input()

    def focus_moved(self, widget: tk.Misc) -> None:
        if self.right_scroll.contains(widget):
            self.side.see(widget)  # its material whole, scrolled no further than that
            return
        if self.left.contains(widget):
            row: tk.Misc | None = widget
            while row is not None and not isinstance(row, FieldRow) and row is not self.left.inner:
                row = row.master
            self.left.see(row if isinstance(row, FieldRow) else widget)  # the whole row: its message too

    def field_message(self, name: str) -> str:
        return self.rows[name].message

    # ── materials and scans ─────────────────────────────────────────────────────────

    def material_toggled(self, code: str, provided: bool) -> None:
        if provided:
            self.model.provided.add(code)
        else:
            self.model.provided.discard(code)
        self.refresh()

    def attach(self, material_code: str) -> None:
        names = filedialog.askopenfilenames(parent=self, title="选择扫描件", filetypes=FILETYPES)
        if names:
            self.attach_files(material_code, [Path(n) for n in names])

    def attach_files(self, material_code: str, paths: Sequence[Path]) -> None:
        """Read, check and show scans for a material (reading and thumbnails off the Tk thread)."""
        for path in paths:
            self.run(partial(_load, path, material_code), self._scan_ready, self._scan_failed)

    def _scan_ready(self, draft: ScanDraft) -> None:
        problem = self.model.add_scan(draft)
        if problem:
            self.banner.show(problem, "warning")
        else:
            self.banner.show(f"已添加扫描件：{draft.filename}（{draft.size_text}）", "success")
        self.side.show_scans()
        self.refresh()

    def _scan_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValueError):
            self.banner.show(str(exc), "error")
        else:
            self.show_error(exc)

    def remove_scan(self, key: str) -> None:
        self.model.remove_scan(key)
        self.side.show_scans()
        self.refresh()

    def print_notice(self) -> None:
        verdict = self.model.verdict()
        text = self.model.notice(verdict)
        paths, clock = self.app.paths, self.app.clock
        who = self.app.desk.applicant
        clerk = self.app.session.display_name if self.app.session is not None else ""

        def job(db: Database) -> Path:  # the applicant, the clerk, the station and its contact
            from station_client.services import receipt_pdf
            from station_client.services.receipt_pdf import local_time

            pdf = receipt_pdf.notice_pdf(
                db,
                text,
                issued=local_time(clock().isoformat()),
                applicant_name=who.name if who else "",
                applicant_id=(who.id_number or who.uscc or "") if who else "",
                clerk=clerk,
            )
            return receipt_pdf.export(paths, f"一次性告知单-{self.item.code}-{clock():%Y%m%d%H%M%S}", pdf)

        def done(path: Path) -> None:
            self.banner.show("一次性告知单已生成，请打印后交给申请人。", "info")
            self.app.documents.open_pdf(path)

        self.run(job, done)

    # ── going on ────────────────────────────────────────────────────────────────────

    def _show_problems(self, messages: dict[str, str], summary: str) -> None:
        for name, row in self.rows.items():
            if name in messages:
                row.show((messages[name], "error"))
        self.banner.show(summary, "error")
        first = next((n for n in self.rows if n in messages), None)
        if first is not None:
            self.rows[first].focus_input()

    def on_enter(self) -> None:
        if self._busy:
            return
        for name, row in self.rows.items():
            self.model.set_raw(name, row.value())
        self.model.touch_all()
        verdict = self.refresh()
        if not verdict.ok:
            self._summary = verdict.summary(self.item)
            self._show_problems(verdict.errors, self._summary)
            return
        if self.mode == INTAKE:
            self._confirm()
        else:
            self._save()

    def _confirm(self) -> None:
        try:
            checked = self.model.final_check()
        except IntakeRefused as exc:
            self.refused(exc)
            return
        self.banner.clear()
        self.nav.open_confirm(self.model, checked, self.refused)

    def refused(self, exc: IntakeRefused) -> None:
        messages = self.model.absorb(exc)
        self._show_problems(messages, exc.message)
        self.refresh()

    def _save(self) -> None:
        session, clock, model, mode = self.clerk, self.app.clock, self.model, self.mode
        note = self.note_box.get("1.0", "end").strip() if self.note_box is not None else None
        case_id = self.case.summary.case_id if self.case is not None else None
        local_id = self.op.local_id if self.op is not None else None

        def job(_db: Database) -> Any:
            scans = [s.scan() for s in model.scans]
            if mode == SUPPLEMENT:
                from uuid import UUID

                from station_client.services.supplement import supplement

                return supplement(
                    session,
                    UUID(case_id),
                    form_changes=model.changes(),
                    materials_provided=model.new_materials(),
                    scans=scans,
                    note=note or "",
                    now=clock(),
                )
            from station_client.services.resend import resend

            assert local_id is not None
            return resend(
                session,
                int(local_id),
                form_changes=model.changes(),
                materials_provided=model.new_materials(),
                scans=scans,
                now=clock(),
            )

        def done(result: Any) -> None:
            self._busy = False
            self.app.cases_changed()
            message = (
                f"补正已保存（{result.case_number}），将在联网后上报。"
                if mode == SUPPLEMENT
                else self._resend_message(result)
            )
            self.nav.back()  # the case's detail or 同步问题, shown (and read) again
            self.nav.tell(message, "success")
            if mode == RESEND and getattr(result, "receipt_number", None):
                self.app.documents.print_receipts([result.receipt_number])

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.submit_button.configure(state="normal")
            if isinstance(exc, IntakeRefused):
                self.refused(exc)
            else:
                self.show_error(exc)

        self._busy = True
        self.submit_button.configure(state="disabled")
        self.run(job, done, failed)

    @staticmethod
    def _resend_message(result: Any) -> str:
        text = f"已更正并重新排队上报（{result.case_number}）。"
        if result.fee_changed and result.new_collected is not None:
            text += f"按最新费率重新核算，应缴金额由 {result.old_collected} 元变为 {result.new_collected} 元：请与申请人结清差额，并打印新的缴费收据 {result.receipt_number}。"
        return text

    def go_back(self) -> None:
        self._escape_armed = False
        self.nav.back()

    def on_escape(self) -> bool:
        dirty = (self.model.filled(), self.model.provided) != self.baseline or bool(self.model.scans)
        if dirty and not self._escape_armed:
            self._escape_armed = True
            self.banner.show("表单已填写的内容尚未保存：再按一次 Esc 放弃并返回，或继续填写。", "warning")
            return True
        return False
