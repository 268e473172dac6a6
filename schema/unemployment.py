"""失业保险金: how much a month and for how many months (《社会保险法》第四十五至四十七条).

* Amount: set by the province between the 城市居民最低生活保障 and the local minimum wage
  (§47); Sichuan sets it as a share of the local minimum wage, so the rate book holds the
  minimum wage, its class and the share (still to confirm for Leshan): amount =
  to_fen(minimum wage × share).
* Months (§46), by the contribution before losing the job: 1 to under 5 years up to 12
  months, 5 to under 10 years up to 18, 10 years or more up to 24; under 1 year no
  benefit (§45). Months not drawn in an earlier spell of unemployment are added, and the
  sum is at most 24 (§46).
"""

from __future__ import annotations

from decimal import Decimal

from schema.benefit_rates import BENEFIT_ERROR_MESSAGES
from schema.calculation import Calculation, CalculationStep, ParameterUsed, percent, yuan
from schema.errors import BenefitError
from schema.money import to_fen
from schema.months import Month, YearsMonths, first_day
from schema.rates import RateBook

BASIS = "《中华人民共和国社会保险法》第四十五条至第四十七条"
MAX_MONTHS = 24

DURATION_TIERS: tuple[tuple[int, int], ...] = ((10 * 12, 24), (5 * 12, 18), (1 * 12, 12))
"""(contribution months at least, benefit months at most), longest first (§46)."""


def benefit_months(contribution_months: int) -> int:
    """The most months of benefit ``contribution_months`` of contribution give (0 under a year)."""
    return next((months for least, months in DURATION_TIERS if contribution_months >= least), 0)


class UnemploymentBenefit(Calculation):
    """失业保险金: the monthly amount and the months it is paid for at most."""

    start_month: Month
    monthly_amount: Decimal
    months: int
    total_amount: Decimal  # monthly amount × months: what the fund owes at most


def unemployment_benefit(
    *, contribution_months: int, start_month: str, rates: RateBook, carried_over_months: int = 0
) -> UnemploymentBenefit:
    """失业保险金 from ``start_month`` for ``contribution_months`` of contribution before the job
    ended; ``carried_over_months``: months of an earlier spell not drawn (merged, at most 24)."""
    if contribution_months < 0 or carried_over_months < 0:
        bad = contribution_months if contribution_months < 0 else carried_over_months
        label = "缴费月数" if contribution_months < 0 else "前次失业未领取月数"
        message = BENEFIT_ERROR_MESSAGES["benefit_input_invalid"].format(label=label, value=bad)
        raise BenefitError("benefit_input_invalid", message, {"label": label, "value": str(bad)})
    own = benefit_months(contribution_months)
    if own == 0:
        paid = YearsMonths.of(contribution_months).as_span()
        message = BENEFIT_ERROR_MESSAGES["benefit_unemployment_too_short"].format(paid=paid)
        raise BenefitError(
            "benefit_unemployment_too_short", message, {"contribution_months": contribution_months}
        )
    entry = rates.benefits.unemployment(first_day(start_month))
    monthly = to_fen(entry.minimum_wage * entry.share)
    months = min(MAX_MONTHS, own + carried_over_months)
    paid = YearsMonths.of(contribution_months).as_span()
    return UnemploymentBenefit(
        kind="unemployment_benefit",
        basis=BASIS,
        inputs={
            "contribution_months": str(contribution_months),
            "start_month": start_month,
            "carried_over_months": str(carried_over_months),
        },
        steps=(
            CalculationStep(
                label="失业保险金（月）",
                formula=f"{yuan(entry.minimum_wage)}（最低工资标准{entry.wage_class}）× {percent(entry.share)}",
                amount=monthly,
            ),
            CalculationStep(
                label="领取期限（月）",
                formula=f"累计缴费 {paid} → 最长 {own} 个月"
                + (
                    f"，合并前次未领 {carried_over_months} 个月，最长 {MAX_MONTHS} 个月"
                    if carried_over_months
                    else ""
                ),
                amount=Decimal(months),
            ),
            CalculationStep(
                label="最多领取总额",
                formula=f"{yuan(monthly)} × {months}",
                amount=monthly * months,
            ),
        ),
        parameters=(
            ParameterUsed(
                name=f"benefits.unemployment_benefit.{entry.effective_from.isoformat()}",
                label="失业保险金标准（最低工资标准 × 比例）",
                value=f"{yuan(entry.minimum_wage)} × {percent(entry.share)}",
                source=entry.source,
                confirmed=entry.confirmed,
            ),
        ),
        start_month=start_month,
        monthly_amount=monthly,
        months=months,
        total_amount=monthly * months,
    )
