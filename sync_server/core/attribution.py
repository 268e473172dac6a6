"""Attribution: the party where a person or unit is insured (参保地), one named rule each.

The rule that decided is stored with the case (``cases.registration_rule``) so a
clearing report can say why a yuan belongs where it does. The collecting county
(征收归属 on the other side of the ledger) is always the accepting station's county.
A party is one of Leshan's 11 counties or 市本级 (511100: units registered with the
city bureau, see :func:`schema.divisions.unit_party_for_area_code`).

Rules, tried in this order for each kind of case:

* ``employer_county``: a new employee registration (the applicant is the employer) →
  the employer's party in the registry; an employer unknown to the registry is
  attributed provisionally by its USCC's area code (a county or 市本级) and flagged.
* ``registry_enrolment``: the person already has an enrolment for the item's insurance
  type → the county of that enrolment.
* ``residence_county``: a new flexible-worker registration → the 经常居住地 the form
  records (flexible workers register where they live).
* ``household_county``: a new resident (or flexible-worker, without a residence)
  registration → the 户籍 township the clerk records from the 户口簿, else the registry's.
* ``id_area_code``: neither is known → the county of the ID number's area code (where
  the number was first issued, not today's 户籍), flagged 【户籍未核实】.
* ``unit_county``: a unit applicant → the unit's party in the registry, else the USCC's
  area code, else the station's (still named ``unit_county``: the unit decided).
* ``station_county``: nothing else is known → the accepting station's county. For a
  registration or a transfer this is provisional and flagged.

A transfer (转移接续) of someone with no enrolment of that insurance type cannot
follow the transfer source: it is attributed by the 户籍 chain (else the station) and
flagged so the back office checks where the relationship comes from.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from schema.catalog import CatalogItem
from schema.divisions import (
    DivisionLevel,
    current_county_for_area_code,
    load_divisions,
    party_name,
    unit_party_for_area_code,
)
from schema.vocabulary import ApplicantKind, FeeKind, InsuranceType, labels


class Rule(StrEnum):
    REGISTRY_ENROLMENT = "registry_enrolment"
    EMPLOYER_COUNTY = "employer_county"
    RESIDENCE_COUNTY = "residence_county"
    HOUSEHOLD_COUNTY = "household_county"
    ID_AREA_CODE = "id_area_code"
    STATION_COUNTY = "station_county"
    UNIT_COUNTY = "unit_county"


class Registration(StrEnum):
    """What kind of enrolment an item creates, when it creates one."""

    EMPLOYEE = "employee"  # by the employer: 参保地 follows the employer
    FLEXIBLE = "flexible"  # 灵活就业: follows the 经常居住地 (else the 户籍)
    RESIDENT = "resident"  # 城乡居民: follows the 户籍


class FlagCode(StrEnum):
    """Why a case's 参保地 is provisional: the back office checks it before deciding."""

    HOUSEHOLD_UNVERIFIED = "household_unverified"
    EMPLOYER_UNVERIFIED = "employer_unverified"
    TRANSFER_SOURCE_UNVERIFIED = "transfer_source_unverified"


FLAG_LABELS: Mapping[FlagCode, str] = MappingProxyType(
    {
        FlagCode.HOUSEHOLD_UNVERIFIED: "户籍未核实",
        FlagCode.EMPLOYER_UNVERIFIED: "用人单位待核实",
        FlagCode.TRANSFER_SOURCE_UNVERIFIED: "原参保关系待核实",
    }
)


@dataclass(frozen=True, slots=True)
class Flag:
    code: FlagCode
    reason: str  # Chinese, for the reviewer: what was assumed and what to check

    @property
    def label(self) -> str:
        return FLAG_LABELS[self.code]

    def as_json(self) -> dict[str, str]:
        return {"code": self.code.value, "label": self.label, "reason": self.reason}


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

# 转移接续: the relationship comes from somewhere; with no enrolment here it cannot be checked.
TRANSFER_ITEMS = frozenset({"C009", "C026", "C027", "C028", "C030", "C067", "C088"})

# Form fields the clerk fills from the 户口簿 and for the 经常居住地 (division codes).
HOUSEHOLD_FIELD = "household_division"
RESIDENCE_FIELD = "residence_division"

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
    household_division: str | None = None  # the 户籍 the clerk recorded on the form
    residence_division: str | None = None  # the 经常居住地 recorded on the form
    transfer: bool = False  # a 转移接续 item


@dataclass(frozen=True, slots=True)
class Attribution:
    county: str  # a county code, or 511100 for 市本级
    rule: Rule
    insurance: InsuranceType | None
    flags: tuple[Flag, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.flags)

    def flags_json(self) -> list[dict[str, str]]:
        return [f.as_json() for f in self.flags]


def driving_insurance(item: CatalogItem, *, fee_kind: FeeKind | None = None) -> InsuranceType | None:
    """The insurance type whose 参保地 a case follows: the fee's when money is collected,
    else the item's first insurance type (None for items that name none)."""
    if fee_kind is not None:
        return FEE_INSURANCE[fee_kind]
    return item.insurance_types[0] if item.insurance_types else None


def form_division(values: Mapping[str, Any], name: str) -> str | None:
    """A division code the form carries under ``name`` (None when empty or not text)."""
    value = values.get(name)
    return value if isinstance(value, str) and value else None


def _leshan_county(area_code: str | None) -> str | None:
    return current_county_for_area_code(area_code) if area_code else None


def _county_of_division(code: str | None) -> str | None:
    """The Leshan county of a county or township code, None when it names neither."""
    if not code:
        return None
    divisions = load_divisions()
    found = divisions.find(code)
    if found is None or not (found.is_township or found.level is DivisionLevel.COUNTY):
        return None
    return divisions.county_of(found.code).code


