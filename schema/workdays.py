"""Working days: China's statutory holidays and make-up working days (调休上班).

Promised time limits (承诺时限) count working days; a make-up Saturday or Sunday is a
working day and a weekday inside a holiday is not. The data comes from the
``chinesecalendar`` package (``chinese_calendar.is_workday``): **version 1.11.0 covers
2004 to 2026** and raises ``NotImplementedError`` for any other year (checked by
printing its range). For other years, or to correct a year, the override table
``schema/data/workday_overrides.json`` holds each year's holidays and make-up days
copied from the 国务院办公厅 notice, with that notice as its ``source``; an override
year replaces the package's data for that year. Without either, counting raises
:class:`WorkdayError` ``workday_no_calendar`` rather than guessing: a wrong due date
printed on a receipt is a promise broken.

Counting rule: the day a case is accepted is day 0 and counting starts on the next
working day, so a case accepted on a Friday with 1 working day is due the next Monday
(or on the Saturday, if that Saturday is a make-up working day).

Module-level functions use :func:`default_calendar` (package + shipped overrides);
tests and the server build a :class:`WorkdayCalendar` with overrides of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Literal, Self

import chinese_calendar
from pydantic import BaseModel, ConfigDict, Field, model_validator

from schema.errors import WorkdayError

DueKind = Literal["immediate", "working_days", "calendar_days"]
_DAY = timedelta(days=1)


class YearOverride(BaseModel):
    """One year's holiday arrangement, as the State Council's notice gives it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    holidays: frozenset[date]  # days off, weekdays included (放假)
    workdays: frozenset[date] = frozenset()  # weekend days worked (调休上班)
    source: str = Field(min_length=1)  # the notice: title / 文号 / URL


class WorkdayOverrides(BaseModel):
    """The override table: year → arrangement."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    note: str = ""
    years: dict[int, YearOverride] = {}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for year, data in self.years.items():
            if any(d.year != year for d in data.holidays | data.workdays):
                raise ValueError(f"{year}: a date outside the year")
            if data.holidays & data.workdays:
                raise ValueError(f"{year}: a day cannot be both a holiday and a working day")
        return self


class WorkdayCalendar:
    """Working-day arithmetic over chinesecalendar plus an override table."""

    def __init__(self, overrides: WorkdayOverrides | Mapping[int, YearOverride] | None = None) -> None:
        if isinstance(overrides, WorkdayOverrides):
            overrides = overrides.years
        self._overrides: dict[int, YearOverride] = dict(overrides or {})

    def is_working_day(self, day: date) -> bool:
        """Is ``day`` a working day? WorkdayError ``workday_no_calendar`` if its year is unknown."""
        override = self._overrides.get(day.year)
        if override is not None:
            if day in override.workdays:
                return True
            return day.weekday() < 5 and day not in override.holidays
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            raise _no_calendar(day.year) from None

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself is day 0, never counted)."""
        if days < 0:
            raise ValueError(f"days must not be negative: {days}")
        day = start
        while days:
            day += _DAY
            days -= self.is_working_day(day)
        return day

    def due_date(self, start: date, kind: DueKind, days: int) -> date:
        """The due date of a time limit that starts on ``start``.

        * ``immediate`` (即办): ``start`` itself; ``days`` is ignored.
        * ``working_days``: :meth:`add_working_days`.
        * ``calendar_days``: ``start + days``, moved to the next working day when it
          falls on a rest day (民法典第二百零三条: a period ending on a statutory rest day
          ends on the first day after it).
        """
        if kind == "immediate":
            return start
        if kind == "working_days":
            return self.add_working_days(start, days)
        if days < 0:
            raise ValueError(f"days must not be negative: {days}")
        due = start + timedelta(days=days)
        while not self.is_working_day(due):
            due += _DAY
        return due

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``.

        The inverse of :meth:`add_working_days`: ``working_days_between(a,
        add_working_days(a, n)) == n``. For a finished case, ``working_days_between(due,
        finished) > 0`` means it was late by that many working days.
        """
        if b < a:
            return -self.working_days_between(b, a)
        count, day = 0, a
        while day < b:
            day += _DAY
            count += self.is_working_day(day)
        return count


def _no_calendar(year: int) -> WorkdayError:
    return WorkdayError(
        "workday_no_calendar",
        f"系统没有 {year} 年的法定节假日安排，无法按工作日计算期限。"
        f"请系统管理员将国务院办公厅关于 {year} 年部分节假日安排的通知录入节假日覆盖表"
        "（workday_overrides.json）后再试。",
        {"year": year},
    )


def overrides_from_json(text: str | bytes) -> WorkdayOverrides:
    """Parse an override table (the shipped file, or one the server sends down)."""
    return WorkdayOverrides.model_validate_json(text)


@cache
def default_calendar() -> WorkdayCalendar:
    """chinesecalendar plus the override table shipped with the package (read once)."""
    text = resources.files("schema").joinpath("data/workday_overrides.json").read_text(encoding="utf-8")
    return WorkdayCalendar(overrides_from_json(text))


def is_working_day(day: date) -> bool:
    """See :meth:`WorkdayCalendar.is_working_day`."""
    return default_calendar().is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """See :meth:`WorkdayCalendar.add_working_days`: Friday + 1 working day = the next Monday."""
    return default_calendar().add_working_days(start, days)


def due_date(start: date, kind: DueKind, days: int) -> date:
    """See :meth:`WorkdayCalendar.due_date`."""
    return default_calendar().due_date(start, kind, days)


def working_days_between(a: date, b: date) -> int:
    """See :meth:`WorkdayCalendar.working_days_between`."""
    return default_calendar().working_days_between(a, b)
