"""After intake: decisions coming down, 补正 and resubmission, withdrawal, hand-over."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from schema.catalog import load_catalog
from schema.errors import TransitionError
from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.protocol import CaseSupplementOp, CaseWithdrawOp, DecisionHandoverOp
from schema.records import CaseStatusRecord, DecisionRecord
from schema.vocabulary import Section
from station_client.core.intake_rules import ApplicantInput, IntakeRefused
from station_client.core.operation_drafts import sequenced
from station_client.core.supplement_rules import requested_materials
from station_client.services import decisions
from station_client.services.errors import ServiceError
from station_client.services.intake import IntakeRequest, Scan, intake
from station_client.services.session import Session
from station_client.services.supplement import hand_over, supplement, supplement_request, withdraw
from station_client.store import cases, outbox
from sync_server.services.review.decide import return_reason
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW

EMPLOYER = make_uscc("91511102MA62ABCDE")
OTHER_EMPLOYER = make_uscc("91511102MA62FGHJK")
TRANSFER = {"transfer_kind": "within_city", "new_employer_uscc": EMPLOYER, "transfer_month": "2026-11"}
LATER = NOW + timedelta(minutes=5)


def _accept(session: Session) -> UUID:
    request = IntakeRequest(
        "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
    )
    return intake(session, request, now=NOW).case_id


def _decide(
    session: Session, case_id: UUID, status: CaseStatus, version: int, reason: str = ""
) -> DecisionRecord:
    row = cases.get_row(session.db, str(case_id))
    assert row is not None
    record = DecisionRecord(
        case_id=case_id,
        case_number=row.case_number,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        decided_at=NOW + timedelta(minutes=1),
        decided_by="reviewer1",
        section=Section.PENSION,
        version=version,
    )
    assert decisions.apply_decision(session.db, session.dek, record)
    return record


def _last_op(session: Session):
    local_id = session.db.execute("SELECT max(local_id) FROM outbox").fetchone()[0]
    return sequenced(outbox.read_json(session.db, session.dek, local_id), 99)


def test_a_returned_case_is_supplemented_and_queued_for_resubmission(session: Session):
    case_id = _accept(session)
    _decide(session, case_id, CaseStatus.RETURNED, 4, "新单位信用代码有误，请补正并补交劳动合同")
    assert cases.get_row(session.db, str(case_id)).status == "returned"  # type: ignore[union-attr]
    scan = Scan("new_employer_proof", "application/pdf", b"%PDF-1.4 contract")
    result = supplement(
        session,
        case_id,
        form_changes={"new_employer_uscc": OTHER_EMPLOYER.lower()},
        scans=[scan],
        note="已更正信用代码",
        now=LATER,
    )
    assert result.status is CaseStatus.SUPPLEMENTED
    op = _last_op(session)
    assert isinstance(op, CaseSupplementOp)
    assert op.payload.based_on_version == 4
    assert op.payload.form_changes == {"new_employer_uscc": OTHER_EMPLOYER}  # only what changed, normalised
    assert [a.sha256 for a in op.payload.attachments] == [scan.sha256]
    row = cases.get_row(session.db, str(case_id))
    assert row is not None and row.status == "supplemented" and row.updated_at == LATER
    assert [k for k, _ in session.db.execute("SELECT kind, state FROM outbox ORDER BY local_id")] == [
        "case_accept",
        "case_supplement",
    ]


def test_a_supplement_with_errors_lists_them_and_writes_nothing(session: Session):
    case_id = _accept(session)
    _decide(session, case_id, CaseStatus.RETURNED, 2)
    with pytest.raises(IntakeRefused) as info:
        supplement(session, case_id, form_changes={"transfer_month": "2026-13", "by_agent": True}, now=LATER)
    err = info.value
    assert "不是有效年月" in err.message and "还缺 2 项材料" in err.message and err.notice
    assert cases.get_row(session.db, str(case_id)).status == "returned"  # type: ignore[union-attr]
    assert outbox.counts(session.db)["pending"] == 1


def test_only_a_returned_case_can_be_supplemented(session: Session):
    case_id = _accept(session)
    with pytest.raises(TransitionError, match="不能「补正」"):
        supplement(session, case_id, form_changes={}, now=LATER)


def test_a_case_is_withdrawn_before_a_decision(session: Session):
    case_id = _accept(session)
    with pytest.raises(ServiceError, match="撤回原因"):
        withdraw(session, case_id, reason="  ", now=LATER)
    result = withdraw(session, case_id, reason="申请人主动撤回", now=LATER)
    assert result.status is CaseStatus.WITHDRAWN
    op = _last_op(session)
    assert isinstance(op, CaseWithdrawOp) and op.payload.reason == "申请人主动撤回"
    with pytest.raises(TransitionError) as info:
        withdraw(session, case_id, reason="again", now=LATER)
    assert info.value.code == "case_terminal"


def test_a_decided_or_general_case_cannot_be_withdrawn(session: Session):
    case_id = _accept(session)
    _decide(session, case_id, CaseStatus.APPROVED, 3)
    with pytest.raises(TransitionError, match="已办结或已撤回"):
        withdraw(session, case_id, reason="太晚了", now=LATER)
    general = intake(
        session,
        IntakeRequest(
            "G14",
            ApplicantInput(KNOWN_NAME, KNOWN_ID),
            {"base": "5000", "period_start": "2026-01", "period_end": "2026-01"},
            ["id_card"],
        ),
        now=NOW,
    )
    with pytest.raises(TransitionError):
        withdraw(session, general.case_id, reason="不办了", now=LATER)


def test_a_decision_is_handed_over_once(session: Session):
    case_id = _accept(session)
    with pytest.raises(ServiceError) as info:
        hand_over(session, case_id, recipient=KNOWN_NAME, now=LATER)
    assert info.value.code == "case_no_decision"
    _decide(session, case_id, CaseStatus.APPROVED, 3)
    hand_over(session, case_id, recipient=KNOWN_NAME, now=LATER)
    op = _last_op(session)
    assert isinstance(op, DecisionHandoverOp)
    assert (op.payload.decision, op.payload.decision_version, op.payload.recipient) == (
        CaseStatus.APPROVED,
        3,
        KNOWN_NAME,
    )
    assert cases.get_row(session.db, str(case_id)).handed_over_at == LATER  # type: ignore[union-attr]
    with pytest.raises(ServiceError, match="无需重复"):
        hand_over(session, case_id, recipient=KNOWN_NAME, now=LATER)


def test_decision_and_status_records_apply_by_version_in_either_order(session: Session):
    case_id = _accept(session)
    number = cases.get_row(session.db, str(case_id)).case_number  # type: ignore[union-attr]

    def status(value: CaseStatus, version: int) -> bool:
        record = CaseStatusRecord(case_id=case_id, case_number=number, status=value, version=version)
        return decisions.apply_case_status(session.db, session.dek, record)

    assert status(CaseStatus.ROUTED, 2)
    assert not status(CaseStatus.SUBMITTED, 1)  # older: ignored
    assert status(CaseStatus.RETURNED, 5)
    _decide(session, case_id, CaseStatus.RETURNED, 5, "补交材料")  # same version: fills in the decision
    doc = cases.get_doc(session.db, session.dek, str(case_id))
    assert doc is not None and doc.decision is not None and doc.decision.reason == "补交材料"
    scan = Scan("new_employer_proof", "application/pdf", b"%PDF-1.4 contract")
    supplement(session, case_id, form_changes={}, scans=[scan], now=LATER)
    assert not status(CaseStatus.RETURNED, 5)  # a replayed page does not undo the supplement
    assert cases.get_row(session.db, str(case_id)).status == "supplemented"  # type: ignore[union-attr]
    assert status(CaseStatus.SUBMITTED, 6)
    assert cases.get_row(session.db, str(case_id)).status == "submitted"  # type: ignore[union-attr]


def test_records_of_cases_this_station_does_not_hold_are_ignored(session: Session):
    from uuid import uuid4

    record = CaseStatusRecord(
        case_id=uuid4(), case_number="511102004-00-20261126-0009", status=CaseStatus.ROUTED, version=1
    )
    assert not decisions.apply_case_status(session.db, session.dek, record)


def test_the_materials_the_reviewer_asked_for_are_not_yet_received(session: Session):
    case_id = _accept(session)  # 居民身份证 and 新单位参保证明或录用通知 were ticked at intake
    reason = return_reason("C009", ["new_employer_proof"], "单位名称与信用代码不一致，请重新开具")
    _decide(session, case_id, CaseStatus.RETURNED, 4, reason)
    asked = supplement_request(session, case_id)
    assert asked.reason == reason
    assert (asked.requested, asked.kept) == (("new_employer_proof",), ("id_card",))
    with pytest.raises(IntakeRefused) as info:  # sent back as it was: the proof is still missing
        supplement(session, case_id, now=LATER)
    assert info.value.code == "materials_missing"
    assert "还缺 1 项材料：新单位参保证明或录用通知" in info.value.message
    supplement(session, case_id, materials_provided=["new_employer_proof"], now=LATER)  # the original, ticked
    op = _last_op(session)
    assert isinstance(op, CaseSupplementOp) and op.payload.materials_provided == ("new_employer_proof",)


def test_a_resubmission_that_changes_nothing_is_refused_and_writes_nothing(session: Session):
    case_id = _accept(session)
    _decide(session, case_id, CaseStatus.RETURNED, 4, "新单位信用代码有误，请核对后补正")
    same_code = TRANSFER["new_employer_uscc"].lower()  # typed again, normalised to the same value
    for attempt in (
        {},
        {"form_changes": {"new_employer_uscc": same_code}},
        {"materials_provided": ["id_card"], "note": "已核对"},  # ticked again what was already received
    ):
        with pytest.raises(ServiceError) as info:
            supplement(session, case_id, now=LATER, **attempt)  # type: ignore[arg-type]
        assert info.value.code == "supplement_unchanged" and "未保存" in info.value.message
    assert cases.get_row(session.db, str(case_id)).status == "returned"  # type: ignore[union-attr]
    assert outbox.counts(session.db)["pending"] == 1
    scan = Scan("id_card", "image/jpeg", b"\xff\xd8\xff id card, scanned again")
    assert supplement(session, case_id, scans=[scan], now=LATER).status is CaseStatus.SUPPLEMENTED


def test_material_names_are_read_from_the_return_reason_longest_first():
    item = load_catalog().item("C009")
    both = return_reason("C009", ["agent_id_card", "power_of_attorney"], "")
    assert requested_materials(item, both) == ("agent_id_card", "power_of_attorney")
    assert requested_materials(item, return_reason("C009", ["id_card"], "")) == ("id_card",)
    assert requested_materials(item, "请补交新单位的录用通知原件。") == ()  # free words name no material
