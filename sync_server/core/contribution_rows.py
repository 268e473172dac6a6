"""Desk money as contribution records (缴费记录): what a paid fee adds to a person's history. Pure.

Money taken at the desk and posted to the counties is also months of contribution: the
ledger says whose money it is, the records say what it bought. Both come from the same
fee lines, so they agree by construction (``core.ledger_check`` proves it afterwards).

One row per month × insurance type:

* ``personal_part``: what the person paid for that month and insurance (a flexible worker
  pays both the pooled and the personal-account share himself); ``employer_part`` is 0,
  no unit pays at the desk;
* ``account_part``: what goes to the personal account (个人账户), the government's
  subsidy of a residents' pension grade included;
* ``base``: the base chosen (flexible workers; medical on the average wage when the rate
  book says so), or the annual grade (residents' pension, 缴费档次).

A residents' pension grade is annual (its lines carry no month): it becomes the twelve
months of its year, each part split with :func:`schema.money.allocate` so the months sum
to the year exactly and contribution years count twelve months for a paid year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from schema.money import allocate
from schema.rates import RateBook
from schema.vocabulary import Account, InsuranceType

Source = Literal["desk", "back_payment", "bank"]  # bank: a 缴费通知单 paid through the bank
ZERO = Decimal("0.00")
YEAR_MONTHS = 12


class PaidLine(Protocol):
    """A fee line as the station sent it (``schema.cases.FeeLineWire``) or computed (``FeeLine``)."""

    @property
    def insurance(self) -> InsuranceType: ...
    @property
    def account(self) -> Account: ...
    @property
    def month(self) -> str | None: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def payer(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Paid:
    """Who the money is for and where it came from (the columns every row shares)."""

    id_number: str
    county_code: str  # 参保地: the county the money belongs to
    source: Source
    case_id: str
    base: Decimal  # the base chosen, or the residents' pension grade
    year: int | None = None  # the year of an annual grade
    unit_uscc: str | None = None


def source_of(tier: str) -> Source:
    """A general item's fee is paid at the desk for the months it names; a complex item
    collecting money (C012 城乡居民养老保险补缴) pays months of the past: a back-payment."""
    return "desk" if tier == "general" else "back_payment"


def _base(base: Decimal, insurance: InsuranceType, month: str, rates: RateBook | None) -> Decimal:
    if insurance is not InsuranceType.EMPLOYEE_MEDICAL or rates is None:
        return base
    medical = _medical_base(rates, month)
    return base if medical is None else medical


# (id of the rate book, month) -> (the book, the medical base it sets for the month, or None);
# the book is kept with its answer, so an id reused by another book is never a hit.
_MEDICAL_BASES: dict[tuple[int, str], tuple[RateBook, Decimal | None]] = {}
_MAX_MEDICAL_BASES = 1024


def _medical_base(rates: RateBook, month: str) -> Decimal | None:
    """The average wage when the rate book bases a month's medical contribution on it
    (None: on the base chosen), worked out once per book and month."""
    hit = _MEDICAL_BASES.get((id(rates), month))
    if hit is not None and hit[0] is rates:
        return hit[1]
    on = dt.date.fromisoformat(f"{month}-01")
    base = (
        rates.base_limits(on).average_wage
        if rates.in_force(on).flexible_medical.base == "average_wage"
        else None
    )
    if len(_MEDICAL_BASES) >= _MAX_MEDICAL_BASES:
        _MEDICAL_BASES.clear()
    _MEDICAL_BASES[(id(rates), month)] = (rates, base)
    return base


# What a paid fee bought in one month of one insurance: (insurance type, month, base,
# personal part, account part); the same for everyone who pays the same fee.
Part = tuple[str, str, Decimal, Decimal, Decimal]


def contribution_rows(
    lines: Iterable[PaidLine], paid: Paid, *, rates: RateBook | None, recorded_at: dt.datetime
) -> list[dict[str, object]]:
    """The ``contribution_records`` rows of one paid fee (empty when nothing was paid)."""
    return rows_of(month_parts(lines, paid.base, paid.year, rates=rates), paid, recorded_at=recorded_at)


def month_parts(
    lines: Iterable[PaidLine], base: Decimal, year: int | None, *, rates: RateBook | None
) -> list[Part]:
    """The months a fee paid for (``base``: the base chosen or the grade; ``year``: the year of
    an annual grade), in the rows' order: by insurance type, then month."""
    months: dict[tuple[InsuranceType, str | None], list[Decimal]] = {}
    for line in lines:
        parts = months.setdefault((line.insurance, line.month), [ZERO, ZERO])
        if line.payer == "person":
            parts[0] += line.amount
        if line.account is Account.PERSONAL:
            parts[1] += line.amount
    out: list[Part] = []
    for (insurance, month), (personal, account) in months.items():
        if month is not None:
            out.append((insurance.value, month, _base(base, insurance, month, rates), personal, account))
            continue
        if year is None:
            raise ValueError("an annual fee line needs the year it pays for")
        spread = [Decimal(1)] * YEAR_MONTHS
        for n, (p, a) in enumerate(zip(allocate(personal, spread), allocate(account, spread), strict=True)):
            out.append((insurance.value, f"{year:04d}-{n + 1:02d}", base, p, a))
    out.sort(key=lambda r: (r[0], r[1]))
    return out


def rows_of(parts: Iterable[Part], paid: Paid, *, recorded_at: dt.datetime) -> list[dict[str, object]]:
    """The rows of :func:`month_parts` for the person and case of ``paid``."""
    return [
        {
            "id_number": paid.id_number,
            "insurance_type": insurance,
            "month": month,
            "base": base,
            "employer_part": ZERO,
            "personal_part": personal,
            "account_part": account,
            "source": paid.source,
            "case_id": paid.case_id,
            "county_code": paid.county_code,
            "unit_uscc": paid.unit_uscc,
            "recorded_at": recorded_at,
        }
        for insurance, month, base, personal, account in parts
    ]
