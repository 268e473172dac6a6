"""Statutory retirement age from 2025 and the minimum contribution years (渐进式延迟法定退休年龄).

《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》(2024-09-13) and its
《国务院关于渐进式延迟法定退休年龄的办法》, from 2025-01-01, over 15 years:

* men, originally 60: one month later for every 4 months of birth from January 1965, up
  to 63 (born January 1965 → 60 岁 1 个月, retiring February 2025; born September 1976 or
  later → 63);
* women in management and technical posts (女干部), originally 55: the same pace from
  January 1970, up to 58;
* women workers (女工人), originally 50: one month later for every 2 months of birth from
  January 1975, up to 55.

A person retires in the month they reach that age (birth month + age). The minimum
contribution for a monthly pension is 15 years, rising by 6 months a year from 2030 to 20
years (2039). 弹性退休: with the minimum years a worker may retire up to 3 years early,
never below the original age (60 / 55 / 50), or, agreed with the employer, up to 3 years
late. Pure: dates in, months out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from schema.identifiers import Sex
from schema.months import Month, YearsMonths, add_months, month_index, month_of

BASIS = "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》（2024 年 9 月 13 日）及《国务院关于渐进式延迟法定退休年龄的办法》"
ELASTIC_MONTHS = 36  # 弹性提前 / 延迟 at most 3 years


class WorkerCategory(StrEnum):
    """The original statutory age a worker retires from (C019's ``worker_category`` values)."""

    MALE_60 = "male_60"  # 男职工（原 60 周岁）
    FEMALE_CADRE_55 = "female_cadre_55"  # 女职工管理技术岗位（原 55 周岁）
    FEMALE_WORKER_50 = "female_worker_50"  # 女职工生产岗位（原 50 周岁）


@dataclass(frozen=True, slots=True)
class _Schedule:
    original_years: int
    first_birth: str  # the first birth month whose age rises
    birth_months_per_step: int  # how many birth months share one month of delay
    max_delay_months: int
    sex: Sex


SCHEDULES: dict[WorkerCategory, _Schedule] = {
    WorkerCategory.MALE_60: _Schedule(60, "1965-01", 4, 36, Sex.MALE),
    WorkerCategory.FEMALE_CADRE_55: _Schedule(55, "1970-01", 4, 36, Sex.FEMALE),
    WorkerCategory.FEMALE_WORKER_50: _Schedule(50, "1975-01", 2, 60, Sex.FEMALE),
}


class StatutoryRetirement(BaseModel):
    """When a person born in ``birth_month`` reaches the statutory retirement age."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: WorkerCategory
    birth_month: Month
    original_age: YearsMonths
    delay_months: int
    age: YearsMonths
    month: Month  # the month they retire in

    def describe(self) -> str:
        """``"法定退休年龄 60 岁 1 个月，2025 年 2 月退休"``, for messages."""
        year, number = self.month.split("-")
        return f"法定退休年龄 {self.age.as_age()}，{int(year)} 年 {int(number)} 月退休"


def categories_for(sex: Sex) -> tuple[WorkerCategory, ...]:
    """The categories a person of ``sex`` can be in."""
    return tuple(c for c, s in SCHEDULES.items() if s.sex is sex)


def statutory_retirement(birth_date: date, category: WorkerCategory) -> StatutoryRetirement:
    """The statutory retirement age and month of a person born on ``birth_date``."""
    schedule = SCHEDULES[category]
    birth = month_of(birth_date)
    since_start = month_index(birth) - month_index(schedule.first_birth)
    # The first ``birth_months_per_step`` birth months of the reform already retire 1 month later.
    delay = (
        0
        if since_start < 0
        else min(schedule.max_delay_months, since_start // schedule.birth_months_per_step + 1)
    )
    original = YearsMonths(years=schedule.original_years, months=0)
    age = YearsMonths.of(original.total_months + delay)
    return StatutoryRetirement(
        category=category,
        birth_month=birth,
        original_age=original,
        delay_months=delay,
        age=age,
        month=add_months(birth, age.total_months),
    )


def minimum_contribution(retirement_year: int) -> YearsMonths:
    """Minimum contribution years for a monthly pension starting in ``retirement_year``:
    15 years until 2029, then 6 months more each year (2030: 15 年 6 个月) up to 20 (2039)."""
    raised = max(0, retirement_year - 2029) * 6
    return YearsMonths.of(min(20 * 12, 15 * 12 + raised))


class ElasticWindow(BaseModel):
    """The months a person may retire in by 弹性退休 (``earliest``..``latest``, both included)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    statutory: StatutoryRetirement
    earliest: Month
    earliest_age: YearsMonths
    latest: Month
    latest_age: YearsMonths


def elastic_window(birth_date: date, category: WorkerCategory) -> ElasticWindow:
    """Up to 3 years before the statutory month but never below the original age; up to 3 years after."""
    statutory = statutory_retirement(birth_date, category)
    earliest_age = YearsMonths.of(
        max(statutory.original_age.total_months, statutory.age.total_months - ELASTIC_MONTHS)
    )
    latest_age = YearsMonths.of(statutory.age.total_months + ELASTIC_MONTHS)
    return ElasticWindow(
        statutory=statutory,
        earliest=add_months(statutory.birth_month, earliest_age.total_months),
        earliest_age=earliest_age,
        latest=add_months(statutory.birth_month, latest_age.total_months),
        latest_age=latest_age,
    )
