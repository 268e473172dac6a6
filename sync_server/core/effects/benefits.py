"""Effects on benefits (待遇) and one-off payments: grants, suspensions, ends, death. Pure.

Amounts come from the calculations in ``schema`` (``pension``, ``unemployment``), over
figures derived from the person's records (``schema.record_derivations``); the whole
calculation (inputs, steps, rate-book parameters) is kept on the benefit so a reviewer
sees how the amount came about.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from schema.errors import BenefitError
from schema.months import add_months, month_of, months_from
from schema.pension import employee_pension, resident_pension
from schema.person_records import (
    Benefit,
    BenefitKind,
    BenefitStatus,
    CardStatus,
    Payable,
    PayableDirection,
    PayableKind,
    PersonRecords,
)
from schema.record_changes import (
    BankAccountChanged,
    BenefitEnded,
    BenefitGranted,
    BenefitSuspended,
    CardStatusChanged,
    PayableCreated,
    RecordChange,
)
from schema.unemployment import unemployment_benefit
from schema.vocabulary import InsuranceType, label
from sync_server.core.effects.case import EffectCase, EffectRefused
from sync_server.core.effects.determinations import deemed_months
from sync_server.core.effects.figures import account_balance_of, totals_of
from sync_server.core.effects.registry import died

# The fund each benefit is paid from (a recovery goes back to it).
BENEFIT_FUND: dict[BenefitKind, InsuranceType] = {
    BenefitKind.EMPLOYEE_PENSION: InsuranceType.ENTERPRISE_PENSION,
    BenefitKind.RESIDENT_PENSION: InsuranceType.RESIDENT_PENSION,
    BenefitKind.UNEMPLOYMENT_BENEFIT: InsuranceType.UNEMPLOYMENT,
    BenefitKind.DISABILITY_ALLOWANCE: InsuranceType.WORK_INJURY,
    BenefitKind.SURVIVOR_PENSION: InsuranceType.WORK_INJURY,
    BenefitKind.NURSING_ALLOWANCE: InsuranceType.WORK_INJURY,
    BenefitKind.ILLNESS_DISABILITY_ALLOWANCE: InsuranceType.ENTERPRISE_PENSION,
    BenefitKind.SURVIVOR_ALLOWANCE: InsuranceType.ENTERPRISE_PENSION,
}
_PENSION_KINDS = (BenefitKind.EMPLOYEE_PENSION, BenefitKind.RESIDENT_PENSION)


def _refused_calculation(exc: BenefitError) -> EffectRefused:
    return EffectRefused(exc.code, dict(exc.detail), message=exc.message)


def _grant(
    c: EffectCase, kind: BenefitKind, monthly: Decimal, calculation: Mapping[str, Any], start: str
) -> list[RecordChange]:
    records = c.records()
    if records.current_benefit(kind) is not None:
        raise EffectRefused(
            "effect_benefit_exists",
            {"kind": kind.value},
        )
    enrolment = records.enrolment(BENEFIT_FUND[kind])
    benefit = Benefit(
        id_number=records.person.id_number,
        kind=kind,
        monthly_amount=monthly,
        calculation=dict(calculation),
        start_month=start,
        bank_name=c.text("bank_name"),
        bank_account=c.text("bank_account"),
        county=enrolment.county if enrolment else c.county,
        case_id=c.case_id,
    )
    return [BenefitGranted(benefit=benefit)]


def pension_grant(c: EffectCase) -> list[RecordChange]:
    """C023/C024: 职工基本养老金 from the records (years, index, account), paid from the next month."""
    records = c.records()
    insurance = InsuranceType.ENTERPRISE_PENSION
    totals = totals_of(records, insurance, c.rates)
    retirement_month = c.month("retirement_month") or c.this_month
    try:
        result = employee_pension(
            birth_date=records.person.birth_date,
            retirement_month=retirement_month,
            contribution_months=totals.months,
            deemed_months=deemed_months(records),  # C022's determinations
            average_index=totals.average_index,
            account_balance=account_balance_of(records, insurance),
            rates=c.rates,
        )
    except BenefitError as exc:
        raise _refused_calculation(exc) from None
    return _grant(
        c,
        BenefitKind.EMPLOYEE_PENSION,
        result.monthly_amount,
        result.model_dump(mode="json"),
        result.start_month,
    )


def resident_pension_grant(c: EffectCase) -> list[RecordChange]:
    """C042: 城乡居民养老金 = 基础养老金 + 个人账户储存额 ÷ 139."""
    records = c.records()
    start = c.month("start_month") or add_months(c.this_month, 1)
    balance = account_balance_of(records, InsuranceType.RESIDENT_PENSION)
    try:
        result = resident_pension(start_month=start, account_balance=balance, rates=c.rates)
    except BenefitError as exc:
        raise _refused_calculation(exc) from None
    return _grant(
        c, BenefitKind.RESIDENT_PENSION, result.monthly_amount, result.model_dump(mode="json"), start
    )


def unemployment_grant(c: EffectCase) -> list[RecordChange]:
    """C066: 失业保险金 from the month after registration, for months set by contribution years."""
    records = c.records()
    registered = c.date("registration_date") or c.date("separation_date") or c.on
    start = add_months(month_of(registered), 1)
    months = totals_of(records, InsuranceType.UNEMPLOYMENT, c.rates).months
    try:
        result = unemployment_benefit(contribution_months=months, start_month=start, rates=c.rates)
    except BenefitError as exc:
        raise _refused_calculation(exc) from None
    return _grant(
        c, BenefitKind.UNEMPLOYMENT_BENEFIT, result.monthly_amount, result.model_dump(mode="json"), start
    )


def _one_of(c: EffectCase, kinds: tuple[BenefitKind, ...], status: BenefitStatus) -> Benefit:
    records = c.records()
    found = next((b for b in records.benefits if b.kind in kinds and b.status == status), None)
    if found is None:
        word = "发放中" if status is BenefitStatus.IN_PAYMENT else "暂停"
        raise EffectRefused(
            "effect_no_benefit",
            {"item": c.item.code, "status": status.value},
            status=word,
        )
    return found


def _reason(c: EffectCase, field: str) -> str:
    value = c.text(field) or ""
    item_field = c.item.field(field)
    label = item_field.choice_label(value) if item_field is not None and value else None
    return f"{c.item.name}：{label or value or '核准'}"


def benefit_suspend(c: EffectCase, kinds: tuple[BenefitKind, ...] = _PENSION_KINDS) -> list[RecordChange]:
    """C031 (and C045 suspend): the pension in payment is suspended."""
    benefit = _one_of(c, kinds, BenefitStatus.IN_PAYMENT)
    return [BenefitSuspended(id_number=benefit.id_number, kind=benefit.kind, reason=_reason(c, "situation"))]


def benefit_resume(c: EffectCase, kinds: tuple[BenefitKind, ...] = _PENSION_KINDS) -> list[RecordChange]:
    """C032 (and C045 resume): the suspended pension is paid again, into a new account if given."""
    benefit = _one_of(c, kinds, BenefitStatus.SUSPENDED)
    changes: list[RecordChange] = [
        BenefitSuspended(
            id_number=benefit.id_number, kind=benefit.kind, reason=_reason(c, "situation"), resumed=True
        )
    ]
    bank, account = c.text("bank_name"), c.text("bank_account")
    if bank and account:
        changes.append(BankAccountChanged(id_number=benefit.id_number, bank_name=bank, bank_account=account))
    return changes


def benefit_suspend_or_resume(c: EffectCase) -> list[RecordChange]:
    """C045: the residents' pension, as the form's operation says."""
    kinds = (BenefitKind.RESIDENT_PENSION,)
    return benefit_resume(c, kinds) if c.text("operation") == "resume" else benefit_suspend(c, kinds)


def benefit_end(c: EffectCase) -> list[RecordChange]:
    """C077: 失业保险金 stops with the month of the effective date."""
    benefit = _one_of(c, (BenefitKind.UNEMPLOYMENT_BENEFIT,), BenefitStatus.IN_PAYMENT)
    end = month_of(c.date("effective_date") or c.on)
    return [
        BenefitEnded(
            id_number=benefit.id_number, kind=benefit.kind, end_month=end, reason=_reason(c, "reason")
        )
    ]


def _overpaid(records: PersonRecords, benefit: Benefit, end_month: str, c: EffectCase) -> Payable | None:
    """Months paid after ``end_month`` become a payable to recover (追回)."""
    months = months_from(end_month, benefit.paid_through) if benefit.paid_through else 0
    if months <= 0:
        return None
    return Payable(
        id_number=records.person.id_number,
        payee_name=records.person.name,
        kind=PayableKind.OVERPAYMENT_RECOVERY,
        amount=benefit.monthly_amount * months,
        direction=PayableDirection.RECOVER,
        case_id=c.case_id,
        county=benefit.county,
        fund=BENEFIT_FUND[benefit.kind].value,
        detail={
            "benefit": benefit.kind.value,
            "after_month": end_month,
            "paid_through": benefit.paid_through,
            "months": months,
            "monthly_amount": str(benefit.monthly_amount),
        },
    )


def death(c: EffectCase) -> list[RecordChange]:
    """C018: deceased; every benefit ends with the month of death, later months paid are
    recovered, every enrolment stops and the card is cancelled."""
    records = c.records()
    day = c.date("death_date") or c.on
    end = month_of(day)
    changes = died(records, day)
    for benefit in records.benefits:
        if benefit.status == BenefitStatus.ENDED:
            continue
        changes.append(
            BenefitEnded(id_number=benefit.id_number, kind=benefit.kind, end_month=end, reason="死亡")
        )
        payable = _overpaid(records, benefit, end, c)
        if payable is not None:
            changes.append(PayableCreated(payable=payable))
    card = records.current_card()
    if card is not None:
        changes.append(CardStatusChanged(id_number=records.person.id_number, status=CardStatus.CANCELLED))
    return changes


def bank_account(c: EffectCase) -> list[RecordChange]:
    """G25: the account benefits are paid into."""
    records = c.records()
    bank, account = c.text("bank_name"), c.text("bank_account")
    if not (bank and account):
        return []
    return [BankAccountChanged(id_number=records.person.id_number, bank_name=bank, bank_account=account)]


def overpayment_recovery(c: EffectCase) -> list[RecordChange]:
    """C037: a duplicate pension is recovered (清退) for the amount the review confirmed."""
    records = c.records()
    amount = c.money("refund_amount")
    if not amount:
        return []
    held = next((b for b in records.benefits if b.kind in _PENSION_KINDS), None)
    fund = (
        BENEFIT_FUND[held.kind]
        if held
        else (c.item.insurance_types or (InsuranceType.ENTERPRISE_PENSION,))[0]
    )
    payable = Payable(
        id_number=records.person.id_number,
        payee_name=records.person.name,
        kind=PayableKind.OVERPAYMENT_RECOVERY,
        amount=amount,
        direction=PayableDirection.RECOVER,
        case_id=c.case_id,
        county=held.county if held else c.county,
        fund=fund.value,
        detail={
            "duplicate_start": c.month("duplicate_start"),
            "duplicate_end": c.month("duplicate_end"),
            "method": c.text("refund_method"),
        },
    )
    return [PayableCreated(payable=payable)]


def funeral_grant(c: EffectCase) -> list[RecordChange]:
    """C034/C043/C055/C069: the deceased's records end as on C018, and the family is paid the
    funeral grant of the rate book (丧葬补助金) in force on the day of death."""
    records = c.records()
    day = c.date("death_date") or c.on
    fund = FUNERAL_FUNDS[c.item.code]
    # 社会保险法 §49: a death while drawing unemployment benefit is paid as an employee's death.
    scheme = "enterprise_pension" if fund is InsuranceType.UNEMPLOYMENT else fund.value
    try:
        grant = c.rates.benefits.funeral_grant(scheme, day)  # type: ignore[arg-type]
    except BenefitError as exc:
        raise EffectRefused(
            "effect_parameter_missing",
            {"item": c.item.code, "scheme": scheme, **exc.detail},
            what=f"{label(fund)}丧葬补助金",
        ) from None
    held = records.enrolment(fund)
    payable = Payable(
        id_number=records.person.id_number,
        payee_name=c.applicant_name,
        kind=PayableKind.FUNERAL_GRANT,
        amount=grant.amount,
        direction=PayableDirection.PAY,
        case_id=c.case_id,
        county=held.county if held else c.county,
        fund=fund.value,
        detail={
            "payee_id_number": c.applicant_key,
            "death_date": day.isoformat(),
            "formula": grant.formula,
            "source": grant.source,
            "confirmed": grant.confirmed,
            "bank_name": c.text("bank_name"),
            "bank_account": c.text("bank_account"),
        },
    )
    return [*death(c), PayableCreated(payable=payable)]


# The fund that pays each item's funeral grant.
FUNERAL_FUNDS: dict[str, InsuranceType] = {
    "C034": InsuranceType.ENTERPRISE_PENSION,
    "C043": InsuranceType.RESIDENT_PENSION,
    "C055": InsuranceType.WORK_INJURY,
    "C069": InsuranceType.UNEMPLOYMENT,
}
