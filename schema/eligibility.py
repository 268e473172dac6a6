"""Who may apply: the rules a catalog form cannot say field by field.

A form checks each value (types, ranges, the applicant's age via ``applicant_age``);
these rules look at the values together with the acceptance date, the rate book and,
when the registry knows the person, their enrolments. Both sides run them: the station
at intake (``check_intake``) and the server at ingest (``check_accept``, and the
registry rule where the server has the person's enrolments). Pure: nothing here reads
the clock or a database — the acceptance date (the station's today, the server's
trusted date) and the enrolments are passed in.

* G09 城乡居民养老保险参保登记: not a full-time student; not already in the enterprise
  employees' or the 机关事业 pension — the registry's enrolments when it knows the
  person, and always the form's declaration (the registry holds only Leshan);
  aged 16 or more, by the catalog's ``applicant_age``.
* C066 失业保险金申领: only involuntary separation; 本人辞职 is refused.
* G12, G14: only months of the acceptance year (:func:`schema.fees.check_desk_months`).
* C005: a wage below the base floor must be confirmed by the clerk; the base is then
  raised to the floor and recorded on the case in the derived field ``contribution_base``
  (:func:`derive` fills it; the server checks what the station recorded).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Literal

from schema.catalog import CatalogItem, FormValue, Problem
from schema.catalog.models import as_bool
from schema.errors import FeeError
from schema.fees import check_desk_months
from schema.money import format_yuan, to_fen
from schema.rates import RateBook
from schema.vocabulary import FeeKind, InsuranceType, Tier, label

EligibilityCode = Literal[
    "eligibility_full_time_student",
    "eligibility_in_other_pension",
    "eligibility_enrolled_in_other_pension",
    "eligibility_voluntary_separation",
    "eligibility_wage_below_floor",
    "eligibility_base_raised_to_floor",
    "eligibility_derived_mismatch",
]

ELIGIBILITY_ERROR_MESSAGES: dict[str, str] = {
    "eligibility_full_time_student": (
        "全日制在校学生不参加城乡居民养老保险，不能办理参保登记：请向申请人说明，毕业（离校）后再来办理；"
        "如申请人不是全日制在校学生，请把“是否全日制在校学生”改为“否”。"
    ),
    "eligibility_in_other_pension": (
        "申请人未确认“未参加其他基本养老保险”：已参加企业职工基本养老保险或机关事业单位养老保险"
        "（含正在领取养老金）的，不能参加城乡居民养老保险。请向申请人说明，继续在原险种缴费，"
        "或办理城乡养老保险制度衔接（C029）；如申请人确实未参加，核实后选“是”。"
    ),
    "eligibility_enrolled_in_other_pension": (
        "参保登记信息显示申请人已参加{schemes}，不能再参加城乡居民养老保险：请向申请人说明，"
        "继续在原险种缴费，或办理城乡养老保险制度衔接（C029）；如登记信息有误，请先报市局核实更正。"
    ),
    "eligibility_voluntary_separation": (
        "本人辞职属于因本人意愿中断就业，不符合失业保险金申领条件（《社会保险法》第四十五条），不能受理："
        "请向申请人说明；如实际是单位解除或终止劳动合同，请按解除或终止劳动关系证明重新选择离职原因。"
    ),
    "eligibility_wage_below_floor": (
        "月缴费工资 {wage} 元低于 {year} 年度缴费基数下限 {floor} 元{pending}：请向单位核实工资；"
        "确认无误的，在“工资低于缴费基数下限，确认按下限核定”选“是”，缴费基数将按下限 {floor} 元核定。"
    ),
    "eligibility_base_raised_to_floor": (
        "月缴费工资 {wage} 元低于 {year} 年度缴费基数下限，已按下限 {floor} 元核定月缴费基数{pending}。"
    ),
    "eligibility_derived_mismatch": (
        "“{label}”应为 {expected}，上报的是 {given}：该项由系统核定，请重新打开表单核对后再提交。"
    ),
}
"""Templates; ``{...}`` are filled with the values involved."""

OTHER_PENSIONS = (InsuranceType.ENTERPRISE_PENSION, InsuranceType.INSTITUTION_PENSION)
"""Schemes that exclude the urban-rural residents' pension (国发〔2014〕8号)."""

VOLUNTARY_SEPARATIONS = frozenset({"resigned"})
"""C066 ``separation_reason`` values that are the applicant's own choice (本人意愿)."""

WARNING_CODES = frozenset({"eligibility_base_raised_to_floor"})


def _problem(field: str, code: EligibilityCode, params: Mapping[str, object] | None = None) -> Problem:
    message = ELIGIBILITY_ERROR_MESSAGES[code].format(**(params or {}))
    severity: Literal["error", "warning"] = "warning" if code in WARNING_CODES else "error"
    return Problem(field=field, code=code, message=message, severity=severity)


def schemes_held(enrolments: Iterable[tuple[str, str]]) -> frozenset[InsuranceType]:
    """The schemes of ``(insurance, status)`` enrolments a person is in: active or suspended
    (暂停缴费 is still enrolled), not stopped (终止参保). Unknown scheme names are ignored."""
    return frozenset(_SCHEMES[i] for i, status in enrolments if status != "stopped" and i in _SCHEMES)


_SCHEMES = {t.value: t for t in InsuranceType}  # once: a push asks for every case's applicant


