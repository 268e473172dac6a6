"""The statutory days off of a year, computed: the provisional calendar.

Used for a year whose official arrangement (国务院办公厅关于 YYYY 年部分节假日安排的通知)
is not loaded yet, so a promised date can still be given, marked 暂定. The rule is
《全国年节及纪念日放假办法》 as revised in 2024 (in force from 2025), article 2:

* 元旦 1 January; 劳动节 1–2 May; 国庆节 1–3 October (fixed dates);
* 春节 4 days: 除夕 (the last day of the twelfth lunar month) and 正月初一至初三;
* 清明节 1 day, the day of the solar term 清明 (4 or 5 April);
* 端午节 1 day (五月初五) and 中秋节 1 day (八月十五), lunar dates.

Lunar dates come from ``lunardate`` (tables for 1900–2099); 清明 from
``chinese_calendar.get_solar_terms`` (the solar-term formula, any year). Not modelled,
because only the notice decides them: days moved to bridge a weekend and the make-up
working days (调休上班) that pay for them, and 补休 when a holiday falls on a weekend. A
provisional date is therefore an estimate; loading the notice recomputes it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar
from lunardate import LunarDate

FIRST_YEAR, LAST_YEAR = 1901, 2099  # lunardate's table (除夕 of 1901 needs the year 1900)
_QINGMING = "清明"


def _lunar(year: int, month: int, day: int) -> date:
    solar = LunarDate(year, month, day).to_solar_date()
    if not isinstance(solar, date):  # lunardate is untyped: keep mypy honest
        raise TypeError(f"lunardate returned {solar!r}")
    return solar


def _qingming(year: int) -> date:
    for day, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30)):
        if name == _QINGMING:
            return date(day.year, day.month, day.day)
    raise ValueError(f"no 清明 found in April {year}")  # pragma: no cover - the formula always finds it


def has_rule(year: int) -> bool:
    """Can :func:`statutory_days_off` compute ``year``?"""
    return FIRST_YEAR <= year <= LAST_YEAR


@cache
def statutory_days_off(year: int) -> dict[date, str]:
    """Day → festival name for every statutory day off of ``year`` (weekends not included).

    ValueError for a year outside the lunar table (:func:`has_rule`).
    """
    if not has_rule(year):
        raise ValueError(f"no lunar calendar for {year}")
    new_year = _lunar(year, 1, 1)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    days |= {new_year + timedelta(days=n): "春节" for n in range(-1, 3)}  # 除夕, 初一至初三
    days[_qingming(year)] = "清明节"
    days |= {date(year, 5, 1): "劳动节", date(year, 5, 2): "劳动节"}
    days[_lunar(year, 5, 5)] = "端午节"
    days[_lunar(year, 8, 15)] = "中秋节"
    days |= {date(year, 10, n): "国庆节" for n in (1, 2, 3)}
    return dict(sorted(days.items()))
