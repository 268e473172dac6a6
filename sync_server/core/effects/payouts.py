"""Effects that pay out or change benefits in payment, from the amounts a case carries. Pure.

claim_payment            reimbursements and subsidies paid once (费用报销、补助): a payable
                         from the item's insurance fund for the approved (or claimed) amount
allowance_grant          病残津贴 (C036), 遗属待遇 (C035) at the monthly amount the form gives
disability_benefits      C054 by 工伤保险条例 §§34–35 from the grade and the worker's wage
benefit_adjust           C039/C062/C063/C098: a new monthly amount, or suspend/resume/end
fund_paid_contributions  C068/C078: months the unemployment fund pays, as contribution records
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from schema.errors import BenefitError, FeeError
from schema.fees import FlexibleWorkerRequest, compute_fee
from schema.months import add_months
from schema.pension import employee_pension
from schema.person_records import (
    BenefitKind,
    BenefitStatus,
    ContributionMonth,
    ContributionSource,
    Payable,
    PayableDirection,
    PayableKind,
)
from schema.record_changes import (
    BenefitAdjusted,
    BenefitEnded,
    BenefitSuspended,
    ContributionsWritten,
    PayableCreated,
    RecordChange,
)
from schema.vocabulary import Account, InsuranceType
from sync_server.core.effects.benefits import _grant, _one_of, _reason, _refused_calculation
from sync_server.core.effects.case import EffectCase, EffectRefused
from sync_server.core.effects.determinations import deemed_months, determination
from sync_server.core.effects.figures import account_balance_of, totals_of

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def _amount(c: EffectCase, *fields: str, what: str) -> Decimal:
    for field in fields:
        amount = c.money(field)
        if amount is not None and amount > 0:
            return amount
    raise EffectRefused("effect_amount_missing", {"item": c.item.code, "fields": list(fields)}, what=what)


def claim_payment(c: EffectCase) -> list[RecordChange]:
    """Pay the approved amount (else the claimed one) from the item's fund, to the person or unit."""
    amount = _amount(c, "approved_amount", "claimed_amount", what="核定金额（或申请金额）")
    fund = InsuranceType(c.text("scheme") or c.item.insurance_types[0].value)
    detail: dict[str, object] = {
        "item": c.item.code,
        "bank_name": c.text("bank_name"),
        "bank_account": c.text("bank_account"),
        "claimed_amount": str(c.money("claimed_amount")) if c.money("claimed_amount") else None,
    }
    if c.item.applicant.value == "unit":
        person_id, unit_uscc, county = None, c.applicant_key, c.unit.county if c.unit else c.county
    else:
        records = c.records()
        held = records.enrolment(fund)
        person_id, unit_uscc, county = records.person.id_number, None, held.county if held else c.county
        if c.text("payee") == "employer":  # C080: 生育津贴 paid to the employer that advanced the wage
            unit_uscc, detail["payee"] = c.text("employer_uscc"), "employer"
    payable = Payable(
        id_number=person_id,
        unit_uscc=unit_uscc,
        payee_name=c.applicant_name,
        kind=PayableKind.CLAIM_PAYMENT,
        amount=amount,
        direction=PayableDirection.PAY,
        case_id=c.case_id,
        county=county,
        fund=fund.value,
        detail=detail,
    )
    return [PayableCreated(payable=payable)]


def allowance_grant(c: EffectCase) -> list[RecordChange]:
    """C036 病残津贴 / C035 遗属待遇: the monthly amount the bureau set, from the next month."""
    kind = (
        BenefitKind.SURVIVOR_ALLOWANCE if c.item.code == "C035" else BenefitKind.ILLNESS_DISABILITY_ALLOWANCE
    )
    monthly = _amount(c, "monthly_amount", what="核定月待遇")
    keep = (
        "deceased_id_number",
        "dependant_id_number",
        "dependant_relation",
        "appraisal_number",
        "disability_level",
    )
    calculation = {
        "inputs": {k: str(v) for k, v in c.values.items() if k in keep},
        "steps": [{"label": "核定月标准", "formula": "按核定表", "amount": str(monthly)}],
    }
    return _grant(c, kind, monthly, calculation, add_months(c.this_month, 1))


