"""At 核对并确认 of a G14 the clerk may let the person pay at the bank: Tab from 确认办结 to
「银行缴费（打印缴费通知单）」, Enter — no case, no 缴费收据, no 票据号码; the notice is issued
with the station's reference and opened for printing, and the screen says where it stands."""

from __future__ import annotations

import customtkinter as ctk

from schema.protocol import notice_subject_id
from station_client.ui.notice_finish import NoticeFinishScreen
from station_client.ui.person import PersonScreen
from tests.station.ui.test_finish_screen import _confirm_g14


def _press(ui, keysym: str) -> None:
    widget = ui.app.focus_get()
    assert widget is not None, "nothing has the keyboard"
    widget.event_generate(f"<KeyPress-{keysym}>")
    ui.app.update()


def _texts(widget) -> list[str]:
    out = []
    for child in widget.winfo_children():
        if isinstance(child, ctk.CTkLabel):
            out.append(str(child.cget("text")))
        out += _texts(child)
    return out


def test_the_clerk_chooses_bank_payment_with_the_keyboard_and_a_notice_is_printed(ui, ui_home):
    confirm = _confirm_g14(ui)
    assert ui.app.focus_get() is confirm.confirm_button  # Enter alone still takes the cash
    _press(ui, "Tab")
    assert ui.app.focus_get() is confirm.bank_button
    assert confirm.bank_button.cget("text") == "银行缴费（打印缴费通知单）"
    _press(ui, "Return")

    done = ui.wait_screen(NoticeFinishScreen)
    ui.pump(lambda: len(done.files) == 1, what="the notice rendered and opened")
    assert done.files[0].name == f"{done.issued.reference}-notice.pdf"
    shown = "\n".join(_texts(done))
    assert done.issued.grouped in shown and f"{done.issued.amount:.2f} 元" in shown
    assert "未收现金" in shown and "待上报" in shown
    db = ui_home.db
    counts = [
        db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("cases", "receipts", "payment_notices")
    ]
    assert counts == [0, 0, 1]  # no case, no receipt (so no 票据号码 used), one notice
    [kind] = [k for (k,) in db.execute("SELECT kind FROM outbox WHERE case_id = ?",
                                       [str(notice_subject_id(done.issued.reference))])]  # fmt: skip
    assert kind == "payment_notice"

    _press(ui, "Return")  # 下一位申请人
    ui.wait_screen(PersonScreen)
    ui.assert_no_errors()
