"""From 确认 to 办理完成, and locking the desk, as the clerk sees it.

* Enter on 核对并确认 says at once that the case is being saved (the button off, 正在保存…)
  while the worker saves it; the window is never blank in between.
* The receipts are rendered only once the completion screen is drawn.
* The completion screen says where the case stands with the city, from its outbox rows:
  待上报 until a sync round gets it through, then 已上报.
* F12 is a deliberate lock and says so; the idle lock says 长时间未操作.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import customtkinter as ctk

from schema.vocabulary import ApplicantKind
from station_client.core.outbox_rules import OpState
from station_client.store import outbox
from station_client.sync.agent import AgentStatus
from station_client.sync.status import read_status
from station_client.ui.finish import ConfirmScreen, FinishScreen
from station_client.ui.form import FormScreen
from station_client.ui.items import ItemsScreen
from station_client.ui.login import LockScreen
from station_client.ui.person import PersonScreen
from station_client.ui.viewmodels.desk import Applicant
from tests.support.dates import month_of_this_year
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME
from tests.support.uidriver import Driver


def _confirm_g14(ui) -> ConfirmScreen:
    ui.login()
    ui.app.desk.applicant = Applicant(ApplicantKind.PERSON, KNOWN_NAME, id_number=KNOWN_ID, verified=True)
    ui.app.nav.open_items()
    ui.wait_screen(ItemsScreen).pick("G14")
    form = ui.wait_screen(FormScreen)
    ui.type_into(form.rows["base"].entry, "5000")
    ui.type_into(form.rows["period_start"].entry, month_of_this_year(1))
    ui.type_into(form.rows["period_end"].entry, month_of_this_year(3))
    form.side.boxes["id_card"].toggle()
    ui.enter(form.rows["period_end"].entry)
    return ui.wait_screen(ConfirmScreen)


def _texts(widget) -> list[str]:
    out = []
    for child in widget.winfo_children():
        if isinstance(child, ctk.CTkLabel):
            out.append(str(child.cget("text")))
        out += _texts(child)
    return out


def test_saving_is_shown_at_once_and_the_completion_screen_is_drawn_before_the_receipts(ui):
    confirm = _confirm_g14(ui)
    hold = threading.Event()
    ui.app.runner.submit(lambda _db: hold.wait(30))  # the worker is busy: the save waits behind it
    printing_on: list[object] = []
    print_receipts = ui.app.documents.print_receipts

    def spy(numbers, done=None):
        top = ui.app.top
        printing_on.append(type(top).__name__ if top is not None and top.winfo_viewable() else None)
        print_receipts(numbers, done)

    ui.app.documents.print_receipts = spy
    ui.enter(confirm.confirm_button)
    assert ui.screen is confirm  # not saved yet …
    assert "正在保存" in confirm.progress.cget("text") and confirm.progress.winfo_ismapped()
    assert confirm.confirm_button.cget("state") == "disabled"
    assert confirm.confirm_button.cget("text") == "正在保存…"
    ui.escape()  # no going back while saving
    assert ui.screen is confirm

    hold.set()
    finish = ui.wait_screen(FinishScreen)
    ui.pump(lambda: len(finish.files) == 2, what="the slip and the payment receipt")
    assert printing_on == ["FinishScreen"]  # the receipts started once the finish screen was on show


def test_the_completion_screen_says_pending_then_uploaded_when_the_sync_goes_through(ui, ui_home):
    confirm = _confirm_g14(ui)
    ui.enter(confirm.confirm_button)
    finish = ui.wait_screen(FinishScreen)
    ui.settle()
    shown = "\n".join(_texts(finish))
    assert "待上报，联网后自动上报" in shown and "已上报" not in shown

    # A sync round gets the case through: its outbox row is acknowledged, the agent reports.
    [op] = outbox.of_case(ui_home.db, str(finish.result.case_id))
    outbox.set_states(ui_home.db, {op.local_id: OpState.DONE})
    ui_home.db.conn.commit()
    ui.app._agent_status(AgentStatus(store=read_status(ui_home.db), running=False, online=True))
    ui.pump(lambda: "已上报" in finish.upload.cget("text"), what="已上报")
    shown = "\n".join(_texts(finish))
    assert "联网后自动上报" not in shown


def test_f12_says_the_desk_is_locked_on_purpose_and_the_idle_lock_says_why(ui_home):
    clock = [datetime.now(UTC)]
    driver = Driver.start(ui_home.paths.home, start_sync=False, clock=lambda: clock[0])
    try:
        driver.login()
        driver.app.nav.new_applicant()
        person = driver.wait_screen(PersonScreen)
        driver.key(person.query, "F12")
        lock = driver.wait_screen(LockScreen)
        texts = _texts(lock)
        assert any("已锁定，请输入密码解锁" in t for t in texts)
        assert not any("长时间未操作" in t for t in texts)
        driver.type_into(lock.password, "Zhang-Desk-2026")
        driver.enter(lock.password)
        driver.wait_screen(PersonScreen)

        clock[0] += timedelta(minutes=11)
        driver.app._check_idle()
        lock = driver.wait_screen(LockScreen)
        assert any("长时间未操作" in t for t in _texts(lock))
    finally:
        driver.close()
    driver.assert_no_errors()
