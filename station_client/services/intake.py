"""Intake of one case: the service the UI's form and ``station-client intake`` both call.

:func:`intake` checks the case (``core.intake_rules.check_intake``: applicant, form,
scans, materials, fee, promised date), looks the applicant up in the registry slice,
then writes in ONE transaction: the case row (numbered from the station's daily
counter), its scans, its ``case_accept`` outbox operation (pending, seq NULL), its
receipts and its audit entry — or nothing at all.

* A general item completes at once (status ``completed``, number ``…-W0007``).
* A complex item is accepted (status ``accepted``, number ``…-0007``) with a promised
  date in working days, or ``None`` and a warning when that year's holidays are unknown.
* A person not in the local slice is accepted as ``unverified_applicant``: the server
  resolves them at sync. A registry-changing item carries ``base_version``, the local
  PersonRecord version, when the person is known, and ``base_record``, the values of the
  rows it changes as held then (the console's conflict page shows them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError

from schema.cases import AttachmentRef, BaseRecord, CasePayload
from schema.catalog import CatalogItem
from schema.catalog.effects import ItemEffect
from schema.eligibility import schemes_held
from schema.errors import IdentifierError
from schema.identifiers import parse_resident_id
from schema.lifecycle import CaseEvent, CaseFacts, CaseStatus, transition
from schema.protocol import OperationKind
from schema.records import PersonRecord
from schema.vocabulary import InsuranceType, Role, Tier
from schema.workdays import mark_provisional
from station_client.core import operation_drafts
from station_client.core.case_document import CaseDocument
from station_client.core.case_numbering import case_counter_name, format_case_number, local_day
from station_client.core.death_notice import death_registration_notice
from station_client.core.fee_breakdown import breakdown
from station_client.core.intake_rules import (
    PROMISED_PENDING,
    ApplicantInput,
    CheckedIntake,
    Notice,
    ScanMeta,
    check_intake,
)
from station_client.services import receipt_stock, reference
from station_client.services.errors import ServiceError
from station_client.services.receipts import write_receipts
from station_client.services.session import Session
from station_client.store import attachments, audit, cases, counters, outbox, registry
from station_client.store.cases import CaseRow

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


@dataclass(frozen=True, slots=True)
class Scan:
    """A scanned material as the scanner or a file gave it."""

    material_code: str
    media_type: str
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def ref(self) -> AttachmentRef:
        # A neutral file name: the clerk's may contain the applicant's name.
        filename = f"{self.material_code}-{self.sha256[:12]}.{_EXTENSIONS.get(self.media_type, 'bin')}"
        return AttachmentRef(
            sha256=self.sha256,
            size=len(self.data),
            media_type=self.media_type,  # checked by intake_rules first
            filename=filename,
            material_code=self.material_code,
        )


@dataclass(frozen=True)
class IntakeRequest:
    item_code: str
    applicant: ApplicantInput
    form: Mapping[str, object] = field(default_factory=dict)
    materials_provided: Sequence[str] = ()
    scans: Sequence[Scan] = ()


@dataclass(frozen=True)
class IntakeResult:
    """What the UI shows after intake."""

    case_id: UUID
    case_number: str
    item_code: str
    item_name: str
    tier: Tier
    status: CaseStatus
    promised_date: date | None
    fee: dict[str, Any] | None  # core.fee_breakdown.breakdown(); None when nothing is collected
    receipt_number: str | None  # the payment receipt; the slip/receipt is numbered as the case
    warnings: tuple[Notice, ...]
    unverified_applicant: bool
    base_version: int | None
    promised_provisional: bool = False  # 暂定: the promised date reaches a year without its holiday notice

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def promised_text(self) -> str:
        if self.tier is Tier.GENERAL:
            return "当场办结"
        if self.promised_date is None:
            return PROMISED_PENDING
        return mark_provisional(self.promised_date.isoformat(), self.promised_provisional)

    def lines(self) -> list[str]:
        """The result in the clerk's words."""
        out = [
            f"{self.item_code} {self.item_name}：{self.status_label}",
            f"{'办结编号' if self.tier is Tier.GENERAL else '受理编号'}：{self.case_number}",
        ]
        if self.tier is Tier.COMPLEX:
            out.append(f"承诺办结日期：{self.promised_text}")
        if self.fee is not None:
            out.append(f"应缴金额：{self.fee['collected']} 元（收据号 {self.receipt_number}）")
            out += [f"  {k}：{v} 元" for k, v in self.fee["by_insurance"].items()]
        if self.unverified_applicant:
            out.append("申请人不在本地参保登记信息中，已按“待核实”受理，联网同步后由市局核实。")
        out += [f"提示：{w.message}" for w in self.warnings]
        out.append("业务已保存，将在联网后自动上报。")
        return out


