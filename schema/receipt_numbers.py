"""Numbered receipt stock (票据号段): what the city allocates and a station prints on a 缴费收据.

The city holds the paper numbering of payment receipts: each stock is a ``series`` (票据代码,
8 digits) and numbers 1 … 99,999,999 (票据号码, printed with 8 digits). It allocates a range of
one series (``first`` … ``last``) to one station; ranges never overlap, whichever station
holds them. A station uses its ranges in the order they were allocated, each number once,
without gaps (``station_client.core.receipt_stock``), and may void a receipt (作废) with a
second staff member's password: the number stays used.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_NUMBER = 99_999_999
MAX_RANGE_SIZE = 100_000  # one allocation: a year of a busy station, not the city's whole stock

Series = Annotated[str, StringConstraints(pattern=r"^\d{8}$")]
Number = Annotated[int, Field(ge=1, le=MAX_NUMBER)]


def number_text(series: str, number: int) -> str:
    """How a stock number is written everywhere (stores, audit, paper): ``51110026-00001234``."""
    return f"{series}-{number:08d}"


class StockRef(BaseModel):
    """One number of the stock."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    series: Series
    number: Number

    @property
    def text(self) -> str:
        return number_text(self.series, self.number)


class ReceiptRange(BaseModel):
    """One allocation: numbers ``first`` … ``last`` of ``series``, for one station."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    range_id: int = Field(ge=1)  # the city's id: allocation order
    series: Series
    first: Number
    last: Number
    allocated_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last < self.first or self.size > MAX_RANGE_SIZE:
            raise ValueError(f"a range runs first..last with at most {MAX_RANGE_SIZE} numbers")
        return self

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def holds(self, series: str, number: int) -> bool:
        return series == self.series and self.first <= number <= self.last

    @property
    def text(self) -> str:
        return f"{number_text(self.series, self.first)} 至 {self.last:08d}"


def overlaps(a_first: int, a_last: int, b_first: int, b_last: int) -> bool:
    return a_first <= b_last and b_first <= a_last


def first_overlap(ranges: Iterable[ReceiptRange]) -> tuple[ReceiptRange, ReceiptRange] | None:
    """Two ranges of one series sharing a number (None when they are all apart)."""
    held: dict[str, list[ReceiptRange]] = {}
    for r in ranges:
        for other in held.get(r.series, []):
            if overlaps(r.first, r.last, other.first, other.last):
                return other, r
        held.setdefault(r.series, []).append(r)
    return None
