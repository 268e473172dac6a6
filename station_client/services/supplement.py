"""What happens to an accepted case at the desk after intake: 补正, withdrawal, hand-over.

Each writes the case's new state, its outbox operation (pending, seq NULL) and its audit
entry in ONE transaction, and asks ``schema.lifecycle.transition`` first, so a step the
server would refuse is refused at the desk with the same Chinese message.

* :func:`supplement` answers a ``returned`` case: corrected fields and new materials
  (one notice listing everything still missing), ``CaseSupplementOp`` with
  ``based_on_version`` = the version of the return decision. The materials the reviewer
  named (:func:`supplement_request`) count as not yet received until handed in again or
  scanned; a 补正 that changes nothing is refused (``supplement_unchanged``,
  ``core.supplement_rules``), for the window and the command line alike.
* :func:`withdraw` (``CaseWithdrawOp``) before a final decision.
* :func:`hand_over` (``DecisionHandoverOp``): the decision was given to the applicant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, JsonValue, TypeAdapter

from schema.catalog import CatalogItem, missing_materials, notice_text, validate_form
from schema.lifecycle import CaseEvent, CaseFacts, CaseStatus, transition
from schema.protocol import HandoverPayload, OperationKind, SupplementPayload, WithdrawPayload
from schema.vocabulary import Tier
from station_client.core import operation_drafts
from station_client.core.case_document import CaseDocument
from station_client.core.case_numbering import local_day
from station_client.core.intake_rules import IntakeRefused, Notice, ScanMeta, check_scans
from station_client.core.supplement_rules import UNCHANGED_MESSAGE, SupplementRequest, unchanged
from station_client.core.supplement_rules import supplement_request as request_of
from station_client.services import reference
from station_client.services.errors import ServiceError
from station_client.services.intake import Scan
from station_client.services.session import Session
from station_client.store import attachments, audit, cases, outbox
from station_client.store.cases import CaseRow

_JSON: TypeAdapter[dict[str, JsonValue]] = TypeAdapter(dict[str, JsonValue])


@dataclass(frozen=True)
class StepResult:
    case_id: UUID
    case_number: str
    status: CaseStatus
    op_id: UUID

    @property
    def status_label(self) -> str:
        return self.status.label


def _load(session: Session, case_id: UUID) -> tuple[CaseRow, CaseDocument]:
    row = cases.get_row(session.db, str(case_id))
    doc = cases.get_doc(session.db, session.dek, str(case_id)) if row else None
    if row is None or doc is None:
        raise ServiceError("case_not_found", "本机没有这件业务：请核对受理编号，或在“本站业务”中重新查找。")
    return row, doc


def _facts(session: Session, row: CaseRow, doc: CaseDocument) -> CaseFacts:
    return CaseFacts(Tier(row.tier), CaseStatus(row.status), doc.payload.station_id, doc.payload.clerk)


def _write(
    session: Session,
    row: CaseRow,
    *,
    kind: OperationKind,
    payload: BaseModel,
    now: datetime,
    action: str,
    columns: Mapping[str, Any],
    doc: CaseDocument | None = None,
    scans: Sequence[Scan] = (),
) -> UUID:
    db, dek, op_id = session.db, session.dek, uuid4()
    draft = operation_drafts.draft(
        kind=kind,
        op_id=op_id,
        station_id=session.station_id,
        case_id=UUID(row.case_id),
        created_at=now,
        payload=payload,
    )
    with db.atomic():
        cases.update_case(db, dek, row.case_id, doc=doc, updated_at=now, **columns)
        for scan in scans:
            attachments.add(
                db,
                dek,
                sha256=scan.sha256,
                case_id=row.case_id,
                material_code=scan.material_code,
                filename=scan.ref().filename,
                media_type=scan.media_type,
                data=scan.data,
            )
        outbox.enqueue(
            db, dek, op_id=str(op_id), case_id=row.case_id, kind=kind.value, created_at=now, draft=draft
        )
        audit.append(
            db,
            at=now,
            actor=session.username,
            action=action,
            entity="case",
            entity_id=row.case_id,
            detail={"case_number": row.case_number, "op_id": str(op_id)},
        )
    return op_id


def supplement_request(session: Session, case_id: UUID) -> SupplementRequest:
    """What the return decision asks for: the reason, the materials named, those kept."""
    row, doc = _load(session, case_id)
    return _asked(reference.catalog(session.db).item(row.item_code), doc)


def _asked(item: CatalogItem, doc: CaseDocument) -> SupplementRequest:
    reason = doc.decision.reason if doc.decision is not None else ""
    return request_of(item, reason, doc.current_materials)


def supplement(
    session: Session,
    case_id: UUID,
    *,
    form_changes: Mapping[str, object] | None = None,
    materials_provided: Sequence[str] = (),
    scans: Sequence[Scan] = (),
    note: str = "",
    now: datetime | None = None,
) -> StepResult:
    """补正 a returned case and queue it for resubmission."""
    now = now or datetime.now(UTC)
    session.require_active(now)
    row, doc = _load(session, case_id)
    status = transition(_facts(session, row, doc), CaseEvent.SUPPLEMENT, session.actor)
    item = reference.catalog(session.db).item(row.item_code)
    asked = _asked(item, doc)
    current = doc.current_form
    merged = current | dict(form_changes or {})
    result = validate_form(item, merged, today=local_day(now))
    errors = [Notice(p.code, p.message, p.field) for p in result.errors]
    check_scans(item, [ScanMeta(s.material_code, s.media_type, len(s.data)) for s in scans], errors)
    handed_in = set(materials_provided) | {s.material_code for s in scans}
    provided = set(asked.kept) | handed_in  # what the reviewer asked for is not received yet
    missing = missing_materials(item, provided, result.values)
    if errors or missing:
        lines = [e.message for e in errors]
        if missing:
            lines.append(
                f"还缺 {len(missing)} 项材料：{'、'.join(m.name for m in missing)}。请一次告知申请人。"
            )
        raise IntakeRefused(
            errors[0].code if errors else "materials_missing",
            "\n".join(lines),
            errors,
            missing,
            notice_text(item, missing) if missing else None,
        )
    changed = {k: v for k, v in result.values.items() if current.get(k) != v}
    if unchanged(changed, handed_in, asked.kept, len(scans)):
        raise ServiceError("supplement_unchanged", UNCHANGED_MESSAGE, {"case_id": str(case_id)})
    based_on = doc.decision.version if doc.decision is not None else row.version
    if based_on < 1:
        raise ServiceError(
            "case_not_returned", "这件业务尚未收到退回补正通知，无需补正：请联网同步后查看最新状态。"
        )
    body = SupplementPayload(
        case_id=case_id,
        based_on_version=based_on,
        clerk=session.username,
        form_changes=_JSON.validate_python(changed),
        materials_provided=tuple(sorted(handed_in)),
        attachments=tuple(s.ref() for s in scans),
        note=note,
    )
    doc = doc.with_supplement(body, _JSON.validate_python(dict(result.values)), sorted(provided))
    op_id = _write(
        session,
        row,
        kind=OperationKind.CASE_SUPPLEMENT,
        payload=body,
        now=now,
        action="case.supplement",
        columns={"status": status.value, "set_aside": False},
        doc=doc,
        scans=scans,
    )
    return StepResult(case_id, row.case_number, status, op_id)


def withdraw(session: Session, case_id: UUID, *, reason: str, now: datetime | None = None) -> StepResult:
    """The applicant withdraws a case that has no final decision yet."""
    now = now or datetime.now(UTC)
    session.require_active(now)
    row, doc = _load(session, case_id)
    status = transition(_facts(session, row, doc), CaseEvent.WITHDRAW, session.actor)
    if not reason.strip():
        raise ServiceError("withdraw_reason_missing", "请填写撤回原因（如“申请人主动撤回”）后再提交。")
    body = WithdrawPayload(clerk=session.username, reason=reason.strip())
    doc = doc.with_withdrawal(body.reason)
    op_id = _write(
        session,
        row,
        kind=OperationKind.CASE_WITHDRAW,
        payload=body,
        now=now,
        action="case.withdraw",
        columns={"status": status.value},
        doc=doc,
    )
    return StepResult(case_id, row.case_number, status, op_id)


def hand_over(
    session: Session, case_id: UUID, *, recipient: str, note: str = "", now: datetime | None = None
) -> StepResult:
    """Record that the decision was handed to the applicant (or their agent)."""
    now = now or datetime.now(UTC)
    session.require_active(now)
    row, doc = _load(session, case_id)
    decision = doc.decision
    if decision is None:
        raise ServiceError(
            "case_no_decision", "这件业务还没有收到市局的审核决定，不能办理领取：请联网同步后再查看。"
        )
    if row.handed_over_at is not None:
        raise ServiceError("case_already_handed_over", "这件业务的审核决定已交付申请人，无需重复登记。")
    body = HandoverPayload(
        clerk=session.username,
        decision=decision.status,
        decision_version=decision.version,
        handed_over_at=now,
        recipient=recipient,
        note=note,
    )
    op_id = _write(
        session,
        row,
        kind=OperationKind.DECISION_HANDED_OVER,
        payload=body,
        now=now,
        action="case.hand_over",
        columns={"handed_over_at": now},
    )
    return StepResult(case_id, row.case_number, CaseStatus(row.status), op_id)
