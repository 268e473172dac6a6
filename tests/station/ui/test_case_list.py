"""本站业务 and a case's detail: nothing clipped (a long item name ends in "…" in its cell
and is written out whole for the selected case; the reviewer's reason wraps inside its
panel), and the history names people, not accounts."""

from __future__ import annotations

import tkinter as tk
from datetime import UTC, datetime, timedelta
from tkinter import ttk

from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.records import DecisionRecord
from schema.vocabulary import Section
from station_client.core.intake_rules import ApplicantInput
from station_client.services import decisions
from station_client.services.intake import IntakeRequest, intake
from station_client.store import audit, staff
from station_client.ui.cases import CaseDetailScreen, CasesScreen
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, staff_account

G02_FORM = {"purpose": "housing", "insurance_types": ["enterprise_pension"]}  # a general item, no fee
LONG_ITEM = "C077"  # 失业保险金停发/终止（重新就业、应征入伍、享受养老待遇等）
REASON = (
    "请补正以下材料：1. 停发情形证明（劳动合同、入伍通知书等）。说明：申请人提交的劳动合同未加盖新单位公章，"
    "且合同起始日期与停发日期不一致，请申请人到新单位人事部门重新开具加盖公章的劳动合同复印件后再来补正。"
)


def _stop_benefit(home, now):
    session = home.login("clerk1", now=now)
    form = {
        "reason": "reemployed",
        "effective_date": now.date().isoformat(),
        "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    }
    request = IntakeRequest(LONG_ITEM, ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["situation_proof"])
    return intake(session, request, now=now)


def _return(home, accepted, now):
    record = DecisionRecord(
        case_id=accepted.case_id,
        case_number=accepted.case_number,
        status=CaseStatus.RETURNED,
        reason=REASON,
        decided_at=now,
        decided_by="reviewer1",
        section=Section.UNEMPLOYMENT,
        version=2,
    )
    with home.db.atomic():
        decisions.apply_decision(home.db, home.dek, record)


def _labels(area) -> list[tk.Misc]:
    out, todo = [], list(area.inner.winfo_children())
    while todo:
        widget = todo.pop()
        todo += widget.winfo_children()
        if widget.winfo_class() == "Label" and widget.cget("text"):
            out.append(widget)
    return out


def test_a_long_item_name_ends_in_an_ellipsis_and_the_selected_case_is_shown_whole(ui, ui_home):
    now = datetime.now(UTC)
    accepted = _stop_benefit(ui_home, now)
    _return(ui_home, accepted, now)
    ui.login()
    ui.app.nav.open_cases()
    cases = ui.wait_screen(CasesScreen)
    name = ui.app.reference.catalog.item(LONG_ITEM).name

    cell = cases.table.values(str(accepted.case_id))[1]
    view = cases.table.view
    font = ttk.Style(view).lookup("Treeview", "font")
    assert cell.endswith("…") and cell.startswith(f"{LONG_ITEM} 失业保险金")
    assert int(view.tk.call("font", "measure", font, cell)) <= int(view.column("item", "width"))

    ui.key(cases.query, "Down")  # into the list: the first case is selected
    full = cases.full.cget("text")
    assert f"{LONG_ITEM} {name}" in full and f"退回原因：{REASON}" in full
    assert cases.full.winfo_ismapped()


def test_every_case_number_is_shown_whole_in_the_list(ui, ui_home):
    now = datetime.now(UTC)
    session = ui_home.login("clerk1", now=now)
    general = intake(
        session,
        IntakeRequest("G02", ApplicantInput(KNOWN_NAME, KNOWN_ID), G02_FORM, ["id_or_ss_card"]),
        now=now,
    )
    complex_ = _stop_benefit(ui_home, now)
    assert "-W" in general.case_number  # 511102004-00-…-W0001: the longer kind
    ui.login()
    ui.app.nav.open_cases()
    cases = ui.wait_screen(CasesScreen)
    view = cases.table.view
    font = ttk.Style(view).lookup("Treeview", "font")

    for accepted in (general, complex_):
        cell = cases.table.values(str(accepted.case_id))[0]
        assert cell == accepted.case_number  # not "511102004-00-20261207-W00…"
        assert int(view.tk.call("font", "measure", font, cell)) <= int(view.column("number", "width")) - 12
    item = cases.table.values(str(complex_.case_id))[1]
    assert item.endswith("…")  # the item's name gives up the room, and is whole under the list


def test_the_reviewer_reason_and_the_history_wrap_inside_their_panels(ui, ui_home):
    now = datetime.now(UTC)
    accepted = _stop_benefit(ui_home, now)
    _return(ui_home, accepted, now)
    ui.login()
    ui.app.nav.open_cases()
    ui.wait_screen(CasesScreen).open_case(str(accepted.case_id))
    detail = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: detail.detail is not None, what="the case")
    ui.settle()

    assert REASON in detail.reason.cget("text")  # whole, not cut
    for area in (detail.left, detail.right):
        edge = area.canvas.winfo_rootx() + area.canvas.winfo_width()
        clipped = [w.cget("text") for w in _labels(area) if w.winfo_rootx() + w.winfo_reqwidth() > edge + 1]
        assert clipped == [], clipped


def test_the_history_names_people_not_accounts(ui, ui_home):
    now = datetime.now(UTC)
    with ui_home.db.atomic():  # the city's registry feed names the clerk
        staff.apply_account(ui_home.db, staff_account("clerk1", version=2, display_name="张丽"))
    accepted = _stop_benefit(ui_home, now)
    case_id = str(accepted.case_id)
    with ui_home.db.atomic():
        audit.append(
            ui_home.db, at=now + timedelta(seconds=1), actor="retired.clerk", action="case.hand_over",
            entity="case", entity_id=case_id, detail={},
        )  # fmt: skip
        audit.append(
            ui_home.db, at=now + timedelta(seconds=2), actor="sync", action="case.resend",
            entity="case", entity_id=case_id, detail={},
        )  # fmt: skip
    ui.login()
    ui.app.nav.open_cases()
    ui.wait_screen(CasesScreen).open_case(case_id)
    detail = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: detail.detail is not None, what="the case")

    lines = [h.text for h in detail.detail.history]
    assert lines[:3] == [
        "受理（经办：张丽）",
        "审核结果已交付申请人（经办：retired.clerk）",  # no longer in the station's staff: as recorded
        "更正后重新上报（经办：系统）",
    ]
    shown = [w.cget("text") for w in _labels(detail.right)]
    assert any(text.endswith("受理（经办：张丽）") for text in shown)
    assert not any("clerk1" in text for text in shown)
