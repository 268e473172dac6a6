"""C019 / C021 in the shared case checks: the statutory age, the minimum years, the elastic window.

``check_case`` is what the station runs at intake and the server at ingest, so a refusal
here is a refusal on both sides.
"""

from __future__ import annotations

import datetime as dt

from schema.case_checks import check_case, identify
from schema.catalog import load_catalog
from schema.identifiers import make_resident_id, make_uscc
from schema.rates import load_rates
from schema.vocabulary import ApplicantKind

TODAY = dt.date(2026, 3, 2)
CATALOG, RATES = load_catalog(), load_rates()
MAN_1966 = make_resident_id("511102", dt.date(1966, 1, 15), 1)  # odd sequence: male
MAN_1969 = make_resident_id("511102", dt.date(1969, 3, 15), 3)
WOMAN_1976 = make_resident_id("511102", dt.date(1976, 1, 8), 2)  # even: female
C019 = {"worker_category": "male_60", "work_start_date": "1988-07-01", "archive_location": "乐山市人才交流中心",
        "contact_phone": "13912345678"}  # fmt: skip
C021 = {"contact_phone": "13912345678", "employer_uscc": make_uscc("91511102MA0000001")}


def _codes(code: str, id_number: str, form: dict, contribution_months: int | None = None) -> list[str]:
    item = CATALOG.item(code)
    materials = [m.code for m in item.materials]
    found = check_case(
        item, form, materials, identified=identify(ApplicantKind.PERSON, id_number, None, today=TODAY),
        today=TODAY, rates=RATES, contribution_months=contribution_months,
    )  # fmt: skip
    assert found.form_ok, found.form_problems
    return [p.code for p in found.problems if p.severity == "error"]


def test_c019_refuses_a_retirement_before_the_statutory_month():
    # born 1966-01: 12 // 4 + 1 = 4 months later → 60 岁 4 个月 → 2026-05
    item = CATALOG.item("C019")
    early = check_case(
        item, C019 | {"retirement_month": "2026-04"}, [m.code for m in item.materials],
        identified=identify(ApplicantKind.PERSON, MAN_1966, None, today=TODAY), today=TODAY, rates=RATES,
    )  # fmt: skip
    assert not early.ok
    [problem] = early.problems
    assert (problem.code, problem.field) == ("retirement_below_age", "retirement_month")
    assert (
        "60 岁 4 个月" in problem.message and "2026 年 5 月" in problem.message and "C021" in problem.message
    )
    assert _codes("C019", MAN_1966, C019 | {"retirement_month": "2026-05"}) == []


def test_c019_refuses_an_applicant_short_of_the_minimum_years():
    # retiring 2026-05: 15 years = 180 months needed
    assert _codes("C019", MAN_1966, C019 | {"retirement_month": "2026-05"}, contribution_months=180) == []
    assert _codes("C019", MAN_1966, C019 | {"retirement_month": "2026-05"}, contribution_months=179) == [
        "retirement_short_of_years"
    ]
    # born 1969-03: 50 // 4 + 1 = 13 → 61 岁 1 个月 → 2030-04; 2030 needs 15 y 6 m = 186 months
    on_time = C019 | {"retirement_month": "2030-04"}
    assert _codes("C019", MAN_1969, on_time, contribution_months=186) == []
    item = CATALOG.item("C019")
    short = check_case(
        item, on_time, [m.code for m in item.materials],
        identified=identify(ApplicantKind.PERSON, MAN_1969, None, today=TODAY), today=TODAY, rates=RATES,
        contribution_months=185,
    )  # fmt: skip
    assert "15 年 5 个月" in short.problems[0].message and "15 年 6 个月" in short.problems[0].message


def test_c019_category_must_fit_the_applicants_sex():
    # a woman cannot retire as 男职工（原60周岁）
    assert _codes("C019", WOMAN_1976, C019 | {"retirement_month": "2036-01"}) == [
        "retirement_category_mismatch"
    ]
    # as a woman worker born 1976-01: 12 // 2 + 1 = 7 → 50 岁 7 个月 → 2026-08
    worker = C019 | {"worker_category": "female_worker_50"}
    assert _codes("C019", WOMAN_1976, worker | {"retirement_month": "2026-08"}) == []
    assert _codes("C019", WOMAN_1976, worker | {"retirement_month": "2026-07"}) == ["retirement_below_age"]


def test_c021_elastic_early_within_three_years_and_not_below_the_original_age():
    # woman worker born 1976-01: statutory 2026-08 (50 岁 7 个月); 3 years earlier is below 50,
    # so the earliest is 50 周岁 → 2026-01
    early = C021 | {"direction": "early", "statutory_month": "2026-08"}
    assert _codes("C021", WOMAN_1976, early | {"requested_month": "2026-01"}) == []
    assert _codes("C021", WOMAN_1976, early | {"requested_month": "2025-12"}) == [
        "retirement_elastic_too_early"
    ]
    assert _codes("C021", WOMAN_1976, early | {"requested_month": "2026-09"}) == [
        "retirement_elastic_direction"
    ]
    # early retirement needs the minimum years of its year (2026: 180 months)
    assert _codes("C021", WOMAN_1976, early | {"requested_month": "2026-01"}, contribution_months=120) == [
        "retirement_short_of_years"
    ]


def test_c021_elastic_delay_at_most_three_years():
    # statutory 2026-08 + 36 months = 2029-08
    delay = C021 | {"direction": "delay", "statutory_month": "2026-08"}
    assert _codes("C021", WOMAN_1976, delay | {"requested_month": "2029-08"}) == []
    assert _codes("C021", WOMAN_1976, delay | {"requested_month": "2029-09"}) == [
        "retirement_elastic_too_late"
    ]


def test_c021_statutory_month_must_be_the_applicants_and_tells_the_category():
    # the same woman as a cadre: 72 // 4 + 1 = 19 → 56 岁 7 个月 → 2032-08; 56 y 7 m − 3 y is below 55,
    # so the earliest is 55 周岁 → 2031-01
    cadre = C021 | {"direction": "early", "statutory_month": "2032-08"}
    assert _codes("C021", WOMAN_1976, cadre | {"requested_month": "2031-01"}) == []
    assert _codes("C021", WOMAN_1976, cadre | {"requested_month": "2030-12"}) == [
        "retirement_elastic_too_early"
    ]
    wrong = C021 | {"direction": "early", "statutory_month": "2026-07", "requested_month": "2026-01"}
    assert _codes("C021", WOMAN_1976, wrong) == ["retirement_statutory_month_mismatch"]
