"""Holiday-arrangement files: the format, its checks, and the years shipped with the package."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from schema.error_codes import error_codes
from schema.holiday_schedule import (
    HOLIDAY_ERROR_MESSAGES,
    HolidayScheduleError,
    parse_schedule,
    schedule_toml,
)
from schema.workdays import WorkdayCalendar, shipped_schedules

# A test fixture, not a real notice.
FIXTURE = """
year = 2035
source = "测试用安排"
holidays = ["2035-01-01", "2035-02-07..2035-02-13"]
workdays = ["2035-02-04"]
"""


def test_a_file_with_ranges_is_read():
    schedule = parse_schedule(FIXTURE)
    assert schedule.year == 2035 and schedule.source == "测试用安排"
    assert schedule.holidays == {date(2035, 1, 1)} | {date(2035, 2, d) for d in range(7, 14)}
    assert schedule.workdays == {date(2035, 2, 4)}  # a Sunday
    assert parse_schedule(schedule_toml(schedule)) == schedule  # what `calendar show` could write back


def test_full_width_digits_are_folded_not_refused():
    text = FIXTURE.replace('"2035-01-01"', '"２０３５－０１－０１"'.replace("－", "-"))
    assert date(2035, 1, 1) in parse_schedule(text).holidays


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("year = ", "holiday_file_invalid"),
        (FIXTURE.replace("year = 2035", "year = 35"), "holiday_year_invalid"),
        (FIXTURE.replace('source = "测试用安排"', 'source = " "'), "holiday_source_missing"),
        (FIXTURE.replace('"2035-01-01"', '"2035-13-01"'), "holiday_date_invalid"),
        (FIXTURE.replace('"2035-01-01"', '"2035-01-05..2035-01-01"'), "holiday_date_invalid"),
        (FIXTURE.replace('"2035-01-01"', '"2036-01-01"'), "holiday_date_outside_year"),
        (FIXTURE.replace('workdays = ["2035-02-04"]', 'workdays = ["2035-02-10"]'), "holiday_day_conflict"),
        (
            FIXTURE.replace('workdays = ["2035-02-04"]', 'workdays = ["2035-02-05"]'),
            "holiday_workday_not_weekend",
        ),
        ('year = 2035\nsource = "x"\nholidays = []\n', "holiday_none"),
    ],
)
def test_a_wrong_file_is_refused_with_its_code(text: str, code: str):
    with pytest.raises(HolidayScheduleError) as err:
        parse_schedule(text)
    assert err.value.code == code
    assert err.value.message.startswith(HOLIDAY_ERROR_MESSAGES[code])


def test_every_code_is_in_the_table():
    assert set(HOLIDAY_ERROR_MESSAGES) <= set(error_codes())


def test_the_shipped_years_are_the_packages_day_for_day():
    shipped = shipped_schedules()
    assert set(range(2004, 2027)) <= set(shipped)
    calendar = WorkdayCalendar(shipped)
    day = date(2004, 1, 1)
    while day <= date(2026, 12, 31):
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert "国务院办公厅关于2026年部分节假日安排的通知" in shipped[2026].source
