"""补正 in the window: the reviewer's reason on top of the form, the material asked for shown
as still to hand in (not as received), a 补正 that changes nothing refused, and the case's
detail showing a decision that a sync round brought while it was open."""

from __future__ import annotations

from datetime import UTC, datetime

from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.records import DecisionRecord
from schema.vocabulary import Section
from station_client.core.intake_rules import ApplicantInput
from station_client.services import decisions
from station_client.services.intake import IntakeRequest, intake
from station_client.sync.agent import AgentStatus
from station_client.ui.cases import CaseDetailScreen, CasesScreen
from station_client.ui.form import FormScreen
from sync_server.services.review.decide import return_reason
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME

TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    "transfer_month": "2026-11",
}
NOTE = "新单位参保证明上的单位名称与统一社会信用代码不一致，请申请人到新单位人事部门重新开具加盖公章的证明后再来补正"


def _accept(home):
    session = home.login("clerk1", now=datetime.now(UTC))
    request = IntakeRequest(
        "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
    )
    return intake(session, request, now=datetime.now(UTC))


def _return(home, accepted, reason: str) -> None:
    """The city's return as a pull applies it."""
    record = DecisionRecord(
        case_id=accepted.case_id,
        case_number=accepted.case_number,
        status=CaseStatus.RETURNED,
        reason=reason,
        decided_at=datetime.now(UTC),
        decided_by="reviewer1",
        section=Section.PENSION,
        version=2,
    )
    with home.db.atomic():
        decisions.apply_decision(home.db, home.dek, record)


def _open_detail(ui, accepted) -> CaseDetailScreen:
    ui.app.nav.open_cases()
    ui.wait_screen(CasesScreen).open_case(str(accepted.case_id))
    detail = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: detail.detail is not None, what="the case")
    return detail


def _inside_window(ui, widget) -> bool:
    ui.app.update_idletasks()
    right = ui.app.winfo_rootx() + ui.app.winfo_width()
    return widget.winfo_ismapped() and widget.winfo_rootx() + widget.winfo_width() <= right


def test_the_material_asked_for_is_still_to_hand_in_and_the_reason_is_on_top(ui, ui_home):
    accepted = _accept(ui_home)  # both materials were ticked as received at intake
    reason = return_reason("C009", ["new_employer_proof"], NOTE)
    _return(ui_home, accepted, reason)
    ui.login()
    detail = _open_detail(ui, accepted)
    detail.supplement()
    form = ui.wait_screen(FormScreen)

    # The reviewer's words, whole, above the form, wrapped inside the window.
    assert form.return_reason.cget("text").startswith(f"退回原因：{reason}")
    assert "要求补交：新单位参保证明或录用通知" in form.return_reason.cget("text")
    assert _inside_window(ui, form.return_reason)
    assert form.return_reason.winfo_rooty() < form.left.winfo_rooty()

    # Asked for again: not received, not greyed, ready to tick; what was not asked for stays received.
    asked, kept = form.side.boxes["new_employer_proof"], form.side.boxes["id_card"]
    assert not form.side.vars["new_employer_proof"].get() and asked.cget("state") == "normal"
    assert form.side.notes["new_employer_proof"].cget("text").startswith("还缺")
    assert form.side.vars["id_card"].get() and kept.cget("state") == "disabled"

    ui.enter(form.rows["transfer_month"].entry)  # sent back as it was: the proof is missing
    assert isinstance(ui.screen, FormScreen) and "还缺 1 项材料：新单位参保证明或录用通知" in ui.banner

    ui.key(asked, "space")  # the applicant brought the new proof
    assert form.side.vars["new_employer_proof"].get()
    ui.enter(form.rows["transfer_month"].entry)
    back = ui.wait_screen(CaseDetailScreen)
    assert "补正已保存" in ui.banner
    ui.pump(lambda: back.detail is not None and back.detail.summary.status == "supplemented")


def test_a_supplement_that_changes_nothing_is_refused(ui, ui_home):
    accepted = _accept(ui_home)
    _return(ui_home, accepted, "请核对新单位统一社会信用代码")  # names no material
    ui.login()
    _open_detail(ui, accepted).supplement()
    form = ui.wait_screen(FormScreen)
    form.note_box.insert("1.0", "已核对")  # a note alone changes nothing the reviewer can check
    ui.enter(form.rows["transfer_month"].entry)
    ui.settle()
    assert isinstance(ui.screen, FormScreen)
    assert "补正内容与退回前完全相同，未保存" in ui.banner
    status = ui_home.db.execute("SELECT status FROM cases WHERE case_id = ?", [str(accepted.case_id)])
    assert status.fetchone()[0] == "returned"
    assert ui_home.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1


def test_a_return_pulled_while_the_case_is_open_shows_without_reopening_it(ui, ui_home):
    accepted = _accept(ui_home)
    ui.login()
    detail = _open_detail(ui, accepted)
    assert detail.detail.decision is None and not detail.detail.can_supplement

    _return(ui_home, accepted, return_reason("C009", ["new_employer_proof"], NOTE))  # the pull
    ui.app._agent_status(AgentStatus(store=None, running=False, online=True))  # the round ends

    ui.pump(lambda: detail.detail.decision is not None, what="the return in the open detail")
    assert isinstance(ui.screen, CaseDetailScreen) and detail.detail.can_supplement
    assert "【退回补正】" in detail.head.cget("text")
    assert NOTE in detail.reason.cget("text")
