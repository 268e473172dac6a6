"""Rate tables: contribution base limits and rates, each with the date it takes effect.

A :class:`RateBook` holds two dated series:

* ``limits``: the contribution base limits of a year (Sichuan codes the year as a
  natural year, effective 1 January);
* ``tables``: the rates of every scheme the stations collect or the server computes;

and ``benefits``, the parameters pensions and unemployment benefit are computed from
(:mod:`schema.benefit_rates`).

**A record is valid from its ``effective_from`` until the next record of the same
series starts**, with no end date of its own. So when a year's limits are not yet
published (2026 at the time of writing), the last published year's record stays in
force and :meth:`BaseLimits.carried_forward` says so; nothing is invented for the new
year. Loading the new record (a new book ``version``) ends the old one.

Every item carries ``confirmed`` and ``source``: ``confirmed: false`` marks a
configurable default that docs/sources.md could not source for Leshan; :meth:`RateBook.unconfirmed`
lists them for the administrator. The shipped book is ``schema/data/rates.json``;
the server sends newer books down, and :func:`rates_digest` lets a station prove which
one it holds.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schema.benefit_rates import BenefitRates
from schema.errors import FeeError
from schema.vocabulary import InsuranceType

Rate = Annotated[Decimal, Field(ge=0, le=1)]
Yuan = Annotated[Decimal, Field(gt=0)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BaseLimits(_Record):
    """Monthly contribution base limits of one year: 60% and 300% of the average wage."""

    year: int
    effective_from: date
    average_wage: Yuan
    lower: Yuan
    upper: Yuan
    confirmed: bool
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.lower <= self.average_wage <= self.upper:
            raise ValueError(f"{self.year}: need lower <= average_wage <= upper")
        return self

    def carried_forward(self, on: date) -> bool:
        """True when ``on`` lies in a later year whose own limits are not yet loaded."""
        return on.year > self.year


class SchemeRate(_Record):
    """Employer and employee rates of an employee scheme, and what goes to the personal account.

    ``employer_personal`` / ``employee_personal`` are the parts of each rate credited to
    the personal account; the rest of each rate goes to the pooled fund.
    """

    employer: Rate
    employee: Rate
    employer_personal: Rate = Decimal(0)
    employee_personal: Rate = Decimal(0)
    confirmed: bool
    source: str
    note: str = ""

    @model_validator(mode="after")
    def _shares_within_rates(self) -> Self:
        if self.employer_personal > self.employer or self.employee_personal > self.employee:
            raise ValueError("a personal-account share cannot exceed its rate")
        return self


class WorkInjuryRates(_Record):
    """Benchmark rates of the 8 industry risk classes (employer only, all pooled)."""

    classes: dict[int, Rate]
    confirmed: bool
    source: str

    @model_validator(mode="after")
    def _eight_classes(self) -> Self:
        if sorted(self.classes) != list(range(1, 9)):
            raise ValueError("work-injury rates need exactly the risk classes 1..8")
        return self


class FlexiblePension(_Record):
    """Flexible workers' pension: ``rate`` of the chosen base, ``personal`` of it to the personal account."""

    rate: Rate
    personal: Rate
    confirmed: bool
    source: str

    @model_validator(mode="after")
    def _share_within_rate(self) -> Self:
        if self.personal > self.rate:
            raise ValueError("the personal-account share cannot exceed the rate")
        return self


class FlexibleMedical(_Record):
    """Flexible workers' medical insurance.

    ``base`` says which base the rate applies to: the base the person chose for the
    pension (``chosen``) or the average wage of the limits in force (``average_wage``).
    """

    rate: Rate
    personal: Rate
    base: Literal["chosen", "average_wage"]
    confirmed: bool
    source: str
    note: str = ""

    @model_validator(mode="after")
    def _share_within_rate(self) -> Self:
        if self.personal > self.rate:
            raise ValueError("the personal-account share cannot exceed the rate")
        return self


class ResidentGrade(_Record):
    """One annual grade of the residents' pension and the government subsidy that goes with it."""

    amount: int = Field(gt=0)
    subsidy: Annotated[Decimal, Field(ge=0)]


