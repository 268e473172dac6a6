"""What a 稽核 decision changes in the records, pure.

Confirming a case recovers what was paid without entitlement (追回, a payable to the fund,
direction ``recover``) and ends what should have ended; dismissing a case that suspended
benefits resumes them. The auditor may state the amount instead (a shared account has no
amount of its own); an amount of 0 recovers nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import JsonValue

from schema.months import add_months, month_of, months_from
from schema.person_records import (
    Benefit,
    BenefitKind,
    BenefitStatus,
    Payable,
    PayableDirection,
    PayableKind,
    PersonRecords,
    PersonStatus,
)
from schema.record_changes import (
    BenefitEnded,
    BenefitSuspended,
    PayableCreated,
    PersonChanged,
    RecordChange,
)
from sync_server.core.effects.benefits import BENEFIT_FUND
from sync_server.core.fraud.findings import FraudKind, employed_months


def case_ref(case_id: int) -> str:
    """How payables and the ledger name a 稽核 case."""
    return f"fraud-{case_id}"


def _months_paid_after(benefit: Benefit, last_due: str) -> int:
    """Months paid after ``last_due`` (the last month the person was entitled to)."""
    if benefit.paid_through is None:
        return 0
    return max(0, months_from(last_due, benefit.paid_through))


def _recovery(
    records: PersonRecords, benefit: Benefit, amount: Decimal, ref: str, detail: dict[str, JsonValue]
) -> Payable:
    return Payable(
        id_number=records.person.id_number,
        payee_name=records.person.name,
        kind=PayableKind.OVERPAYMENT_RECOVERY,
        amount=amount,
        direction=PayableDirection.RECOVER,
        case_id=ref,
        county=benefit.county,
        fund=BENEFIT_FUND[benefit.kind].value,
        detail={"benefit": benefit.kind.value, "monthly_amount": str(benefit.monthly_amount), **detail},
    )


def _overpaid(
    records: PersonRecords, benefits: list[Benefit], last_due: str, ref: str
) -> list[PayableCreated]:
    out = []
    for b in benefits:
        months = _months_paid_after(b, last_due)
        if months > 0:
            detail: dict[str, JsonValue] = {
                "after_month": last_due,
                "paid_through": b.paid_through,
                "months": months,
            }
            out.append(PayableCreated(payable=_recovery(records, b, b.monthly_amount * months, ref, detail)))
    return out


def _live(records: PersonRecords, kinds: list[str] | None = None) -> list[Benefit]:
    return [
        b
        for b in records.benefits
        if b.status != BenefitStatus.ENDED and (kinds is None or b.kind.value in kinds)
    ]


def _evidence_kinds(evidence: dict[str, JsonValue]) -> list[str]:
    benefits = evidence.get("benefits")
    return [str(b["kind"]) for b in benefits if isinstance(b, dict)] if isinstance(benefits, list) else []


def _event_date(evidence: dict[str, JsonValue]) -> dt.date:
    event = evidence.get("event")
    assert isinstance(event, dict)
    return dt.date.fromisoformat(str(event["event_date"]))


def confirmed(
    kind: FraudKind, records: PersonRecords, evidence: dict[str, JsonValue], ref: str, amount: Decimal | None
) -> list[RecordChange]:
    """The changes of a confirmed case."""
    person = records.person
    changes: list[RecordChange] = []
    recoveries: list[PayableCreated] = []
    if kind is FraudKind.REPORTED_DEAD:
        day = _event_date(evidence)
        if person.status != PersonStatus.DECEASED:
            changes += [
                PersonChanged(id_number=person.id_number, field="status", value=PersonStatus.DECEASED.value),
                PersonChanged(id_number=person.id_number, field="death_date", value=day.isoformat()),
            ]
        live = _live(records)
        recoveries = _overpaid(records, live, month_of(day), ref)
        changes += [
            BenefitEnded(
                id_number=person.id_number, kind=b.kind, end_month=month_of(day), reason="死亡（稽核确认）"
            )
            for b in live
        ]
    elif kind is FraudKind.IMPRISONED:  # the benefit stays suspended until release (恢复另行办理)
        recoveries = _overpaid(
            records, _live(records, _evidence_kinds(evidence)), month_of(_event_date(evidence)), ref
        )
    elif kind is FraudKind.DUPLICATE_PENSION:  # the residents' pension is the one cleared (清退)
        employee = records.current_benefit(BenefitKind.EMPLOYEE_PENSION)
        resident = records.current_benefit(BenefitKind.RESIDENT_PENSION)
        if resident is not None:
            overlap_from = max(
                resident.start_month, employee.start_month if employee else resident.start_month
            )
            recoveries = _overpaid(records, [resident], add_months(overlap_from, -1), ref)
            end = (
                add_months(overlap_from, -1) if overlap_from > resident.start_month else resident.start_month
            )
            changes.append(
                BenefitEnded(
                    id_number=person.id_number, kind=resident.kind, end_month=end, reason="重复领取，稽核清退"
                )
            )
    elif kind is FraudKind.UNEMPLOYMENT_WHILE_EMPLOYED:
        benefit = records.current_benefit(BenefitKind.UNEMPLOYMENT_BENEFIT)
        months = employed_months(records, benefit.start_month) if benefit else []
        if benefit is not None and months:
            last_due = add_months(months[0], -1)
            recoveries = _overpaid(records, [benefit], last_due, ref)
            end = max(last_due, benefit.start_month)
            changes.append(
                BenefitEnded(
                    id_number=person.id_number, kind=benefit.kind, end_month=end, reason="已就业，稽核终止"
                )
            )
    if amount is not None:  # the auditor's figure replaces the computed one
        held = recoveries[0].payable if recoveries else None
        benefit = next(iter(_live(records) or records.benefits), None)
        recoveries = []
        if amount > 0 and (held is not None or benefit is not None):
            template = held or _recovery(records, benefit, amount, ref, {})  # type: ignore[arg-type]
            detail: dict[str, JsonValue] = {**template.detail, "stated_by_auditor": True}
            recoveries = [
                PayableCreated(payable=template.model_copy(update={"amount": amount, "detail": detail}))
            ]
    return [*changes, *recoveries]


def dismissed(kind: FraudKind, records: PersonRecords, evidence: dict[str, JsonValue]) -> list[RecordChange]:
    """A dismissed case resumes the benefits its finding suspended (if still suspended)."""
    if kind not in (FraudKind.REPORTED_DEAD, FraudKind.IMPRISONED):
        return []
    return [
        BenefitSuspended(
            id_number=records.person.id_number, kind=b.kind, reason="稽核排除疑点，恢复发放", resumed=True
        )
        for b in records.benefits
        if b.status == BenefitStatus.SUSPENDED and b.kind.value in _evidence_kinds(evidence)
    ]


def recovery_preview(
    kind: FraudKind, records: PersonRecords, evidence: dict[str, JsonValue], ref: str
) -> list[Payable]:
    """What confirming would recover, as computed (the 稽核 page shows it before deciding)."""
    return [c.payable for c in confirmed(kind, records, evidence, ref, None) if isinstance(c, PayableCreated)]
