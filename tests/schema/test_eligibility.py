"""Eligibility rules of the catalog's items (schema.eligibility) and the desk's fee months
(schema.fees.check_desk_months): pure, no database, no clock."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import get_args

import pytest

from schema.catalog import load_catalog, validate_form
from schema.eligibility import (
    ELIGIBILITY_ERROR_MESSAGES,
    EligibilityCode,
    check_eligibility,
    derive,
    schemes_held,
)
from schema.error_codes import error_codes
from schema.errors import FeeError
from schema.fees import check_desk_months, compute_fee, fee_request_from_form, provisional_months
from schema.rates import load_rates
from schema.vocabulary import InsuranceType, label

TODAY = date(2026, 11, 26)
CATALOG, RATES = load_catalog(), load_rates()
CJK = re.compile(r"[\u4e00-\u9fff]")

G09 = {"grade": "300", "year": 2026, "household_division": "511102004", "not_in_other_pension": True,
       "contact_phone": "13912345678"}  # fmt: skip
C066 = {"separation_date": "2026-11-01", "former_employer_uscc": "91511102MA62ABCDE7",
        "separation_reason": "contract_expired", "registration_date": "2026-11-10",
        "bank_name": "中国农业银行乐山苏稽支行", "bank_account": "6228480402564890018"}  # fmt: skip
C005 = {"employee_id_number": "511102199003020246", "employee_name": "李秀英", "employment_start": "2026-11-01",
        "contract_type": "fixed_term", "monthly_wage": "3000", "insurance_types": ["enterprise_pension"],
        "household_type": "urban"}  # fmt: skip
G14 = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03"}


def _codes(code: str, form: dict[str, object], *, on: date = TODAY, enrolled=None) -> list[str]:
    item = CATALOG.item(code)
    values = validate_form(item, form, today=on).values
    values = {**values, **derive(item, values, accepted_on=on, rates=RATES)}
    return [p.code for p in check_eligibility(item, values, accepted_on=on, rates=RATES, enrolled=enrolled)]


def test_every_code_has_a_chinese_message_saying_what_to_do_and_is_in_the_table() -> None:
    assert set(ELIGIBILITY_ERROR_MESSAGES) == set(get_args(EligibilityCode))
    table = error_codes()
    for code, message in ELIGIBILITY_ERROR_MESSAGES.items():
        assert (CJK.search(message) and "请" in message) or "已按" in message, code
        assert table[code].area == "受理条件"
    assert {"fee_month_after_this_year", "fee_month_of_past_year", "id_bad_province"} <= set(table)


# ---- G09 城乡居民养老保险参保登记 --------------------------------------------------------


def test_g09_a_valid_registration_passes() -> None:
    assert _codes("G09", G09) == []
    assert _codes("G09", G09, enrolled=frozenset({InsuranceType.RESIDENT_MEDICAL})) == []


def test_g09_a_full_time_student_is_refused() -> None:
    assert _codes("G09", G09 | {"is_student": True}) == ["eligibility_full_time_student"]
    assert _codes("G09", G09 | {"is_student": "否"}) == []


def test_g09_declaring_another_pension_is_refused() -> None:
    assert _codes("G09", G09 | {"not_in_other_pension": False}) == ["eligibility_in_other_pension"]


@pytest.mark.parametrize("scheme", [InsuranceType.ENTERPRISE_PENSION, InsuranceType.INSTITUTION_PENSION])
def test_g09_a_person_the_registry_has_in_an_employees_pension_is_refused(scheme: InsuranceType) -> None:
    item = CATALOG.item("G09")
    [problem] = check_eligibility(item, G09, accepted_on=TODAY, rates=RATES, enrolled={scheme})
    assert problem.code == "eligibility_enrolled_in_other_pension" and problem.severity == "error"
    assert f"已参加{label(scheme)}，" in problem.message


def test_only_enrolments_not_stopped_count() -> None:
    held = schemes_held([("enterprise_pension", "stopped"), ("institution_pension", "suspended"),
                         ("resident_medical", "active"), ("no_such_scheme", "active")])  # fmt: skip
    assert held == {InsuranceType.INSTITUTION_PENSION, InsuranceType.RESIDENT_MEDICAL}
    assert _codes("G09", G09, enrolled=schemes_held([("enterprise_pension", "stopped")])) == []


def test_g09_the_age_floor_is_the_catalogs_applicant_age() -> None:
    from schema.identifiers import make_resident_id, parse_resident_id

    young = parse_resident_id(make_resident_id("511102", date(2011, 1, 1), 1), today=TODAY)  # 15
    result = validate_form(CATALOG.item("G09"), G09, today=TODAY, applicant=young)
    assert [p.code for p in result.errors] == ["form_age_out_of_range"]


# ---- C066 失业保险金申领 ---------------------------------------------------------------------


def test_c066_resigning_is_refused_with_the_reason() -> None:
    item = CATALOG.item("C066")
    values = validate_form(item, C066 | {"separation_reason": "resigned"}, today=TODAY).values
    [problem] = check_eligibility(item, values, accepted_on=TODAY, rates=RATES)
    assert (problem.field, problem.code) == ("separation_reason", "eligibility_voluntary_separation")
    assert "本人意愿" in problem.message


@pytest.mark.parametrize("reason", ["contract_expired", "employer_terminated", "employer_closed", "mutual"])
def test_c066_involuntary_separations_pass(reason: str) -> None:
    assert _codes("C066", C066 | {"separation_reason": reason}) == []


# ---- G12 / G14 months ---------------------------------------------------------------------


def test_desk_months_of_the_acceptance_year_pass_even_on_carried_forward_limits() -> None:
    check_desk_months("2026-01", "2026-12", accepted_on=TODAY)
    assert _codes("G14", G14) == []
    months = ("2025-12", "2026-01", "2026-02")
    assert provisional_months(months, RATES) == ("2026-01", "2026-02")  # 2026 limits not published


def test_a_month_after_the_acceptance_year_is_refused() -> None:
    with pytest.raises(FeeError) as exc:
        check_desk_months("2026-11", "2027-01", accepted_on=TODAY)
    assert (exc.value.code, exc.value.detail["field"]) == ("fee_month_after_this_year", "period_end")
    assert "2026-12" in exc.value.message
    assert _codes("G14", G14 | {"period_end": "2027-01"}) == ["fee_month_after_this_year"]
    assert _codes("G12", {"period_start": "2027-01", "period_end": "2027-02"}) == [
        "fee_month_after_this_year"
    ]


def test_a_month_of_a_past_year_is_a_back_payment_for_another_item() -> None:
    with pytest.raises(FeeError) as exc:
        check_desk_months("2025-12", "2026-01", accepted_on=TODAY)
    assert (exc.value.code, exc.value.detail["field"]) == ("fee_month_of_past_year", "period_start")
    assert "补缴" in exc.value.message and "C011" in exc.value.message and "C012" in exc.value.message
    assert _codes("G14", G14 | {"period_start": "2025-11"}) == ["fee_month_of_past_year"]


def test_the_year_comes_from_the_acceptance_date_not_the_clock() -> None:
    assert _codes("G14", G14, on=date(2027, 1, 4)) == ["fee_month_of_past_year"]
    assert _codes("G14", G14 | {"period_end": "2027-01"}, on=date(2027, 1, 4)) == ["fee_month_of_past_year"]
    assert _codes("G14", {"base": "5000", "period_start": "2027-01", "period_end": "2027-03"},
                  on=date(2027, 1, 4)) == []  # fmt: skip


# ---- C005 wage below the base floor --------------------------------------------------------


def test_c005_a_wage_below_the_floor_needs_the_clerks_confirmation() -> None:
    item = CATALOG.item("C005")
    values = validate_form(item, C005, today=TODAY).values
    assert derive(item, values, accepted_on=TODAY, rates=RATES) == {}
    [problem] = check_eligibility(item, values, accepted_on=TODAY, rates=RATES)
    assert (problem.field, problem.code, problem.severity) == (
        "wage_floor_confirmed", "eligibility_wage_below_floor", "error",
    )  # fmt: skip
    assert (
        "4,588.00" in problem.message
        and "3,000.00" in problem.message
        and "暂按 2025 年度" in problem.message
    )


def test_c005_a_confirmed_wage_below_the_floor_is_raised_to_it_and_recorded() -> None:
    item = CATALOG.item("C005")
    values = validate_form(item, C005 | {"wage_floor_confirmed": True}, today=TODAY).values
    derived = derive(item, values, accepted_on=TODAY, rates=RATES)
    assert derived == {"contribution_base": "4588.00"}
    problems = check_eligibility(item, {**values, **derived}, accepted_on=TODAY, rates=RATES)
    assert [(p.code, p.severity) for p in problems] == [("eligibility_base_raised_to_floor", "warning")]
    # the contribution on the recorded base is the floor's, not the wage's
    floor = RATES.base_limits(TODAY).lower
    assert Decimal(str(derived["contribution_base"])) == floor


def test_c005_a_recorded_base_that_is_not_the_floor_is_refused() -> None:
    item = CATALOG.item("C005")
    values = validate_form(
        item, C005 | {"wage_floor_confirmed": True, "contribution_base": "3000"}, today=TODAY
    ).values
    codes = [p.code for p in check_eligibility(item, values, accepted_on=TODAY, rates=RATES)]
    assert "eligibility_derived_mismatch" in codes
    missing = validate_form(item, C005 | {"wage_floor_confirmed": True}, today=TODAY).values
    assert "eligibility_derived_mismatch" in [
        p.code for p in check_eligibility(item, missing, accepted_on=TODAY, rates=RATES)
    ]


def test_c005_a_wage_at_or_above_the_floor_needs_nothing() -> None:
    assert _codes("C005", C005 | {"monthly_wage": "4588"}) == []
    assert _codes("C005", C005 | {"monthly_wage": "8000", "wage_floor_confirmed": True}) == []


def test_the_flexible_fee_on_carried_forward_months_is_still_computed() -> None:
    fee = compute_fee(fee_request_from_form(CATALOG.item("G14").fee_kind, G14), RATES)  # type: ignore[arg-type]
    assert fee.months == ("2026-01", "2026-02", "2026-03") and fee.total > 0
