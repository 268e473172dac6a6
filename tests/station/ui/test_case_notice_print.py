"""A case's 补正告知书 and 办结通知书 in the window: the case detail offers the one its decision
calls for, and pressing it (Space, as a clerk on the keyboard) opens a one-page PDF."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from typing import Any

from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.records import DecisionRecord
from schema.vocabulary import Section
from station_client.core.intake_rules import ApplicantInput
from station_client.services import decisions
from station_client.services.intake import IntakeRequest, intake
from station_client.ui.cases import CaseDetailScreen, CasesScreen
from sync_server.services.review.decide import return_reason
from tests.station.test_receipt_pdf import needs_poppler
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME

TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    "transfer_month": "2026-11",
}


def _accept_and_decide(home, status: CaseStatus, reason: str = ""):
    session = home.login("clerk1", now=datetime.now(UTC))
    request = IntakeRequest(
        "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
    )
    accepted = intake(session, request, now=datetime.now(UTC))
    record = DecisionRecord(
        case_id=accepted.case_id,
        case_number=accepted.case_number,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        decided_at=datetime.now(UTC),
        decided_by="reviewer1",
        section=Section.PENSION,
        version=2,
    )
    with home.db.atomic():
        decisions.apply_decision(home.db, home.dek, record)
    return accepted


def _buttons(detail: CaseDetailScreen) -> dict[str, Any]:
    return {str(b.cget("text")): b for b in detail.actions.winfo_children()}


def _open_detail(ui, accepted) -> CaseDetailScreen:
    ui.app.nav.open_cases()
    ui.wait_screen(CasesScreen).open_case(str(accepted.case_id))
    detail = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: detail.detail is not None, what="the case")
    ui.settle()
    return detail


@needs_poppler
def test_a_returned_case_prints_its_supplement_notice(ui, ui_home):
    accepted = _accept_and_decide(
        ui_home, CaseStatus.RETURNED, return_reason("C009", ["new_employer_proof"], "")
    )
    ui.login()
    detail = _open_detail(ui, accepted)
    buttons = _buttons(detail)
    assert "打印补正告知书" in buttons and "打印办结通知书" not in buttons
    ui.key(buttons["打印补正告知书"], "space")
    ui.pump(lambda: ui.opened, what="the notice opened for printing")
    (path,) = ui.opened
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "社会保险业务补正告知书" in flat and accepted.case_number in flat
    assert "新单位参保证明或录用通知" in flat and "（未登记电话）" in flat
    assert path.parent == ui_home.paths.exports


def test_an_approved_case_offers_its_decision_notice(ui, ui_home):
    accepted = _accept_and_decide(ui_home, CaseStatus.APPROVED)
    ui.login()
    detail = _open_detail(ui, accepted)
    buttons = _buttons(detail)
    assert "打印办结通知书" in buttons and "打印补正告知书" not in buttons