def registry_problems(item: CatalogItem, enrolled: Collection[InsuranceType]) -> list[Problem]:
    """What the registry says against the application: ``enrolled`` lists the schemes the
    person is in (active or suspended, not stopped)."""
    if item.code != "G09":
        return []
    held = [t for t in OTHER_PENSIONS if t in enrolled]
    if not held:
        return []
    schemes = "、".join(label(t) for t in held)
    return [_problem("not_in_other_pension", "eligibility_enrolled_in_other_pension", {"schemes": schemes})]


def _resident_pension(values: Mapping[str, FormValue]) -> list[Problem]:
    found: list[Problem] = []
    if as_bool(values.get("is_student")) is True:
        found.append(_problem("is_student", "eligibility_full_time_student"))
    if as_bool(values.get("not_in_other_pension")) is False:
        found.append(_problem("not_in_other_pension", "eligibility_in_other_pension"))
    return found


def _unemployment_benefit(values: Mapping[str, FormValue]) -> list[Problem]:
    if values.get("separation_reason") in VOLUNTARY_SEPARATIONS:
        return [_problem("separation_reason", "eligibility_voluntary_separation")]
    return []


def _desk_months(values: Mapping[str, FormValue], accepted_on: date) -> list[Problem]:
    start, end = values.get("period_start"), values.get("period_end")
    if not isinstance(start, str) or not isinstance(end, str):
        return []  # missing or unreadable: the form already says so
    try:
        check_desk_months(start, end, accepted_on=accepted_on)
    except FeeError as exc:
        return [Problem(field=str(exc.detail["field"]), code=exc.code, message=exc.message, severity="error")]
    return []


def _floor(
    values: Mapping[str, FormValue], accepted_on: date, rates: RateBook
) -> tuple[Decimal, dict[str, object]] | None:
    """(floor, message parameters) when C005's wage lies below the base floor in force."""
    wage = values.get("monthly_wage")
    if not isinstance(wage, str):
        return None
    try:
        limits = rates.base_limits(accepted_on)
    except FeeError:  # no limits that early: nothing to compare with
        return None
    amount = Decimal(wage)
    if amount >= limits.lower:
        return None
    pending = (
        f"（{accepted_on.year} 年度基数尚未公布，暂按 {limits.year} 年度执行）"
        if limits.carried_forward(accepted_on)
        else ""
    )
    params: dict[str, object] = {
        "wage": format_yuan(amount),
        "floor": format_yuan(limits.lower),
        "year": limits.year,
        "pending": pending,
    }
    return to_fen(limits.lower), params


def _wage_floor(values: Mapping[str, FormValue], accepted_on: date, rates: RateBook) -> list[Problem]:
    below = _floor(values, accepted_on, rates)
    if below is None:
        return []
    if as_bool(values.get("wage_floor_confirmed")) is True:
        return [_problem("monthly_wage", "eligibility_base_raised_to_floor", below[1])]
    return [_problem("wage_floor_confirmed", "eligibility_wage_below_floor", below[1])]


def derive(
    item: CatalogItem, values: Mapping[str, FormValue], *, accepted_on: date, rates: RateBook
) -> dict[str, FormValue]:
    """The derived fields' values for these form values (empty when none applies).

    C005: ``contribution_base`` is the floor when the wage lies below it and the clerk
    confirmed; otherwise it stays empty (the wage is the base).
    """
    if item.code != "C005" or as_bool(values.get("wage_floor_confirmed")) is not True:
        return {}
    below = _floor(values, accepted_on, rates)
    return {} if below is None else {"contribution_base": f"{below[0]:.2f}"}


def _derived_mismatch(
    item: CatalogItem, values: Mapping[str, FormValue], expected: Mapping[str, FormValue]
) -> list[Problem]:
    found: list[Problem] = []
    for f in item.form:
        if f.derived and values.get(f.name) != expected.get(f.name):
            found.append(
                _problem(
                    f.name,
                    "eligibility_derived_mismatch",
                    {
                        "label": f.label,
                        "expected": expected.get(f.name) or "空",
                        "given": values.get(f.name) or "空",
                    },
                )
            )
    return found


def check_eligibility(
    item: CatalogItem,
    values: Mapping[str, FormValue],
    *,
    accepted_on: date,
    rates: RateBook,
    enrolled: Collection[InsuranceType] | None = None,
) -> tuple[Problem, ...]:
    """Every eligibility problem of a validated form (errors refuse the case; warnings are shown).

    ``values`` are ``validate_form``'s normalised values, derived fields included (the
    station merges :func:`derive` first; the server checks what the station recorded).
    ``enrolled``: the schemes the registry holds for the applicant, None when it does not
    know them.
    """
    found: list[Problem] = []
    if item.code == "G09":
        found += _resident_pension(values)
        if enrolled is not None:
            found += registry_problems(item, enrolled)
    elif item.code == "C066":
        found += _unemployment_benefit(values)
    elif item.code == "C005":
        found += _wage_floor(values, accepted_on, rates)
    if item.fee_kind is FeeKind.FLEXIBLE_WORKER and item.tier is Tier.GENERAL:
        found += _desk_months(values, accepted_on)
    found += _derived_mismatch(item, values, derive(item, values, accepted_on=accepted_on, rates=rates))
    return tuple(found)
