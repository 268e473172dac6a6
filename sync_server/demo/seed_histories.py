"""Working lives for the synthetic registry: contribution records and personal accounts.

For each person :class:`~sync_server.demo.seed_registry.RegistryGenerator` made, a
:class:`LifeWriter` draws a contribution history that fits the enrolments (an employee
from the month of the enrolment, a flexible worker paying at the desk, a resident paying
a grade a year, a retiree's working years up to retirement) and writes it as the one
database keeps it:

* **monthly rows** (``contribution_records``) for the months from :data:`MONTHLY_FROM`;
* **one summary row per person × insurance × year** before that
  (``contribution_year_summaries``), with the same months, sums and index sum the
  monthly rows would give (``schema.record_derivations.summarise_year``; the test
  compares both ways);
* **yearly account statements** (``personal_accounts``) for the closed years, by the
  month-product method of ``schema.personal_account.account_year`` at each year's 记账利率.

The amounts are worked out in integer fen (a year's months share one base), so a million
persons take seconds, not minutes; the tests check them against the schema's functions.
Rows are lines in PostgreSQL's COPY text format (tab-separated, ``\\N`` for null), in the
column order of the ``*_COLUMNS`` constants: COPY takes them as they are, SQLite splits them.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from schema.money import allocate
from schema.vocabulary import InsuranceType
from sync_server.demo.seed_params import FIRST_YEAR, SchemeParts, YearParams, fen_text, part_fen

MONTHLY_FROM = 2024  # the last 24 months before the reference date are kept month by month
CLOSED_THROUGH = 2024  # the last year whose 记账利率 is known at the reference date

EP, EM = InsuranceType.ENTERPRISE_PENSION, InsuranceType.EMPLOYEE_MEDICAL
WI, UE = InsuranceType.WORK_INJURY, InsuranceType.UNEMPLOYMENT
RP = InsuranceType.RESIDENT_PENSION

CONTRIBUTION_COLUMNS = ("id_number", "insurance_type", "month", "base", "employer_part", "personal_part",
                        "account_part", "source", "county_code", "unit_uscc")  # fmt: skip
SUMMARY_COLUMNS = ("id_number", "insurance_type", "year", "months", "base_sum", "employer_sum", "personal_sum",
                   "account_sum", "index_sum", "county_code")  # fmt: skip
ACCOUNT_COLUMNS = (
    "id_number",
    "insurance_type",
    "year",
    "opening",
    "credited",
    "interest",
    "rate",
    "closing",
)

Line = str  # one row in COPY text format
NULL = "\\N"
_MONTHS = {y: ("", *(f"{y:04d}-{m:02d}" for m in range(1, 13))) for y in range(FIRST_YEAR, 2100)}
_MONTH_PRODUCT = {(a, b): sum(13 - m for m in range(a, b + 1)) for a in range(1, 13) for b in range(a, 13)}

# A contribution index drawn once per worker: most pay on the minimum base (60 %).
INDEX_BANDS = ((0.45, 0.6, 0.6), (0.30, 0.6, 1.0), (0.20, 1.0, 2.0), (0.05, 2.0, 3.0))


def index_e4(base_fen: int, wage: int) -> int:
    """``base ÷ wage`` in ten-thousandths, half up (``record_derivations.month_index_value``)."""
    return (2 * base_fen * 100 + wage) // (2 * wage)


def _e4_text(value: int) -> str:
    return f"{value // 10000}.{value % 10000:04d}"


@functools.cache
def _split(total_fen: int) -> tuple[int, ...]:
    """An annual amount over its twelve months, as the desk's money path splits it."""
    parts = allocate(Decimal(total_fen).scaleb(-2), [Decimal(1)] * 12)
    return tuple(int(p.scaleb(2)) for p in parts)


@dataclass
class Totals:
    """What one person's pension history added up to (for the benefit calculations)."""

    months: int = 0
    index_e4: int = 0
    balance_fen: int = 0  # 个人账户储存额 now: last statement + credits since
    last_month: tuple[int, int] | None = None


@dataclass
class Rows:
    contributions: list[Line] = field(default_factory=list)
    summaries: list[Line] = field(default_factory=list)
    account_years: list[Line] = field(default_factory=list)


def copy_line(*values: object) -> Line:
    """One row in COPY text format (values without tabs, newlines or backslashes)."""
    return "\t".join(NULL if v is None else str(v) for v in values)


def split_line(line: Line) -> tuple[str | None, ...]:
    """A COPY text line back into values (for SQLite's executemany)."""
    return tuple(None if v == NULL else v.replace("\\\\", "\\") for v in line.split("\t"))


