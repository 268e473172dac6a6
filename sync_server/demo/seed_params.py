"""The yearly figures the demo histories are computed with: the rate book where it has the
year, a clearly synthetic series otherwise.

A history reaches back to 1992, the rate book only to the years the bureau has loaded. For
the other years the demo uses numbers of the right size, **not** published figures:

* the average wage a year's contribution index is measured by (上年度在岗职工月平均工资,
  ``limits.average_wage``): the earliest loaded year's, 6 % less for each year before it
  back to 2013 and 11 % less before that (roughly how Sichuan's wages grew);
* the personal-account interest rate (记账利率): the rate book's ``benefits.account_interest``,
  else 3 % (about the one-year deposit rate before the national rates of 2016).

Every rate is held as an integer number of millionths (``0.08`` → 80,000) so the generator
works in integer fen and rounds half up exactly (see :func:`part_fen`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from schema.rates import RateBook, load_rates
from schema.vocabulary import InsuranceType

FIRST_YEAR = 1992  # the personal-account system: earlier work counts as 视同缴费
MILLION = 1_000_000
DEMO_INTEREST = Decimal("0.03")
PENSION_WAGES_FROM = 1990  # the earliest wage year the rate book takes: older pensions start in 1991


def millionths(rate: Decimal) -> int:
    value = rate * MILLION
    if value != value.to_integral_value():
        raise ValueError(f"rate {rate} has more than six places")
    return int(value)


def part_fen(base_fen: int, rate_millionths: int) -> int:
    """``base × rate`` in fen, half up (both non-negative), exactly as Decimal would round."""
    return (base_fen * rate_millionths + MILLION // 2) // MILLION


def fen_text(fen: int) -> str:
    """Fen as yuan text: ``123456`` → ``"1234.56"`` (called tens of millions of times)."""
    if fen >= 0:
        return "%d.%02d" % divmod(fen, 100)  # noqa: UP031 - the fastest spelling here
    return "-%d.%02d" % divmod(-fen, 100)  # noqa: UP031


@dataclass(frozen=True)
class SchemeParts:
    """One insurance's split of a base, in millionths."""

    employer: int
    personal: int
    account: int


@dataclass(frozen=True)
class YearParams:
    year: int
    wage: int  # 元/月: the index of this year is base ÷ wage
    lower: int  # 缴费基数下限 (60 %)
    upper: int  # 缴费基数上限 (300 %)
    interest: int  # 记账利率, millionths
    interest_from_book: bool
    employee: dict[InsuranceType, SchemeParts]
    work_injury: dict[int, int]  # risk class → employer rate
    flexible_pension: SchemeParts
    flexible_medical: SchemeParts  # on the average wage


def _wage_series(book: RateBook, last_year: int) -> dict[int, int]:
    loaded = {limits.year: int(limits.average_wage) for limits in book.limits}
    first_loaded = min(loaded)
    wages = dict(loaded)
    wage = Decimal(loaded[first_loaded])
    for year in range(first_loaded - 1, FIRST_YEAR - 1, -1):
        wage /= Decimal("1.06") if year >= 2013 else Decimal("1.11")
        wages[year] = int(wage.quantize(Decimal(1), ROUND_HALF_UP))
    for year in range(first_loaded + 1, last_year + 1):
        wages.setdefault(year, wages[year - 1])  # the latest carried forward, as the book does
    return wages


def year_params(last_year: int, book: RateBook | None = None) -> dict[int, YearParams]:
    """The figures of every year from 1992 to ``last_year``."""
    book = book or load_rates()
    wages = _wage_series(book, last_year)
    earliest_table = min(book.tables, key=lambda t: t.effective_from).effective_from
    out = {}
    for year in range(FIRST_YEAR, last_year + 1):
        table = book.in_force(max(dt.date(year, 12, 31), earliest_table))
        loaded_rate = next((r.rate for r in book.benefits.account_interest if r.year == year), None)
        interest, from_book = (DEMO_INTEREST, False) if loaded_rate is None else (loaded_rate, True)
        employee = {
            insurance: SchemeParts(
                millionths(scheme.employer), millionths(scheme.employee), millionths(scheme.employee_personal)
            )
            for insurance, scheme in table.employee.items()
        }
        wage = wages[year]
        loaded = next((limits for limits in book.limits if limits.year == year), None)
        lower = int((Decimal(wage) * Decimal("0.6")).quantize(Decimal(1), ROUND_HALF_UP))
        out[year] = YearParams(
            year=year,
            wage=wage,
            lower=int(loaded.lower) if loaded else lower,
            upper=int(loaded.upper) if loaded else wage * 3,
            interest=millionths(interest),
            interest_from_book=from_book,
            employee=employee,
            work_injury={k: millionths(v) for k, v in table.work_injury.classes.items()},
            flexible_pension=SchemeParts(
                0, millionths(table.flexible_pension.rate), millionths(table.flexible_pension.personal)
            ),
            flexible_medical=SchemeParts(0, millionths(table.flexible_medical.rate), 0),
        )
    return out


def wages_by_year(params: dict[int, YearParams]) -> dict[int, Decimal]:
    """The ``wages`` mapping ``schema.record_derivations`` measures indices with."""
    return {year: Decimal(p.wage) for year, p in params.items()}


DEMO_SOURCE = "演示数据（seed-demo 合成，非公布数）"


def demo_rate_book(params: dict[int, YearParams], book: RateBook | None = None) -> RateBook:
    """The rate book with the demo's wages and 记账利率 added for the years it lacks, so the
    pensions of people who retired long ago can be computed; the added entries say they are
    synthetic (``confirmed`` false, :data:`DEMO_SOURCE`), which every kept calculation shows."""
    from schema.benefit_rates import AccountInterestRate, PensionBaseWage

    book = book or load_rates()
    benefits = book.benefits
    known_wages = {w.wage_year for w in benefits.pension_base_wages}
    first_year = min(params)
    wage = Decimal(params[first_year].wage)
    wages = {year - 1: Decimal(p.wage) for year, p in params.items()}
    for year in range(first_year - 2, PENSION_WAGES_FROM - 1, -1):  # before the first contribution year
        wage /= Decimal("1.11")
        wages[year] = wage.quantize(Decimal(1), ROUND_HALF_UP)
    added_wages = tuple(
        PensionBaseWage(wage_year=year, amount=amount, confirmed=False, source=DEMO_SOURCE)
        for year, amount in sorted(wages.items())
        if year not in known_wages and amount > 0
    )
    known_rates = {r.year for r in benefits.account_interest}
    added_rates = tuple(
        AccountInterestRate(
            year=year, rate=Decimal(p.interest) / MILLION, confirmed=False, source=DEMO_SOURCE
        )
        for year, p in sorted(params.items())
        if year not in known_rates
    )
    merged = benefits.model_copy(
        update={
            "pension_base_wages": tuple(
                sorted(benefits.pension_base_wages + added_wages, key=lambda w: w.wage_year)
            ),
            "account_interest": tuple(sorted(benefits.account_interest + added_rates, key=lambda r: r.year)),
        }
    )
    return book.model_copy(update={"benefits": merged})