def base_record(person: PersonRecord, item: CatalogItem) -> BaseRecord | None:
    """What the form was checked against, for the rows the item changes (its registry_fields):
    the person's row for ``person.*``, each named enrolment held for ``enrolment.*``; None
    when it changes neither (contributions, cards …). The console shows it when the change
    meets a newer registry row."""
    fields = item.registry_fields
    insurances = {f.partition(".")[2] for f in fields if f.startswith("enrolment.")}
    held = [e.model_dump(mode="json") for e in person.enrolments if e.insurance.value in insurances]
    row = ("id_number", "name", "sex", "birth_date", "township", "phone", "address", "residence")
    own = (
        person.model_dump(mode="json", include=set(row))
        if any(f.startswith("person.") for f in fields)
        else {}
    )
    if not own and not insurances:
        return None
    return BaseRecord.model_validate({**own, "version": person.version, "enrolments": held})


def _subject(
    session: Session, checked: CheckedIntake, warnings: list[Notice]
) -> tuple[bool, PersonRecord | None, str]:
    """(unverified, the person a registry change is based on, applicant_hmac) from the local
    registry slice; the person only for a registry-changing item."""
    applicant, dek = checked.applicant, session.dek
    if applicant.id_number is None:  # a unit: no local unit registry; the server checks it
        return False, None, dek.index(f"uscc:{applicant.uscc}")
    key = dek.index(applicant.id_number)
    person = registry.get_person(session.db, dek, applicant.id_number)
    if person is None:
        return True, None, key
    if person.name != applicant.name:
        warnings.append(
            Notice(
                "applicant_name_mismatch",
                f"申请人姓名与参保登记信息（{person.name}）不一致：请核对证件；如需更正姓名，请另办关键信息变更。",
                "applicant.name",
            )
        )
    return False, person if checked.item.changes_registry else None, key


def _enrolled(session: Session, applicant: ApplicantInput, today: date) -> frozenset[InsuranceType] | None:
    """The schemes the registry slice holds for the applicant; None when it does not know them."""
    try:
        number = parse_resident_id(applicant.id_number or "", today=today).number
    except IdentifierError:
        return None  # check_intake says what is wrong with the number
    person = registry.get_person(session.db, session.dek, number)
    return None if person is None else schemes_held((e.insurance, e.status) for e in person.enrolments)


def _deceased_still_paid(session: Session, form: Mapping[str, object]) -> list[Notice]:
    """C018 for a person the slice shows drawing a benefit: warn, never refuse."""
    number, died = form.get("deceased_id_number"), form.get("death_date")
    if not isinstance(number, str):
        return []
    deceased = registry.get_person(session.db, session.dek, number)
    day = date.fromisoformat(died) if isinstance(died, str) else None
    notice = death_registration_notice(deceased, day)
    return [notice] if notice else []


def _status(session: Session, tier: Tier) -> CaseStatus:
    event = CaseEvent.COMPLETE_AT_DESK if tier is Tier.GENERAL else CaseEvent.ACCEPT
    facts = CaseFacts(tier, CaseStatus.DRAFT, session.station_id, session.username)
    return transition(facts, event, session.actor)


def _item(session: Session, code: str) -> CatalogItem:
    return reference.catalog(session.db).item(code)


