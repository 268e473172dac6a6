"""The month's statistics (统计月报) by county and township. Pure: query results in, report out.

The service (``services.reports.statistics``) reads grouped figures; this module puts them
on one grid of places and adds county subtotals and the city total:

* **enrolled** per insurance (covered on the month's last day), **new** (covered from a day
  of the month) and **stopped** (last day covered in the month);
* **collected** per insurance: the ledger's ``collected`` side of the month, at the collecting
  county and the township of the case's station, so each county's figure is the ledger's;
* **planned**: the month's collection plan when one was built, else ``None`` (shown 未编制);
* **benefits** per kind (persons and yuan): the payment plan's paid lines when the month's plan
  was paid, else the benefits in payment that month (``benefit_source`` says which);
* **cases**: accepted and finished in the month, overdue (finished late in the month, or still
  open past the due date on the month's last day), from one fact per case.

A township outside its row's county (a person registered in one county and insured in another,
or 市本级) is shown on the county's own line ``township=""`` (区县本级及其他), so townships
always sit under their county and a county's subtotal is the sum of its lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sync_server.core.clock import beijing_date

ZERO = Decimal("0.00")
CITY = ""  # the key of the city total


@dataclass(frozen=True, slots=True)
class EnrolmentCount:
    county: str
    township: str | None
    insurance: str
    enrolled: int
    new: int
    stopped: int


@dataclass(frozen=True, slots=True)
class Amount:
    """Money per place and key (an insurance type, or a benefit kind with its persons)."""

    county: str
    township: str | None
    key: str
    amount: Decimal
    persons: int = 0


@dataclass(frozen=True, slots=True)
class CaseFact:
    county: str
    township: str | None
    accepted_at: dt.datetime
    completed_at: dt.datetime | None
    due_date: dt.date | None


@dataclass
class Line:
    """One township (or a county subtotal, or the city total: ``township is None``)."""

    county: str
    township: str | None
    enrolled: dict[str, int] = field(default_factory=dict)
    new: dict[str, int] = field(default_factory=dict)
    stopped: dict[str, int] = field(default_factory=dict)
    collected: dict[str, Decimal] = field(default_factory=dict)
    planned: dict[str, Decimal] = field(default_factory=dict)
    benefits: dict[str, Decimal] = field(default_factory=dict)
    beneficiaries: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    finished: int = 0
    overdue: int = 0

    @property
    def collected_total(self) -> Decimal:
        return sum(self.collected.values(), ZERO)

    @property
    def planned_total(self) -> Decimal:
        return sum(self.planned.values(), ZERO)

    @property
    def benefits_total(self) -> Decimal:
        return sum(self.benefits.values(), ZERO)

    def add(self, other: Line) -> None:
        for mine, theirs in (
            (self.enrolled, other.enrolled),
            (self.new, other.new),
            (self.stopped, other.stopped),
            (self.beneficiaries, other.beneficiaries),
        ):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        for money, more in (
            (self.collected, other.collected),
            (self.planned, other.planned),
            (self.benefits, other.benefits),
        ):
            for key, amount in more.items():
                money[key] = money.get(key, ZERO) + amount
        self.accepted += other.accepted
        self.finished += other.finished
        self.overdue += other.overdue


@dataclass(frozen=True)
class County:
    subtotal: Line
    townships: tuple[Line, ...]


@dataclass(frozen=True)
class MonthlyReport:
    month: str
    counties: tuple[County, ...]
    total: Line
    insurances: tuple[str, ...]  # the insurance types that appear, in a stable order
    benefit_kinds: tuple[str, ...]
    planned: bool  # a collection plan exists for the month (else 未编制)
    benefit_source: str  # "payment_plan" | "in_payment"


def month_days(month: str) -> tuple[dt.date, dt.date]:
    """The first and last day of ``YYYY-MM``."""
    first = dt.date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def place(county: str, township: str | None) -> tuple[str, str]:
    """The line a figure belongs to: its township when the township is in the county."""
    if township and township.startswith(county):
        return county, township
    return county, ""


def case_counts(facts: Iterable[CaseFact], month: str) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(accepted, finished, overdue) per line for the month."""
    first, last = month_days(month)
    out: dict[tuple[str, str], tuple[int, int, int]] = {}
    for fact in facts:
        accepted = first <= beijing_date(fact.accepted_at) <= last
        done = beijing_date(fact.completed_at) if fact.completed_at else None
        finished = done is not None and first <= done <= last
        if fact.due_date is None:
            overdue = False
        elif finished:
            overdue = done is not None and done > fact.due_date
        else:
            open_at_end = done is None or done > last
            overdue = open_at_end and fact.due_date < last and beijing_date(fact.accepted_at) <= last
        if not (accepted or finished or overdue):
            continue
        key = place(fact.county, fact.township)
        a, f, o = out.get(key, (0, 0, 0))
        out[key] = (a + accepted, f + finished, o + overdue)
    return out


def _order(seen: set[str], preferred: Iterable[str]) -> tuple[str, ...]:
    known = [k for k in preferred if k in seen]
    return (*known, *sorted(seen - set(known)))


def monthly_report(
    month: str,
    *,
    enrolments: Iterable[EnrolmentCount],
    collected: Iterable[Amount],
    planned: Iterable[Amount] | None,
    benefits: Iterable[Amount],
    benefit_source: str,
    cases: Iterable[CaseFact],
    insurance_order: Iterable[str] = (),
    benefit_order: Iterable[str] = (),
) -> MonthlyReport:
    lines: dict[tuple[str, str], Line] = {}

    def line(county: str, township: str | None) -> Line:
        key = place(county, township)
        if key not in lines:
            lines[key] = Line(*key)
        return lines[key]

    insurances: set[str] = set()
    for e in enrolments:
        row = line(e.county, e.township)
        insurances.add(e.insurance)
        for counts, value in ((row.enrolled, e.enrolled), (row.new, e.new), (row.stopped, e.stopped)):
            counts[e.insurance] = counts.get(e.insurance, 0) + value
    for a in collected:
        row = line(a.county, a.township)
        insurances.add(a.key)
        row.collected[a.key] = row.collected.get(a.key, ZERO) + a.amount
    for a in planned or ():
        row = line(a.county, a.township)
        insurances.add(a.key)
        row.planned[a.key] = row.planned.get(a.key, ZERO) + a.amount
    kinds: set[str] = set()
    for a in benefits:
        row = line(a.county, a.township)
        kinds.add(a.key)
        row.benefits[a.key] = row.benefits.get(a.key, ZERO) + a.amount
        row.beneficiaries[a.key] = row.beneficiaries.get(a.key, 0) + a.persons
    for (county, township), (accepted, finished, overdue) in case_counts(cases, month).items():
        row = line(county, township)
        row.accepted, row.finished, row.overdue = accepted, finished, overdue

    total = Line(CITY, None)
    counties = []
    for county in sorted({c for c, _ in lines}):
        subtotal = Line(county, None)
        townships = tuple(lines[k] for k in sorted(k for k in lines if k[0] == county))
        for t in townships:
            subtotal.add(t)
        total.add(subtotal)
        counties.append(County(subtotal, townships))
    return MonthlyReport(
        month,
        tuple(counties),
        total,
        _order(insurances, insurance_order),
        _order(kinds, benefit_order),
        planned is not None,
        benefit_source,
    )
