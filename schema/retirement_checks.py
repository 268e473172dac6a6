"""Who may retire: C019 (正常退休) and C021 (弹性提前 / 延迟退休) against the statutory age.

Part of the shared case checks (``schema.case_checks.check_case``), so the station refuses
at the desk and the server again at ingest. The applicant's birth date and sex come from
their ID number; the contribution months from the registry's records when the caller
knows them (``None``: unknown, the years are checked at the back office).

* C019: the worker category must fit the applicant's sex; the requested month must not be
  before the statutory retirement month; the contribution must reach the minimum years of
  the retirement year.
* C021: the form's statutory month must be the applicant's (it tells the category:
  a man has one, a woman's two categories are years apart); 弹性提前 lies before it, not
  earlier than the window and with the minimum years; 弹性延迟 lies after it, at most 3 years.
"""

from __future__ import annotations

from collections.abc import Mapping

from schema.catalog import CatalogItem, FormValue, Problem
from schema.identifiers import ResidentId, Sex
from schema.months import YearsMonths, chinese_month, month_index, year_of
from schema.retirement_age import (
    WorkerCategory,
    categories_for,
    elastic_window,
    minimum_contribution,
    statutory_retirement,
)

RETIREMENT_ERROR_MESSAGES: dict[str, str] = {
    "retirement_category_mismatch": (
        "申请人为{sex}性，不能按“{category}”办理退休：请按申请人身份证上的性别和工作岗位重新选择原法定退休年龄类别。"
    ),
    "retirement_below_age": (
        "申请人 {birth} 出生，按渐进式延迟法定退休年龄，{statutory}；申请的 {requested} 早于法定退休年月，"
        "不能办理正常退休：请向申请人说明，到 {month} 再来办理；缴费已满最低年限的可申请弹性提前退休（C021），"
        "从事特殊工种或因病丧失劳动能力的可申请提前退休（C020）。"
    ),
    "retirement_short_of_years": (
        "申请人累计缴费 {paid}，不足 {year} 年退休按月领取基本养老金所需的最低缴费年限 {required}（还差 {short}）："
        "请向申请人说明，可申请延长缴费或一次性补缴至满最低年限（C096）后再办理；如有其他参保地的缴费记录，请先办理转移接续。"
    ),
    "retirement_statutory_month_mismatch": (
        "申请人 {birth} 出生，法定退休年月应为 {expected}，申请表填写的是 {given}：请按出生年月和渐进式延迟退休对照表改正“法定退休年月”。"
    ),
    "retirement_elastic_direction": (
        "申请类别为“{direction}”，但申请退休年月 {requested} {relation}法定退休年月 {statutory}："
        "请核对申请类别或申请退休年月。"
    ),
    "retirement_elastic_too_early": (
        "弹性提前退休最早只能提前 3 年，且不得低于原法定退休年龄 {original}：申请人最早可于 {earliest}（{earliest_age}）退休，"
        "申请的 {requested} 过早。请把申请退休年月改为 {earliest} 或以后。"
    ),
    "retirement_elastic_too_late": (
        "弹性延迟退休最长延迟 3 年：申请人最晚可于 {latest}（{latest_age}）退休，申请的 {requested} 过晚。"
        "请把申请退休年月改为 {latest} 或以前。"
    ),
}
"""Templates; ``{...}`` are filled with the values involved."""

_CATEGORY_LABELS = {
    WorkerCategory.MALE_60: "男职工（原60周岁）",
    WorkerCategory.FEMALE_CADRE_55: "女职工管理技术岗位（原55周岁）",
    WorkerCategory.FEMALE_WORKER_50: "女职工生产岗位（原50周岁）",
}


def _problem(field: str, code: str, **params: object) -> Problem:
    message = RETIREMENT_ERROR_MESSAGES[code].format(**params)
    return Problem(field=field, code=code, message=message, severity="error")


def _birth(applicant: ResidentId) -> str:
    born = applicant.birth_date
    return f"{born.year} 年 {born.month} 月"


