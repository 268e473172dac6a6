"""Working days: China's statutory holidays and make-up working days (调休上班).

Promised time limits (承诺时限) count working days; a make-up Saturday or Sunday is a
working day and a weekday inside a holiday is not. The data comes from the
official arrangement of a year (the 国务院办公厅 notice) comes, first, from a schedule
loaded as data: the files shipped in ``schema/data/holidays/`` (``schema.holiday_schedule``),
the override table ``schema/data/workday_overrides.json``, or what the server loaded
with ``sync-server calendar import`` and sent down; else from the ``chinesecalendar``
package, whose **version 1.11.0 covers 2004 to 2026**. An official year replaces the
package's data for that year.

A year with neither is counted **provisionally** (暂定) with weekends and the statutory
days off computed by ``schema.statutory_holidays`` (元旦, 春节, 清明, 劳动节, 端午, 中秋,
国庆), so a case always gets a date. :meth:`WorkdayCalendar.due` answers a
:class:`DueDate` that says whether it is provisional; screens, receipts and the API
show 暂定 beside such a date, and the server recounts it when the notice is loaded.
Only a year outside the lunar table (before 1901, after 2099) raises
:class:`WorkdayError` ``workday_no_calendar``.

Counting rule: the day a case is accepted is day 0 and counting starts on the next
working day, so a case accepted on a Friday with 1 working day is due the next Monday
(or on the Saturday, if that Saturday is a make-up working day).

Module-level functions use :func:`default_calendar` (package + shipped schedules);
tests and the server build a :class:`WorkdayCalendar` with overrides of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Literal, Self

import chinese_calendar
from pydantic import BaseModel, ConfigDict, model_validator

from schema.errors import WorkdayError
from schema.holiday_schedule import YearOverride, parse_schedule
from schema.statutory_holidays import has_rule, statutory_days_off

DueKind = Literal["immediate", "working_days", "calendar_days"]
_DAY = timedelta(days=1)


PROVISIONAL_MARK = "暂定"
# Printed under a provisional date, on receipts and screens.
PROVISIONAL_NOTE = "暂定：该年度法定节假日安排尚未公布，日期按法定节假日推算；安排公布后将重新计算并通知。"


class DueDate(BaseModel):
    """A due date, and whether it was counted on the provisional calendar (暂定)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date
    provisional: bool = False

    @property
    def label(self) -> str:
        """``2027-01-15`` or ``2027-01-15（暂定）``, as screens and receipts print it."""
        return mark_provisional(self.day.isoformat(), self.provisional)


def mark_provisional(text: str, provisional: bool) -> str:
    """``text`` with （暂定） after it when ``provisional``."""
    return f"{text}（{PROVISIONAL_MARK}）" if provisional else text


@cache
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


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
    """Working-day arithmetic over official schedules, chinesecalendar and the provisional rule."""

    def __init__(self, overrides: WorkdayOverrides | Mapping[int, YearOverride] | None = None) -> None:
        if isinstance(overrides, WorkdayOverrides):
            overrides = overrides.years
        self._overrides: dict[int, YearOverride] = dict(overrides or {})

    @property
    def years(self) -> Mapping[int, YearOverride]:
        """The official schedules this calendar holds (not the package's years)."""
        return dict(self._overrides)

    def is_official(self, year: int) -> bool:
        """Is ``year`` counted on its official arrangement (else provisionally, 暂定)?"""
        return year in self._overrides or _package_knows(year)

    def is_working_day(self, day: date) -> bool:
        """Is ``day`` a working day? Provisional for a year without its official arrangement;
        WorkdayError ``workday_no_calendar`` only outside the lunar table."""
        override = self._overrides.get(day.year)
        if override is not None:
            if day in override.workdays:
                return True
            return day.weekday() < 5 and day not in override.holidays
        if _package_knows(day.year):
            return bool(chinese_calendar.is_workday(day))
        if not has_rule(day.year):
            raise _no_calendar(day.year)
        return day.weekday() < 5 and day not in statutory_days_off(day.year)

    def due(self, start: date, kind: DueKind, days: int) -> DueDate:
        """:meth:`due_date` and whether any day it looked at was counted provisionally."""
        day = self.due_date(start, kind, days)
        if kind == "immediate":
            return DueDate(day=day)
        # The days looked at: every day after ``start`` (working days), or from the
        # calendar-day end on (calendar days).
        first = start + (_DAY if kind == "working_days" else timedelta(days=days))
        provisional = any(not self.is_official(y) for y in range(first.year, day.year + 1))
        return DueDate(day=day, provisional=provisional)

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
        f"{year} 年超出节假日计算范围（1901–2099 年），无法按工作日计算期限。请核对受理日期是否正确。",
        {"year": year},
    )


def overrides_from_json(text: str | bytes) -> WorkdayOverrides:
    """Parse an override table (the shipped file, or one the server sends down)."""
    return WorkdayOverrides.model_validate_json(text)


def shipped_schedules() -> dict[int, YearOverride]:
    """The official years shipped with the package: ``data/holidays/*.toml``, then the
    override table (which wins for a year in both)."""

    folder = resources.files("schema").joinpath("data/holidays")
    years: dict[int, YearOverride] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            schedule = parse_schedule(entry.read_text(encoding="utf-8"))
            years[schedule.year] = schedule.override
    text = resources.files("schema").joinpath("data/workday_overrides.json").read_text(encoding="utf-8")
    return years | dict(overrides_from_json(text).years)


@cache
def default_calendar() -> WorkdayCalendar:
    """The shipped schedules, chinesecalendar and the provisional rule (read once)."""
    return WorkdayCalendar(shipped_schedules())


def is_working_day(day: date) -> bool:
    """See :meth:`WorkdayCalendar.is_working_day`."""
    return default_calendar().is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """See :meth:`WorkdayCalendar.add_working_days`: Friday + 1 working day = the next Monday."""
    return default_calendar().add_working_days(start, days)


def due_date(start: date, kind: DueKind, days: int) -> date:
    """See :meth:`WorkdayCalendar.due_date`."""
    return default_calendar().due_date(start, kind, days)


def due(start: date, kind: DueKind, days: int, *, calendar: WorkdayCalendar | None = None) -> DueDate:
    """See :meth:`WorkdayCalendar.due`: the one due-date function station and server share
    (through ``schema.case_checks.time_limit_due``), on ``calendar`` or the default one."""
    return (calendar or default_calendar()).due(start, kind, days)


def working_days_between(a: date, b: date) -> int:
    """See :meth:`WorkdayCalendar.working_days_between`."""
    return default_calendar().working_days_between(a, b)