# 工伤保险条例 §35: 一次性伤残补助金 months of 本人工资 by grade, and 伤残津贴 share (grades 1–4).
LUMP_SUM_MONTHS = {1: 27, 2: 25, 3: 23, 4: 21, 5: 18, 6: 16, 7: 13, 8: 11, 9: 9, 10: 7}
ALLOWANCE_SHARE = {1: Decimal("0.90"), 2: Decimal("0.85"), 3: Decimal("0.80"), 4: Decimal("0.75")}
# §34: 生活护理费 as a share of the 统筹地区上年度职工月平均工资.
NURSING_SHARE = {"complete": Decimal("0.50"), "major": Decimal("0.40"), "partial": Decimal("0.30")}


def disability_benefits(c: EffectCase) -> list[RecordChange]:
    """C054: the lump sum (payable), 伤残津贴 for grades 1–4 and 生活护理费, as the form asks."""
    records = c.records()
    grade = int(c.text("disability_grade") or 0)
    if grade not in LUMP_SUM_MONTHS:
        raise EffectRefused("effect_amount_missing", {"item": c.item.code}, what="伤残等级")
    wage = _amount(c, "own_wage", what="本人工资")
    asked = set(c.chosen("benefit_kinds")) or {"lump_sum"}
    changes: list[RecordChange] = []
    start = add_months(c.this_month, 1)
    if "lump_sum" in asked:
        months = LUMP_SUM_MONTHS[grade]
        amount = (wage * months).quantize(FEN, ROUND_HALF_UP)
        held = records.enrolment(InsuranceType.WORK_INJURY)
        payable = Payable(
            id_number=records.person.id_number,
            payee_name=c.applicant_name,
            kind=PayableKind.DISABILITY_LUMP_SUM,
            amount=amount,
            direction=PayableDirection.PAY,
            case_id=c.case_id,
            county=held.county if held else c.county,
            fund=InsuranceType.WORK_INJURY.value,
            detail={
                "grade": grade,
                "formula": f"本人工资 {wage} 元 × {months} 个月（工伤保险条例第三十五条）",
            },
        )
        changes.append(PayableCreated(payable=payable))
    if "allowance" in asked and grade in ALLOWANCE_SHARE:
        share = ALLOWANCE_SHARE[grade]
        monthly = (wage * share).quantize(FEN, ROUND_HALF_UP)
        steps = [
            {
                "label": "伤残津贴",
                "formula": f"本人工资 {wage} × {share:.0%}（{grade} 级）",
                "amount": str(monthly),
            }
        ]
        changes += _grant(c, BenefitKind.DISABILITY_ALLOWANCE, monthly, {"inputs": {}, "steps": steps}, start)
    level = c.text("nursing_level")
    if "nursing" in asked and level in NURSING_SHARE:
        try:
            average, _ = c.rates.benefits.pension_base_wage(c.on.year)
        except BenefitError as exc:
            raise _refused_calculation(exc) from None
        monthly = (average.amount * NURSING_SHARE[level]).quantize(FEN, ROUND_HALF_UP)
        formula = f"{average.wage_year} 年职工月平均工资 {average.amount} × {NURSING_SHARE[level]:.0%}"
        steps = [{"label": "生活护理费", "formula": formula, "amount": str(monthly)}]
        changes += _grant(c, BenefitKind.NURSING_ALLOWANCE, monthly, {"inputs": {}, "steps": steps}, start)
    return changes


_C063_KINDS = {
    "allowance": BenefitKind.DISABILITY_ALLOWANCE,
    "nursing": BenefitKind.NURSING_ALLOWANCE,
    "dependant_pension": BenefitKind.SURVIVOR_PENSION,
}
_PENSIONS = (BenefitKind.EMPLOYEE_PENSION,)


def _adjusted(
    c: EffectCase, kinds: tuple[BenefitKind, ...], monthly: Decimal, how: dict[str, object]
) -> RecordChange:
    records = c.records()
    benefit = next((b for b in records.benefits if b.kind in kinds and b.status != BenefitStatus.ENDED), None)
    if benefit is None:
        raise EffectRefused("effect_no_benefit", {"item": c.item.code}, status="发放中或暂停")
    since = c.month("effective_month") or add_months(c.this_month, 1)
    calculation = {**how, "previous_monthly_amount": str(benefit.monthly_amount), "from_month": since}
    return BenefitAdjusted(
        id_number=benefit.id_number,
        kind=benefit.kind,
        monthly_amount=monthly,
        from_month=since,
        calculation=calculation,
    )


