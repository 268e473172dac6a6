"""A year's official holiday arrangement as a file: the State Council's notice as data.

Each year the 国务院办公厅 publishes 关于 YYYY 年部分节假日安排的通知: the days off (放假)
and the weekend days worked instead (调休上班). It is entered as a small TOML file,
one per year, and loaded with ``sync-server calendar import FILE``; the years the
``chinesecalendar`` package knows are shipped in ``schema/data/holidays/``::

    # 国务院办公厅关于2026年部分节假日安排的通知
    year = 2026
    source = "国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）"
    holidays = [            # days off, weekends inside a holiday included
      "2026-01-01..2026-01-03",   # 元旦: a range, both ends included
      "2026-04-04..2026-04-06",
    ]
    workdays = ["2026-01-04", "2026-02-14"]   # Saturdays and Sundays worked

Dates are ``YYYY-MM-DD`` strings (full-width digits are folded) or TOML dates; a range is
``FIRST..LAST``. :func:`parse_schedule` refuses, with a code from
:data:`HOLIDAY_ERROR_MESSAGES`, a file that is not TOML, a date outside the year, a day
both off and worked, a make-up working day that is not a weekend day, or no source.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schema.errors import WorkdayError
from schema.normalize import to_half_width

HOLIDAY_ERROR_MESSAGES: dict[str, str] = {
    "holiday_file_invalid": "节假日安排文件无法读取（不是 UTF-8 编码的 TOML 文件）：请按 docs/server.md 的格式整理后重新导入。",
    "holiday_year_invalid": "节假日安排文件缺少年份或年份不对：请写明 year = 2027 这样的四位年份。",
    "holiday_source_missing": "节假日安排文件没有写明出处：请在 source 中填写国务院办公厅通知的标题和文号。",
    "holiday_date_invalid": "节假日安排中有无法识别的日期：请按 2027-01-01 或 2027-01-01..2027-01-03 的格式填写。",
    "holiday_date_outside_year": "节假日安排中有不属于该年度的日期：请核对通知，只填写该年度的日期。",
    "holiday_day_conflict": "同一天既是放假日又是调休上班日：请核对通知后改正。",
    "holiday_workday_not_weekend": "调休上班日应是周六或周日：请核对通知后改正。",
    "holiday_none": "节假日安排中没有放假日：请核对文件是否完整。",
}


class YearOverride(BaseModel):
    """One year's holiday arrangement, as the State Council's notice gives it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    holidays: frozenset[date]  # days off, weekdays included (放假)
    workdays: frozenset[date] = frozenset()  # weekend days worked (调休上班)
    source: str = Field(min_length=1)  # the notice: title / 文号 / URL


class HolidayScheduleError(WorkdayError):
    """A holiday-arrangement file cannot be taken as it is."""


def _error(code: str, detail: dict[str, Any] | None = None, extra: str = "") -> HolidayScheduleError:
    message = HOLIDAY_ERROR_MESSAGES[code]
    return HolidayScheduleError(code, f"{message}{extra}", detail)


class HolidaySchedule(BaseModel):
    """One year's official arrangement."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=1900, le=2099)
    holidays: frozenset[date]
    workdays: frozenset[date] = frozenset()
    source: str = Field(min_length=1)

    @property
    def override(self) -> YearOverride:
        return YearOverride(holidays=self.holidays, workdays=self.workdays, source=self.source)


def _day(value: object) -> date:
    if isinstance(value, date):
        return value
    text = to_half_width(str(value)).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _error("holiday_date_invalid", {"value": str(value)[:40]}, f"（{str(value)[:40]}）") from None


def _days(entries: object) -> set[date]:
    if entries is None:
        return set()
    if not isinstance(entries, list):
        raise _error("holiday_date_invalid", {"value": str(entries)[:40]})
    out: set[date] = set()
    for entry in entries:
        first, sep, last = to_half_width(entry).partition("..") if isinstance(entry, str) else (entry, "", "")
        start = _day(first)
        end = _day(last) if sep else start
        if end < start:
            raise _error("holiday_date_invalid", {"value": str(entry)[:40]}, f"（{entry}：结束早于开始）")
        out |= {start + timedelta(days=n) for n in range((end - start).days + 1)}
    return out


def schedule_from_mapping(data: dict[str, Any]) -> HolidaySchedule:
    """Check a parsed file (see the module docstring) and build the schedule."""
    year = data.get("year")
    if isinstance(year, str) and to_half_width(year).strip().isdigit():
        year = int(to_half_width(year).strip())
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2099:
        raise _error("holiday_year_invalid", {"year": str(year)[:20]})
    source = str(data.get("source") or "").strip()
    if not source:
        raise _error("holiday_source_missing", {"year": year})
    holidays, workdays = _days(data.get("holidays")), _days(data.get("workdays"))
    if not holidays:
        raise _error("holiday_none", {"year": year})
    outside = sorted(d for d in holidays | workdays if d.year != year)
    if outside:
        raise _error("holiday_date_outside_year", {"year": year, "dates": _iso(outside)}, f"（{outside[0]}）")
    both = sorted(holidays & workdays)
    if both:
        raise _error("holiday_day_conflict", {"dates": _iso(both)}, f"（{both[0]}）")
    weekday = sorted(d for d in workdays if d.weekday() < 5)
    if weekday:
        raise _error("holiday_workday_not_weekend", {"dates": _iso(weekday)}, f"（{weekday[0]}）")
    return HolidaySchedule(
        year=year, holidays=frozenset(holidays), workdays=frozenset(workdays), source=source
    )


def parse_schedule(content: bytes | str) -> HolidaySchedule:
    """A schedule from the text of a TOML file; HolidayScheduleError when it cannot be taken."""
    try:
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _error("holiday_file_invalid", {"error": str(exc)[:200]}) from None
    return schedule_from_mapping(data)


def _iso(days: Iterable[date]) -> list[str]:
    return [d.isoformat() for d in days]


def _ranges(days: Iterable[date]) -> list[str]:
    """Consecutive days folded into ``FIRST..LAST`` ranges."""
    out: list[tuple[date, date]] = []
    for day in sorted(days):
        if out and out[-1][1] + timedelta(days=1) == day:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return [f"{a}..{b}" if a != b else a.isoformat() for a, b in out]


def schedule_toml(schedule: HolidaySchedule) -> str:
    """The schedule as a file :func:`parse_schedule` reads back (ranges folded)."""
    holidays = ",\n".join(f'  "{r}"' for r in _ranges(schedule.holidays))
    workdays = ", ".join(f'"{d}"' for d in _iso(sorted(schedule.workdays)))
    source = schedule.source.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"# {schedule.source}\n"
        f"year = {schedule.year}\n"
        f'source = "{source}"\n'
        f"holidays = [\n{holidays},\n]\n"
        f"workdays = [{workdays}]\n"
    )