def intake(session: Session, request: IntakeRequest, *, now: datetime | None = None) -> IntakeResult:
    """Check and save one case; IntakeRefused / ServiceError / ContractError with a Chinese message."""
    now = now or datetime.now(UTC)
    row = session.require_active(now)
    if row.role != Role.CLERK.value:
        raise ServiceError("intake_not_clerk", "只有前台综合柜员可以受理业务：请用柜员账号登录后办理。")
    db, dek = session.db, session.dek
    today = local_day(now)
    item = _item(session, request.item_code)
    metas = [ScanMeta(s.material_code, s.media_type, len(s.data)) for s in request.scans]
    checked = check_intake(
        item,
        request.applicant,
        request.form,
        request.materials_provided,
        metas,
        today=today,
        rates=reference.rates(db),
        calendar=reference.calendar(db),
        enrolled=_enrolled(session, request.applicant, today),
    )
    warnings = list(checked.warnings)
    unverified, based_on, applicant_hmac = _subject(session, checked, warnings)
    base_version = None if based_on is None else based_on.version
    if item.effect is ItemEffect.DEATH:
        warnings += _deceased_still_paid(session, checked.form)
    status = _status(session, item.tier)
    case_id, op_id = uuid4(), uuid4()
    refs = tuple(s.ref() for s in request.scans)
    with db.atomic():
        number = format_case_number(
            session.station_code, today, counters.next_value(db, case_counter_name(today)), item.tier
        )
        # The 票据号码 travels in the case (the city keeps the highest issued, for a restored PC);
        # write_receipts prints the same number, in this transaction.
        paid = checked.fee is not None and checked.fee.collected > 0
        stock = receipt_stock.take(db) if paid else None
        try:
            payload = CasePayload(
                case_id=case_id,
                case_number=number,
                item_code=item.code,
                tier=item.tier,
                station_id=session.station_id,
                clerk=session.username,
                applicant=checked.applicant,
                form=dict(checked.form),
                materials_provided=checked.materials,
                attachments=refs,
                fee=checked.fee,
                accepted_at=now,
                promised_date=checked.promised_date,
                promised_provisional=checked.promised_provisional,
                unverified_applicant=unverified,
                base_version=base_version,
                base_record=None if based_on is None else base_record(based_on, item),
                receipt_stock=stock,
            )
            draft = operation_drafts.draft(
                kind=OperationKind.CASE_ACCEPT,
                op_id=op_id,
                station_id=session.station_id,
                case_id=case_id,
                created_at=now,
                payload=payload,
            )
        except ValidationError as exc:  # intake_rules should have caught it: say so plainly
            raise ServiceError(
                "intake_invalid",
                "业务数据未通过格式校验，未保存：请核对填写内容后重试；如仍不成功请联系综合业务科。",
                {"errors": exc.error_count()},
            ) from exc
        cases.insert_case(
            db,
            dek,
            CaseRow(
                case_id=str(case_id),
                case_number=number,
                item_code=item.code,
                tier=item.tier.value,
                status=status.value,
                applicant_hmac=applicant_hmac,
                accepted_at=now,
                promised_date=checked.promised_date,
                due_date=None,
                server_status=None,
                version=0,
                set_aside=False,
                handed_over_at=None,
                updated_at=now,
                promised_provisional=checked.promised_provisional,
            ),
            CaseDocument.accepted(payload),
        )
        for scan in request.scans:
            attachments.add(
                db,
                dek,
                sha256=scan.sha256,
                case_id=str(case_id),
                material_code=scan.material_code,
                filename=scan.ref().filename,
                media_type=scan.media_type,
                data=scan.data,
            )
        outbox.enqueue(
            db,
            dek,
            op_id=str(op_id),
            case_id=str(case_id),
            kind=OperationKind.CASE_ACCEPT.value,
            created_at=now,
            draft=draft,
        )
        receipt = write_receipts(db, dek, payload, item, clerk_name=session.display_name, now=now)
        low = receipt_stock.low_stock_notice(db) if receipt is not None else None
        warnings += [low] if low else []  # few receipt numbers left: ask the city for more
        audit.append(
            db,
            at=now,
            actor=session.username,
            action="case.complete" if item.tier is Tier.GENERAL else "case.accept",
            entity="case",
            entity_id=str(case_id),
            detail={
                "case_number": number,
                "item_code": item.code,
                "op_id": str(op_id),
                "fee_total": None if checked.fee is None else str(checked.fee.total),
                "unverified": unverified,
            },
        )
    return IntakeResult(
        case_id=case_id,
        case_number=number,
        item_code=item.code,
        item_name=item.name,
        tier=item.tier,
        status=status,
        promised_date=checked.promised_date,
        fee=None if checked.fee is None else breakdown(checked.fee),
        receipt_number=receipt,
        warnings=tuple(warnings),
        unverified_applicant=unverified,
        base_version=base_version,
        promised_provisional=checked.promised_provisional,
    )
