"""作废缴费收据: void a payment receipt, with a reason and a second staff member's password.

Opened from a case's detail (作废收据…). The clerk writes why; ANOTHER staff member of the
station (not the clerk logged in) types their own username and password at the desk,
checked offline as at login (``services.receipt_stock.void_receipt``). By default the same
payment gets a new receipt at once, with the next number of the stock, printed on the
spot; untick it when the money was handed back. Enter voids, Esc goes back without voiding.
"""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from station_client.ui.screen import Screen, entry
from station_client.ui.widgets import button, checkbox, label

if TYPE_CHECKING:
    from station_client.services.receipt_stock import VoidResult
    from station_client.ui.navigation import App

INTRO = (
    "作废后该票据号码不再有效，也不会再用；作废须写明原因，并由另一名本站工作人员输入其用户名和密码复核。"
    "收据打印错误、卡纸时请勾选“换开新收据”，款项已退还缴费人时请取消勾选。"
)


class VoidReceiptScreen(Screen):
    title = "作废缴费收据"
    hint = "填写后回车作废；Esc 返回（不作废）"

    def __init__(self, app: App, case_id: str, number: str) -> None:
        super().__init__(app)
        self.case_id, self.number = case_id, number
        c = self.content
        c.grid_columnconfigure(1, weight=1)
        label(c, INTRO, wrap=1250).grid(row=0, column=0, columnspan=2, sticky="w")
        self.what = label(c, "正在读取收据…", bold=True, wrap=1250)
        self.what.grid(row=1, column=0, columnspan=2, sticky="w", pady=(10, 6))
        self.reason = self._field(2, "作废原因", width=700, placeholder="如：打印错误、卡纸、金额有误已退款")
        self.witness = self._field(3, "复核人用户名", width=300, placeholder="另一名工作人员的用户名")
        self.password = self._field(4, "复核人密码", width=300, show="•")
        self.reissue = tk.BooleanVar(value=True)
        self.reissue_box = checkbox(
            c, "作废后为同一笔缴费换开新收据（取号段中的下一个号码，并立即打印）", self.reissue
        )
        self.reissue_box.grid(row=5, column=1, sticky="w", pady=(8, 0))
        bar = ctk.CTkFrame(c, fg_color="transparent")
        bar.grid(row=6, column=1, sticky="w", pady=(14, 0))
        self.confirm = button(bar, "确认作废 (回车)", self.on_enter, kind="danger", width=200)
        self.confirm.grid(row=0, column=0, padx=(0, 8))
        button(bar, "返回 (Esc)", self.nav.back, kind="secondary", width=130).grid(row=0, column=1)
        self.saving = False
        self.done: VoidResult | None = None

    def _field(
        self, row: int, name: str, *, width: int, placeholder: str = "", show: str = ""
    ) -> ctk.CTkEntry:
        label(self.content, name, muted=True).grid(row=row, column=0, sticky="e", padx=(0, 12), pady=4)
        box = entry(self.content, width=width, placeholder=placeholder, show=show)
        box.grid(row=row, column=1, sticky="w", pady=4)
        return box

    def focus_first(self) -> None:
        self.reason.focus_set()

    def on_show(self) -> None:
        number, dek = self.number, self.clerk.dek

        def job(db: Database) -> str:
            from station_client.store import receipts

            row = receipts.row(db, number)
            doc = receipts.get(db, dek, number) or {}
            stock = row.stock.text if row is not None and row.stock is not None else "—"
            amount = (doc.get("fee") or {}).get("collected", "—")
            return (
                f"票据号码 {stock}　收据号 {number}　金额 {amount} 元　"
                f"缴费人 {doc.get('applicant_name', '')}　{doc.get('item_code', '')} {doc.get('item_name', '')}"
            )

        self.run(job, lambda text: self.what.configure(text=text))
        self.reason.focus_set()

    def on_enter(self) -> None:
        if self.saving or self.done is not None:
            return
        reason, witness, password = self.reason.get(), self.witness.get(), self.password.get()
        session, clock, number, reissue = self.clerk, self.app.clock, self.number, self.reissue.get()
        self.saving = True
        self.confirm.configure(state="disabled", text="正在作废…")

        def job(_db: Database) -> Any:
            from station_client.services.receipt_stock import void_receipt

            return void_receipt(
                session, number, reason=reason, witness=witness, witness_password=password, reissue=reissue,
                now=clock(),
            )  # fmt: skip

        self.run(job, self._voided, self._refused)

    def _voided(self, result: VoidResult) -> None:
        self.done = result
        self.app.cases_changed()
        text = f"收据（票据号码 {result.stock}）已作废，复核已记录，联网后上报市局。"
        if result.replaced_by is not None:
            self.app.documents.print_receipts([result.replaced_by])
            text += f"已换开新收据（票据号码 {result.new_stock}），正在打开打印。"
        self.nav.back()
        self.nav.tell(text)

    def _refused(self, exc: BaseException) -> None:
        self.saving = False
        self.confirm.configure(state="normal", text="确认作废 (回车)")
        self.show_error(exc)
        self.password.delete(0, "end")  # a wrong password is typed again, never left in the field
        code = getattr(exc, "code", "")
        target = self.reason if code.startswith("receipt_void_reason") else self.witness
        if code in ("login_wrong_password", "login_locked"):
            target = self.password
        target.focus_set()