def _short_of_years(field: str, month: str, contribution_months: int | None) -> list[Problem]:
    if contribution_months is None:
        return []
    year = year_of(month)
    required = minimum_contribution(year)
    if contribution_months >= required.total_months:
        return []
    return [
        _problem(
            field,
            "retirement_short_of_years",
            paid=YearsMonths.of(contribution_months).as_span(),
            year=year,
            required=required.as_span(),
            short=YearsMonths.of(required.total_months - contribution_months).as_span(),
        )
    ]


def _normal(
    applicant: ResidentId, values: Mapping[str, FormValue], contribution_months: int | None
) -> list[Problem]:
    category_value, requested = values.get("worker_category"), values.get("retirement_month")
    known = {c.value for c in WorkerCategory}
    if category_value not in known or not isinstance(requested, str):
        return []  # missing or unreadable: the form already says so
    category = WorkerCategory(str(category_value))
    if category not in categories_for(applicant.sex):
        sex = "男" if applicant.sex is Sex.MALE else "女"
        return [
            _problem(
                "worker_category",
                "retirement_category_mismatch",
                sex=sex,
                category=_CATEGORY_LABELS[category],
            )
        ]
    statutory = statutory_retirement(applicant.birth_date, category)
    if month_index(requested) < month_index(statutory.month):
        return [
            _problem(
                "retirement_month",
                "retirement_below_age",
                birth=_birth(applicant),
                statutory=statutory.describe(),
                requested=chinese_month(requested),
                month=chinese_month(statutory.month),
            )
        ]
    return _short_of_years("retirement_month", requested, contribution_months)


def _elastic(
    applicant: ResidentId, values: Mapping[str, FormValue], contribution_months: int | None
) -> list[Problem]:
    direction, given, requested = (
        values.get("direction"),
        values.get("statutory_month"),
        values.get("requested_month"),
    )
    if not isinstance(direction, str) or not isinstance(given, str) or not isinstance(requested, str):
        return []  # missing or unreadable: the form already says so
    windows = [elastic_window(applicant.birth_date, c) for c in categories_for(applicant.sex)]
    window = next((w for w in windows if w.statutory.month == given), None)
    if window is None:
        expected = "或".join(
            f"{chinese_month(w.statutory.month)}（{_CATEGORY_LABELS[w.statutory.category]}）" for w in windows
        )
        return [
            _problem(
                "statutory_month",
                "retirement_statutory_month_mismatch",
                birth=_birth(applicant),
                expected=expected,
                given=chinese_month(given),
            )
        ]
    early = direction == "early"
    at, statutory = month_index(requested), month_index(window.statutory.month)
    if (early and at >= statutory) or (not early and at <= statutory):
        return [
            _problem(
                "requested_month",
                "retirement_elastic_direction",
                direction="弹性提前退休" if early else "弹性延迟退休",
                requested=chinese_month(requested),
                relation="不早于" if early else "不晚于",
                statutory=chinese_month(window.statutory.month),
            )
        ]
    if early and at < month_index(window.earliest):
        return [
            _problem(
                "requested_month",
                "retirement_elastic_too_early",
                original=window.statutory.original_age.as_age(),
                earliest=chinese_month(window.earliest),
                earliest_age=window.earliest_age.as_age(),
                requested=chinese_month(requested),
            )
        ]
    if not early and at > month_index(window.latest):
        return [
            _problem(
                "requested_month",
                "retirement_elastic_too_late",
                latest=chinese_month(window.latest),
                latest_age=window.latest_age.as_age(),
                requested=chinese_month(requested),
            )
        ]
    return _short_of_years("requested_month", requested, contribution_months) if early else []


def retirement_problems(
    item: CatalogItem,
    values: Mapping[str, FormValue],
    *,
    applicant: ResidentId | None,
    contribution_months: int | None = None,
) -> tuple[Problem, ...]:
    """What stands against a retirement application (C019, C021); empty for other items or
    when the applicant's ID number could not be read (that is reported already)."""
    if applicant is None:
        return ()
    if item.code == "C019":
        return tuple(_normal(applicant, values, contribution_months))
    if item.code == "C021":
        return tuple(_elastic(applicant, values, contribution_months))
    return ()
