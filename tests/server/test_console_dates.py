"""Dates and months typed into the console the Chinese way (core.date_text), whatever the browser."""

from __future__ import annotations

import datetime as dt

import pytest

from sync_server.core.date_text import day_text, iso_day, iso_month, month_text, parse_day, parse_month


@pytest.mark.parametrize(
    "typed",
    ["2026年3月1日", "2026年03月01日", "２０２６年３月１日", "2026-03-01", "2026/3/1", "2026.3.1", "20260301",
     " 2026 年 3 月 1 日 ", "2026年3月1号"],
)  # fmt: skip
def test_a_day_reads_however_it_is_written(typed: str) -> None:
    assert parse_day(typed) == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    "typed", ["2026年3月", "2026年03月", "２０２６年３月", "2026-03", "2026/3", "202603", "2026年3月份"]
)
def test_a_month_reads_however_it_is_written(typed: str) -> None:
    assert parse_month(typed) == "2026-03"


@pytest.mark.parametrize("typed", ["2026年2月30日", "3月1日", "明天", "2026-13-01", ""])
def test_what_is_not_a_day_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_day(typed)


@pytest.mark.parametrize("typed", ["2026年13月", "2026", "三月", "2026-03-01"])
def test_what_is_not_a_month_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_month(typed)


def test_the_inputs_show_and_send_them() -> None:
    assert (day_text(dt.date(2026, 3, 1)), day_text(None)) == ("2026年3月1日", "")
    assert (month_text("2026-03"), month_text("")) == ("2026年3月", "")
    # to the ISO parsers; unreadable text goes on as typed, so their note names the problem
    assert (iso_day("２０２６年３月１日"), iso_day("明天"), iso_day("")) == ("2026-03-01", "明天", "")
    assert (iso_month("2026年3月"), iso_month("三月")) == ("2026-03", "三月")
