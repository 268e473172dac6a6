"""参保地: one named rule per situation (pure)."""

from __future__ import annotations

import pytest

from schema.catalog import load_catalog
from schema.vocabulary import ApplicantKind, FeeKind, InsuranceType
from sync_server.core.attribution import (
    REGISTRATION_ITEMS,
    Facts,
    Registration,
    Rule,
    attribute,
    driving_insurance,
)

STATION = "511102"  # 市中区
PERSON, UNIT = ApplicantKind.PERSON, ApplicantKind.UNIT
EP = InsuranceType.ENTERPRISE_PENSION


def test_registry_enrolment_wins_for_a_known_person() -> None:
    a = attribute(Facts(STATION, PERSON, EP, enrolment_county="511123", household_township="511181100"))
    assert (a.county, a.rule) == ("511123", Rule.REGISTRY_ENROLMENT)


def test_unknown_person_falls_back_to_the_station() -> None:
    a = attribute(Facts(STATION, PERSON, EP, id_area_code="110101"))
    assert (a.county, a.rule) == (STATION, Rule.STATION_COUNTY)


def test_item_without_insurance_follows_the_station() -> None:
    assert attribute(Facts(STATION, PERSON, None, enrolment_county="511123")).rule is Rule.STATION_COUNTY


def test_employee_registration_follows_the_employer_in_the_registry() -> None:
    facts = Facts(STATION, UNIT, EP, Registration.EMPLOYEE, enrolment_county="511181", unit_county="511124")
    assert (attribute(facts).county, attribute(facts).rule) == ("511124", Rule.EMPLOYER_COUNTY)


def test_employee_registration_reads_a_leshan_uscc_area_code() -> None:
    a = attribute(Facts(STATION, UNIT, EP, Registration.EMPLOYEE, uscc_area_code="511126"))
    assert (a.county, a.rule) == ("511126", Rule.EMPLOYER_COUNTY)


def test_employee_registration_with_a_foreign_employer_falls_back_to_the_station() -> None:
    a = attribute(Facts(STATION, UNIT, EP, Registration.EMPLOYEE, uscc_area_code="510104"))
    assert (a.county, a.rule) == (STATION, Rule.STATION_COUNTY)


def test_flexible_registration_follows_the_household_township() -> None:
    a = attribute(
        Facts(
            STATION, PERSON, EP, Registration.FLEXIBLE, household_township="511181100", id_area_code="511102"
        )
    )
    assert (a.county, a.rule) == ("511181", Rule.HOUSEHOLD_COUNTY)


@pytest.mark.parametrize(
    ("area", "county"), [("511124", "511124"), ("512625", "511181"), ("512601", "511102")]
)
def test_resident_registration_reads_current_and_historical_id_codes(area: str, county: str) -> None:
    a = attribute(
        Facts("511129", PERSON, InsuranceType.RESIDENT_PENSION, Registration.RESIDENT, id_area_code=area)
    )
    assert (a.county, a.rule) == (county, Rule.HOUSEHOLD_COUNTY)


def test_registration_of_someone_already_enrolled_keeps_that_county() -> None:
    facts = Facts(
        STATION, PERSON, EP, Registration.FLEXIBLE, enrolment_county="511132", household_township="511181100"
    )
    assert attribute(facts).rule is Rule.REGISTRY_ENROLMENT


def test_moved_away_id_code_is_not_leshan() -> None:
    # 512621 (仁寿县) moved to 眉山 in 1997.
    a = attribute(Facts(STATION, PERSON, EP, Registration.FLEXIBLE, id_area_code="512621"))
    assert a.rule is Rule.STATION_COUNTY


@pytest.mark.parametrize(
    ("unit_county", "area", "county"),
    [("511123", "511126", "511123"), (None, "511126", "511126"), (None, "110105", STATION)],
)
def test_unit_county(unit_county: str | None, area: str, county: str) -> None:
    a = attribute(Facts(STATION, UNIT, EP, unit_county=unit_county, uscc_area_code=area))
    assert (a.county, a.rule) == (county, Rule.UNIT_COUNTY)


def test_driving_insurance_is_the_fees_or_the_items_first() -> None:
    catalog = load_catalog()
    assert driving_insurance(catalog.item("C019")) is EP
    assert driving_insurance(catalog.item("G08")) is None
    assert driving_insurance(catalog.item("G12"), fee_kind=FeeKind.FLEXIBLE_WORKER) is EP
    assert (
        driving_insurance(catalog.item("C012"), fee_kind=FeeKind.RESIDENT_PENSION)
        is InsuranceType.RESIDENT_PENSION
    )


def test_registration_items_are_catalog_items_that_touch_enrolments() -> None:
    catalog = load_catalog()
    for code in REGISTRATION_ITEMS:
        assert any(f.startswith("enrolment.") for f in catalog.item(code).registry_fields), code
