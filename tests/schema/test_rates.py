"""Rate tables: dated records that stay in force until the next one starts."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest
from pydantic import ValidationError

from schema.errors import FeeError
from schema.rates import RateBook, load_rates, rate_book_from_json, rates_digest
from schema.vocabulary import InsuranceType

SHIPPED = resources.files("schema").joinpath("data/rates.json").read_text(encoding="utf-8")


def shipped_data() -> dict:
    return json.loads(SHIPPED)


def test_2025_base_limits_are_60_and_300_percent_of_the_average_wage():
    limits = load_rates().base_limits(date(2025, 7, 1))
    assert (limits.year, limits.average_wage, limits.lower, limits.upper) == (
        2025,
        Decimal("7646"),
        Decimal("4588"),
        Decimal("22938"),
    )
    # docs/sources.md: 7,646 × 60% = 4,587.6 → 4,588 (rounded to the yuan); × 300% = 22,938
    assert (limits.average_wage * Decimal("0.6")).quantize(Decimal(1)) == limits.lower
    assert limits.average_wage * 3 == limits.upper
    assert limits.confirmed


def test_2026_keeps_the_2025_limits_until_a_2026_record_is_loaded():
    book = load_rates()
    assert [r.year for r in book.limits] == [2025]  # no invented 2026 record
    limits = book.base_limits(date(2026, 3, 1))
    assert limits.year == 2025
    assert limits.carried_forward(date(2026, 3, 1))
    assert not limits.carried_forward(date(2025, 12, 1))


def test_a_loaded_2026_record_ends_the_2025_one():
    data = shipped_data()
    data["limits"].append(
        dict(
            data["limits"][0],
            year=2026,
            effective_from="2026-01-01",
            average_wage="8000",
            lower="4800",
            upper="24000",
        )
    )
    book = RateBook.model_validate(data)
    assert book.base_limits(date(2025, 12, 31)).year == 2025
    assert book.base_limits(date(2026, 1, 1)).year == 2026


def test_nothing_is_in_force_before_the_first_record():
    book = load_rates()
    for ask in (book.in_force, book.base_limits):
        with pytest.raises(FeeError) as err:
            ask(date(2024, 12, 31))
        assert err.value.code == "fee_no_rates"
        assert "2024-12-31" in err.value.message


def test_employee_scheme_rates():
    employee = load_rates().in_force(date(2025, 1, 1)).employee
    pension = employee[InsuranceType.ENTERPRISE_PENSION]
    assert (pension.employer, pension.employee, pension.employee_personal) == (
        Decimal("0.16"),
        Decimal("0.08"),
        Decimal("0.08"),
    )
    assert pension.confirmed
    unemployment = employee[InsuranceType.UNEMPLOYMENT]
    assert unemployment.employer + unemployment.employee == Decimal("0.01")
    assert not unemployment.confirmed  # the 0.6/0.4 split is not sourced
    assert not employee[InsuranceType.EMPLOYEE_MEDICAL].confirmed  # Leshan rate not found
    assert InsuranceType.MATERNITY not in employee  # merged into employee medical


def test_work_injury_has_eight_risk_classes():
    classes = load_rates().in_force(date(2025, 1, 1)).work_injury.classes
    assert [classes[c] * 100 for c in range(1, 9)] == [
        Decimal(x) for x in ("0.2", "0.4", "0.7", "0.9", "1.1", "1.3", "1.6", "1.9")
    ]


def test_flexible_worker_rates():
    table = load_rates().in_force(date(2025, 1, 1))
    assert (table.flexible_pension.rate, table.flexible_pension.personal) == (
        Decimal("0.20"),
        Decimal("0.08"),
    )
    assert table.flexible_pension.confirmed
    assert not table.flexible_medical.confirmed


def test_resident_pension_grades_are_the_catalog_choices_and_unconfirmed():
    scheme = load_rates().in_force(date(2025, 1, 1)).resident_pension
    assert scheme.amounts == (100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1500, 2000, 3000)
    subsidies = [g.subsidy for g in scheme.grades]
    assert subsidies[0] >= 30 and subsidies == sorted(subsidies)
    assert not scheme.confirmed
    assert "乐山市人社局" in scheme.note


def test_unconfirmed_items_are_listed_for_the_administrator():
    unconfirmed = load_rates().unconfirmed()
    assert "tables.2025-01-01.resident_pension" in unconfirmed
    assert "tables.2025-01-01.flexible_medical" in unconfirmed
    assert "tables.2025-01-01.employee.unemployment" in unconfirmed
    assert "tables.2025-01-01.flexible_pension" not in unconfirmed


def test_digest_is_stable_and_changes_with_the_content():
    book = load_rates()
    assert rates_digest(book) == rates_digest(rate_book_from_json(SHIPPED))
    assert len(rates_digest(book)) == 64
    data = shipped_data()
    data["tables"][0]["flexible_pension"]["rate"] = "0.21"
    assert rates_digest(RateBook.model_validate(data)) != rates_digest(book)


def test_a_book_survives_the_wire():
    book = load_rates()
    assert rate_book_from_json(book.model_dump_json()) == book


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d["limits"][0].update(lower="8000"),  # lower above the average wage
        lambda d: d["tables"][0]["work_injury"]["classes"].pop("8"),
        lambda d: d["tables"][0]["flexible_pension"].update(personal="0.25"),
        lambda d: d["tables"][0]["employee"]["unemployment"].update(employee="1.5"),
        lambda d: d["tables"][0]["resident_pension"]["grades"].reverse(),
        lambda d: d["tables"].append(d["tables"][0]),  # two tables start the same day
    ],
)
def test_malformed_books_are_refused(spoil):
    data = shipped_data()
    spoil(data)
    with pytest.raises(ValidationError):
        RateBook.model_validate(data)


def test_benefit_parameters_carry_source_and_are_listed_until_confirmed():
    benefits = load_rates().benefits
    # the national 记账利率 published for each year since 2016
    assert {r.year: r.rate for r in benefits.account_interest} == {
        2016: Decimal("0.0831"), 2017: Decimal("0.0712"), 2018: Decimal("0.0829"), 2019: Decimal("0.0761"),
        2020: Decimal("0.0604"), 2021: Decimal("0.0669"), 2022: Decimal("0.0612"), 2023: Decimal("0.0397"),
        2024: Decimal("0.0262"),
    }  # fmt: skip
    assert benefits.transition().rate == Decimal("0.012") and not benefits.transition().confirmed
    assert benefits.resident_basic(date(2025, 6, 1)).amount == Decimal("143")
    assert benefits.resident_basic(date(2024, 12, 31)).amount == Decimal("123")
    unconfirmed = load_rates().unconfirmed()
    assert "benefits.transition_coefficient" in unconfirmed
    assert "benefits.unemployment_benefit.2025-01-01" in unconfirmed
    assert all(r.source for r in benefits.account_interest)


def test_a_book_without_benefit_parameters_still_parses():
    data = shipped_data()
    del data["benefits"]
    book = RateBook.model_validate(data)
    assert book.benefits.account_interest == () and not any(
        u.startswith("benefits.") for u in book.unconfirmed()
    )


def test_two_interest_rates_for_one_year_are_refused():
    data = shipped_data()
    data["benefits"]["account_interest"].append(dict(data["benefits"]["account_interest"][0]))
    with pytest.raises(ValidationError):
        RateBook.model_validate(data)
