"""作废缴费收据 in the window: from a case's detail, the clerk writes why, a SECOND staff member
types their own username and password, Enter voids it; the same payment gets a new receipt
with the next number, printed at once, and the detail shows the old one 已作废."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from station_client.core.intake_rules import ApplicantInput
from station_client.services.intake import IntakeRequest, intake
from station_client.store import receipts
from station_client.ui.cases import CaseDetailScreen, CasesScreen
from station_client.ui.receipt_void import VoidReceiptScreen
from tests.station.ui.test_screens import _fits
from tests.support.dates import first_months_of_this_year
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, PASSWORDS


def _paid(home):
    session = home.login("clerk1", now=datetime.now(UTC))
    start, end = first_months_of_this_year(3)
    form = {"base": "5000", "period_start": start, "period_end": end, "include_medical": True}
    return intake(session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card"]))


def _buttons(detail: CaseDetailScreen) -> dict[str, Any]:
    return {str(b.cget("text")): b for b in detail.actions.winfo_children()}


def _open_detail(ui, case_id: str) -> CaseDetailScreen:
    ui.app.nav.open_cases()
    ui.wait_screen(CasesScreen).open_case(case_id)
    detail = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: detail.detail is not None, what="the case")
    ui.settle()
    return detail


def test_a_receipt_is_voided_with_a_second_clerks_password_and_reissued(ui, ui_home):
    paid = _paid(ui_home)
    ui.login()
    detail = _open_detail(ui, str(paid.case_id))
    ui.key(_buttons(detail)["作废收据…"], "space")
    screen = ui.wait_screen(VoidReceiptScreen)
    ui.pump(lambda: "51110026-00000001" in screen.what.cget("text"), what="the receipt")
    assert ui.app.focus_get() is ui.inner(screen.reason)  # the keyboard starts at the reason
    assert _fits(ui.app) == []  # on a 1366×768 screen
    ui.type_into(screen.reason, "卡纸，收据撕坏")
    ui.type_into(screen.witness, "clerk1")  # the clerk logged in cannot witness their own void
    ui.type_into(screen.password, PASSWORDS["clerk1"])
    ui.enter(screen.password)
    ui.pump(lambda: "复核人不能是" in ui.banner, what="the refusal")
    assert screen.password.get() == "" and ui.app.focus_get() is ui.inner(screen.witness)
    ui.type_into(screen.witness, "clerk2")
    ui.type_into(screen.password, PASSWORDS["clerk2"])
    ui.enter(screen.password)
    back = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: ui.opened, what="the new receipt opened for printing")
    assert "已作废" in ui.banner and "51110026-00000002" in ui.banner
    assert receipts.voided_numbers(ui_home.db, [paid.receipt_number or ""]) == {paid.receipt_number}
    ui.pump(lambda: back.detail is not None and len(back.detail.stock_receipts) == 2, what="the detail again")
    ui.settle()
    lines = [r.line for r in back.detail.stock_receipts]
    assert "已作废（卡纸，收据撕坏；复核人 柜员clerk2；已换开 51110026-00000002）" in lines[0]
    assert list(_buttons(back)).count("作废收据…") == 1  # only the new receipt can still be voided


def test_escape_leaves_without_voiding(ui, ui_home):
    paid = _paid(ui_home)
    ui.login()
    detail = _open_detail(ui, str(paid.case_id))
    ui.key(_buttons(detail)["作废收据…"], "space")
    screen = ui.wait_screen(VoidReceiptScreen)
    ui.type_into(screen.reason, "打印错误")
    ui.escape(screen.reason)
    ui.wait_screen(CaseDetailScreen)
    assert receipts.voided_numbers(ui_home.db, [paid.receipt_number or ""]) == set()
