"""Operations on a case the server already holds: 补正 (supplement), 撤回 (withdraw), 交付 (hand-over).

Each names a case of the pushing station; a case of another station is answered
``op_case_unknown`` like a missing one (a station learns nothing about others' cases).
Status changes go through :func:`schema.lifecycle.transition`, so a refused step answers
the lifecycle's own code (``case_terminal``, ``case_transition_not_allowed`` …).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from schema.api_errors import API_ERROR_MESSAGES
from schema.cases import CasePayload, FeeSummary
from schema.errors import TransitionError
from schema.lifecycle import Actor, CaseEvent, CaseFacts, CaseStatus, transition
from schema.protocol import (
    CaseSupplementOp,
    CaseWithdrawOp,
    DecisionHandoverOp,
    Operation,
    OpResult,
    OpStatus,
)
from schema.vocabulary import Section, Tier
from sync_server.core import ledger, routing, suspense
from sync_server.core.case_rules import Rejection, check_supplement, find_item
from sync_server.services.bulk import RawJson

if TYPE_CHECKING:
    from sync_server.services.ingest_apply import Applier

DECIDED = frozenset({CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.RETURNED})


def _unknown(case_id: str) -> Rejection:
    return Rejection("op_case_unknown", API_ERROR_MESSAGES["op_case_unknown"], {"case_id": case_id})


def _facts(case: dict[str, Any]) -> CaseFacts:
    section = Section(case["section"]) if case.get("section") else None
    return CaseFacts(
        Tier(case["tier"]),
        CaseStatus(case["status"]),
        case["station_id"],
        case["clerk"],
        section,
        case.get("claimed_by"),
    )


def payload_of(case: dict[str, Any]) -> dict[str, Any]:
    """A case's payload as a dict: a case accepted earlier in the same batch holds its JSON."""
    raw = case["payload"]
    return json.loads(raw) if isinstance(raw, RawJson) else dict(raw)


def _refused(exc: TransitionError) -> Rejection:
    return Rejection(exc.code, exc.message, dict(exc.detail))  # type: ignore[arg-type]


def apply(a: Applier, op: Operation) -> OpResult:
    case = a.cases.get(str(op.case_id))
    if case is None or case["station_id"] != a.ctx.station.id:
        return a.reject(op, _unknown(str(op.case_id)))
    if isinstance(op, CaseSupplementOp):
        return supplement(a, op, case)
    if isinstance(op, CaseWithdrawOp):
        return withdraw(a, op, case)
    assert isinstance(op, DecisionHandoverOp)
    return handover(a, op, case)


def _updated(a: Applier, case: dict[str, Any], **values: Any) -> None:
    case.update(values, updated_at=a.ctx.received_at)
    if not any(case is new for new in a.out.new_cases):
        a.out.case_updates[case["case_id"]] = case


def supplement(a: Applier, op: CaseSupplementOp, case: dict[str, Any]) -> OpResult:
    p, t = op.payload, a.trusted(op.created_at)
    clerk = Actor.clerk(p.clerk, a.ctx.station.id)
    try:
        supplemented = transition(_facts(case), CaseEvent.SUPPLEMENT, clerk)
    except TransitionError as exc:
        return a.reject(op, _refused(exc))
    if p.based_on_version != case["version"]:
        detail = {"based_on_version": p.based_on_version, "current_version": case["version"]}
        return a.reject(op, Rejection("op_stale_version", API_ERROR_MESSAGES["op_stale_version"], detail))
    payload = payload_of(case)
    stored = CasePayload.model_validate(payload)
    merged = check_supplement(stored, p, catalog=a.ctx.catalog, today=a.today(t))
    if isinstance(merged, Rejection):
        return a.reject(op, merged)
    item = find_item(a.ctx.catalog, stored.item_code)
    assert not isinstance(item, Rejection)  # check_supplement found it
    _, materials = merged
    payload["form"] = {**stored.form, **p.form_changes}
    payload["materials_provided"] = list(materials)
    known = {x["sha256"] for x in payload.get("attachments", [])}
    payload["attachments"] = [
        *payload.get("attachments", []),
        *(x.model_dump(mode="json") for x in p.attachments if x.sha256 not in known),
    ]
    cid = case["case_id"]
    a.event(cid, t.accepted_at, clerk.username, CaseEvent.SUPPLEMENT, (case["status"], supplemented),
            note=p.note, form_changes=sorted(p.form_changes), station_at=t.station_accepted_at.isoformat())  # fmt: skip
    route = routing.route(item, t.local_date, calendar=a.ctx.calendar)
    _updated(a, case, payload=payload, version=case["version"] + 1, claimed_by=None, claimed_at=None,
             due_date=route.due_date, due_provisional=route.due_provisional,
             section=case["section"] or (route.section.value if route.section else None))  # fmt: skip
    a.submit_and_route(case, supplemented, route)
    a.announce(case)
    a.audit("case.supplement", "case", cid, op_id=str(op.op_id), seq=op.seq, version=case["version"])
    return a.result(op, OpStatus.APPLIED, case, case_number=case["case_number"], case_version=case["version"],
                    section=case["section"], due_date=routing_iso(route), due_provisional=route.due_provisional)  # fmt: skip


