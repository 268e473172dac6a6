"""The one chain of case checks both sides run (schema.case_checks): pure, no store, no clock."""

from __future__ import annotations

import datetime as dt

from schema.case_checks import Identified, check_case, identify, time_limit_due
from schema.catalog import load_catalog
from schema.fees import compute_fee
from schema.identifiers import make_resident_id, make_uscc
from schema.rates import load_rates
from schema.vocabulary import ApplicantKind, InsuranceType
from schema.workdays import WorkdayCalendar, due

TODAY = dt.date(2026, 11, 26)
CATALOG, RATES = load_catalog(), load_rates()
PERSON = make_resident_id("511102", dt.date(1975, 5, 17), 1)
G09 = {"grade": "300", "year": 2026, "household_division": "511102004", "not_in_other_pension": True,
       "contact_phone": "13912345678"}  # fmt: skip
G14 = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True}
C005 = {"employee_id_number": make_resident_id("511102", dt.date(1990, 3, 2), 24), "employee_name": "李秀英", "employment_start": "2026-11-01",
        "contract_type": "fixed_term", "monthly_wage": "3000", "insurance_types": ["enterprise_pension"],
        "household_type": "urban", "wage_floor_confirmed": True}  # fmt: skip


def _person() -> Identified:
    return identify(ApplicantKind.PERSON, PERSON, None, today=TODAY)


def test_identify_normalises_a_typed_number_and_names_what_is_wrong():
    typed = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in PERSON)  # full-width digits
    assert identify(ApplicantKind.PERSON, typed, None, today=TODAY).person == _person().person
    bad = identify(ApplicantKind.PERSON, PERSON[:-1] + ("0" if PERSON[-1] != "0" else "1"), None, today=TODAY)
    assert bad.person is None
    assert [(p.field, p.code, p.severity) for p in bad.problems] == [
        ("applicant.id_number", "id_bad_check_digit", "error")
    ]
    missing = identify(ApplicantKind.UNIT, None, None, today=TODAY)
    assert missing.unit is None and [p.field for p in missing.problems] == ["applicant.uscc"]
    good = make_uscc("91511102MA0000001")
    off = good[:-1] + ("0" if good[-1] != "0" else "1")
    warned = identify(ApplicantKind.UNIT, None, off, today=TODAY)
    assert warned.unit is not None and [(p.code, p.severity) for p in warned.problems] == [
        ("uscc_bad_check_digit", "warning")
    ]


def test_a_valid_fee_case_gets_its_fee_through_the_given_rule():
    asked = []

    def counting(request, rates):
        asked.append(request)
        return compute_fee(request, rates)

    item = CATALOG.item("G14")
    check = check_case(
        item, G14, ["id_card"], identified=_person(), today=TODAY, rates=RATES, fee_rule=counting
    )
    assert check.ok and check.fee is not None and check.fee.total > 0
    assert len(asked) == 1
    skipped = check_case(
        item, G14, ["id_card"], identified=_person(), today=TODAY, rates=RATES, with_fee=False
    )
    assert skipped.fee is None and skipped.fee_error is None


def test_an_error_anywhere_earlier_leaves_the_fee_uncomputed():
    item = CATALOG.item("G14")
    bad_id = identify(ApplicantKind.PERSON, "123", None, today=TODAY)
    for identified, form in ((bad_id, G14), (_person(), G14 | {"base": "abc"})):
        check = check_case(item, form, ["id_card"], identified=identified, today=TODAY, rates=RATES)
        assert not check.ok and check.fee is None
    assert check.form_ok is False


def test_eligibility_and_missing_materials_are_reported_in_the_chain_order():
    item = CATALOG.item("G09")
    check = check_case(
        item, G09 | {"is_student": True}, ["id_card"], identified=_person(), today=TODAY, rates=RATES,
        enrolled=frozenset({InsuranceType.ENTERPRISE_PENSION}),
    )  # fmt: skip
    codes = [p.code for p in check.eligibility_problems]
    assert "eligibility_full_time_student" in codes and "eligibility_enrolled_in_other_pension" in codes
    assert [p.code for p in check.problems][-len(codes) :] == codes
    assert [m.code for m in check.missing] == ["hukou"]
    assert check.form_ok and not check.ok


def test_derived_fields_are_filled_only_at_the_desk():
    item = CATALOG.item("C005")
    unit = identify(ApplicantKind.UNIT, None, make_uscc("91511102MA62ABCDE"), today=TODAY)
    materials = ["labour_contract", "employee_id_card"]
    desk = check_case(item, C005, materials, identified=unit, today=TODAY, rates=RATES, fill_derived=True)
    server = check_case(item, C005, materials, identified=unit, today=TODAY, rates=RATES)
    assert desk.values["contribution_base"] == "4588.00"
    assert [p.code for p in desk.problems] == ["eligibility_base_raised_to_floor"] and desk.ok
    # The server checks what the station recorded: a confirmation without the raised base is refused.
    assert "contribution_base" not in server.values
    assert "eligibility_derived_mismatch" in [p.code for p in server.problems] and not server.ok


def test_the_due_date_is_the_workdays_due_on_the_given_calendar():
    item = CATALOG.item("C026")
    limit = item.time_limit
    calendar = WorkdayCalendar()
    assert time_limit_due(item, TODAY, calendar) == due(TODAY, limit.kind, limit.days, calendar=calendar)
    assert time_limit_due(item, TODAY) == due(TODAY, limit.kind, limit.days)
    assert time_limit_due(item, dt.date(2099, 12, 1)) is None  # past the calendar's range