def _recalculated(c: EffectCase) -> tuple[Decimal, dict[str, object]]:
    """C039 without a form amount: the pension again from the records (with C022's deemed years)."""
    records = c.records()
    pension = next(
        (b for b in records.benefits if b.kind in _PENSIONS and b.status != BenefitStatus.ENDED), None
    )
    if pension is None:
        raise EffectRefused("effect_no_benefit", {"item": c.item.code}, status="发放中或暂停")
    insurance = InsuranceType.ENTERPRISE_PENSION
    totals = totals_of(records, insurance, c.rates)
    try:
        result = employee_pension(
            birth_date=records.person.birth_date,
            retirement_month=add_months(pension.start_month, -1),
            contribution_months=totals.months,
            deemed_months=deemed_months(records),
            average_index=totals.average_index,
            account_balance=account_balance_of(records, insurance),
            rates=c.rates,
        )
    except BenefitError as exc:
        raise _refused_calculation(exc) from None
    return result.monthly_amount, result.model_dump(mode="json")


def benefit_adjust(c: EffectCase) -> list[RecordChange]:
    code, change = c.item.code, c.text("change_kind")
    new = c.money("new_monthly_amount")
    how: dict[str, object] = {"item": code, "reason": _reason(c, "reason" if code == "C039" else "detail")}
    if code == "C062":
        kinds: tuple[BenefitKind, ...] = (BenefitKind.SURVIVOR_PENSION,)
        if change == "certification" or change is None:
            return determination(c)
        if change == "termination":
            benefit = _one_of(c, kinds, BenefitStatus.IN_PAYMENT)
            end = c.this_month
            return [
                BenefitEnded(
                    id_number=benefit.id_number,
                    kind=benefit.kind,
                    end_month=end,
                    reason=_reason(c, "change_kind"),
                )
            ]
    elif code == "C063":
        kinds = (_C063_KINDS.get(c.text("benefit_kind") or "", BenefitKind.DISABILITY_ALLOWANCE),)
        if change in ("suspend", "resume"):
            resumed = change == "resume"
            status = BenefitStatus.SUSPENDED if resumed else BenefitStatus.IN_PAYMENT
            benefit = _one_of(c, kinds, status)
            return [
                BenefitSuspended(
                    id_number=benefit.id_number,
                    kind=benefit.kind,
                    reason=_reason(c, "change_kind"),
                    resumed=resumed,
                )
            ]
    else:
        kinds = _PENSIONS
        if new is None and code == "C039":
            monthly, calculation = _recalculated(c)
            return [_adjusted(c, kinds, monthly, {**how, **calculation})]
    if new is None or new <= 0:
        raise EffectRefused("effect_amount_missing", {"item": code}, what="核定后月待遇")
    return [
        _adjusted(
            c,
            kinds,
            new,
            {**how, "steps": [{"label": "核定后月待遇", "formula": "按核定表", "amount": str(new)}]},
        )
    ]


def fund_paid_contributions(c: EffectCase) -> list[RecordChange]:
    """C078 pension / C068 medical months paid by the unemployment fund (基金代缴), at the
    flexible workers' rates: pension on the lowest base, medical on the average wage."""
    records = c.records()
    medical = c.item.code == "C068"
    start = c.month("benefit_start" if medical else "pension_pay_start")
    end = c.month("benefit_end" if medical else "pension_pay_end")
    if not (start and end and start <= end):
        raise EffectRefused("effect_amount_missing", {"item": c.item.code}, what="代缴起止年月")
    insurance = InsuranceType.EMPLOYEE_MEDICAL if medical else InsuranceType.ENTERPRISE_PENSION
    try:
        limits = c.rates.base_limits(dt.date.fromisoformat(f"{start}-01"))
        base = limits.lower
        fee = compute_fee(
            FlexibleWorkerRequest(base=base, period_start=start, period_end=end, include_medical=medical),
            c.rates,
        )
    except FeeError as exc:
        raise EffectRefused(exc.code, dict(exc.detail), message=exc.message) from None
    held = records.enrolment(insurance)
    rows = []
    for month in fee.months:
        lines = [x for x in fee.lines if x.month == month and x.insurance is insurance]
        if not lines:
            continue
        paid = sum((x.amount for x in lines), ZERO)
        account = sum((x.amount for x in lines if x.account is Account.PERSONAL), ZERO)
        rows.append(
            ContributionMonth(
                id_number=records.person.id_number,
                insurance=insurance,
                month=month,
                base=limits.average_wage if medical else fee.base,
                employer_part=ZERO,
                personal_part=paid,
                account_part=account,
                source=ContributionSource.FUND_PAID,
                case_id=c.case_id,
                county=held.county if held else c.county,
            )
        )
    return [ContributionsWritten(rows=tuple(rows))] if rows else []
