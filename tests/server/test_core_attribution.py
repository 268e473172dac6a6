"""参保地: one named rule per situation (pure)."""

from __future__ import annotations

import pytest

from schema.catalog import load_catalog
from schema.divisions import CITY_LEVEL_CODE, party_name, unit_party_for_area_code
from schema.vocabulary import ApplicantKind, FeeKind, InsuranceType
from sync_server.core.attribution import (
    REGISTRATION_ITEMS,
    TRANSFER_ITEMS,
    Facts,
    FlagCode,
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


def test_employer_unknown_to_the_registry_is_provisional_by_its_uscc_area_code() -> None:
    # C005 with an unknown USCC: accepted, attributed by the code, flagged for 核实.
    a = attribute(Facts(STATION, UNIT, EP, Registration.EMPLOYEE, uscc_area_code="511126"))
    assert (a.county, a.rule, a.provisional) == ("511126", Rule.EMPLOYER_COUNTY, True)
    assert [f.code for f in a.flags] == [FlagCode.EMPLOYER_UNVERIFIED]
    assert "不在单位登记库中" in a.flags[0].reason and "夹江县" in a.flags[0].reason


def test_foreign_employer_unknown_to_the_registry_is_not_silently_the_station() -> None:
    a = attribute(Facts(STATION, UNIT, EP, Registration.EMPLOYEE, uscc_area_code="510104"))
    assert (a.county, a.rule) == (STATION, Rule.STATION_COUNTY)
    assert [f.code for f in a.flags] == [FlagCode.EMPLOYER_UNVERIFIED]
    assert "市中区" in a.flags[0].reason


def test_a_known_employer_is_not_flagged() -> None:
    a = attribute(
        Facts(STATION, UNIT, EP, Registration.EMPLOYEE, unit_county="511124", uscc_area_code="510104")
    )
    assert (a.county, a.flags) == ("511124", ())


def test_flexible_registration_without_a_residence_follows_the_registry_household() -> None:
    a = attribute(
        Facts(
            STATION, PERSON, EP, Registration.FLEXIBLE, household_township="511181100", id_area_code="511102"
        )
    )
    assert (a.county, a.rule, a.flags) == ("511181", Rule.HOUSEHOLD_COUNTY, ())


def test_resident_registration_follows_the_household_the_clerk_records() -> None:
    # Born in 仁寿 (512621, 眉山 today), living with a 夹江 户口簿 (木城镇 511126107).
    a = attribute(
        Facts(STATION, PERSON, InsuranceType.RESIDENT_PENSION, Registration.RESIDENT,
              id_area_code="512621", household_township="511102004", household_division="511126107")
    )  # fmt: skip
    assert (a.county, a.rule, a.flags) == ("511126", Rule.HOUSEHOLD_COUNTY, ())


def test_flexible_registration_follows_the_residence_not_the_household() -> None:
    a = attribute(
        Facts(STATION, PERSON, EP, Registration.FLEXIBLE, id_area_code="511124",
              household_division="511126107", residence_division="511181100")
    )  # fmt: skip
    assert (a.county, a.rule, a.flags) == ("511181", Rule.RESIDENCE_COUNTY, ())


@pytest.mark.parametrize(
    ("area", "county"), [("511124", "511124"), ("512625", "511181"), ("512601", "511102")]
)
def test_without_a_recorded_household_the_id_code_is_a_flagged_fallback(area: str, county: str) -> None:
    a = attribute(
        Facts("511129", PERSON, InsuranceType.RESIDENT_PENSION, Registration.RESIDENT, id_area_code=area)
    )
    assert (a.county, a.rule) == (county, Rule.ID_AREA_CODE)
    assert [(f.code, f.label) for f in a.flags] == [(FlagCode.HOUSEHOLD_UNVERIFIED, "户籍未核实")]
    assert "户口簿" in a.flags[0].reason


def test_registration_of_someone_already_enrolled_keeps_that_county() -> None:
    facts = Facts(
        STATION, PERSON, EP, Registration.FLEXIBLE, enrolment_county="511132", household_township="511181100"
    )
    assert attribute(facts).rule is Rule.REGISTRY_ENROLMENT


def test_moved_away_id_code_is_not_leshan() -> None:
    # 512621 (仁寿县) moved to 眉山 in 1997.
    a = attribute(Facts(STATION, PERSON, EP, Registration.FLEXIBLE, id_area_code="512621"))
    assert a.rule is Rule.STATION_COUNTY
    assert [f.code for f in a.flags] == [FlagCode.HOUSEHOLD_UNVERIFIED]


def test_transfer_without_an_enrolment_is_provisional_and_flagged() -> None:
    # C026 of someone the registry holds no 企业养老 enrolment for.
    a = attribute(Facts(STATION, PERSON, EP, id_area_code="511124", transfer=True))
    assert (a.county, a.rule) == ("511124", Rule.ID_AREA_CODE)
    assert [f.code for f in a.flags] == [FlagCode.TRANSFER_SOURCE_UNVERIFIED]
    assert "企业职工基本养老保险" in a.flags[0].reason
    unknown = attribute(Facts(STATION, PERSON, EP, id_area_code="110101", transfer=True))
    assert (unknown.county, unknown.rule, unknown.provisional) == (STATION, Rule.STATION_COUNTY, True)


def test_transfer_of_an_enrolled_person_follows_the_enrolment() -> None:
    a = attribute(Facts(STATION, PERSON, EP, enrolment_county="511132", transfer=True))
    assert (a.county, a.rule, a.flags) == ("511132", Rule.REGISTRY_ENROLMENT, ())


def test_city_level_units_are_attributed_to_shibenji() -> None:
    assert unit_party_for_area_code("511100") == CITY_LEVEL_CODE and party_name(CITY_LEVEL_CODE) == "市本级"
    by_registry = attribute(Facts(STATION, UNIT, EP, unit_county=CITY_LEVEL_CODE, uscc_area_code="511102"))
    by_code = attribute(Facts(STATION, UNIT, EP, uscc_area_code="511100"))
    employer = attribute(Facts(STATION, UNIT, EP, Registration.EMPLOYEE, unit_county=CITY_LEVEL_CODE))
    assert {by_registry.county, by_code.county, employer.county} == {CITY_LEVEL_CODE}
    assert (by_code.rule, employer.rule, employer.flags) == (Rule.UNIT_COUNTY, Rule.EMPLOYER_COUNTY, ())


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
    for code in TRANSFER_ITEMS:
        assert "转移" in catalog.item(code).name, code


def test_registration_forms_record_the_household_and_the_residence_apart() -> None:
    catalog = load_catalog()
    for code in ("G09", "G12", "C084", "C005", "C010", "C083"):
        assert catalog.item(code).field("household_division") is not None, code
    g12 = catalog.item("G12")
    assert g12.field("residence_division") is not None and g12.field("household_division") is not None
    assert "户籍" in g12.field("household_division").label  # type: ignore[union-attr]
