"""Working days: holidays, make-up working days, the Friday rule and missing years."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schema.errors import WorkdayError
from schema.statutory_holidays import statutory_days_off
from schema.workdays import (
    DueDate,
    WorkdayCalendar,
    WorkdayOverrides,
    YearOverride,
    add_working_days,
    default_calendar,
    due,
    due_date,
    is_working_day,
    overrides_from_json,
    working_days_between,
)


def test_chinesecalendar_covers_2004_to_2026():
    assert chinese_calendar.is_workday(date(2004, 1, 2))
    assert chinese_calendar.is_workday(date(2026, 12, 31))
    for outside in (date(2003, 12, 31), date(2027, 1, 4)):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(outside)


def test_a_case_accepted_on_friday_with_one_working_day_is_due_monday():
    assert add_working_days(date(2025, 3, 14), 1) == date(2025, 3, 17)
    assert due_date(date(2025, 3, 14), "working_days", 1) == date(2025, 3, 17)
    assert add_working_days(date(2025, 3, 14), 0) == date(2025, 3, 14)


def test_2025_national_day():
    # holiday 1–8 October; make-up working days Sunday 28 September and Saturday 11 October
    assert is_working_day(date(2025, 9, 28)) and chinese_calendar.is_workday(date(2025, 9, 28))
    assert is_working_day(date(2025, 10, 11)) and date(2025, 10, 11).weekday() == 5
    assert not any(is_working_day(date(2025, 10, d)) for d in range(1, 9))
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)  # Friday → the make-up Sunday
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)  # the make-up Saturday counts
    assert add_working_days(date(2025, 9, 30), 4) == date(2025, 10, 13)


def test_2026_spring_festival():
    # holiday 15–23 February; make-up Saturdays 14 and 28 February
    assert is_working_day(date(2026, 2, 14)) and is_working_day(date(2026, 2, 28))
    assert not any(is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6  # 14, 24, 25, 26, 27, 28


def test_2025_spring_festival_and_2026_national_day():
    assert add_working_days(date(2025, 1, 24), 1) == date(2025, 1, 26)  # make-up Sunday
    assert add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)  # holiday 28 Jan – 4 Feb
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)  # make-up Saturday


def test_15_working_day_transfer_step_across_national_day():
    # 跨省转移: each step 15 working days; accepted Thursday 25 September 2025:
    # 26, 28 (make-up Sunday), 29, 30 Sep; 9, 10, 11 (make-up Saturday), 13–17, 20, 21, 22 Oct
    due = due_date(date(2025, 9, 25), "working_days", 15)
    assert due == date(2025, 10, 22)
    assert working_days_between(date(2025, 9, 25), due) == 15


def test_immediate_and_calendar_day_limits():
    assert due_date(date(2025, 5, 6), "immediate", 0) == date(2025, 5, 6)
    assert due_date(date(2025, 5, 6), "calendar_days", 60) == date(2025, 7, 5) + timedelta(
        days=2
    )  # Sat → Mon
    assert due_date(date(2026, 9, 1), "calendar_days", 30) == date(2026, 10, 8)  # 1 Oct holiday → 8 Oct
    assert due_date(date(2025, 3, 3), "calendar_days", 10) == date(2025, 3, 13)  # a Thursday stays


def test_working_days_between_counts_both_ways():
    assert working_days_between(date(2025, 3, 14), date(2025, 3, 17)) == 1
    assert working_days_between(date(2025, 3, 17), date(2025, 3, 14)) == -1
    assert working_days_between(date(2025, 3, 14), date(2025, 3, 14)) == 0
    assert working_days_between(date(2025, 10, 1), date(2025, 10, 8)) == 0


@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 9, 30)), st.integers(0, 40))
def test_working_days_between_inverts_add_working_days(start, days):
    due = add_working_days(start, days)
    assert working_days_between(start, due) == days
    assert days == 0 or is_working_day(due)


def test_a_year_without_its_notice_is_counted_provisionally():
    # 2027: no notice loaded; weekends and the statutory days off computed for the year.
    calendar = WorkdayCalendar()
    assert not calendar.is_official(2027) and calendar.is_official(2026)
    assert not calendar.is_working_day(date(2027, 1, 1))  # 元旦, a Friday
    assert not any(calendar.is_working_day(date(2027, 2, d)) for d in (5, 8))  # 除夕 Fri, 初三 Mon
    assert calendar.is_working_day(date(2027, 2, 9))  # 初四: no bridging days in the rule
    assert due(date(2026, 12, 30), "working_days", 5) == DueDate(day=date(2027, 1, 7), provisional=True)
    assert due(date(2026, 12, 7), "working_days", 5) == DueDate(day=date(2026, 12, 14), provisional=False)
    assert due(date(2027, 3, 1), "immediate", 0) == DueDate(day=date(2027, 3, 1), provisional=False)
    assert DueDate(day=date(2027, 1, 7), provisional=True).label == "2027-01-07（暂定）"


def test_counting_into_a_provisional_year_marks_the_date_even_when_it_ends_earlier_than_counted():
    # calendar days: only the days from the end on are looked at
    assert not due(date(2026, 11, 1), "calendar_days", 30).provisional  # 1 December 2026
    assert due(date(2026, 12, 20), "calendar_days", 30).provisional  # 19 January 2027


def test_statutory_days_off_follow_the_2024_rules():
    assert statutory_days_off(2027) == {
        date(2027, 1, 1): "元旦",
        **{date(2027, 2, d): "春节" for d in (5, 6, 7, 8)},  # 除夕 + 初一至初三 (新年 6 February)
        date(2027, 4, 5): "清明节",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午节",
        date(2027, 9, 15): "中秋节",
        **{date(2027, 10, d): "国庆节" for d in (1, 2, 3)},
    }
    # every statutory day off of the years under the revised rules is off in the official notice
    for year in (2025, 2026):
        assert not any(chinese_calendar.is_workday(d) for d in statutory_days_off(year)), year


def test_a_year_outside_the_lunar_table_is_refused_with_a_clear_instruction():
    with pytest.raises(WorkdayError) as err:
        add_working_days(date(2100, 1, 2), 10)
    assert err.value.code == "workday_no_calendar"
    assert err.value.detail == {"year": 2100}
    assert "2100 年" in err.value.message and "核对" in err.value.message


def test_an_override_year_makes_it_work():
    # test data, not a real arrangement: 1–3 January off, Sunday 4 January worked
    year = YearOverride(
        holidays=frozenset({date(2035, 1, 1), date(2035, 1, 2)}),
        workdays=frozenset({date(2035, 1, 7)}),
        source="test fixture",
    )
    calendar = WorkdayCalendar({2035: year})
    assert not calendar.is_working_day(date(2035, 1, 1))  # a Monday off
    assert calendar.is_working_day(date(2035, 1, 3))
    assert calendar.is_working_day(date(2035, 1, 7))  # a Sunday worked
    assert not calendar.is_working_day(date(2035, 1, 6))  # an ordinary Saturday
    assert calendar.add_working_days(date(2034, 12, 31), 1) == date(2035, 1, 3)
    assert calendar.add_working_days(date(2035, 1, 5), 1) == date(2035, 1, 7)
    # the shipped calendar counts 2035 provisionally
    assert not default_calendar().is_official(2035)
    assert calendar.is_official(2035)


def test_an_override_replaces_the_package_for_its_year():
    # e.g. a notice that extends a holiday after the package was released
    calendar = WorkdayCalendar({2025: YearOverride(holidays=frozenset({date(2025, 3, 14)}), source="test")})
    assert not calendar.is_working_day(date(2025, 3, 14))
    assert calendar.is_working_day(date(2025, 10, 1))  # only what the override says is off


def test_override_table_from_json_and_its_checks():
    table = overrides_from_json(
        '{"years": {"2035": {"holidays": ["2035-01-01"], "workdays": [], "source": "test"}}}'
    )
    assert not WorkdayCalendar(table).is_working_day(date(2035, 1, 1))
    with pytest.raises(ValidationError):  # a date in the wrong year
        WorkdayOverrides.model_validate({"years": {"2035": {"holidays": ["2036-01-01"], "source": "x"}}})
    with pytest.raises(ValidationError):  # both off and worked
        WorkdayOverrides.model_validate(
            {"years": {"2035": {"holidays": ["2035-01-06"], "workdays": ["2035-01-06"], "source": "x"}}}
        )
    with pytest.raises(ValidationError):  # every year names its notice
        WorkdayOverrides.model_validate({"years": {"2035": {"holidays": [], "source": ""}}})


def test_the_shipped_override_table_invents_no_year():
    assert default_calendar().is_working_day(date(2026, 3, 2))
    shipped = resources.files("schema").joinpath("data/workday_overrides.json").read_text(encoding="utf-8")
    assert overrides_from_json(shipped).years == {}


def test_negative_days_are_a_programming_error():
    with pytest.raises(ValueError):
        add_working_days(date(2025, 1, 2), -1)