def routing_iso(route: routing.Route) -> str | None:
    return route.due_date.isoformat() if route.due_date else None


def withdraw(a: Applier, op: CaseWithdrawOp, case: dict[str, Any]) -> OpResult:
    p, t = op.payload, a.trusted(op.created_at)
    clerk = Actor.clerk(p.clerk, a.ctx.station.id)
    try:
        withdrawn = transition(_facts(case), CaseEvent.WITHDRAW, clerk)
    except TransitionError as exc:
        return a.reject(op, _refused(exc))
    cid = case["case_id"]
    a.event(
        cid, t.accepted_at, clerk.username, CaseEvent.WITHDRAW, (case["status"], withdrawn), reason=p.reason
    )
    fee = payload_of(case).get("fee")
    if fee:
        # The money goes back to the applicant: the same pairs, negated, in this period.
        lines = FeeSummary.model_validate(fee).lines
        owed = case["registration_county"] or case["county_code"]
        postings = ledger.post_fee(lines, collecting_county=case["county_code"], owed_county=owed,
                                   posted_at=a.ctx.received_at, reverse=case["status"] != CaseStatus.CONFLICT)  # fmt: skip
        rows = [p.row() for p in postings]
        if case["status"] == CaseStatus.CONFLICT:  # it never left suspense: hand that back
            rows = suspense.release(suspense.hold(postings), to="applicant", posted_at=a.ctx.received_at)
        a.out.ledger.extend({"case_id": cid, "posted_at": a.ctx.received_at, **row} for row in rows)
    _updated(a, case, status=withdrawn, version=case["version"] + 1, claimed_by=None, claimed_at=None)
    a.announce(case)
    a.audit("case.withdraw", "case", cid, op_id=str(op.op_id), seq=op.seq, version=case["version"])
    return a.result(op, OpStatus.APPLIED, case, case_number=case["case_number"], case_version=case["version"])


def handover(a: Applier, op: DecisionHandoverOp, case: dict[str, Any]) -> OpResult:
    """The decision reached the applicant: recorded, status and version unchanged (a later
    补正 still answers the return decision's version)."""
    p = op.payload
    status = CaseStatus(case["status"])
    if status not in DECIDED or status != p.decision:
        message = f"案件当前状态为「{status.label}」，没有可交付的「{p.decision.label}」决定。请刷新案件状态后再办理。"
        return a.reject(op, Rejection("case_transition_not_allowed", message, {"status": status.value}))
    t = a.trusted(p.handed_over_at)
    cid = case["case_id"]
    a.event(cid, t.accepted_at, p.clerk, "handed_over", (status, status), recipient=p.recipient,
            decision_version=p.decision_version, station_at=t.station_accepted_at.isoformat())  # fmt: skip
    _updated(a, case, handed_over_at=t.accepted_at)
    a.audit("case.handover", "case", cid, op_id=str(op.op_id), seq=op.seq)
    return a.result(
        op, OpStatus.APPLIED, case, case_number=case["case_number"], handed_over_at=t.accepted_at.isoformat()
    )
