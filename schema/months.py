"""Calendar months (``YYYY-MM``, as forms record them) and spans of years and months.

Benefit rules count in whole months: a retirement age is 60 years and 3 months, a
retirement takes effect in a month, contribution years are months ÷ 12. Months travel as
the forms' ``YYYY-MM`` text; arithmetic goes through a month index (year × 12 + month − 1).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
Month = Annotated[str, Field(pattern=MONTH_PATTERN)]
_MONTH = re.compile(MONTH_PATTERN)


def month_index(month: str) -> int:
    """``"2025-02"`` → 2025 × 12 + 1; ValueError for anything not ``YYYY-MM``."""
    if not _MONTH.fullmatch(month):
        raise ValueError(f"not a month (YYYY-MM): {month!r}")
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def month_at(index: int) -> str:
    """The month of a month index (the inverse of :func:`month_index`)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(day: date) -> str:
    """The month a date falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, count: int) -> str:
    """``month`` moved by ``count`` months (negative: earlier)."""
    return month_at(month_index(month) + count)


def months_from(start: str, end: str) -> int:
    """How many months ``end`` lies after ``start`` (negative when before)."""
    return month_index(end) - month_index(start)


def year_of(month: str) -> int:
    return month_index(month) // 12


def first_day(month: str) -> date:
    """The first day of a month (what a dated rate-book entry is looked up by)."""
    index = month_index(month)
    return date(index // 12, index % 12 + 1, 1)


class YearsMonths(BaseModel):
    """A span in whole years and months: an age (60 岁 3 个月) or contribution years (15 年 6 个月)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    years: int = Field(ge=0)
    months: int = Field(ge=0, le=11)

    @classmethod
    def of(cls, total_months: int) -> Self:
        if total_months < 0:
            raise ValueError(f"a span cannot be negative: {total_months} months")
        return cls(years=total_months // 12, months=total_months % 12)

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    def as_age(self) -> str:
        """``"60 岁 3 个月"`` (``"60 周岁"`` when the months are 0)."""
        return f"{self.years} 周岁" if not self.months else f"{self.years} 岁 {self.months} 个月"

    def as_span(self) -> str:
        """``"15 年 6 个月"`` (``"15 年"`` when the months are 0)."""
        return f"{self.years} 年" if not self.months else f"{self.years} 年 {self.months} 个月"


def chinese_month(month: str) -> str:
    """``"2025-02"`` → ``"2025 年 2 月"``, as people read it."""
    index = month_index(month)
    return f"{index // 12} 年 {index % 12 + 1} 月"
