"""A personal-account year: 记账利率 of the year by the month-product method."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schema.errors import BenefitError
from schema.personal_account import close_account_year
from schema.rates import load_rates

RATES = load_rates()


def test_interest_on_the_balance_and_on_each_credit_for_its_months():
    # 2023 at 3.97%: month product 400 × 12 + 400 × 6 + 400 × 1 = 4800 + 2400 + 400 = 7600
    # interest: 10000 × 3.97% + 7600 × 3.97% ÷ 12 = 397 + 301.72 ÷ 12 = 397 + 25.1433… = 422.1433… → 422.14
    # closing: 10000 + 1200 + 422.14 = 11622.14
    year = close_account_year(
        year=2023, opening=Decimal("10000"), credits={1: Decimal("400"), 7: Decimal("400"), 12: Decimal("400")},
        rates=RATES,
    )  # fmt: skip
    assert (year.credited, year.interest, year.closing, year.rate) == (
        Decimal("1200"), Decimal("422.14"), Decimal("11622.14"), Decimal("0.0397"),
    )  # fmt: skip
    assert year.steps[0].amount == Decimal("7600")


def test_each_published_rate_is_used_for_its_own_year():
    # 2016 at 8.31%: 1000 × 8.31% = 83.10, no credits; 2024 at 2.62%: 1000 × 2.62% = 26.20
    assert close_account_year(year=2016, opening=Decimal("1000"), credits={}, rates=RATES).closing == Decimal(
        "1083.10"
    )
    assert close_account_year(
        year=2024, opening=Decimal("1000"), credits={}, rates=RATES
    ).interest == Decimal("26.20")


def test_a_year_without_a_published_rate_is_refused():
    with pytest.raises(BenefitError) as err:
        close_account_year(year=2025, opening=Decimal("1000"), credits={}, rates=RATES)
    assert err.value.code == "benefit_no_parameter" and "2025 年" in err.value.message
    with pytest.raises(BenefitError) as err:
        close_account_year(year=2024, opening=Decimal("0"), credits={13: Decimal("1")}, rates=RATES)
    assert err.value.code == "benefit_input_invalid"
