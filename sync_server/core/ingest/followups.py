"""Operations on a case the server already holds: 补正 (supplement), 撤回 (withdraw), 交付 (hand-over). Pure.

Each names a case of the pushing station; a case of another station is answered
``op_case_unknown`` like a missing one (a station learns nothing about others' cases).
Status changes go through :func:`schema.lifecycle.transition`, so a refused step answers
the lifecycle's own code (``case_terminal``, ``case_transition_not_allowed`` …).
"""

from __future__ import annotations

from typing import Any

from schema.api_errors import API_ERROR_MESSAGES
from schema.cases import CasePayload, FeeSummary
from schema.errors import TransitionError
from schema.lifecycle import Actor, CaseEvent, CaseStatus, can_hand_over, transition
from schema.protocol import (
    CaseSupplementOp,
    CaseWithdrawOp,
    DecisionHandoverOp,
    Operation,
    OpResult,
    OpStatus,
)
from sync_server.core import ledger, routing, suspense, void_reversal
from sync_server.core.case_moved import Step
from sync_server.core.case_rules import Rejection, check_supplement, find_item
from sync_server.core.ingest.accept import submit_and_route
from sync_server.core.ingest.batch import IngestBatch
from sync_server.core.ingest.case import IngestCase


def known_case(b: IngestBatch, op: Operation) -> IngestCase | None:
    """The pushing station's case the operation names (None: unknown, or another station's)."""
    case = b.cases.get(str(op.case_id))
    return case if case is not None and case.station_id == b.ctx.station.id else None


def _unknown(b: IngestBatch, op: Operation) -> OpResult:
    detail = {"case_id": str(op.case_id)}
    return b.reject(op, Rejection("op_case_unknown", API_ERROR_MESSAGES["op_case_unknown"], detail))


def _refused(exc: TransitionError) -> Rejection:
    return Rejection(exc.code, exc.message, dict(exc.detail))  # type: ignore[arg-type]


def supplement(b: IngestBatch, op: CaseSupplementOp, key: str) -> OpResult:
    case = known_case(b, op)
    if case is None:
        return _unknown(b, op)
    p, t = op.payload, b.trusted(op.created_at)
    clerk = Actor.clerk(p.clerk, b.ctx.station.id)
    try:
        supplemented = transition(case.facts(), CaseEvent.SUPPLEMENT, clerk)
    except TransitionError as exc:
        return b.reject(op, _refused(exc))
    if p.based_on_version != case.version:
        detail = {"based_on_version": p.based_on_version, "current_version": case.version}
        return b.reject(op, Rejection("op_stale_version", API_ERROR_MESSAGES["op_stale_version"], detail))
    payload = case.payload_dict()
    stored = CasePayload.model_validate(payload)
    merged = check_supplement(stored, p, catalog=b.ctx.catalog, today=b.today(t))
    if isinstance(merged, Rejection):
        return b.reject(op, merged)
    item = find_item(b.ctx.catalog, stored.item_code)
    assert not isinstance(item, Rejection)  # check_supplement found it
    _, materials = merged
    payload["form"] = {**stored.form, **p.form_changes}
    payload["materials_provided"] = list(materials)
    known = {x["sha256"] for x in payload.get("attachments", [])}
    payload["attachments"] = [
        *payload.get("attachments", []),
        *(x.model_dump(mode="json") for x in p.attachments if x.sha256 not in known),
    ]
    steps = [
        Step(t.accepted_at, clerk.username, CaseEvent.SUPPLEMENT, case.status, supplemented,
             {"note": p.note, "form_changes": sorted(p.form_changes),
              "station_at": t.station_accepted_at.isoformat()})
    ]  # fmt: skip
    route = routing.route(item, t.local_date, calendar=b.ctx.calendar)
    b.update(case, payload=payload, version=case.version + 1, claimed_by=None, claimed_at=None,
             due_date=route.due_date, due_provisional=route.due_provisional,
             section=case.section or (route.section.value if route.section else None))  # fmt: skip
    steps += submit_and_route(b, case, supplemented, route)
    b.moved(case, steps, "case.supplement", op_id=str(op.op_id), seq=op.seq, version=case.version)
    return b.result(op, OpStatus.APPLIED, case, case_number=case.case_number, case_version=case.version,
                    section=case.section, due_date=route.due_date.isoformat() if route.due_date else None,
                    due_provisional=route.due_provisional)  # fmt: skip


