"""Write ``schema/data/holidays/YYYY.toml`` for every year ``chinesecalendar`` knows.

The package transcribes each year's 国务院办公厅 notice; this turns its data into the
schedule files the system loads (``schema.holiday_schedule``), so the official years
are data like any year loaded later with ``sync-server calendar import``. Run it again
after upgrading the package; ``tests/schema/test_holiday_schedule.py`` checks every
shipped day against the package.

    .venv/bin/python scripts/export_holiday_schedules.py
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

from schema.holiday_schedule import HolidaySchedule, schedule_toml

OUT = Path(__file__).resolve().parent.parent / "schema" / "data" / "holidays"


def _known(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def schedule_of(year: int, version: str) -> HolidaySchedule:
    day, end = date(year, 1, 1), date(year, 12, 31)
    holidays, workdays = set(), set()
    while day <= end:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if on_holiday and name is not None:
            holidays.add(day)
        if day.weekday() >= 5 and chinese_calendar.is_workday(day):
            workdays.add(day)
        day += timedelta(days=1)
    return HolidaySchedule(
        year=year,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        source=f"国务院办公厅关于{year}年部分节假日安排的通知（转录自 chinesecalendar {version}）",
    )


def main() -> None:
    from importlib.metadata import version

    OUT.mkdir(parents=True, exist_ok=True)
    years = [y for y in range(1990, 2100) if _known(y)]
    for year in years:
        (OUT / f"{year}.toml").write_text(
            schedule_toml(schedule_of(year, version("chinesecalendar"))), encoding="utf-8"
        )
    print(f"{len(years)} years written to {OUT} ({years[0]}–{years[-1]})")


if __name__ == "__main__":
    main()
