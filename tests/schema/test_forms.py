"""validate_form: normalising what the clerk typed and reporting every problem with a stable code."""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.catalog import (
    FORM_ERROR_MESSAGES,
    CatalogItem,
    FormErrorCode,
    FormResult,
    load_catalog,
    validate_form,
)
from schema.identifiers import parse_resident_id

TODAY = date(2025, 6, 16)
WORKER = "511102199001010017"  # born 1990-01-01
CHILD = "511102201205010027"  # born 2012-05-01
EMPLOYER = "91511102MA62X1234P"
EMPLOYER_BAD_CHECK = "91511102MA62X1234Q"
CARD_ACCOUNT = "6222021234567890128"  # passes the Luhn check
PASSBOOK = "6222021234567890123"  # fails it


def item(code: str) -> CatalogItem:
    return load_catalog().item(code)


def check(code: str, values: dict[str, Any], **kwargs: Any) -> FormResult:
    return validate_form(item(code), values, today=TODAY, **kwargs)


def codes(result: FormResult) -> dict[str, str]:
    return {p.field: p.code for p in result.problems}


INJURY = {
    "injury_date": "2025-06-01",
    "employer_uscc": EMPLOYER,
    "injury_kind": "accident",
    "injury_place": "犍为县玉津镇某建筑工地",
    "circumstances": "2025年6月1日上午在工地搬运钢管时被倒下的脚手架砸伤左腿。",
    "diagnosis": "左胫骨骨折",
    "first_hospital": "犍为县人民医院",
    "applicant_relation": "self",
    "contact_phone": "13800000000",
}


# --- normalisation ------------------------------------------------------------------------


def test_full_width_input_from_a_chinese_ime_is_normalised() -> None:
    result = check(
        "G14",
        {
            "base": "４５８８",
            "period_start": "２０２５年１月",
            "period_end": "2025/03",
            "include_medical": "是",
        },
    )
    assert result.ok, result.problems
    assert result.values == {
        "base": "4588.00",
        "period_start": "2025-01",
        "period_end": "2025-03",
        "include_medical": True,
    }


def test_defaults_fill_fields_left_empty() -> None:
    result = check("G14", {"base": "5000", "period_start": "2025-01", "period_end": "2025-01"})
    assert result.values["include_medical"] is False


def test_dates_ids_codes_and_phones_are_normalised() -> None:
    result = check(
        "C048",
        INJURY
        | {
            "injury_date": "2025年6月1日",
            "employer_uscc": "９１５１１１０２ma６２x１２３４p",
            "contact_phone": "(0833) 212-3456",
            "injury_place": "  玉津镇\u3000工地  ",
        },
    )
    assert result.ok, result.problems
    assert result.values["injury_date"] == "2025-06-01"
    assert result.values["employer_uscc"] == EMPLOYER
    assert result.values["contact_phone"] == "0833-2123456"
    assert result.values["injury_place"] == "玉津镇 工地"


def test_resident_ids_become_18_digits() -> None:
    values = {
        "deceased_id_number": "５１１１０２ １９９００１０１ ００１７",
        "deceased_name": "王五",
        "death_date": "2025-06-01",
    }
    result = check("C018", values | {"reporter_relation": "子女", "contact_phone": "+86 138 0000 0000"})
    assert result.ok, result.problems
    assert result.values["deceased_id_number"] == WORKER
    assert result.values["reporter_relation"] == "child"  # the Chinese label is accepted
    assert result.values["contact_phone"] == "13800000000"


def test_multi_choice_accepts_labels_separated_the_chinese_way() -> None:
    result = check(
        "G08",
        {"change_items": "联系电话、居住地址", "new_phone": "13912345678", "new_address": "苏稽镇新桥街1号"},
    )
    assert result.ok, result.problems
    assert result.values["change_items"] == ["phone", "address"]


def test_grades_typed_as_numbers_are_accepted() -> None:
    result = check(
        "G09",
        {
            "grade": 300,
            "year": "２０２５",
            "household_division": "玉津镇",
            "not_in_other_pension": True,
            "contact_phone": "13800000000",
        },
    )
    assert result.ok, result.problems
    assert result.values["grade"] == "300"
    assert result.values["year"] == 2025
    assert result.values["household_division"] == "511123100"


