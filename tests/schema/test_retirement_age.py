"""Statutory retirement age from 2025, the minimum contribution years and the elastic window.

Every expectation is worked out by hand from the 2024 decision's tables: the age rises by
one month for every 4 months of birth (men from 1965-01, women cadres from 1970-01) or
every 2 months (women workers from 1975-01), the first months of the reform already one
month later; a person retires in birth month + age.
"""

from __future__ import annotations

from datetime import date

import pytest

from schema.months import YearsMonths
from schema.retirement_age import WorkerCategory, elastic_window, minimum_contribution, statutory_retirement

MALE, CADRE, WORKER = WorkerCategory.MALE_60, WorkerCategory.FEMALE_CADRE_55, WorkerCategory.FEMALE_WORKER_50


@pytest.mark.parametrize(
    ("born", "category", "age", "month"),
    [
        # before the reform: 1964-12 + 60 years = 2024-12
        (date(1964, 12, 20), MALE, (60, 0), "2024-12"),
        # the first birth month of the reform: 0 // 4 + 1 = 1 month → 60 y 1 m, 1965-01 + 60 y 1 m = 2025-02
        (date(1965, 1, 10), MALE, (60, 1), "2025-02"),
        # 1965-05 is 4 months in: 4 // 4 + 1 = 2 → 60 y 2 m, 1965-05 + 60 y 2 m = 2025-07
        (date(1965, 5, 31), MALE, (60, 2), "2025-07"),
        # 1976-08 is 11 × 12 + 7 = 139 months in: 139 // 4 + 1 = 35 → 62 y 11 m → 2039-07
        (date(1976, 8, 1), MALE, (62, 11), "2039-07"),
        # 1976-09: 140 // 4 + 1 = 36 = the cap → 63 y → 2039-09; later births stay at 63
        (date(1976, 9, 1), MALE, (63, 0), "2039-09"),
        (date(1980, 3, 5), MALE, (63, 0), "2043-03"),
        # women cadres from 1970-01: 55 y 1 m → 2025-02; 1981-09 is 140 months in → capped at 58 → 2039-09
        (date(1970, 1, 1), CADRE, (55, 1), "2025-02"),
        (date(1981, 9, 30), CADRE, (58, 0), "2039-09"),
        # women workers from 1975-01 at 1 month per 2: 1975-03 is 2 in → 2 // 2 + 1 = 2 → 50 y 2 m → 2025-05
        (date(1975, 3, 15), WORKER, (50, 2), "2025-05"),
        # 1984-10 is 9 × 12 + 9 = 117 in: 117 // 2 + 1 = 59 → 54 y 11 m → 1984-10 + 54 y 11 m = 2039-09
        (date(1984, 10, 2), WORKER, (54, 11), "2039-09"),
        # 1984-11: 118 // 2 + 1 = 60 = the cap → 55 y → 2039-11
        (date(1984, 11, 2), WORKER, (55, 0), "2039-11"),
    ],
)
def test_statutory_retirement_age_and_month(born, category, age, month):
    found = statutory_retirement(born, category)
    assert (found.age.years, found.age.months, found.month) == (*age, month)
    assert found.delay_months == found.age.total_months - found.original_age.total_months


@pytest.mark.parametrize(
    ("year", "required"),
    [
        (2025, (15, 0)),
        (2029, (15, 0)),
        (2030, (15, 6)),  # 15 years + 6 months × (2030 − 2029)
        (2034, (17, 6)),  # 15 years + 6 × 5 = 30 months = 17 y 6 m
        (2039, (20, 0)),  # 15 years + 6 × 10 = 60 months = 20 y
        (2045, (20, 0)),  # no higher than 20
    ],
)
def test_minimum_contribution_rises_by_six_months_a_year_from_2030(year, required):
    assert minimum_contribution(year) == YearsMonths(years=required[0], months=required[1])


def test_elastic_window_never_below_the_original_age():
    # man born 1966-01: 12 months in → 12 // 4 + 1 = 4 → 60 y 4 m → 2026-05;
    # 3 years earlier would be 57 y 4 m, below 60, so the earliest is 60 y → 2026-01; latest 63 y 4 m → 2029-05
    window = elastic_window(date(1966, 1, 20), MALE)
    assert (window.statutory.month, window.earliest, window.latest) == ("2026-05", "2026-01", "2029-05")
    assert (window.earliest_age.as_age(), window.latest_age.as_age()) == ("60 周岁", "63 岁 4 个月")


def test_elastic_window_is_three_years_each_way_once_the_age_is_fully_raised():
    # woman worker born 1984-11: 55 y → 2039-11; 55 − 3 = 52 ≥ 50 → 2036-11; 55 + 3 = 58 → 2042-11
    window = elastic_window(date(1984, 11, 2), WORKER)
    assert (window.earliest, window.statutory.month, window.latest) == ("2036-11", "2039-11", "2042-11")
    # man born 1980-03: 63 → 2043-03; 63 − 3 = 60 = the original age → 2040-03; 66 → 2046-03
    window = elastic_window(date(1980, 3, 5), MALE)
    assert (window.earliest, window.latest) == ("2040-03", "2046-03")
