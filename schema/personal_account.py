"""A year of a personal account (个人账户): interest at the year's 记账利率 and the credits.

The account is credited each month with the personal-account part of that month's
contribution and earns interest once a year at the national 记账利率 of that year (the
rate book's ``benefits.account_interest``), by the month-product method (月积数法):

* the balance brought forward earns a full year: opening × rate;
* a credit for month n (1–12) earns from its month to the year end, (13 − n) months:
  interest on the credits = Σ credit_n × (13 − n) × rate ÷ 12.

Closing = opening + credits + interest, the interest rounded to the fen, half up.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from schema.benefit_rates import BENEFIT_ERROR_MESSAGES
from schema.calculation import Calculation, CalculationStep, ParameterUsed, percent, yuan
from schema.errors import BenefitError
from schema.money import to_fen
from schema.rates import RateBook

BASIS = "《职工基本养老保险个人账户管理暂行办法》（劳办发〔1997〕116号）；人社部、财政部每年公布的记账利率"


class AccountYearClosing(Calculation):
    """A year of a personal account closed: opening, credited, interest at ``rate``, closing
    (the fields of ``schema.person_records.AccountYear``, with the steps)."""

    year: int
    opening: Decimal
    credited: Decimal
    interest: Decimal
    rate: Decimal
    closing: Decimal


def _invalid(label: str, value: object) -> BenefitError:
    message = BENEFIT_ERROR_MESSAGES["benefit_input_invalid"].format(label=label, value=value)
    return BenefitError("benefit_input_invalid", message, {"label": label, "value": str(value)})


def close_account_year(
    *, year: int, opening: Decimal, credits: Mapping[int, Decimal], rates: RateBook
) -> AccountYearClosing:
    """The account's year ``year``: ``opening`` balance brought forward, ``credits`` by month (1–12)."""
    if opening < 0:
        raise _invalid("上年末个人账户储存额", opening)
    for month, amount in credits.items():
        if not 1 <= month <= 12:
            raise _invalid("记账月份", month)
        if amount < 0 or to_fen(amount) != amount:
            raise _invalid(f"{month} 月记账额", amount)
    entry = rates.benefits.interest_rate(year)
    month_product = sum((amount * (13 - month) for month, amount in credits.items()), Decimal(0))
    credited = sum(credits.values(), Decimal(0))
    interest = to_fen(opening * entry.rate + month_product * entry.rate / 12)
    closing = to_fen(opening) + credited + interest
    rate = percent(entry.rate)
    return AccountYearClosing(
        kind="personal_account_year",
        basis=BASIS,
        inputs={
            "year": str(year),
            "opening": yuan(opening),
            **{f"credit_{m:02d}": yuan(a) for m, a in sorted(credits.items())},
        },
        steps=(
            CalculationStep(
                label="本年记账额月积数",
                formula=" + ".join(f"{yuan(a)} × {13 - m}" for m, a in sorted(credits.items())) or "0",
                amount=month_product,
            ),
            CalculationStep(
                label="本年利息",
                formula=f"{yuan(opening)} × {rate} + {month_product} × {rate} ÷ 12",
                amount=interest,
            ),
            CalculationStep(
                label="本年末储存额",
                formula=f"{yuan(opening)} + {yuan(credited)} + {yuan(interest)}",
                amount=closing,
            ),
        ),
        parameters=(
            ParameterUsed(
                name=f"benefits.account_interest.{year}",
                label=f"{year} 年个人账户记账利率",
                value=rate,
                source=entry.source,
                confirmed=entry.confirmed,
            ),
        ),
        year=year,
        opening=to_fen(opening),
        credited=credited,
        interest=interest,
        rate=entry.rate,
        closing=closing,
    )
