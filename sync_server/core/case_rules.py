"""Whether the server accepts a case as the station sent it: pure checks, no database.

The station ran the same checks at the desk (``schema.case_checks``' one chain); the
server runs them again on what it received (a client bug or an old catalog must not
reach the back office), and checks what only the wire carries: the item's tier and kind
of applicant, the case number's station, the fee the station computed. A failed check is
a :class:`Rejection` (an ``OP_RESULT_CODES`` code, a Chinese message for the clerk, the
problems in ``detail``); the operation is answered ``rejected`` and the rest of the
batch goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schema.api_errors import API_ERROR_MESSAGES, ApiErrorCode
from schema.case_checks import CaseCheck, check_case, identify
from schema.cases import CasePayload, FeeSummary
from schema.catalog import (
    Catalog,
    CatalogItem,
    FormValue,
    Material,
    Problem,
    missing_materials,
    validate_form,
)
from schema.eligibility import registry_problems, schemes_held
from schema.errors import CatalogError, FeeError, IdentifierError
from schema.fees import Contribution, FeeRequest, compute_fee
from schema.identifiers import ResidentId, Uscc, parse_resident_id
from schema.protocol import SupplementPayload
from schema.rates import RateBook
from schema.vocabulary import ApplicantKind, Tier
from sync_server.core.registry_effects import subject_field

MAX_LISTED_PROBLEMS = 20
_FEE_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Rejection:
    code: ApiErrorCode
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckedCase:
    """A case that passed: normalised form values, warnings, identifiers and the fee."""

    item: CatalogItem
    values: dict[str, FormValue]
    warnings: tuple[Problem, ...]
    person_id: ResidentId | None
    unit_uscc: Uscc | None
    contribution: Contribution | None


def _problem(field_name: str, code: str, message: str) -> Problem:
    return Problem(field=field_name, code=code, message=message, severity="error")


def invalid(problems: list[Problem] | tuple[Problem, ...]) -> Rejection:
    """``op_validation_failed`` naming every problem (the first one in the message)."""
    errors = [p for p in problems if p.severity == "error"] or list(problems)
    more = f"（共 {len(errors)} 处问题）" if len(errors) > 1 else ""
    return Rejection(
        "op_validation_failed",
        f"{API_ERROR_MESSAGES['op_validation_failed']}{errors[0].message}{more}",
        {"problems": [p.model_dump() for p in errors[:MAX_LISTED_PROBLEMS]]},
    )


def find_item(catalog: Catalog, code: str) -> CatalogItem | Rejection:
    try:
        return catalog.item(code)
    except CatalogError as exc:
        return Rejection(
            "op_item_unknown",
            API_ERROR_MESSAGES["op_item_unknown"],
            {"item_code": code, "catalog_version": catalog.version, "reason": exc.message},
        )


def _shape(payload: CasePayload, item: CatalogItem) -> list[Problem]:
    found: list[Problem] = []
    if payload.tier is not item.tier:
        found.append(
            _problem(
                "tier",
                "tier_mismatch",
                f"事项 {item.code} 是{'一般' if item.tier is Tier.GENERAL else '复杂'}业务，与上报的业务类别不符：请同步事项目录后重新办理。",
            )
        )
    if payload.applicant.kind is not item.applicant:
        who = "个人" if item.applicant is ApplicantKind.PERSON else "单位"
        found.append(
            _problem(
                "applicant",
                "applicant_kind_mismatch",
                f"事项 {item.code} 的申请人应为{who}：请重新选择申请人。",
            )
        )
    if not payload.case_number.startswith(f"{payload.station_id}-"):  # canonical since parsing
        found.append(
            _problem(
                "case_number",
                "case_number_station",
                "案件编号中的服务站编码与本站不符：请检查本机的服务站设置。",
            )
        )
    return found


def _missing(missing: list[Material] | tuple[Material, ...]) -> list[Problem]:
    return [
        _problem(f"materials.{m.code}", "material_missing", f"缺少材料“{m.name}”：请收齐后重新提交。")
        for m in missing
    ]


def _form(
    item: CatalogItem,
    form: Mapping[str, object],
    materials: tuple[str, ...],
    today: dt.date,
    person: ResidentId | None,
) -> tuple[dict[str, FormValue], list[Problem]]:
    """A 补正's merged form: validated, and its materials complete (no eligibility, no fee:
    those were settled when the case was accepted)."""
    result = validate_form(item, form, today=today, applicant=person)
    found = list(result.problems)
    if result.ok:
        found += _missing(missing_materials(item, materials, result.values))
    return result.values, found


def _fee_problem(exc: FeeError) -> Problem:
    return _problem(str(exc.detail.get("field", "fee")), exc.code, exc.message)


def _line_key(lines: Any) -> list[tuple[str, str, str, str, str]]:
    # InsuranceType and Account are StrEnums: members sort and compare as their values.
    return sorted((x.insurance, x.account, x.month or "", str(x.amount), x.payer) for x in lines)


_KEYS: dict[int, tuple[Contribution, list[tuple[str, str, str, str, str]]]] = {}


def _contribution_key(contribution: Contribution) -> list[tuple[str, str, str, str, str]]:
    """The sorted lines of a (cached, so often the same) contribution, worked out once."""
    hit = _KEYS.get(id(contribution))
    if hit is not None and hit[0] is contribution:
        return hit[1]
    key = _line_key(contribution.lines)
    if len(_KEYS) >= _FEE_CACHE_SIZE:
        _KEYS.clear()
    _KEYS[id(contribution)] = (contribution, key)
    return key


def same_fee(summary: FeeSummary, contribution: Contribution) -> bool:
    """Equal to the fen, line by line (order does not matter)."""
    return (
        summary.kind is contribution.kind
        and summary.total == contribution.total
        and len(summary.lines) == len(contribution.lines)
        and _line_key(summary.lines) == _contribution_key(contribution)
    )


_FEES: dict[tuple[int, FeeRequest], tuple[RateBook, Contribution]] = {}


def _computed(request: FeeRequest, rates: RateBook) -> Contribution:
    """compute_fee, remembered: many applicants choose the same base, period or grade."""
    key = (id(rates), request)
    hit = _FEES.get(key)
    if hit is not None and hit[0] is rates:
        return hit[1]
    contribution = compute_fee(request, rates)
    if len(_FEES) >= _FEE_CACHE_SIZE:
        _FEES.clear()
    _FEES[key] = (rates, contribution)
    return contribution


def compare_fee(
    contribution: Contribution | None, sent: FeeSummary | None, rates: RateBook
) -> Contribution | Rejection | None:
    """The fee the server computed against the one the station sent: equal, or ``op_fee_mismatch``."""
    if contribution is None and sent is None:
        return None
    if contribution is not None and sent is not None and same_fee(sent, contribution):
        return contribution
    return Rejection(
        "op_fee_mismatch",
        API_ERROR_MESSAGES["op_fee_mismatch"],
        {
            "station_total": str(sent.total) if sent else None,
            "server_total": str(contribution.total) if contribution else "0.00",
            "station_rates_version": sent.rates_version if sent else None,
            "server_rates_version": rates.version,
        },
    )


def check_accept(
    payload: CasePayload, *, catalog: Catalog, rates: RateBook, today: dt.date
) -> CheckedCase | Rejection:
    """Every check of a ``case_accept`` that needs no registry (case-number uniqueness is the caller's)."""
    item = find_item(catalog, payload.item_code)
    if isinstance(item, Rejection):
        return item
    applicant = payload.applicant
    identified = identify(applicant.kind, applicant.id_number, applicant.uscc, today=today)
    problems = _shape(payload, item) + [p for p in identified.problems if p.severity == "error"]
    if problems:
        return invalid(problems)
    check = check_case(
        item, payload.form, payload.materials_provided, identified=identified, today=today, rates=rates,
        fee_rule=_computed,
    )  # fmt: skip
    form_problems = _case_problems(check)
    if any(p.severity == "error" for p in form_problems):
        return invalid(form_problems)
    if check.fee_error is not None:
        return invalid([_fee_problem(check.fee_error)])
    fee = compare_fee(check.fee, payload.fee, rates)
    if isinstance(fee, Rejection):
        return fee
    warnings = tuple(p for p in identified.problems + tuple(form_problems) if p.severity == "warning")
    return CheckedCase(item, check.values, warnings, identified.person, identified.unit, fee)


def _case_problems(check: CaseCheck) -> list[Problem]:
    """The form's problems, the missing materials (when the form is valid), then eligibility."""
    found = list(check.form_problems)
    if check.form_ok:
        found += _missing(check.missing)
    return found + list(check.eligibility_problems)


def check_enrolments(item: CatalogItem, enrolments: Iterable[tuple[str, str]]) -> Rejection | None:
    """The eligibility rules that need the registry (G09: not already in an employees' or
    机关事业 pension), given the person's ``(insurance, status)`` enrolments; the caller
    calls it only when the registry knows the person."""
    problems = registry_problems(item, schemes_held(enrolments))
    return invalid(problems) if problems else None


def case_exists(case_number: str) -> Rejection:
    """A case id or number the server holds already (a second accept of the same case)."""
    return invalid(
        [
            _problem(
                "case_number",
                "case_exists",
                f"案件编号 {case_number} 或案件标识已在服务器登记过：请核对是否重复受理。",
            )
        ]
    )


def subject_of(
    item_code: str, checked: CheckedCase, name: str, today: dt.date
) -> tuple[ResidentId, str] | None:
    """Whose registry row the case is about: the applicant, or the employee named in the form."""
    fields = subject_field(item_code)
    if fields is None:
        return (checked.person_id, name) if checked.person_id is not None else None
    number, employee = checked.values.get(fields[0]), checked.values.get(fields[1])
    if not isinstance(number, str) or not isinstance(employee, str):
        return None
    return parse_resident_id(number, today=today), employee


def check_supplement(
    case: CasePayload, supplement: SupplementPayload, *, catalog: Catalog, today: dt.date
) -> tuple[dict[str, FormValue], tuple[str, ...]] | Rejection:
    """The merged form and materials of a 补正, or why it cannot be taken.

    The fee fields of an item that collected money may not change: the money was taken on
    the old values, so such a change is a new application (withdraw this case first).
    """
    item = find_item(catalog, case.item_code)
    if isinstance(item, Rejection):
        return item
    fee_fields = {"base", "period_start", "period_end", "include_medical", "grade", "year"}
    if case.fee is not None and fee_fields & set(supplement.form_changes):
        return invalid(
            [
                _problem(
                    "form",
                    "fee_fields_fixed",
                    "已收费案件的缴费项目（基数、期间、档次、年度）不能通过补正修改：请撤回本案后重新受理。",
                )
            ]
        )
    merged = {**case.form, **supplement.form_changes}
    materials = tuple(dict.fromkeys((*case.materials_provided, *supplement.materials_provided)))
    person = None
    if case.applicant.id_number is not None:
        try:
            person = parse_resident_id(case.applicant.id_number, today=today)
        except IdentifierError:
            person = None
    values, problems = _form(item, merged, materials, today, person)
    if any(p.severity == "error" for p in problems):
        return invalid(problems)
    return values, materials
