"""Figures derived from contribution records: years, average index, account balance.

Nothing here is typed in: the months of contribution, the average contribution index
(平均缴费指数) and the personal account balance all come from the monthly
:class:`~schema.person_records.ContributionMonth` rows, or, for archived years, from one
:class:`~schema.person_records.ContributionYearSummary` per person, insurance and year.
An archived year is made by :func:`summarise_year` from the very rows it replaces, and
every total goes through the per-year lines, so each figure is the same either way.

Rules:

* a month counts when its rows net to a positive contribution (a refund row cancels it);
* a month's index is its net base ÷ the average wage that year's index is measured by
  (the rate book's ``average_wage`` of the limits in force, 上年度在岗职工月平均工资),
  to four places half up; the average index is the sum of indices ÷ the months;
* when a year has a summary row, that is the year (monthly rows of it are not counted
  again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from schema.person_records import AccountYear, ContributionMonth, ContributionYearSummary
from schema.vocabulary import InsuranceType

INDEX_PLACES = Decimal("0.0001")
_ZERO = Decimal("0.00")


class MissingWage(ValueError):
    """No average wage for a contribution year: the index cannot be measured."""

    def __init__(self, year: int) -> None:
        super().__init__(f"no average wage for {year}: load that year's base limits into the rate book")
        self.year = year


def month_index_value(base: Decimal, average_wage: Decimal) -> Decimal:
    """One month's contribution index: base ÷ average wage, four places, half up."""
    return (base / average_wage).quantize(INDEX_PLACES, rounding=ROUND_HALF_UP)


def _counts(rows: Iterable[ContributionMonth]) -> bool:
    return sum((r.employer_part + r.personal_part for r in rows), _ZERO) > 0


def summarise_year(
    rows: Iterable[ContributionMonth], *, year: int, wages: Mapping[int, Decimal] | None
) -> ContributionYearSummary | None:
    """The archive line of one person × insurance × year, from that year's monthly rows.

    ``wages=None`` leaves the index at zero, for a display that says the index is unknown
    (an archive line is always made with the wages).
    """
    in_year = [r for r in rows if int(r.month[:4]) == year]
    if not in_year:
        return None
    first = in_year[0]
    if any(r.id_number != first.id_number or r.insurance != first.insurance for r in in_year):
        raise ValueError("summarise_year takes the rows of one person and one insurance")
    by_month: dict[str, list[ContributionMonth]] = defaultdict(list)
    for row in in_year:
        by_month[row.month].append(row)
    counted = {m: rs for m, rs in by_month.items() if _counts(rs)}
    index_sum = Decimal("0.0000")
    if counted and wages is not None:
        if year not in wages:
            raise MissingWage(year)
        for month_rows in counted.values():
            net_base = sum((r.base for r in month_rows), _ZERO)
            index_sum += month_index_value(net_base, wages[year])
    last = max(in_year, key=lambda r: r.month)
    return ContributionYearSummary(
        id_number=first.id_number,
        insurance=first.insurance,
        year=year,
        months=len(counted),
        base_sum=sum((r.base for r in in_year), _ZERO),
        employer_sum=sum((r.employer_part for r in in_year), _ZERO),
        personal_sum=sum((r.personal_part for r in in_year), _ZERO),
        account_sum=sum((r.account_part for r in in_year), _ZERO),
        index_sum=index_sum,
        county=last.county,
    )


def year_lines(
    rows: Iterable[ContributionMonth],
    summaries: Iterable[ContributionYearSummary],
    insurance: InsuranceType,
    *,
    wages: Mapping[int, Decimal] | None,
) -> tuple[ContributionYearSummary, ...]:
    """The contribution history by year (oldest first): archived lines, then summarised months."""
    archived = {s.year: s for s in summaries if s.insurance == insurance}
    monthly: dict[int, list[ContributionMonth]] = defaultdict(list)
    for row in rows:
        if row.insurance == insurance and int(row.month[:4]) not in archived:
            monthly[int(row.month[:4])].append(row)
    lines = dict(archived)
    for year, year_rows in monthly.items():
        line = summarise_year(year_rows, year=year, wages=wages)
        if line is not None:
            lines[year] = line
    return tuple(lines[y] for y in sorted(lines))


class ContributionTotals(BaseModel):
    """What a person's contributions to one insurance add up to."""

    model_config = ConfigDict(frozen=True)

    insurance: InsuranceType
    months: int
    base_sum: Decimal
    employer_sum: Decimal
    personal_sum: Decimal
    account_sum: Decimal
    index_sum: Decimal

    @property
    def years_and_months(self) -> tuple[int, int]:
        """缴费年限 as whole years and months (15 年 6 个月)."""
        return divmod(self.months, 12)

    @property
    def average_index(self) -> Decimal:
        """平均缴费指数: the sum of monthly indices ÷ the months, four places half up."""
        if self.months == 0:
            return Decimal("0.0000")
        return (self.index_sum / self.months).quantize(INDEX_PLACES, rounding=ROUND_HALF_UP)


def contribution_totals(
    rows: Iterable[ContributionMonth],
    summaries: Iterable[ContributionYearSummary],
    insurance: InsuranceType,
    *,
    wages: Mapping[int, Decimal] | None,
) -> ContributionTotals:
    lines = year_lines(rows, summaries, insurance, wages=wages)
    return ContributionTotals(
        insurance=insurance,
        months=sum(line.months for line in lines),
        base_sum=sum((line.base_sum for line in lines), _ZERO),
        employer_sum=sum((line.employer_sum for line in lines), _ZERO),
        personal_sum=sum((line.personal_sum for line in lines), _ZERO),
        account_sum=sum((line.account_sum for line in lines), _ZERO),
        index_sum=sum((line.index_sum for line in lines), Decimal("0.0000")),
    )


def account_balance(
    accounts: Iterable[AccountYear],
    rows: Iterable[ContributionMonth],
    summaries: Iterable[ContributionYearSummary],
    insurance: InsuranceType,
) -> Decimal:
    """个人账户储存额 now: the last yearly statement's closing plus what was credited since.

    Credits of years after the last statement carry no interest yet (interest is posted
    when a year is closed, with that year's 记账利率).
    """
    statements = sorted((a for a in accounts if a.insurance == insurance), key=lambda a: a.year)
    closed_through = statements[-1].year if statements else 0
    balance = statements[-1].closing if statements else _ZERO
    archived = {s.year: s for s in summaries if s.insurance == insurance}
    for year, line in archived.items():
        if year > closed_through:
            balance += line.account_sum
    for row in rows:
        year = int(row.month[:4])
        if row.insurance == insurance and year > closed_through and year not in archived:
            balance += row.account_part
    return balance


def last_contribution_month(rows: Iterable[ContributionMonth], insurance: InsuranceType) -> str | None:
    """The latest month with a counted contribution (the desk's 最近缴费月份)."""
    by_month: dict[str, list[ContributionMonth]] = defaultdict(list)
    for row in rows:
        if row.insurance == insurance:
            by_month[row.month].append(row)
    counted = [m for m, rs in by_month.items() if _counts(rs)]
    return max(counted) if counted else None
