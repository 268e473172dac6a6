"""Correcting and sending again an operation the server set aside (修正并重新上报).

A set-aside operation was answered "rejected" under its operation id; the server keeps
that answer for ever, so the corrected operation needs a new id (docs/design.md §4). It takes
the place of the refused one in the outbox (same ``local_id``, so it still goes before
every later operation of its case), with ``seq`` cleared: the agent numbers it afresh,
past every number given before (``meta.next_seq``). In one transaction: the outbox row,
the case's sealed document (corrected form, new scans, a fee recomputed with the rate
tables now held), a new payment receipt when the amount changed, the case's
``set_aside`` flag, and an audit entry naming both operation ids.

* ``case_accept``: the form (and the applicant's name or phone) may be corrected and
  scans added; everything is checked again as at intake, on the day it was accepted.
* ``case_supplement``: its form changes, materials and note may be corrected.
* other kinds are sent again unchanged (e.g. after 综合业务科 restored an account).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from pydantic import JsonValue, TypeAdapter

from schema.cases import CasePayload
from schema.catalog import validate_form
from schema.protocol import OperationKind, SupplementPayload
from schema.vocabulary import ApplicantKind
from station_client.core import operation_drafts
from station_client.core.case_numbering import format_receipt_number, local_day, receipt_counter_name
from station_client.core.fee_breakdown import breakdown
from station_client.core.intake_rules import ApplicantInput, IntakeRefused, Notice, ScanMeta, check_intake
from station_client.core.outbox_rules import OpState
from station_client.services import reference, set_aside
from station_client.services.errors import ServiceError
from station_client.services.intake import Scan
from station_client.services.session import Session
from station_client.store import attachments, audit, cases, counters, outbox
from station_client.store import receipts as receipt_store

_JSON: TypeAdapter[dict[str, JsonValue]] = TypeAdapter(dict[str, JsonValue])


@dataclass(frozen=True)
class ResendResult:
    case_id: str
    case_number: str
    op_id: UUID
    replaced_op_id: str
    old_collected: Decimal | None = None
    new_collected: Decimal | None = None
    receipt_number: str | None = None  # a new payment receipt when the amount changed

    @property
    def fee_changed(self) -> bool:
        return self.old_collected != self.new_collected


def _refusable(session: Session, local_id: int) -> set_aside.OpView:
    op = set_aside.get(session.db, local_id)
    if op is None or op.state != OpState.SET_ASIDE:
        raise ServiceError(
            "op_not_set_aside", "这笔业务已不在“被退回待更正”的状态：请刷新“同步问题”列表后再处理。"
        )
    if not op.resendable:
        raise ServiceError("op_not_resendable", op.advice)
    return op


@dataclass(frozen=True)
class Correction:
    """What the clerk changed before sending again."""

    form_changes: Mapping[str, object]
    applicant: ApplicantInput | None = None
    materials: Sequence[str] = ()
    scans: Sequence[Scan] = ()
    note: str | None = None


def _accept_payload(
    session: Session, old: dict[str, Any], op: set_aside.OpView, fix: Correction
) -> CasePayload:
    form_changes, applicant, materials, scans = fix.form_changes, fix.applicant, fix.materials, fix.scans
    db = session.db
    item = reference.catalog(db).item(old["item_code"])
    accepted_at = datetime.fromisoformat(old["accepted_at"])
    raw = old["applicant"]
    who = applicant or ApplicantInput(
        name=raw["name"],
        id_number=raw.get("id_number"),
        uscc=raw.get("uscc"),
        phone=raw.get("phone"),
        kind=ApplicantKind(raw["kind"]),
    )
    metas = [ScanMeta(a["material_code"], a["media_type"], a["size"]) for a in old.get("attachments", [])]
    metas += [ScanMeta(s.material_code, s.media_type, len(s.data)) for s in scans]
    checked = check_intake(
        item,
        who,
        dict(old.get("form") or {}) | dict(form_changes),
        set(old.get("materials_provided") or ()) | set(materials),
        metas,
        today=local_day(accepted_at),
        rates=reference.rates(db),
        calendar=reference.calendar(db),
    )
    return CasePayload.model_validate(
        old
        | {
            "applicant": checked.applicant.model_dump(mode="json"),
            "form": dict(checked.form),
            "materials_provided": list(checked.materials),
            "attachments": [*old.get("attachments", []), *(s.ref().model_dump(mode="json") for s in scans)],
            "fee": None if checked.fee is None else checked.fee.model_dump(mode="json"),
            "clerk": session.username if op.code == "op_clerk_unknown" else old["clerk"],
        }
    )


def _supplement_payload(
    session: Session, case_id: str, old: dict[str, Any], fix: Correction
) -> SupplementPayload:
    form_changes, materials, scans, note = fix.form_changes, fix.materials, fix.scans, fix.note
    row, doc = cases.get_row(session.db, case_id), cases.get_doc(session.db, session.dek, case_id)
    if row is None or doc is None:
        raise ServiceError("case_not_found", "本机没有这件业务：请刷新后重试。")
    item = reference.catalog(session.db).item(row.item_code)
    changes = dict(old.get("form_changes") or {}) | dict(form_changes)
    merged = doc.current_form | changes
    result = validate_form(item, merged, today=local_day(datetime.now(UTC)))
    if result.errors:
        problems = [Notice(p.code, p.message, p.field) for p in result.errors]
        raise IntakeRefused(problems[0].code, "\n".join(p.message for p in problems), problems, (), None)
    normalised = {k: result.values[k] for k in changes if k in result.values}
    return SupplementPayload.model_validate(
        old
        | {
            "clerk": session.username,
            "form_changes": _JSON.validate_python(normalised),
            "materials_provided": sorted(
                {*old.get("materials_provided", ()), *materials, *(s.material_code for s in scans)}
            ),
            "attachments": [*old.get("attachments", []), *(s.ref().model_dump(mode="json") for s in scans)],
            "note": old.get("note", "") if note is None else note,
        }
    )


def _new_payment_receipt(session: Session, payload: CasePayload, now: datetime) -> str | None:
    if payload.fee is None or payload.fee.collected <= 0:
        return None
    day = local_day(now)
    number = format_receipt_number(
        session.station_code, day, counters.next_value(session.db, receipt_counter_name(day))
    )
    doc = {
        "case_number": payload.case_number,
        "item_code": payload.item_code,
        "item_name": reference.catalog(session.db).item(payload.item_code).name,
        "applicant_name": payload.applicant.name,
        "applicant_id": payload.applicant.id_number or payload.applicant.uscc,
        "station_id": payload.station_id,
        "clerk": session.username,
        "clerk_name": session.display_name,
        "issued_at": now.isoformat(),
        "receipt_number": number,
        "fee": breakdown(payload.fee),
        "replaces_fee_of": payload.case_number,
    }
    receipt_store.insert(
        session.db, session.dek, number=number, case_id=str(payload.case_id), kind=receipt_store.PAYMENT,
        created_at=now, doc=doc,
    )  # fmt: skip
    return number


def resend(
    session: Session,
    local_id: int,
    *,
    form_changes: Mapping[str, object] | None = None,
    applicant: ApplicantInput | None = None,
    materials_provided: Sequence[str] = (),
    scans: Sequence[Scan] = (),
    note: str | None = None,
    now: datetime | None = None,
) -> ResendResult:
    """Correct set-aside operation ``local_id`` and queue it again under a new operation id."""
    now = now or datetime.now(UTC)
    session.require_active(now)
    db, dek = session.db, session.dek
    op = _refusable(session, local_id)
    body = outbox.read_json(db, dek, local_id)
    kind = OperationKind(body["kind"])
    fix = Correction(dict(form_changes or {}), applicant, materials_provided, scans, note)
    old_payload: dict[str, Any] = body["payload"]
    old_fee = new_fee = None
    payload: Any
    if kind is OperationKind.CASE_ACCEPT:
        payload = _accept_payload(session, old_payload, op, fix)
        old_fee = CasePayload.model_validate(old_payload).fee
        new_fee = payload.fee
    elif kind is OperationKind.CASE_SUPPLEMENT:
        payload = _supplement_payload(session, op.case_id, old_payload, fix)
    else:
        payload = operation_drafts.sequenced(body, 1).payload  # unchanged
    op_id = uuid4()
    draft = operation_drafts.draft(
        kind=kind,
        op_id=op_id,
        station_id=session.station_id,
        case_id=UUID(op.case_id),
        created_at=now,
        payload=payload,
    )
    receipt = None
    with db.atomic():
        if not outbox.replace_refused(db, dek, local_id, op_id=str(op_id), created_at=now, draft=draft):
            raise ServiceError("op_not_set_aside", "这笔业务刚刚已被处理：请刷新“同步问题”列表。")
        for scan in scans:
            attachments.add(
                db, dek, sha256=scan.sha256, case_id=op.case_id, material_code=scan.material_code,
                filename=scan.ref().filename, media_type=scan.media_type, data=scan.data,
            )  # fmt: skip
        doc = cases.get_doc(db, dek, op.case_id)
        if doc is None:
            raise ServiceError("case_not_found", "本机没有这件业务：请刷新后重试。")
        if kind is OperationKind.CASE_ACCEPT:
            doc = doc.with_corrected_payload(payload)
            before = None if old_fee is None else old_fee.collected
            if before != (None if new_fee is None else new_fee.collected):
                receipt = _new_payment_receipt(session, payload, now)
        doc = doc.with_resend(op.op_id, op.code, now)
        still = outbox.case_has_refused(db, op.case_id)
        cases.update_case(db, dek, op.case_id, doc=doc, set_aside=still, updated_at=now)
        audit.append(
            db, at=now, actor=session.username, action="case.resend", entity="case", entity_id=op.case_id,
            detail={"case_number": doc.payload.case_number, "old_op_id": op.op_id,
                    "op_id": str(op_id), "code": op.code},
        )  # fmt: skip
        outbox.reconcile_blocked(db)  # what waited behind the refused row may go now
    row = cases.get_row(db, op.case_id)
    return ResendResult(
        case_id=op.case_id,
        case_number=row.case_number if row else "",
        op_id=op_id,
        replaced_op_id=op.op_id,
        old_collected=None if old_fee is None else old_fee.collected,
        new_collected=None if new_fee is None else new_fee.collected,
        receipt_number=receipt,
    )