# --- every problem code ---------------------------------------------------------------------

G14 = {"base": "5000", "period_start": "2025-01", "period_end": "2025-03"}
G09 = {
    "grade": "300",
    "year": 2025,
    "household_division": "511123100",
    "not_in_other_pension": True,
    "contact_phone": "13800000000",
}
C066 = {
    "separation_date": "2025-05-01",
    "former_employer_uscc": EMPLOYER,
    "separation_reason": "contract_expired",
    "registration_date": "2025-05-10",
    "bank_name": "中国农业银行乐山分行",
}

CASES = [
    ("C048", INJURY | {"injury_date": ""}, "injury_date", "form_required"),
    ("G14", G14 | {"bonus": "1"}, "bonus", "form_unknown_field"),
    ("G14", G14 | {"base": {"yuan": 5000}}, "base", "form_bad_value"),
    ("G09", G09 | {"year": "二〇二五"}, "year", "form_not_a_number"),
    ("G14", G14 | {"base": "5000.001"}, "base", "form_bad_money"),
    (
        "G23",
        {"reason": "in_production", "valid_days": 200, "contact_phone": "13800000000"},
        "valid_days",
        "form_out_of_range",
    ),
    ("C048", INJURY | {"injury_date": "2025-02-30"}, "injury_date", "form_bad_date"),
    ("G14", G14 | {"period_start": "2025-13"}, "period_start", "form_bad_month"),
    ("C048", INJURY | {"injury_date": "2025-06-17"}, "injury_date", "form_date_in_future"),
    ("G20", {"report_kind": "丢了", "contact_phone": "13800000000"}, "report_kind", "form_bad_choice"),
    ("G14", G14 | {"include_medical": "也许"}, "include_medical", "form_not_a_boolean"),
    ("G01", {"topic": "other", "question": "问" * 1001}, "question", "form_too_long"),
    ("C048", INJURY | {"circumstances": "摔伤了"}, "circumstances", "form_too_short"),
    ("G16", {"card_number": "12", "pin_set": True}, "card_number", "form_bad_format"),
    ("G09", G09 | {"contact_phone": "12345"}, "contact_phone", "form_bad_phone"),
    ("C066", C066 | {"bank_account": "6222-02ab"}, "bank_account", "form_bank_account_digits"),
    ("G09", G09 | {"household_division": "110101"}, "household_division", "form_bad_division"),
    (
        "C040",
        {
            "retiree_id_number": CHILD,
            "retiree_name": "张三",
            "archive_volumes": 1,
            "handover_date": "2025-06-01",
            "community_division": "511102004",
            "handler_name": "李四",
            "handler_phone": "13800000000",
        },
        "retiree_id_number",
        "form_age_out_of_range",
    ),
    ("G14", G14 | {"period_end": "2024-12"}, "period_end", "form_period_reversed"),
    ("G14", G14 | {"period_start": "2022-01", "period_end": "2025-01"}, "period_end", "form_period_too_long"),
    ("C048", INJURY | {"employer_uscc": "91511102MA62X123"}, "employer_uscc", "uscc_wrong_length"),
    (
        "C018",
        {
            "deceased_id_number": "511102199001010018",
            "deceased_name": "王五",
            "death_date": "2025-06-01",
            "reporter_relation": "child",
            "contact_phone": "13800000000",
        },
        "deceased_id_number",
        "id_bad_check_digit",
    ),
]


@pytest.mark.parametrize(("code", "values", "field", "problem"), CASES, ids=[c[3] for c in CASES])
def test_each_problem_is_reported_on_its_field(
    code: str, values: dict[str, Any], field: str, problem: str
) -> None:
    result = check(code, values)
    assert codes(result) == {field: problem}
    assert not result.ok
    [found] = result.problems
    assert found.severity == "error"
    assert re.search(r"[\u4e00-\u9fff]", found.message)
    if problem.startswith("form_"):
        assert "：" in found.message  # what is wrong, then what to do


