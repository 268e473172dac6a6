"""Attribution: the county where a person or unit is insured (参保地), one named rule each.

The rule that decided is stored with the case (``cases.registration_rule``) so a
clearing report can say why a yuan belongs where it does. The collecting county
(征收归属 on the other side of the ledger) is always the accepting station's county.

Rules, tried in this order for each kind of case:

* ``employer_county``: a new employee registration (the applicant is the employer) →
  the employer's county in the registry, else the county of the USCC's area code when it
  is a Leshan county.
* ``registry_enrolment``: the person already has an enrolment for the item's insurance
  type → the county of that enrolment.
* ``household_county``: a new flexible-worker or resident registration → the county of
  the person's household-registration township in the registry, else of the ID number's
  area code when it is a (possibly historical) Leshan code.
* ``unit_county``: a unit applicant → the unit's county in the registry, else the USCC's
  area code, else the station's (still named ``unit_county``: the unit decided).
* ``station_county``: nothing else is known → the accepting station's county.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from schema.catalog import CatalogItem
from schema.divisions import current_county_for_area_code, load_divisions
from schema.vocabulary import ApplicantKind, FeeKind, InsuranceType


class Rule(StrEnum):
    REGISTRY_ENROLMENT = "registry_enrolment"
    EMPLOYER_COUNTY = "employer_county"
    HOUSEHOLD_COUNTY = "household_county"
    STATION_COUNTY = "station_county"
    UNIT_COUNTY = "unit_county"


class Registration(StrEnum):
    """What kind of enrolment an item creates, when it creates one."""

    EMPLOYEE = "employee"  # by the employer: 参保地 follows the employer
    FLEXIBLE = "flexible"  # 灵活就业: follows the household registration
    RESIDENT = "resident"  # 城乡居民: follows the household registration


# Items that register a person for an insurance type (the catalog's registry_fields say
# which enrolments an item touches, not whether it creates them: transfers touch them too).
REGISTRATION_ITEMS: Mapping[str, Registration] = MappingProxyType(
    {
        "G09": Registration.RESIDENT,  # 城乡居民养老保险参保登记
        "G12": Registration.FLEXIBLE,  # 灵活就业人员参保登记
        "C084": Registration.RESIDENT,  # 城乡居民基本医疗保险参保登记
        "C005": Registration.EMPLOYEE,  # 职工参保登记
        "C010": Registration.EMPLOYEE,  # 机关事业单位工作人员参保登记
        "C083": Registration.EMPLOYEE,  # 职工基本医疗保险参保登记
    }
)

FEE_INSURANCE: Mapping[FeeKind, InsuranceType] = MappingProxyType(
    {
        FeeKind.FLEXIBLE_WORKER: InsuranceType.ENTERPRISE_PENSION,
        FeeKind.RESIDENT_PENSION: InsuranceType.RESIDENT_PENSION,
    }
)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the registry and the case say; every field may be unknown (None)."""

    station_county: str
    applicant_kind: ApplicantKind
    insurance: InsuranceType | None = None
    registration: Registration | None = None
    enrolment_county: str | None = None  # the person's enrolment for ``insurance``
    household_township: str | None = None  # the person's 户籍 township in the registry
    id_area_code: str | None = None  # first six digits of the person's ID number
    unit_county: str | None = None  # the applicant unit (or employer) in the registry
    uscc_area_code: str | None = None  # characters 3-8 of that unit's USCC


@dataclass(frozen=True, slots=True)
class Attribution:
    county: str
    rule: Rule
    insurance: InsuranceType | None


def driving_insurance(item: CatalogItem, *, fee_kind: FeeKind | None = None) -> InsuranceType | None:
    """The insurance type whose 参保地 a case follows: the fee's when money is collected,
    else the item's first insurance type (None for items that name none)."""
    if fee_kind is not None:
        return FEE_INSURANCE[fee_kind]
    return item.insurance_types[0] if item.insurance_types else None


def _leshan_county(area_code: str | None) -> str | None:
    return current_county_for_area_code(area_code) if area_code else None


def registry_enrolment(facts: Facts) -> str | None:
    return facts.enrolment_county if facts.insurance is not None else None


def employer_county(facts: Facts) -> str | None:
    return facts.unit_county or _leshan_county(facts.uscc_area_code)


def household_county(facts: Facts) -> str | None:
    if facts.household_township:
        county = load_divisions().find(facts.household_township[:6])
        if county is not None:
            return county.code
    return _leshan_county(facts.id_area_code)


def unit_county(facts: Facts) -> str:
    return facts.unit_county or _leshan_county(facts.uscc_area_code) or facts.station_county


def station_county(facts: Facts) -> str:
    return facts.station_county


def attribute(facts: Facts) -> Attribution:
    """The county and the rule that decided it (see the module docstring for the order)."""
    steps: list[tuple[Rule, Callable[[Facts], str | None]]]
    if facts.registration is Registration.EMPLOYEE:
        steps = [(Rule.EMPLOYER_COUNTY, employer_county)]
    elif facts.registration is not None:
        steps = [(Rule.REGISTRY_ENROLMENT, registry_enrolment), (Rule.HOUSEHOLD_COUNTY, household_county)]
    elif facts.applicant_kind is ApplicantKind.UNIT:
        return Attribution(unit_county(facts), Rule.UNIT_COUNTY, facts.insurance)
    else:
        steps = [(Rule.REGISTRY_ENROLMENT, registry_enrolment)]
    for rule, find in steps:
        county = find(facts)
        if county:
            return Attribution(county, rule, facts.insurance)
    return Attribution(station_county(facts), Rule.STATION_COUNTY, facts.insurance)
