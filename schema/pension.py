"""Monthly pensions: 职工基本养老金 (国发〔2005〕38号) and 城乡居民养老金 (国发〔2014〕8号).

职工基本养老金 = 基础养老金 + 个人账户养老金 + 过渡性养老金:

* 基础养老金 = 计发基数 × (1 + 本人平均缴费指数) ÷ 2 × 缴费年限 × 1%, where the 计发基数
  is 上年度全省在岗职工月平均工资 and 缴费年限 counts actual and 视同 years (months ÷ 12);
* 个人账户养老金 = 个人账户储存额 ÷ 计发月数 (the annex's table by retirement age);
* 过渡性养老金 = 计发基数 × 本人平均缴费指数 × 视同缴费年限 × 过渡系数 (Sichuan's coefficient
  is a rate-book entry still to confirm).

城乡居民养老金 = 基础养老金 (the rate book's monthly amount in force) + 个人账户储存额 ÷ 139.

Each part is rounded to the fen, half up; the monthly amount is the sum of the rounded
parts. The result keeps its inputs, steps and rate-book entries (:mod:`schema.calculation`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from schema.benefit_rates import BENEFIT_ERROR_MESSAGES
from schema.calculation import Calculation, CalculationStep, ParameterUsed, percent, yuan
from schema.errors import BenefitError
from schema.money import to_fen
from schema.months import Month, YearsMonths, add_months, first_day, month_of, months_from, year_of
from schema.rates import RateBook

EMPLOYEE_BASIS = "《国务院关于完善企业职工基本养老保险制度的决定》（国发〔2005〕38号）"
RESIDENT_BASIS = "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）"
RESIDENT_ACCOUNT_MONTHS = 139  # 国发〔2014〕8号: the same divisor as an employee retiring at 60

ACCOUNT_MONTHS: dict[int, int] = {
    40: 233, 41: 230, 42: 226, 43: 223, 44: 220, 45: 216, 46: 212, 47: 207, 48: 204, 49: 199,
    50: 195, 51: 190, 52: 185, 53: 180, 54: 175, 55: 170, 56: 164, 57: 158, 58: 152, 59: 145,
    60: 139, 61: 132, 62: 125, 63: 117, 64: 109, 65: 101, 66: 93, 67: 84, 68: 75, 69: 65, 70: 56,
}  # fmt: skip
"""计发月数 by retirement age in full years (国发〔2005〕38号 附件)."""


def _invalid(label: str, value: object) -> BenefitError:
    message = BENEFIT_ERROR_MESSAGES["benefit_input_invalid"].format(label=label, value=value)
    return BenefitError("benefit_input_invalid", message, {"label": label, "value": str(value)})


def account_months(age: YearsMonths, rates: RateBook) -> tuple[Fraction, str]:
    """计发月数 for a retirement at ``age`` and how it was read: the table's whole-year entry,
    or, when the rate book says ``interpolate``, moved towards the next year's entry by the
    months (60 岁 3 个月: 139 − (139 − 132) × 3 ÷ 12 = 137.25). Exact: a fraction."""
    if age.years not in ACCOUNT_MONTHS or (age.months and age.years + 1 not in ACCOUNT_MONTHS):
        message = BENEFIT_ERROR_MESSAGES["benefit_age_out_of_table"].format(age=age.as_age())
        raise BenefitError("benefit_age_out_of_table", message, {"age_months": age.total_months})
    whole = ACCOUNT_MONTHS[age.years]
    if not age.months or rates.benefits.months_rule().between_ages == "whole_years":
        return Fraction(whole), str(whole)
    after = ACCOUNT_MONTHS[age.years + 1]
    value = whole - Fraction(whole - after) * age.months / 12
    return value, f"({whole} − ({whole} − {after}) × {age.months} ÷ 12)"


def _years(months: int) -> Decimal:
    return Decimal(months) / 12


def _years_text(months: int) -> str:
    return f"({months} ÷ 12)" if months % 12 else str(months // 12)


class EmployeePension(Calculation):
    """职工基本养老金 per month and its three parts."""

    start_month: Month
    retirement_age: YearsMonths
    basic: Decimal
    account: Decimal
    transitional: Decimal
    monthly_amount: Decimal
    provisional: bool  # the 计发基数 of the year before the start is not loaded yet (暂按)


def employee_pension(
    *,
    birth_date: date,
    retirement_month: str,
    contribution_months: int,
    deemed_months: int,
    average_index: Decimal,
    account_balance: Decimal,
    rates: RateBook,
) -> EmployeePension:
    """职工基本养老金 of a person born on ``birth_date`` retiring in ``retirement_month``.

    ``contribution_months``: actual contribution months; ``deemed_months``: 视同缴费 months;
    ``average_index``: 本人平均缴费指数; ``account_balance``: 个人账户储存额 at retirement. The
    pension is paid from the month after the retirement month.
    """
    if contribution_months < 0:
        raise _invalid("实际缴费月数", contribution_months)
    if deemed_months < 0:
        raise _invalid("视同缴费月数", deemed_months)
    if average_index < 0:
        raise _invalid("本人平均缴费指数", average_index)
    if account_balance < 0:
        raise _invalid("个人账户储存额", account_balance)
    age_months = months_from(month_of(birth_date), retirement_month)
    if age_months < 0:
        raise _invalid("退休年月", retirement_month)
    age = YearsMonths.of(age_months)
    start_year = year_of(retirement_month)
    wage, provisional = rates.benefits.pension_base_wage(start_year)
    coefficient = rates.benefits.transition()
    divisor, divisor_text = account_months(age, rates)
    total_months = contribution_months + deemed_months

    basic = to_fen(wage.amount * (1 + average_index) / 2 * _years(total_months) / 100)
    account = to_fen(account_balance * divisor.denominator / divisor.numerator)
    transitional = to_fen(wage.amount * average_index * _years(deemed_months) * coefficient.rate)
    w, idx = yuan(wage.amount), f"{average_index}"
    steps = (
        CalculationStep(
            label="基础养老金",
            formula=f"{w} × (1 + {idx}) ÷ 2 × {_years_text(total_months)} 年 × 1%",
            amount=basic,
        ),
        CalculationStep(
            label="个人账户养老金",
            formula=f"{yuan(account_balance)} ÷ {divisor_text}（{age.as_age()}退休的计发月数）",
            amount=account,
        ),
        CalculationStep(
            label="过渡性养老金",
            formula=f"{w} × {idx} × {_years_text(deemed_months)} 年 × {percent(coefficient.rate)}",
            amount=transitional,
        ),
        CalculationStep(
            label="基本养老金（月）",
            formula=f"{yuan(basic)} + {yuan(account)} + {yuan(transitional)}",
            amount=basic + account + transitional,
        ),
    )
    months_rule = rates.benefits.months_rule()
    return EmployeePension(
        kind="employee_pension",
        basis=EMPLOYEE_BASIS,
        inputs={
            "birth_date": birth_date.isoformat(),
            "retirement_month": retirement_month,
            "contribution_months": str(contribution_months),
            "deemed_months": str(deemed_months),
            "average_index": str(average_index),
            "account_balance": yuan(account_balance),
        },
        steps=steps,
        parameters=(
            ParameterUsed(
                name=f"benefits.pension_base_wages.{wage.wage_year}",
                label=f"{wage.wage_year} 年全省在岗职工月平均工资（计发基数）"
                + ("，上年度数据未公布，暂按此数" if provisional else ""),
                value=yuan(wage.amount),
                source=wage.source,
                confirmed=wage.confirmed,
            ),
            ParameterUsed(
                name="benefits.transition_coefficient",
                label="过渡系数",
                value=percent(coefficient.rate),
                source=coefficient.source,
                confirmed=coefficient.confirmed,
            ),
            ParameterUsed(
                name="benefits.account_months_rule",
                label="不满整岁的计发月数取值",
                value=months_rule.between_ages,
                source=months_rule.source,
                confirmed=months_rule.confirmed,
            ),
        ),
        start_month=add_months(retirement_month, 1),
        retirement_age=age,
        basic=basic,
        account=account,
        transitional=transitional,
        monthly_amount=basic + account + transitional,
        provisional=provisional,
    )


class ResidentPensionBenefit(Calculation):
    """城乡居民养老金 per month: 基础养老金 + 个人账户养老金."""

    start_month: Month
    basic: Decimal
    account: Decimal
    monthly_amount: Decimal


def resident_pension(
    *, start_month: str, account_balance: Decimal, rates: RateBook
) -> ResidentPensionBenefit:
    """城乡居民养老金 paid from ``start_month``: the basic pension in force then + balance ÷ 139."""
    if account_balance < 0:
        raise _invalid("个人账户储存额", account_balance)
    entry = rates.benefits.resident_basic(first_day(start_month))
    basic = to_fen(entry.amount)
    account = to_fen(account_balance / RESIDENT_ACCOUNT_MONTHS)
    return ResidentPensionBenefit(
        kind="resident_pension",
        basis=RESIDENT_BASIS,
        inputs={"start_month": start_month, "account_balance": yuan(account_balance)},
        steps=(
            CalculationStep(
                label="基础养老金", formula=f"{yuan(entry.amount)}（{start_month} 执行的标准）", amount=basic
            ),
            CalculationStep(
                label="个人账户养老金",
                formula=f"{yuan(account_balance)} ÷ {RESIDENT_ACCOUNT_MONTHS}",
                amount=account,
            ),
            CalculationStep(
                label="城乡居民养老金（月）",
                formula=f"{yuan(basic)} + {yuan(account)}",
                amount=basic + account,
            ),
        ),
        parameters=(
            ParameterUsed(
                name=f"benefits.resident_basic_pension.{entry.effective_from.isoformat()}",
                label="城乡居民基础养老金标准",
                value=yuan(entry.amount),
                source=entry.source,
                confirmed=entry.confirmed,
            ),
        ),
        start_month=start_month,
        basic=basic,
        account=account,
        monthly_amount=basic + account,
    )
