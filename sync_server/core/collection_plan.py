"""The month's collection plan (征缴计划): what each unit and each flexible worker owes. Pure.

Input is one :class:`Contributor` per enrolment that may owe the month (read by
``services/finance/collection.py``); output is one :class:`PlanLine` per (payer, insurance):

* **a unit** (``payer_kind="unit"``) owes, per insurance, the employer part and its
  employees' parts summed over its employees enrolled as ``employee`` and ``active`` that
  month (a suspended or stopped enrolment owes nothing; a closed unit owes nothing);
* **a flexible worker** (``payer_kind="flexible"``) owes his own pension (and medical, when
  enrolled) at the flexible rates of the rate book, all of it his own part.

**The base rule** (documented in docs/server.md): the planned base of an enrolment is the
base of the person's latest contribution record of that insurance before the month (a
refund row does not count), brought within the month's base limits (60 %–300 % of the
average wage in force: the declaring employer's step, done here so the plan is what the
declaration must be); with no record yet, the lower limit. Units declare no base of their own
in the one database, so the records are the declared bases. Flexible medical uses the
average wage when the rate book says so (``flexible_medical.base``).

Amounts follow ``schema.fees`` exactly: ``to_fen(base × rate)`` per party, split personal :
pooled by largest remainder; a unit's line is the sum of its employees' fen amounts, so a
line always equals what the employees' declarations add up to.

The due day is the 15th of the following month (:data:`DUE_DAY`, a parameter: pass another
day when the bureau's rules change). Each line carries a SHA-256 ``digest`` of its content,
so a rebuild writes only lines whose content changed (:func:`diff_plan`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from schema.money import allocate, to_fen
from schema.rates import RateBook, RateTable
from schema.vocabulary import InsuranceType

DUE_DAY = 15  # 次月 15 日前缴清 (the bureau's collection calendar; a parameter of plan_lines)
ZERO = Decimal("0.00")
PayerKind = Literal["unit", "flexible"]

# Employee schemes a unit declares (maternity is merged into employee medical in Sichuan).
UNIT_SCHEMES = frozenset(
    {
        InsuranceType.ENTERPRISE_PENSION,
        InsuranceType.INSTITUTION_PENSION,
        InsuranceType.EMPLOYEE_MEDICAL,
        InsuranceType.UNEMPLOYMENT,
        InsuranceType.WORK_INJURY,
    }
)
FLEXIBLE_SCHEMES = frozenset({InsuranceType.ENTERPRISE_PENSION, InsuranceType.EMPLOYEE_MEDICAL})


@dataclass(frozen=True, slots=True)
class Contributor:
    """One enrolment that may owe the month, with what the plan needs to price it."""

    id_number: str
    insurance: str
    kind: str  # employee | flexible (others are skipped)
    status: str  # active | suspended | stopped
    since: dt.date
    until: dt.date | None
    county: str  # 参保地 of the enrolment
    township: str | None  # flexible: 经常居住地, else 户籍
    latest_base: Decimal | None  # of the latest contribution record before the month
    unit_uscc: str | None = None
    unit_county: str | None = None
    unit_township: str | None = None
    unit_risk_class: int | None = None
    unit_active: bool = True


@dataclass(frozen=True, slots=True)
class PlanLine:
    month: str
    payer_kind: PayerKind
    payer: str
    insurance: str
    county: str
    township: str | None
    persons: int
    base_total: Decimal
    employer_part: Decimal
    employee_part: Decimal
    account_part: Decimal
    due_date: dt.date
    digest: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.month, self.payer_kind, self.payer, self.insurance)

    @property
    def amount(self) -> Decimal:
        return self.employer_part + self.employee_part


@dataclass(frozen=True, slots=True)
class Skipped:
    """An enrolment the plan could not price, and why (shown to 基金财务)."""

    id_number: str
    insurance: str
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    month: str
    lines: tuple[PlanLine, ...]
    skipped: tuple[Skipped, ...]

    @property
    def total(self) -> Decimal:
        return sum((x.amount for x in self.lines), ZERO)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY-MM``."""
    year, mon = int(month[:4]), int(month[5:7])
    first = dt.date(year, mon, 1)
    following = dt.date(year + mon // 12, mon % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def due_date(month: str, due_day: int = DUE_DAY) -> dt.date:
    """The day the month's contributions are due: ``due_day`` of the following month."""
    _first, last = month_bounds(month)
    return (last + dt.timedelta(days=1)).replace(day=due_day)


def _owes(c: Contributor, first: dt.date, last: dt.date) -> bool:
    if c.status != "active" or c.since > last or (c.until is not None and c.until < first):
        return False
    if c.kind == "employee":
        return c.insurance in UNIT_SCHEMES and c.unit_uscc is not None and c.unit_active
    return c.kind == "flexible" and c.insurance in FLEXIBLE_SCHEMES


@lru_cache(maxsize=65536)
def _charge(base: Decimal, rate: Decimal, personal: Decimal) -> tuple[Decimal, Decimal]:
    """(amount, of which personal account): schema.fees' ``_charge`` arithmetic."""
    if rate == 0:
        return ZERO, ZERO
    amount = to_fen(base * rate)
    return amount, allocate(amount, [personal, rate - personal])[0]


def _within(base: Decimal | None, lower: Decimal, upper: Decimal) -> Decimal:
    if base is None or base <= 0:
        return to_fen(lower)
    return to_fen(min(max(base, lower), upper))


def _price(
    c: Contributor, table: RateTable, lower: Decimal, upper: Decimal, average: Decimal
) -> tuple[Decimal, Decimal, Decimal, Decimal] | str:
    """(base, employer, employee, account) of one enrolment, or the reason it cannot be priced."""
    base = _within(c.latest_base, lower, upper)
    insurance = InsuranceType(c.insurance)
    if c.kind == "flexible":
        if insurance is InsuranceType.ENTERPRISE_PENSION:
            scheme = table.flexible_pension
            own, account = _charge(base, scheme.rate, scheme.personal)
            return base, ZERO, own, account
        medical = table.flexible_medical
        base = to_fen(average) if medical.base == "average_wage" else base
        own, account = _charge(base, medical.rate, medical.personal)
        return base, ZERO, own, account
    if insurance is InsuranceType.WORK_INJURY:
        rate = table.work_injury.classes.get(c.unit_risk_class or 0)
        if rate is None:
            return "单位未核定工伤保险行业风险类别（C093），无法计划工伤保险费"
        employer, _ = _charge(base, rate, Decimal(0))
        return base, employer, ZERO, ZERO
    scheme_rate = table.employee.get(insurance)
    if scheme_rate is None:
        return "费率表中没有该险种的职工缴费费率"
    employer, employer_account = _charge(base, scheme_rate.employer, scheme_rate.employer_personal)
    employee, employee_account = _charge(base, scheme_rate.employee, scheme_rate.employee_personal)
    return base, employer, employee, employer_account + employee_account


def line_digest(line: PlanLine) -> str:
    """SHA-256 of everything a line says (not when it was built)."""
    text = "|".join(
        str(v)
        for v in (
            *line.key,
            line.county,
            line.township or "",
            line.persons,
            line.base_total,
            line.employer_part,
            line.employee_part,
            line.account_part,
            line.due_date.isoformat(),
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_lines(
    month: str, contributors: Iterable[Contributor], rates: RateBook, *, due_day: int = DUE_DAY
) -> Plan:
    """The month's plan from its contributors: one line per (payer, insurance), sorted by key."""
    first, last = month_bounds(month)
    table, limits = rates.in_force(first), rates.base_limits(first)
    due = due_date(month, due_day)
    sums: dict[tuple[PayerKind, str, str], list[Decimal]] = {}
    where: dict[tuple[PayerKind, str, str], tuple[str, str | None]] = {}
    counts: dict[tuple[PayerKind, str, str], int] = {}
    skipped: list[Skipped] = []
    for c in contributors:
        if not _owes(c, first, last):
            continue
        priced = _price(c, table, limits.lower, limits.upper, limits.average_wage)
        if isinstance(priced, str):
            skipped.append(Skipped(c.id_number, c.insurance, priced))
            continue
        if c.kind == "employee":
            assert c.unit_uscc is not None  # _owes checked it
            key: tuple[PayerKind, str, str] = ("unit", c.unit_uscc, c.insurance)
            where.setdefault(key, (c.unit_county or c.county, c.unit_township))
        else:
            key = ("flexible", c.id_number, c.insurance)
            where.setdefault(key, (c.county, c.township))
        acc = sums.setdefault(key, [ZERO, ZERO, ZERO, ZERO])
        for i, value in enumerate(priced):
            acc[i] += value
        counts[key] = counts.get(key, 0) + 1
    lines = []
    for key in sorted(sums):
        base, employer, employee, account = sums[key]
        county, township = where[key]
        line = PlanLine(month, key[0], key[1], key[2], county, township, counts[key],
                        base, employer, employee, account, due)  # fmt: skip
        lines.append(replace(line, digest=line_digest(line)))
    return Plan(month, tuple(lines), tuple(skipped))


@dataclass(frozen=True, slots=True)
class PlanDiff:
    """What a rebuild changes: lines to insert, to replace, to delete (by key)."""

    added: tuple[PlanLine, ...]
    changed: tuple[PlanLine, ...]
    removed: tuple[tuple[str, str, str, str], ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def diff_plan(new: Sequence[PlanLine], stored: Mapping[tuple[str, str, str, str], str]) -> PlanDiff:
    """Compare a fresh plan with the stored digests (key → digest) of the same month."""
    fresh = {line.key: line for line in new}
    added = tuple(x for k, x in fresh.items() if k not in stored)
    changed = tuple(x for k, x in fresh.items() if k in stored and stored[k] != x.digest)
    removed = tuple(sorted(k for k in stored if k not in fresh))
    return PlanDiff(added, changed, removed)
