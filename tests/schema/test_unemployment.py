"""失业保险金: the monthly amount from the rate book and the months by contribution years (§46)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from schema.errors import BenefitError
from schema.rates import RateBook, load_rates
from schema.unemployment import benefit_months, unemployment_benefit

RATES = load_rates()


@pytest.mark.parametrize(
    ("paid", "months"),
    [
        (11, 0),  # under 1 year: none (§45)
        (12, 12),  # 1 year
        (59, 12),  # 4 y 11 m: still "1 to under 5 years"
        (60, 18),  # 5 years
        (119, 18),  # 9 y 11 m
        (120, 24),  # 10 years
        (300, 24),  # 25 years: at most 24
    ],
)
def test_benefit_months_by_contribution_years(paid, months):
    assert benefit_months(paid) == months


def test_monthly_amount_is_the_minimum_wage_share_and_the_total_its_multiple():
    # 1970 × 90% = 1773.00 a month; 70 months paid (5 y 10 m) → 18 months; 1773.00 × 18 = 31914.00
    benefit = unemployment_benefit(contribution_months=70, start_month="2025-03", rates=RATES)
    assert (benefit.monthly_amount, benefit.months, benefit.total_amount) == (
        Decimal("1773.00"), 18, Decimal("31914.00"),
    )  # fmt: skip
    assert benefit.steps[0].formula == "1970.00（最低工资标准二类）× 90%"
    assert benefit.unconfirmed == ("benefits.unemployment_benefit.2025-01-01",)


def test_months_left_from_an_earlier_spell_are_merged_up_to_24():
    # 70 months paid → 18, plus 10 not drawn last time = 28 → at most 24
    assert (
        unemployment_benefit(
            contribution_months=70, start_month="2025-03", rates=RATES, carried_over_months=10
        ).months
        == 24
    )
    # 24 paid → 12, plus 5 = 17
    assert (
        unemployment_benefit(
            contribution_months=24, start_month="2025-03", rates=RATES, carried_over_months=5
        ).months
        == 17
    )


def test_the_amount_rounds_half_up_to_the_fen():
    # 2005.05 × 90% = 1804.545 → 1804.55 half up (half-even would give 1804.54)
    data = json.loads(RATES.model_dump_json())
    data["benefits"]["unemployment_benefit"][0]["minimum_wage"] = "2005.05"
    book = RateBook.model_validate(data)
    assert unemployment_benefit(
        contribution_months=12, start_month="2025-01", rates=book
    ).monthly_amount == Decimal("1804.55")


def test_under_a_year_or_before_any_standard_is_refused_with_a_code():
    with pytest.raises(BenefitError) as err:
        unemployment_benefit(contribution_months=11, start_month="2025-03", rates=RATES)
    assert err.value.code == "benefit_unemployment_too_short" and "0 年 11 个月" in err.value.message
    with pytest.raises(BenefitError) as err:
        unemployment_benefit(contribution_months=24, start_month="2024-12", rates=RATES)
    assert err.value.code == "benefit_no_parameter" and "失业保险金标准" in err.value.message