class LifeWriter:
    """Writes spells of contribution into :class:`Rows`; one instance per chunk of persons."""

    def __init__(
        self, params: dict[int, YearParams], rows: Rows, *, monthly_from: int = MONTHLY_FROM
    ) -> None:
        self.params = params
        self.rows = rows
        self.monthly_from = monthly_from  # earlier years are summarised (tests write them all monthly)

    # ---- one insurance over a span of months -------------------------------------------

    def spell(
        self,
        id_number: str,
        insurance: InsuranceType,
        first: tuple[int, int],
        last: tuple[int, int],
        *,
        base_of: Iterable[int] | None,
        parts_of: SchemeParts | None,
        source: str,
        county: str,
        unit: str | None,
        account: bool,
        work_injury_class: int | None = None,
        through: int = CLOSED_THROUGH,
    ) -> Totals:
        """Months ``first``..``last`` (inclusive) on the yearly bases ``base_of`` (fen, one per
        year from ``first``'s year), split by ``parts_of`` (or the work-injury class)."""
        totals, credits = Totals(), {}
        bases = iter(base_of or ())
        summaries, contributions = self.rows.summaries, self.rows.contributions
        name = insurance.value
        head = f"{id_number}\t{name}\t"
        tail_common = f"\t{source}\t{county}\t{NULL if unit is None else unit}"
        for year in range(first[0], last[0] + 1):
            p = self.params[year]
            m0 = first[1] if year == first[0] else 1
            m1 = last[1] if year == last[0] else 12
            base = next(bases)
            if work_injury_class is not None:
                emp, per, acc = part_fen(base, p.work_injury[work_injury_class]), 0, 0
            else:
                assert parts_of is not None
                emp, per = part_fen(base, parts_of.employer), part_fen(base, parts_of.personal)
                acc = part_fen(base, parts_of.account)
            count = m1 - m0 + 1
            idx = index_e4(base, p.wage) if emp + per > 0 else 0
            if year < self.monthly_from:
                summaries.append(
                    f"{head}{year}\t{count}\t{fen_text(base * count)}\t{fen_text(emp * count)}\t"
                    f"{fen_text(per * count)}\t{fen_text(acc * count)}\t{_e4_text(idx * count)}\t{county}"
                )
            else:
                tail = f"\t{fen_text(base)}\t{fen_text(emp)}\t{fen_text(per)}\t{fen_text(acc)}{tail_common}"
                months = _MONTHS[year]
                contributions.extend([head + months[m] + tail for m in range(m0, m1 + 1)])
            if emp + per > 0:
                totals.months += count
                totals.index_e4 += idx * count
                totals.last_month = (year, m1)
            if account and acc:
                credits[year] = (acc * count, acc * _MONTH_PRODUCT[m0, m1])
        if account:
            self.statements(id_number, insurance, first[0], credits, totals, through=through)
        return totals

    def annual_grades(
        self, id_number: str, years: Iterable[int], grade: int, subsidy_fen: int, county: str,
        *, through: int = CLOSED_THROUGH,
    ) -> Totals:  # fmt: skip
        """A resident's yearly grade: twelve months of its year, split exactly."""
        totals, credits = Totals(), {}
        personal, credited = _split(grade * 100), _split(grade * 100 + subsidy_fen)
        month_product = sum(c * (13 - m) for m, c in enumerate(credited, start=1))
        head = f"{id_number}\t{RP.value}\t"
        base, paid_in, into_account = (
            fen_text(grade * 100),
            fen_text(grade * 100),
            fen_text(grade * 100 + subsidy_fen),
        )
        paid = list(years)
        for year in paid:
            idx = index_e4(grade * 100, self.params[year].wage)
            if year < self.monthly_from:
                self.rows.summaries.append(
                    f"{head}{year}\t12\t{fen_text(grade * 1200)}\t0.00\t{paid_in}\t{into_account}\t"
                    f"{_e4_text(idx * 12)}\t{county}"
                )
            else:
                months = _MONTHS[year]
                self.rows.contributions.extend(
                    f"{head}{months[m]}\t{base}\t0.00\t{fen_text(personal[m - 1])}\t{fen_text(credited[m - 1])}"
                    f"\tdesk\t{county}\t{NULL}"
                    for m in range(1, 13)
                )
            totals.months += 12
            totals.index_e4 += idx * 12
            totals.last_month = (year, 12)
            credits[year] = (sum(credited), month_product)
        if paid:
            self.statements(id_number, RP, paid[0], credits, totals, through=through)
        return totals

    # ---- the personal account ----------------------------------------------------------

    def statements(
        self, id_number: str, insurance: InsuranceType, first_year: int,
        credits: dict[int, tuple[int, int]], totals: Totals, *, through: int = CLOSED_THROUGH,
    ) -> None:  # fmt: skip
        """Yearly statements from ``first_year`` to ``through`` (interest at each year's rate,
        ``schema.personal_account.account_year``); credits of later years are carried uncredited."""
        balance, head = 0, f"{id_number}\t{insurance.value}\t"
        for year in range(first_year, through + 1):
            credited, month_product = credits.get(year, (0, 0))
            rate = self.params[year].interest
            # opening × rate + Σ credit × (13 − n) × rate ÷ 12, in millionths of a fen, half up
            numerator = (balance * 12 + month_product) * rate
            interest = (2 * numerator + 12_000_000) // 24_000_000
            closing = balance + credited + interest
            self.rows.account_years.append(
                f"{head}{year}\t{fen_text(balance)}\t{fen_text(credited)}\t{fen_text(interest)}\t"
                f"{rate // 1_000_000}.{rate % 1_000_000:06d}\t{fen_text(closing)}"
            )
            balance = closing
        later = sum(amount for year, (amount, _) in credits.items() if year > through)
        totals.balance_fen = balance + later


def draw_index(rng: random.Random) -> float:
    roll, low = rng.random(), 0.0
    for share, start, end in INDEX_BANDS:
        low += share
        if roll < low:
            return start if start == end else rng.uniform(start, end)
    return 3.0


def yearly_bases(params: dict[int, YearParams], k: float, first_year: int, last_year: int) -> list[int]:
    """The base of each year in fen: ``k`` × that year's wage, within its limits, to the yuan."""
    out = []
    for year in range(first_year, last_year + 1):
        p = params[year]
        out.append(min(max(round(k * p.wage), p.lower), p.upper) * 100)
    return out
