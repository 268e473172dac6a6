"""The workbench's figures, the case list and detail, set-aside operations and resending them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from schema.catalog import load_catalog
from schema.identifiers import make_uscc
from station_client.core.intake_rules import ApplicantInput, IntakeRefused
from station_client.services import case_detail, caselist, desk, resend, set_aside
from station_client.services.caselist import CaseFilter
from station_client.services.errors import ServiceError
from station_client.services.intake import IntakeRequest, intake
from station_client.store import audit
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, YOUNG_ID, YOUNG_NAME

FLEXIBLE = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True}
TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    "transfer_month": "2026-11",
}
CATALOG = load_catalog()


def _take(
    session,
    code="C009",
    form=TRANSFER,
    materials=("id_card", "new_employer_proof"),
    who=(KNOWN_NAME, KNOWN_ID),
):
    return intake(session, IntakeRequest(code, ApplicantInput(*who), form, materials), now=NOW)


def _refuse(
    db, case_id, code="op_validation_failed", message="该业务未通过服务器校验：变更类别不对", problems=()
):
    """What the sync agent writes when the server rejects the case's oldest operation."""
    local_id = db.execute("SELECT min(local_id) FROM outbox WHERE case_id = ?", [case_id]).fetchone()[0]
    result = {"detail": {"problems": list(problems)}}
    db.execute(
        "UPDATE outbox SET state = 'set_aside', seq = ?, last_error_code = ?, last_error_message = ?, result = ?, "
        "acked_at = ? WHERE local_id = ?",
        [local_id, code, message, json.dumps(result), NOW.isoformat(), local_id],
    )
    db.execute("UPDATE cases SET set_aside = 1 WHERE case_id = ?", [case_id])
    return int(local_id)


def test_today_counts_tell_accepted_completed_and_waiting(session):
    _take(session)
    _take(session, "G14", FLEXIBLE, ("id_card",))
    counts = desk.today_counts(session.db, NOW)
    assert (counts.accepted, counts.completed, counts.waiting_sync, counts.sent_up) == (1, 1, 2, 0)
    assert (counts.set_aside, counts.returned, counts.to_hand_over, counts.overdue) == (0, 0, 0, 0)
    assert desk.today_counts(session.db, NOW + timedelta(days=1)).accepted == 0


def test_overdue_and_decided_cases_are_counted_and_filtered(session):
    accepted = _take(session)
    later = NOW + timedelta(days=20)
    assert desk.today_counts(session.db, later).overdue == 1
    rows = caselist.list_cases(session.db, session.dek, CATALOG, filter_=CaseFilter.OVERDUE, now=later)
    assert [r.case_number for r in rows] == [accepted.case_number] and rows[0].overdue
    session.db.execute("UPDATE cases SET status = 'approved' WHERE case_id = ?", [str(accepted.case_id)])
    assert desk.today_counts(session.db, later).to_hand_over == 1
    assert caselist.list_cases(session.db, session.dek, CATALOG, filter_=CaseFilter.DECIDED, now=NOW)


def test_cases_are_found_by_number_id_item_code_and_name(session):
    first = _take(session)
    _take(session, "G14", FLEXIBLE, ("id_card",), (YOUNG_NAME, YOUNG_ID))

    def found(query):
        return [
            r.case_number for r in caselist.list_cases(session.db, session.dek, CATALOG, query=query, now=NOW)
        ]

    assert found(first.case_number) == [first.case_number]
    assert found(first.case_number[-4:]) == [first.case_number]
    assert found(KNOWN_ID) == [first.case_number]
    assert found("c9") == [first.case_number]
    assert found(KNOWN_NAME) == [first.case_number]
    assert len(found("")) == 2
    waiting = caselist.list_cases(session.db, session.dek, CATALOG, filter_=CaseFilter.WAITING_SYNC, now=NOW)
    assert len(waiting) == 2 and all(r.waiting_sync for r in waiting)


def test_a_case_detail_has_its_form_in_words_and_its_history(session):
    result = _take(session)
    detail = case_detail.case_detail(session.db, session.dek, CATALOG, str(result.case_id), now=NOW)
    assert ("变更类别", "市内单位间转移") in detail.form or any(k == "变更类别" for k, _ in detail.form)
    assert detail.history[0].text.startswith("受理")
    assert detail.receipts == [(result.case_number, "受理回执")]
    assert not detail.can_supplement and not detail.can_hand_over and detail.refused == []


def test_a_set_aside_operation_is_listed_with_the_reason_and_what_to_do(session):
    result = _take(session)
    _refuse(session.db, str(result.case_id), problems=[{"field": "transfer_kind", "message": "变更类别不对"}])
    [op] = set_aside.list_refused(session.db, session.dek, CATALOG)
    assert op.case_number == result.case_number and op.applicant_name == KNOWN_NAME
    assert "变更类别不对" in op.reason and "修正并重新上报" in op.advice
    assert op.editable and op.resendable and op.problems[0]["field"] == "transfer_kind"
    assert desk.today_counts(session.db, NOW).set_aside == 1


def test_resending_a_corrected_case_takes_the_refused_row_under_a_new_operation_id(session):
    result = _take(session)
    case_id = str(result.case_id)
    local_id = _refuse(session.db, case_id)
    old_op = session.db.execute("SELECT op_id FROM outbox WHERE local_id = ?", [local_id]).fetchone()[0]
    later = session.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    done = resend.resend(
        session,
        local_id,
        form_changes={"transfer_kind": "within_province", "old_insured_place": "成都市"},
        now=NOW,
    )
    state, seq, op_id = session.db.execute(
        "SELECT state, seq, op_id FROM outbox WHERE local_id = ?", [local_id]
    ).fetchone()
    assert (state, seq, op_id) == ("pending", None, str(done.op_id)) and op_id != old_op
    assert session.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == later
    row = session.db.execute("SELECT set_aside FROM cases WHERE case_id = ?", [case_id]).fetchone()
    assert row[0] == 0
    detail = case_detail.case_detail(session.db, session.dek, CATALOG, case_id, now=NOW)
    assert ("变更类别", "省内单位间转移") in detail.form or detail.form_values[
        "transfer_kind"
    ] == "within_province"
    assert audit.entries(session.db, entity_id=case_id)[-1]["action"] == "case.resend"
    assert not done.fee_changed


def test_a_correction_that_is_still_wrong_is_refused_with_every_problem(session):
    result = _take(session)
    local_id = _refuse(session.db, str(result.case_id))
    with pytest.raises(IntakeRefused) as info:
        resend.resend(session, local_id, form_changes={"transfer_month": "2026-13"}, now=NOW)
    assert any(p.field == "transfer_month" for p in info.value.problems)
    with pytest.raises(ServiceError):
        resend.resend(session, local_id + 100, now=NOW)


def test_a_conflict_is_not_resent_by_the_clerk(session):
    result = _take(session)
    local_id = _refuse(session.db, str(result.case_id), code="op_stale_version", message="已转综合业务科")
    [op] = set_aside.list_refused(session.db, session.dek, CATALOG)
    assert not op.resendable and "综合业务科" in op.advice
    with pytest.raises(ServiceError) as info:
        resend.resend(session, local_id, now=NOW)
    assert "综合业务科" in info.value.message