class ResidentPension(_Record):
    """Urban-rural residents' pension grades; contribution and subsidy both go to the personal account."""

    grades: tuple[ResidentGrade, ...]
    confirmed: bool
    source: str
    note: str = ""

    @model_validator(mode="after")
    def _ascending(self) -> Self:
        amounts = [g.amount for g in self.grades]
        if not amounts or amounts != sorted(set(amounts)):
            raise ValueError("resident pension grades must be unique and ascending")
        return self

    @property
    def amounts(self) -> tuple[int, ...]:
        return tuple(g.amount for g in self.grades)

    def grade(self, amount: int) -> ResidentGrade | None:
        return next((g for g in self.grades if g.amount == amount), None)


class RateTable(_Record):
    """The rates in force from ``effective_from`` until the next table starts."""

    effective_from: date
    source: str
    employee: dict[InsuranceType, SchemeRate]
    work_injury: WorkInjuryRates
    flexible_pension: FlexiblePension
    flexible_medical: FlexibleMedical
    resident_pension: ResidentPension


_Dated = TypeVar("_Dated", BaseLimits, RateTable)


def _latest_on(records: tuple[_Dated, ...], on: date) -> _Dated | None:
    started = [r for r in records if r.effective_from <= on]
    return max(started, key=lambda r: r.effective_from) if started else None


class RateBook(_Record):
    """A versioned set of dated base limits and rate tables."""

    version: str
    published: date
    note: str = ""
    limits: tuple[BaseLimits, ...]
    tables: tuple[RateTable, ...]
    benefits: BenefitRates = BenefitRates()  # pension / unemployment parameters (schema.benefit_rates)

    @model_validator(mode="after")
    def _distinct_dates(self) -> Self:
        for series in (self.limits, self.tables):
            starts = [r.effective_from for r in series]
            if len(starts) != len(set(starts)):
                raise ValueError("two records of one series start on the same day")
        return self

    def in_force(self, on: date) -> RateTable:
        """The rate table in force on ``on`` (FeeError ``fee_no_rates`` before the first one)."""
        table = _latest_on(self.tables, on)
        if table is None:
            raise _no_rates(on, "费率表")
        return table

    def base_limits(self, on: date) -> BaseLimits:
        """The base limits in force on ``on``; the last published year carries forward."""
        limits = _latest_on(self.limits, on)
        if limits is None:
            raise _no_rates(on, "缴费基数上下限")
        return limits

    def unconfirmed(self) -> list[str]:
        """Dotted paths of every item still marked ``confirmed: false``, for the administrator."""
        found = [f"limits.{r.year}" for r in self.limits if not r.confirmed]
        for t in self.tables:
            prefix = f"tables.{t.effective_from.isoformat()}"
            found += [f"{prefix}.employee.{k.value}" for k, v in t.employee.items() if not v.confirmed]
            for name in ("work_injury", "flexible_pension", "flexible_medical", "resident_pension"):
                if not getattr(t, name).confirmed:
                    found.append(f"{prefix}.{name}")
        return found + self.benefits.unconfirmed()


def _no_rates(on: date, what: str) -> FeeError:
    return FeeError(
        "fee_no_rates",
        f"{on.isoformat()} 没有适用的{what}，无法计算缴费。请联系系统管理员同步或载入该期间的费率表。",
        {"date": on.isoformat()},
    )


def rate_book_from_json(text: str | bytes) -> RateBook:
    """Parse a rate book as shipped or as sent down by the server (pydantic validates it)."""
    return RateBook.model_validate_json(text)


@cache
def load_rates() -> RateBook:
    """The rate book shipped with the package (read once, on first use)."""
    text = resources.files("schema").joinpath("data/rates.json").read_text(encoding="utf-8")
    return rate_book_from_json(text)


def rates_digest(book: RateBook) -> str:
    """SHA-256 (hex) of the book's canonical JSON: sorted keys, no spaces, UTF-8.

    Decimals serialise as their strings and dates as ISO text, so the digest is the
    same on every platform for the same book.
    """
    canonical = json.dumps(
        book.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