def withdraw(b: IngestBatch, op: CaseWithdrawOp, key: str) -> OpResult:
    case = known_case(b, op)
    if case is None:
        return _unknown(b, op)
    p, t = op.payload, b.trusted(op.created_at)
    clerk = Actor.clerk(p.clerk, b.ctx.station.id)
    try:
        withdrawn = transition(case.facts(), CaseEvent.WITHDRAW, clerk)
    except TransitionError as exc:
        return b.reject(op, _refused(exc))
    steps = [
        Step(t.accepted_at, clerk.username, CaseEvent.WITHDRAW, case.status, withdrawn, {"reason": p.reason})
    ]
    payload = case.payload_dict()  # money handed back when its receipt was voided: none to refund
    fee = None if void_reversal.refunded(payload) else payload.get("fee")
    if fee:
        _refund(b, case, FeeSummary.model_validate(fee))
    b.update(case, status=withdrawn, version=case.version + 1, claimed_by=None, claimed_at=None)
    money: dict[str, Any] = {"money_to": "refund"} if fee else {}
    b.moved(case, steps, "case.withdraw", op_id=str(op.op_id), seq=op.seq, version=case.version, **money)
    return b.result(op, OpStatus.APPLIED, case, case_number=case.case_number, case_version=case.version)


def _refund(b: IngestBatch, case: IngestCase, fee: FeeSummary) -> None:
    """A withdrawn case's desk money becomes a refund payable (应退款) to the applicant. Only
    a case still open can be withdrawn, and its fee is in suspense (a complex item waiting
    for its decision, a conflict case): it moves to the refund side."""
    received = b.ctx.received_at
    owed = case.registration_county or case.county_code
    postings = ledger.post_fee(fee.lines, collecting_county=case.county_code, owed_county=owed,
                               posted_at=received)  # fmt: skip
    rows = suspense.release(suspense.hold(postings), to="refund", posted_at=received)
    payable = suspense.refund_payable(rows, case_id=case.case_id, id_number=case.applicant_key or None,
                                      payee=case.applicant_name, at=received)  # fmt: skip
    if payable is not None:
        b.out.payables.append(payable)
    b.out.ledger.extend({"case_id": case.case_id, "posted_at": received, **row} for row in rows)


def handover(b: IngestBatch, op: DecisionHandoverOp, key: str) -> OpResult:
    """The decision reached the applicant: recorded, status and version unchanged (a later
    补正 still answers the return decision's version). The station made the step itself:
    nothing new to tell it."""
    case = known_case(b, op)
    if case is None:
        return _unknown(b, op)
    p = op.payload
    status = CaseStatus(case.status)
    if not can_hand_over(status) or status != p.decision:
        message = f"案件当前状态为「{status.label}」，没有可交付的「{p.decision.label}」决定。请刷新案件状态后再办理。"
        return b.reject(op, Rejection("case_transition_not_allowed", message, {"status": status.value}))
    t = b.trusted(p.handed_over_at)
    steps = [
        Step(t.accepted_at, p.clerk, CaseEvent.HAND_OVER, status, status,
             {"recipient": p.recipient, "decision_version": p.decision_version,
              "station_at": t.station_accepted_at.isoformat()})
    ]  # fmt: skip
    b.update(case, handed_over_at=t.accepted_at)
    b.moved(case, steps, "case.handover", tell=False, op_id=str(op.op_id), seq=op.seq)
    return b.result(
        op, OpStatus.APPLIED, case, case_number=case.case_number, handed_over_at=t.accepted_at.isoformat()
    )