WARNINGS = [
    ("C048", INJURY | {"injury_date": "2024-05-01"}, "injury_date", "form_date_too_old"),
    ("C066", C066 | {"bank_account": PASSBOOK}, "bank_account", "form_bad_bank_account"),
    ("C048", INJURY | {"employer_uscc": EMPLOYER_BAD_CHECK}, "employer_uscc", "uscc_bad_check_digit"),
]


@pytest.mark.parametrize(("code", "values", "field", "problem"), WARNINGS, ids=[w[3] for w in WARNINGS])
def test_warnings_keep_the_value_and_let_the_clerk_go_on(
    code: str, values: dict[str, Any], field: str, problem: str
) -> None:
    result = check(code, values)
    assert codes(result) == {field: problem}
    assert result.ok
    assert result.warnings[0].severity == "warning"
    assert field in result.values


def test_a_valid_bank_card_passes_quietly() -> None:
    result = check("C066", C066 | {"bank_account": CARD_ACCOUNT})
    assert result.ok and not result.problems


def test_back_payments_may_span_more_than_36_months() -> None:
    values = {
        "employee_id_number": WORKER,
        "employee_name": "张三",
        "period_start": "2019-01",
        "period_end": "2024-12",
        "monthly_base": "4588",
        "insurance_types": ["enterprise_pension"],
        "reason": "missed",
        "reason_detail": "入职后单位漏报",
    }
    assert check("C011", values).ok


def test_fields_become_required_when_their_condition_holds() -> None:
    assert codes(check("G20", {"report_kind": "temporary", "contact_phone": "13800000000"})) == {
        "loss_reason": "form_required"
    }
    assert check("G20", {"report_kind": "release", "contact_phone": "13800000000"}).ok
    agent = check("G02", {"purpose": "housing", "insurance_types": "enterprise_pension", "by_agent": "是"})
    assert set(codes(agent)) == {"agent_name", "agent_id_number", "agent_phone"}


def test_the_applicant_age_range_is_checked_when_the_applicant_is_known() -> None:
    child = parse_resident_id(CHILD, today=TODAY)
    result = check("G09", G09, applicant=child)
    assert codes(result) == {"applicant": "form_age_out_of_range"}
    assert "16–59周岁" in result.problems[0].message
    assert check("G09", G09, applicant=parse_resident_id(WORKER, today=TODAY)).ok


def test_every_problem_of_a_form_is_reported_at_once() -> None:
    result = check("G14", {"base": "abc", "period_start": "2025-13"})
    assert codes(result) == {
        "base": "form_bad_money",
        "period_start": "form_bad_month",
        "period_end": "form_required",
    }


def test_the_message_table_matches_the_codes() -> None:
    assert set(FORM_ERROR_MESSAGES) == set(get_args(FormErrorCode))
    assert all("{label}" in message for message in FORM_ERROR_MESSAGES.values())


# --- never raises -------------------------------------------------------------------------

ITEMS = list(load_catalog())
_scalars = st.one_of(
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=40),
    st.text(alphabet=string.digits + "０１２３４５６７８９年月日-/. X", max_size=20),
)


@st.composite
def forms(draw: st.DrawFn) -> tuple[CatalogItem, dict[str, object]]:
    chosen = draw(st.sampled_from(ITEMS))
    keys = st.sampled_from([*chosen.field_names, "unknown", ""])
    return chosen, draw(st.dictionaries(keys, _scalars, max_size=len(chosen.form) + 2))


@settings(max_examples=600, deadline=None)
@given(forms(), st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))
def test_validate_form_never_raises(form: tuple[CatalogItem, dict[str, object]], today: date) -> None:
    chosen, values = form
    result = validate_form(chosen, values, today=today)
    for p in result.problems:
        assert p.code.startswith(("form_", "id_", "uscc_")), p.code
        assert p.code in FORM_ERROR_MESSAGES or not p.code.startswith("form_")
        assert p.message
    assert set(result.values) <= set(chosen.field_names)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ITEMS))
def test_every_item_accepts_an_empty_form_without_raising(chosen: CatalogItem) -> None:
    result = validate_form(chosen, {}, today=TODAY + timedelta(days=1))
    required = {f.name for f in chosen.form if f.required and f.default is None}
    assert {p.field for p in result.problems} == required
