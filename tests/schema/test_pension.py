"""职工基本养老金 and 城乡居民养老金, against amounts worked out by hand (arithmetic in the comments).

The shipped rate book gives: 计发基数 for pensions starting in 2025 = the 2024 wage 7,646 元;
过渡系数 1.2 %; 计发月数 interpolated by month; 城乡居民基础养老金 123 元 (2024) and 143 元 (2025).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from schema.errors import BenefitError
from schema.months import YearsMonths
from schema.pension import ACCOUNT_MONTHS, account_months, employee_pension, resident_pension
from schema.rates import RateBook, load_rates

RATES = load_rates()


def _book(**benefits: object) -> RateBook:
    data = json.loads(RATES.model_dump_json())
    data["benefits"].update(benefits)
    return RateBook.model_validate(data)


def test_the_account_months_table_of_the_2005_annex():
    assert (ACCOUNT_MONTHS[40], ACCOUNT_MONTHS[50], ACCOUNT_MONTHS[55], ACCOUNT_MONTHS[60]) == (
        233,
        195,
        170,
        139,
    )
    assert (ACCOUNT_MONTHS[63], ACCOUNT_MONTHS[65], ACCOUNT_MONTHS[70]) == (117, 101, 56)
    assert sorted(ACCOUNT_MONTHS) == list(range(40, 71))
    values = [ACCOUNT_MONTHS[a] for a in range(40, 71)]
    assert values == sorted(values, reverse=True)  # older at retirement: fewer months


def test_account_months_between_whole_ages():
    # 60 岁 3 个月: 139 − (139 − 132) × 3 ÷ 12 = 139 − 1.75 = 137.25
    value, text = account_months(YearsMonths(years=60, months=3), RATES)
    assert value == Decimal("137.25") and text == "(139 − (139 − 132) × 3 ÷ 12)"
    whole = _book(account_months_rule={"between_ages": "whole_years", "confirmed": True, "source": "t"})
    assert account_months(YearsMonths(years=60, months=3), whole)[0] == 139
    with pytest.raises(BenefitError) as err:
        account_months(YearsMonths(years=70, months=1), RATES)  # 71 is not in the table
    assert err.value.code == "benefit_age_out_of_table"


def test_employee_pension_whole_years_no_deemed_service():
    # born 1960-03, retiring 2025-03 at 65 周岁 → 计发月数 101; 30 years, index 1.2, balance 101,000
    # 基础: 7646 × (1 + 1.2) ÷ 2 × 30 × 1% = 7646 × 1.1 × 0.3 = 2523.18
    # 个人账户: 101000 ÷ 101 = 1000.00; 过渡: no 视同 years = 0.00; total 3523.18
    pension = employee_pension(
        birth_date=date(1960, 3, 1), retirement_month="2025-03", contribution_months=360, deemed_months=0,
        average_index=Decimal("1.2"), account_balance=Decimal("101000"), rates=RATES,
    )  # fmt: skip
    assert (pension.basic, pension.account, pension.transitional) == (
        Decimal("2523.18"), Decimal("1000.00"), Decimal("0.00"),
    )  # fmt: skip
    assert pension.monthly_amount == Decimal("3523.18")
    assert pension.start_month == "2025-04" and not pension.provisional
    assert [s.label for s in pension.steps] == [
        "基础养老金",
        "个人账户养老金",
        "过渡性养老金",
        "基本养老金（月）",
    ]
    assert pension.steps[0].formula == "7646.00 × (1 + 1.2) ÷ 2 × 30 年 × 1%"


def test_employee_pension_with_deemed_years_and_a_retirement_age_with_months():
    # born 1965-01, retiring 2025-02 at 60 岁 1 个月; 300 months paid + 66 deemed = 366 months = 30.5 years
    # 基础: 7646 × (1 + 0.8) ÷ 2 × 30.5 × 1% = 6881.4 × 0.305 = 2098.827 → 2098.83
    # 计发月数: 139 − 7 × 1 ÷ 12 = 1661 ÷ 12; 个人账户: 83050 × 12 ÷ 1661 = 996600 ÷ 1661 = 600.00
    # 过渡: 7646 × 0.8 × 5.5 × 1.2% = 6116.8 × 5.5 × 0.012 = 403.7088 → 403.71
    # total: 2098.83 + 600.00 + 403.71 = 3102.54
    pension = employee_pension(
        birth_date=date(1965, 1, 10), retirement_month="2025-02", contribution_months=300, deemed_months=66,
        average_index=Decimal("0.8"), account_balance=Decimal("83050"), rates=RATES,
    )  # fmt: skip
    assert (pension.basic, pension.account, pension.transitional, pension.monthly_amount) == (
        Decimal("2098.83"), Decimal("600.00"), Decimal("403.71"), Decimal("3102.54"),
    )  # fmt: skip
    assert pension.retirement_age == YearsMonths(years=60, months=1)
    assert pension.monthly_amount == sum(s.amount for s in pension.steps[:3])
    # the unconfirmed entries used are named for the reviewer
    assert set(pension.unconfirmed) == {
        "benefits.pension_base_wages.2024", "benefits.transition_coefficient", "benefits.account_months_rule",
    }  # fmt: skip
    stored = json.loads(pension.model_dump_json())
    assert stored["inputs"]["deemed_months"] == "66" and stored["steps"][2]["amount"] == "403.71"


def test_employee_pension_whole_year_rule_reads_the_table_entry():
    # the same person under whole_years: 83050 ÷ 139 = 597.4820… → 597.48
    whole = _book(account_months_rule={"between_ages": "whole_years", "confirmed": True, "source": "t"})
    pension = employee_pension(
        birth_date=date(1965, 1, 10), retirement_month="2025-02", contribution_months=300, deemed_months=66,
        average_index=Decimal("0.8"), account_balance=Decimal("83050"), rates=whole,
    )  # fmt: skip
    assert pension.account == Decimal("597.48")


def test_a_pension_before_the_wage_is_published_is_provisional_and_none_before_any():
    # retiring in 2027 needs the 2026 wage; only 2024's is loaded: 暂按 7646, flagged provisional
    # 7646 × (1 + 1) ÷ 2 × 15 × 1% = 7646 × 0.15 = 1146.90
    later = employee_pension(
        birth_date=date(1966, 9, 1), retirement_month="2027-01", contribution_months=180, deemed_months=0,
        average_index=Decimal("1"), account_balance=Decimal("0"), rates=RATES,
    )  # fmt: skip
    assert later.provisional and later.basic == Decimal("1146.90")
    assert "暂按" in later.parameters[0].label
    with pytest.raises(BenefitError) as err:
        employee_pension(
            birth_date=date(1964, 1, 1), retirement_month="2024-01", contribution_months=180, deemed_months=0,
            average_index=Decimal("1"), account_balance=Decimal("0"), rates=RATES,
        )  # fmt: skip
    assert err.value.code == "benefit_no_parameter" and "计发基数" in err.value.message


def test_negative_inputs_are_refused_with_a_code():
    with pytest.raises(BenefitError) as err:
        employee_pension(
            birth_date=date(1965, 1, 10), retirement_month="2025-02", contribution_months=-1, deemed_months=0,
            average_index=Decimal("1"), account_balance=Decimal("0"), rates=RATES,
        )  # fmt: skip
    assert err.value.code == "benefit_input_invalid" and "实际缴费月数" in err.value.message


def test_resident_pension_basic_by_year_plus_balance_over_139():
    # from 2025-03: 143 + 20000 ÷ 139 = 143 + 143.8848… → 143.00 + 143.88 = 286.88
    benefit = resident_pension(start_month="2025-03", account_balance=Decimal("20000"), rates=RATES)
    assert (benefit.basic, benefit.account, benefit.monthly_amount) == (
        Decimal("143.00"), Decimal("143.88"), Decimal("286.88"),
    )  # fmt: skip
    # from 2024-12 the 2024 standard: 123 + 13900 ÷ 139 = 123 + 100 = 223.00
    earlier = resident_pension(start_month="2024-12", account_balance=Decimal("13900"), rates=RATES)
    assert earlier.monthly_amount == Decimal("223.00")
    assert earlier.parameters[0].name == "benefits.resident_basic_pension.2024-01-01"
    with pytest.raises(BenefitError) as err:
        resident_pension(start_month="2023-12", account_balance=Decimal("0"), rates=RATES)
    assert err.value.code == "benefit_no_parameter"
