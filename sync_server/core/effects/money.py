"""Effects that move contributions or money: back payments, refunds, transfers, one-off pay. Pure.

Money taken at the desk is not here: its contribution records are written by the money
path from the fee lines (``core.contribution_rows``), so they agree with the ledger.
These are the records of decisions that need no desk money: a unit's back payment for an
employee (C011), a refund (C013), a transfer in or out (转移接续), a personal account
paid out, a funeral grant.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from schema.errors import FeeError
from schema.fees import employee_contribution, months_in_period
from schema.person_records import (
    ContributionMonth,
    ContributionSource,
    Payable,
    PayableDirection,
    PayableKind,
    PersonRecords,
    StopReason,
    Transfer,
    TransferDirection,
)
from schema.record_changes import (
    ContributionsWritten,
    EnrolmentStarted,
    PayableCreated,
    RecordChange,
    TransferRecorded,
)
from schema.vocabulary import Account, InsuranceType
from sync_server.core.effects.case import EffectCase, EffectRefused
from sync_server.core.effects.figures import account_balance_of
from sync_server.core.effects.registry import stop

ZERO = Decimal("0.00")
LESHAN = "四川省乐山市"
# 城镇企业职工基本养老保险关系转移接续暂行办法 (国办发〔2009〕66号) §4: the pooled fund carried
# out is 12% of the actual contribution bases (from 1998).
POOLED_SHARE = Decimal("0.12")


def _counted(records: PersonRecords, insurance: InsuranceType) -> dict[str, list[ContributionMonth]]:
    by_month: dict[str, list[ContributionMonth]] = defaultdict(list)
    for row in records.contributions:
        if row.insurance == insurance:
            by_month[row.month].append(row)
    return by_month


def back_payment(c: EffectCase) -> list[RecordChange]:
    """C011: the months a unit pays late for its employee, as contribution records (补缴).

    A complex item that took the money at the desk (C012) gets its records from the money
    path; a month already paid is not written again.
    """
    if c.item.collects_fee(c.values):
        return []
    records = c.records()
    start, end, base = c.month("period_start"), c.month("period_end"), c.money("monthly_base")
    if not (start and end and base):
        return []
    rows: list[ContributionMonth] = []
    unit = c.applicant_key if c.item.applicant.value == "unit" else None
    for insurance in c.insurances():
        paid = _counted(records, insurance)
        held = records.enrolment(insurance)
        risk = (c.unit.risk_class or 1) if insurance is InsuranceType.WORK_INJURY and c.unit else None
        if insurance is InsuranceType.WORK_INJURY and risk is None:
            risk = 1  # the unit is not in the registry: the lowest class, corrected by 征收稽核科
        for month in months_in_period(start, end):
            if sum((r.employer_part + r.personal_part for r in paid.get(month, [])), ZERO) > 0:
                continue
            try:
                fee = employee_contribution(
                    base, insurance, risk, on=dt.date.fromisoformat(f"{month}-01"), rates=c.rates
                )
            except FeeError as exc:
                raise EffectRefused(exc.code, {**exc.detail, "month": month}, message=exc.message) from None
            account = sum((x.amount for x in fee.lines if x.account is Account.PERSONAL), ZERO)
            rows.append(
                ContributionMonth(
                    id_number=records.person.id_number,
                    insurance=insurance,
                    month=month,
                    base=fee.base,
                    employer_part=fee.employer_amount,
                    personal_part=fee.employee_amount,
                    account_part=account,
                    source=ContributionSource.BACK_PAYMENT,
                    case_id=c.case_id,
                    county=held.county if held else c.county,
                    unit_uscc=unit,
                )
            )
    return [ContributionsWritten(rows=tuple(rows))] if rows else []


def contribution_refund(c: EffectCase) -> list[RecordChange]:
    """C013: each refunded month gets a negative row (退费) and the person a refund payable."""
    records = c.records()
    start, end = c.month("period_start"), c.month("period_end")
    if not (start and end):
        return []
    rows: list[ContributionMonth] = []
    changes: list[RecordChange] = []
    for insurance in c.insurances():
        paid = _counted(records, insurance)
        refunded = ZERO
        for month in months_in_period(start, end):
            lines = paid.get(month, [])
            parts = [
                sum((getattr(r, p) for r in lines), ZERO)
                for p in ("employer_part", "personal_part", "account_part")
            ]
            if parts[0] + parts[1] <= 0:
                continue  # nothing left to refund for that month
            base = sum((r.base for r in lines if r.source != ContributionSource.REFUND), ZERO)
            rows.append(
                ContributionMonth(
                    id_number=records.person.id_number,
                    insurance=insurance,
                    month=month,
                    base=-base,
                    employer_part=-parts[0],
                    personal_part=-parts[1],
                    account_part=-parts[2],
                    source=ContributionSource.REFUND,
                    case_id=c.case_id,
                    county=lines[0].county,
                    unit_uscc=lines[0].unit_uscc,
                )
            )
            refunded += parts[0] + parts[1]
        if refunded > 0:
            changes.append(
                PayableCreated(payable=_payable(c, records, PayableKind.FEE_REFUND, refunded, insurance))
            )
    if not rows:
        raise EffectRefused(
            "effect_nothing_to_refund",
            {"period_start": start, "period_end": end},
        )
    return [ContributionsWritten(rows=tuple(rows)), *changes]


def _payable(
    c: EffectCase, records: PersonRecords, kind: PayableKind, amount: Decimal, fund: InsuranceType
) -> Payable:
    held = records.enrolment(fund)
    return Payable(
        id_number=records.person.id_number,
        payee_name=c.applicant_name,
        kind=kind,
        amount=amount,
        direction=PayableDirection.PAY,
        case_id=c.case_id,
        county=held.county if held else c.county,
        fund=fund.value,
        detail={
            "payee_id_number": c.applicant_key,
            "bank_name": c.text("bank_name"),
            "bank_account": c.text("bank_account"),
            "item": c.item.code,
        },
    )


# ---- transfers (转移接续) ------------------------------------------------------------------


def _transfer(
    c: EffectCase,
    insurance: InsuranceType,
    direction: TransferDirection,
    *,
    months: int = 0,
    pooled: Decimal = ZERO,
    account: Decimal = ZERO,
    other: str | None = None,
) -> TransferRecorded:
    records = c.records()
    there = other or c.text("other_place") or c.text("other_agency") or c.text("old_insured_place") or LESHAN
    return TransferRecorded(
        transfer=Transfer(
            id_number=records.person.id_number,
            direction=direction,
            insurance=insurance,
            region_from=there if direction is TransferDirection.IN else LESHAN,
            region_to=LESHAN if direction is TransferDirection.IN else there,
            months=months,
            pooled_amount=pooled,
            account_amount=account,
            county=c.county,
            case_id=c.case_id,
            at=c.at,
        )
    )


def _carried_out(c: EffectCase, insurance: InsuranceType, other: str | None = None) -> list[RecordChange]:
    """A transfer out: the months and money carried, and the enrolment stops."""
    records = c.records()
    paid = _counted(records, insurance)
    months = sum(
        1 for lines in paid.values() if sum((r.employer_part + r.personal_part for r in lines), ZERO) > 0
    )
    months += sum(s.months for s in records.year_summaries if s.insurance == insurance)
    pooled = ZERO
    if insurance is InsuranceType.ENTERPRISE_PENSION:
        bases = sum((r.base for r in records.contributions if r.insurance == insurance), ZERO)
        bases += sum((s.base_sum for s in records.year_summaries if s.insurance == insurance), ZERO)
        pooled = (bases * POOLED_SHARE).quantize(Decimal("0.01"))
    account = max(account_balance_of(records, insurance), ZERO)
    record = _transfer(
        c, insurance, TransferDirection.OUT, months=months, pooled=pooled, account=account, other=other
    )
    return [record, *stop(records, [insurance], c.on, StopReason.TRANSFERRED_OUT)]


def _carried_in(
    c: EffectCase,
    insurance: InsuranceType,
    kind: str,
    unit: str | None,
    *,
    months: int = 0,
    other: str | None = None,
) -> list[RecordChange]:
    records = c.records()
    started = EnrolmentStarted(
        id_number=records.person.id_number,
        insurance=insurance,
        county=c.county,
        kind=kind,
        unit_uscc=unit,
        since=c.on,
    )
    return [_transfer(c, insurance, TransferDirection.IN, months=months, other=other), started]


def _span(c: EffectCase, start_field: str, end_field: str) -> int:
    start, end = c.month(start_field), c.month(end_field)
    return len(months_in_period(start, end)) if start and end and start <= end else 0


def transfer(c: EffectCase) -> list[RecordChange]:
    """C009 C026 C027 C028 C029 C030 C067 C088: carried in (months, enrolment) or out (money, stop)."""
    code, way = c.item.code, c.text("direction")
    pension, resident = InsuranceType.ENTERPRISE_PENSION, InsuranceType.RESIDENT_PENSION
    new_unit = c.text("new_employer_uscc") or c.text("placement_employer_uscc")
    if code == "C009":
        records = c.records()
        month = c.month("transfer_month")
        since = dt.date.fromisoformat(f"{month}-01") if month else c.on
        started = EnrolmentStarted(
            id_number=records.person.id_number,
            insurance=pension,
            county=c.county,
            kind="employee",
            unit_uscc=new_unit,
            since=since,
        )
        if c.text("transfer_kind") == "within_province":
            return [_transfer(c, pension, TransferDirection.IN), started]
        return [started]
    if code == "C029":  # 城乡衔接: one scheme's account moves into the other, within Leshan
        out, into = (resident, pension) if way == "resident_to_employee" else (pension, resident)
        kind = "employee" if into is pension else "resident"
        moved = _carried_out(c, out, other=LESHAN)
        return moved + _carried_in(c, into, kind, None, other=LESHAN)[1:]
    if code == "C027":
        institution = InsuranceType.INSTITUTION_PENSION
        kind_of = c.text("transfer_kind") or "institution_to_institution"
        if kind_of == "institution_to_enterprise":
            return _carried_out(c, institution) + _carried_in(c, pension, "employee", new_unit)[1:]
        if kind_of == "enterprise_to_institution":
            return _carried_out(c, pension) + _carried_in(c, institution, "employee", new_unit)[1:]
        return _carried_in(c, institution, "employee", new_unit)
    if code == "C030":  # 军地转移: the years of service come in
        start, end = c.date("service_start"), c.date("service_end")
        months = (end.year - start.year) * 12 + end.month - start.month + 1 if start and end else 0
        return _carried_in(c, pension, "employee", new_unit, months=max(months, 0), other="军队")
    insurance = {
        "C026": pension,
        "C028": resident,
        "C067": InsuranceType.UNEMPLOYMENT,
    }.get(code) or InsuranceType(c.text("scheme") or InsuranceType.EMPLOYEE_MEDICAL.value)
    if way == "out":
        return _carried_out(c, insurance)
    kind = "resident" if insurance in (resident, InsuranceType.RESIDENT_MEDICAL) else "employee"
    if code == "C026" and not new_unit:
        kind = "flexible"
    return _carried_in(
        c, insurance, kind, new_unit, months=_span(c, "contribution_start", "contribution_end")
    )


# ---- one-off payments ------------------------------------------------------------------------


def account_refund(c: EffectCase) -> list[RecordChange]:
    """C033/C044: the personal account paid out (出国定居, 死亡继承), the enrolment ends;
    C038: the duplicate account's amount the clearance settled."""
    records = c.records()
    insurance = InsuranceType.RESIDENT_PENSION if c.item.code == "C044" else InsuranceType.ENTERPRISE_PENSION
    amount = c.money("refund_amount") if c.item.code == "C038" else account_balance_of(records, insurance)
    if amount is None or amount <= 0:
        raise EffectRefused(
            "effect_nothing_to_refund",
            {"item": c.item.code},
        )
    payable = _payable(c, records, PayableKind.ACCOUNT_REFUND, amount, insurance)
    changes: list[RecordChange] = [PayableCreated(payable=payable)]
    if c.item.code != "C038":
        reason = StopReason.DECEASED if c.date("death_date") else StopReason.OTHER
        changes += stop(records, [insurance], c.date("death_date") or c.on, reason)
    return changes
