"""开具缴费通知单: the desk's result when the person pays at the bank instead of in cash.

The reference is shown large (the person may copy it down), with the amount, months and
the validity; the notice is rendered off the Tk thread once the screen is drawn and opened
for printing, and can be printed again. Where it stands with the city is read from its
outbox row, as the completion screen does for a case.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from station_client.core.outbox_rules import OpState
from station_client.ui import events, theme
from station_client.ui.screen import Screen
from station_client.ui.widgets import button, label

if TYPE_CHECKING:
    from station_client.services.payment_notice import IssuedNotice
    from station_client.ui.navigation import App

PRINT_AFTER_MS = 60


def notice_upload_line(states: Sequence[OpState] | None) -> str:
    """Where the notice stands with the city, from its outbox row (None: not read yet)."""
    if states and all(s is OpState.DONE for s in states):
        return "已上报：市局已登记这张缴费通知单，银行到账后自动记入缴费记录。"
    if states and (OpState.SET_ASIDE in states or OpState.FAILED in states):
        return "市局未登记这张通知单：请收回通知单，按 F4 打开“同步问题”查看原因。"
    return "通知单已保存在本机，待上报，联网后自动上报；缴费人现在就可以到银行缴费。"


def render_notice(dek: Any, paths: Any, reference: str, db: Database) -> Path:
    """A job for the worker thread: the notice rendered and written to exports/."""
    from station_client.services import receipt_pdf
    from station_client.services.payment_notice_pdf import payment_notice_pdf

    printable = payment_notice_pdf(db, dek, reference)
    return receipt_pdf.export(paths, f"{reference}-notice", printable.pdf)


class NoticeFinishScreen(Screen):
    title = "已开具缴费通知单"
    hint = "回车：下一位申请人；Esc：返回首页"

    def __init__(self, app: App, issued: IssuedNotice, *, auto_print: bool = True) -> None:
        super().__init__(app)
        self.issued = issued
        c = self.content
        c.grid_columnconfigure(0, weight=1)
        panel = ctk.CTkFrame(c, fg_color=theme.PANEL, corner_radius=10)
        panel.grid(row=0, column=0, sticky="ew")
        label(
            panel, f"✔ 已开具缴费通知单：{issued.item_code} {issued.item_name}", bold=True, size=theme.TITLE
        ).grid(row=0, column=0, sticky="w", padx=20, pady=(16, 4))
        label(panel, "缴费参考号（银行或税务缴费时使用）", muted=True).grid(
            row=1, column=0, sticky="w", padx=20
        )
        self.reference = label(panel, issued.grouped, bold=True, size=36)
        self.reference.grid(row=2, column=0, sticky="w", padx=20)
        lines = issued.lines()[2:-1]  # amount, months, validity (the headline and reference are above)
        lines.append(
            "本次未收现金、未开缴费收据：请把通知单交给缴费人，告知到银行网点或税务渠道凭参考号缴费。"
        )
        for n, line in enumerate(lines, start=3):
            label(panel, line, wrap=1200).grid(row=n, column=0, sticky="w", padx=20, pady=2)
        self.upload = label(panel, notice_upload_line(None), wrap=1200)
        self.upload.grid(row=len(lines) + 3, column=0, sticky="w", padx=20, pady=2)
        self.print_state = label(panel, "", muted=True, size=theme.SMALL)
        self.print_state.grid(row=len(lines) + 4, column=0, sticky="w", padx=20, pady=(6, 16))
        actions = ctk.CTkFrame(c, fg_color="transparent")
        actions.grid(row=1, column=0, sticky="w", pady=(12, 0))
        self.print_button = button(actions, "重新打印通知单", self.print, kind="secondary", width=190)
        self.print_button.grid(row=0, column=0, padx=(0, 10))
        self.next_button = button(actions, "下一位申请人 (回车)", self.nav.new_applicant, width=220)
        self.next_button.grid(row=0, column=1, padx=(0, 10))
        button(actions, "返回首页 (Esc)", self.nav.home, kind="secondary", width=170).grid(row=0, column=2)
        self.files: list[Path] = []
        app.bus.listen(self, events.CASES_CHANGED, self._read_upload)
        app.bus.listen(self, events.SYNC_STATUS, self._read_upload)
        self._read_upload()
        self._auto_print = auto_print

    def on_show(self) -> None:
        if self._auto_print:
            self._auto_print = False
            self.print_state.configure(text="正在生成缴费通知单，请稍候…")
            self.update_idletasks()
            self.after(PRINT_AFTER_MS, self.print)

    def focus_first(self) -> None:
        self.next_button.focus_set()

    def _read_upload(self, _event: Any = None) -> None:
        from schema.protocol import notice_subject_id

        subject = str(notice_subject_id(self.issued.reference))

        def job(db: Database) -> list[OpState]:
            from station_client.store import outbox

            return [op.state for op in outbox.of_case(db, subject)]

        self.run(job, lambda states: self.upload.configure(text=notice_upload_line(states)))

    def print(self) -> None:
        from functools import partial

        session = self.clerk
        self.print_state.configure(text="正在生成缴费通知单，请稍候…")

        def done(file: Path) -> None:
            self.files.append(file)
            self.app.documents.open_pdf(file)
            if self.winfo_exists():
                self.print_state.configure(text=f"已打开缴费通知单供打印：{file.name}")

        self.run(partial(render_notice, session.dek, self.app.paths, self.issued.reference), done)

    def on_enter(self) -> None:
        self.nav.new_applicant()

    def on_escape(self) -> bool:
        self.nav.home()
        return True