def registry_enrolment(facts: Facts) -> str | None:
    return facts.enrolment_county if facts.insurance is not None else None


def employer_county(facts: Facts) -> str | None:
    """The employer's party as the registry knows it (None: unknown employer)."""
    return facts.unit_county


def residence_county(facts: Facts) -> str | None:
    return _county_of_division(facts.residence_division)


def household_county(facts: Facts) -> str | None:
    """The 户籍 the clerk recorded, else the registry's: never the ID's area code."""
    return _county_of_division(facts.household_division) or _county_of_division(facts.household_township)


def id_area_code(facts: Facts) -> str | None:
    return _leshan_county(facts.id_area_code)


def unit_county(facts: Facts) -> str:
    by_code = unit_party_for_area_code(facts.uscc_area_code) if facts.uscc_area_code else None
    return facts.unit_county or by_code or facts.station_county


def station_county(facts: Facts) -> str:
    return facts.station_county


Step = tuple[Rule, Callable[[Facts], str | None]]


def _first(facts: Facts, steps: list[Step]) -> tuple[str, Rule]:
    for rule, find in steps:
        county = find(facts)
        if county:
            return county, rule
    return station_county(facts), Rule.STATION_COUNTY


def _household_flag(county: str, rule: Rule) -> Flag:
    if rule is Rule.ID_AREA_CODE:
        reason = (
            f"表单未登记户籍所在地，参保地按身份证号码地址码暂定为{party_name(county)}；"
            "地址码是号码首次签发地，不一定是现户籍地。请对照户口簿核实户籍所在乡镇（街道），不符的改正参保地。"
        )
    else:
        reason = (
            f"表单未登记户籍所在地，身份证号码地址码也不在乐山市，参保地暂定为受理服务站所在的{party_name(county)}。"
            "请对照户口簿核实户籍所在乡镇（街道），不符的改正参保地。"
        )
    return Flag(FlagCode.HOUSEHOLD_UNVERIFIED, reason)


def _employee(facts: Facts) -> Attribution:
    known = employer_county(facts)
    if known:
        return Attribution(known, Rule.EMPLOYER_COUNTY, facts.insurance)
    by_code = unit_party_for_area_code(facts.uscc_area_code) if facts.uscc_area_code else None
    county, rule = (by_code, Rule.EMPLOYER_COUNTY) if by_code else (facts.station_county, Rule.STATION_COUNTY)
    source = "统一社会信用代码中的登记机关代码" if by_code else "受理服务站所在区县（信用代码不是乐山市的）"
    reason = (
        f"用人单位不在单位登记库中，参保地按{source}暂定为{party_name(county)}。"
        "请核实用人单位的参保登记（未登记的应先办理单位参保登记），不符的改正参保地。"
    )
    return Attribution(county, rule, facts.insurance, (Flag(FlagCode.EMPLOYER_UNVERIFIED, reason),))


def _household_chain(facts: Facts) -> list[Step]:
    steps: list[Step] = []
    if facts.registration is Registration.FLEXIBLE:
        steps.append((Rule.RESIDENCE_COUNTY, residence_county))
    return [*steps, (Rule.HOUSEHOLD_COUNTY, household_county), (Rule.ID_AREA_CODE, id_area_code)]


def _transfer(facts: Facts) -> Attribution:
    county, rule = _first(facts, _household_chain(facts))
    insurance = labels(InsuranceType)[facts.insurance] if facts.insurance else "该险种"
    reason = (
        f"人员库中没有该人员{insurance}的参保记录，无法确认转移接续的原参保关系，"
        f"参保地暂定为{party_name(county)}。请向原参保地核实参保缴费凭证后确定参保地。"
    )
    return Attribution(county, rule, facts.insurance, (Flag(FlagCode.TRANSFER_SOURCE_UNVERIFIED, reason),))


def attribute(facts: Facts) -> Attribution:
    """The party and the rule that decided it (see the module docstring for the order)."""
    if facts.registration is Registration.EMPLOYEE:
        return _employee(facts)
    if facts.applicant_kind is ApplicantKind.UNIT and facts.registration is None:
        return Attribution(unit_county(facts), Rule.UNIT_COUNTY, facts.insurance)
    enrolled = registry_enrolment(facts)
    if enrolled:
        return Attribution(enrolled, Rule.REGISTRY_ENROLMENT, facts.insurance)
    if facts.registration is not None:
        county, rule = _first(facts, _household_chain(facts))
        flags = (_household_flag(county, rule),) if rule in (Rule.ID_AREA_CODE, Rule.STATION_COUNTY) else ()
        return Attribution(county, rule, facts.insurance, flags)
    if facts.transfer and facts.insurance is not None:
        return _transfer(facts)
    return Attribution(station_county(facts), Rule.STATION_COUNTY, facts.insurance)


@functools.lru_cache(maxsize=4096)
def attribute_of(  # noqa: PLR0917  (Facts' fields in its order: positional keys are the cheapest)
    station_county: str,
    applicant_kind: ApplicantKind,
    insurance: InsuranceType | None,
    registration: Registration | None,
    enrolment_county: str | None,
    household_township: str | None,
    id_area_code: str | None,
    unit_county: str | None,
    uscc_area_code: str | None,
    household_division: str | None,
    residence_division: str | None,
    transfer: bool,
) -> Attribution:
    """:func:`attribute` of the :class:`Facts` these fields make, remembered: a push's cases
    share a few stations, counties, area codes and divisions (an Attribution is immutable)."""
    return attribute(
        Facts(station_county, applicant_kind, insurance, registration, enrolment_county, household_township,
              id_area_code, unit_county, uscc_area_code, household_division, residence_division, transfer)
    )  # fmt: skip
