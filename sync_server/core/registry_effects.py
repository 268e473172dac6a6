"""What a finished general item changes in the registry, decided without a database.

General items are finished at the desk, so their registry changes apply when the case
arrives: G08 phone/address, G09 a residents' pension enrolment, G11 household, phone,
G12 a flexible worker's enrolment, G13 a flexible worker's stop, inside the push's
registry slice. Every other item's declared effect (``CatalogItem.effect``: cards, benefit
accounts, contributions, benefits, units, and every complex item on approval) is applied
by the effect functions of :mod:`sync_server.core.effects`, written with the records
writer; ``core.effects.REGISTRY_SLICE_ITEMS`` names the items left here.

Optimistic concurrency: each item has one *primary row* (the person for person changes,
the item's enrolment for enrolment changes: :func:`schema.registry_rows.primary_row`); when
the version the station held of it (:func:`schema.registry_rows.station_base`, from the
case's ``base_version`` — the PERSON's version — and ``base_record``) differs from the row's
current one, nothing is overwritten and a :class:`Conflict` goes to 综合业务科. For
registration items (G09, G12) the primary row is the new enrolment: 0 when the station held
none. An older station's enrolment change (no ``base_record``) applies only as a
registration over no row; see that module for why.

A person unknown to the registry (accepted offline, unverified) is created when the item
registers them: name from the case, sex and birth date from the ID number, township (户籍)
from the form's 户籍 division when it names a township, else the station's. G12 also keeps
the 经常居住地 it registers in (``residence_code``), apart from the 户籍.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from schema.cases import BaseEnrolment, BaseRecord
from schema.catalog import FormValue
from schema.divisions import load_divisions
from schema.identifiers import ResidentId
from schema.registry_rows import UNKNOWN, PrimaryRow, station_base, stopped_insurance
from schema.vocabulary import InsuranceType

ACTIVE, SUSPENDED = "active", "suspended"
# Complex items that register a person named in the form (the applicant is the employer).
EMPLOYEE_FIELD_ITEMS = frozenset({"C005", "C010", "C083"})
# Items that may create an unknown person.
CREATING_ITEMS = frozenset({"G09", "G12", "C084"}) | EMPLOYEE_FIELD_ITEMS


@dataclass(frozen=True, slots=True)
class Person:
    id_number: str
    name: str
    sex: str  # "male" | "female" (Sex values, as the registry stores them)
    birth_date: dt.date
    township_code: str | None
    phone: str | None = None
    address: str | None = None
    version: int = 1
    residence_code: str | None = None  # 经常居住地: never stands in for 户籍 (township_code)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class Enrolment:
    id_number: str
    insurance_type: str
    county_code: str
    kind: str  # employee | flexible | resident | retired
    status: str  # active | suspended | stopped
    since: dt.date
    unit_uscc: str | None = None
    version: int = 1

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = self.since.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class Conflict:
    entity: str  # person | enrolment
    entity_key: str
    base_version: int | None  # the case's: the person's version the station held (the console's key)
    current_version: int  # 0: the row does not exist
    proposed: dict[str, Any]
    current: dict[str, Any]
    reason: str  # stale_version | row_missing | row_exists


@dataclass(frozen=True, slots=True)
class Effect:
    persons: tuple[Person, ...] = ()  # rows to create or replace
    enrolments: tuple[Enrolment, ...] = ()
    conflict: Conflict | None = None

    @property
    def empty(self) -> bool:
        return not (self.persons or self.enrolments or self.conflict)


@dataclass(frozen=True, slots=True)
class Change:
    """A case's registry change, with what the registry holds now."""

    item_code: str
    values: Mapping[str, FormValue]
    subject: ResidentId  # whose row changes
    subject_name: str
    base_version: int | None
    person: Person | None
    enrolments: Mapping[str, Enrolment]  # the subject's, by insurance type
    registration_county: str
    station_township: str
    on: dt.date  # trusted acceptance date
    base_record: BaseRecord | None = None  # the rows as the station held them (older stations: None)


def held_now(person: Person | None, held: Mapping[str, Enrolment]) -> tuple[int | None, BaseRecord | None]:
    """(base_version, base_record) of a change made against today's rows — 综合业务科 keeping
    the station's version of a conflict re-runs the change as if the desk had held them."""
    if person is None:
        return None, None
    rows = tuple(
        BaseEnrolment(insurance=e.insurance_type, county=e.county_code, status=e.status, since=e.since,
                      unit_uscc=e.unit_uscc, version=e.version)
        for e in held.values()
    )  # fmt: skip
    return person.version, BaseRecord(version=person.version, enrolments=rows)


def subject_field(item_code: str) -> tuple[str, str] | None:
    """For items whose person is named in the form: the (ID, name) field names."""
    return ("employee_id_number", "employee_name") if item_code in EMPLOYEE_FIELD_ITEMS else None


def _township(values: Mapping[str, FormValue], name: str, fallback: str) -> str:
    code = values.get(name)
    if isinstance(code, str):
        found = load_divisions().find(code)
        if found is not None and found.is_township:
            return found.code
    return fallback


def _division(values: Mapping[str, FormValue], name: str | None) -> str | None:
    """The township a form field names, None when it is empty or names no township."""
    if name is None:
        return None
    return _township(values, name, "") or None


def _text(values: Mapping[str, FormValue], name: str) -> str | None:
    value = values.get(name)
    return value if isinstance(value, str) and value else None


def _chosen(values: Mapping[str, FormValue], name: str) -> list[str]:
    value = values.get(name)
    return list(value) if isinstance(value, list) else []


def new_person(c: Change, township_field: str, residence_field: str | None = None) -> Person:
    return Person(
        id_number=c.subject.number,
        name=c.subject_name,
        sex=c.subject.sex.value,
        birth_date=c.subject.birth_date,
        township_code=_township(c.values, township_field, c.station_township),
        residence_code=_division(c.values, residence_field),
    )


def _bumped(person: Person, **changes: Any) -> Person:
    changed = {k: v for k, v in changes.items() if v is not None and getattr(person, k) != v}
    return replace(person, **changed, version=person.version + 1) if changed else person


def _stale(
    c: Change, row: PrimaryRow, current: Person | Enrolment | None, proposed: dict[str, Any]
) -> Conflict | None:
    version = current.version if current is not None else 0
    base = station_base(row, c.base_version, c.base_record)
    if base == version or (base is UNKNOWN and current is None):
        return None  # an older station's registration over no row overwrites nothing
    reason = "row_exists" if base == 0 else "stale_version"
    return Conflict(
        row.entity,
        row.key(c.subject.number),
        c.base_version,
        version,
        proposed,
        current.as_json() if current else {},
        reason,
    )


def _missing(entity: str, key: str, c: Change, proposed: dict[str, Any]) -> Conflict:
    return Conflict(entity, key, c.base_version, 0, proposed, {}, "row_missing")


def _person_update(c: Change, proposed: dict[str, Any]) -> Effect:
    key = c.subject.number
    if c.person is None:
        return Effect(conflict=_missing("person", key, c, proposed))
    conflict = _stale(c, PrimaryRow("person"), c.person, proposed)
    if conflict is not None:
        return Effect(conflict=conflict)
    updated = _bumped(c.person, **proposed)
    return Effect(persons=(updated,) if updated is not c.person else ())


def _register(
    c: Change,
    insurances: list[str],
    kind: str,
    township_field: str,
    phone_field: str,
    *,
    residence_field: str | None = None,
) -> Effect:
    """A new (or re-activated) enrolment for each insurance; the first one is the primary row."""
    row = PrimaryRow("enrolment", InsuranceType(insurances[0]))
    primary = c.enrolments.get(insurances[0])
    proposed = {
        "insurance_type": insurances[0],
        "kind": kind,
        "status": ACTIVE,
        "county_code": c.registration_county,
    }
    conflict = _stale(c, row, primary, proposed)
    if conflict is not None:
        return Effect(conflict=conflict)
    person = c.person or new_person(c, township_field, residence_field)
    person = (
        _bumped(
            person, phone=_text(c.values, phone_field), residence_code=_division(c.values, residence_field)
        )
        if c.person is not None
        else replace(person, phone=_text(c.values, phone_field))
    )
    enrolments = []
    for insurance in insurances:
        old = c.enrolments.get(insurance)
        if old is None:
            enrolments.append(
                Enrolment(c.subject.number, insurance, c.registration_county, kind, ACTIVE, c.on)
            )
        elif (old.kind, old.status, old.unit_uscc) != (kind, ACTIVE, None):
            enrolments.append(
                replace(old, kind=kind, status=ACTIVE, unit_uscc=None, since=c.on, version=old.version + 1)
            )
    persons = (person,) if person is not c.person else ()
    return Effect(persons=persons, enrolments=tuple(enrolments))


def _stop_flexible(c: Change) -> Effect:
    insurance = stopped_insurance(c.values)
    row = PrimaryRow("enrolment", insurance)
    chosen = _chosen(c.values, "insurance_types") or [insurance.value]
    key = row.key(c.subject.number)
    proposed = {"insurance_types": chosen, "status": SUSPENDED, "stop_month": c.values.get("stop_month")}
    primary = c.enrolments.get(insurance.value)
    if primary is None:
        return Effect(conflict=_missing("enrolment", key, c, proposed))
    conflict = _stale(c, row, primary, proposed)
    if conflict is not None:
        return Effect(conflict=conflict)
    stopped = tuple(
        replace(e, status=SUSPENDED, version=e.version + 1)
        for insurance in chosen
        if (e := c.enrolments.get(insurance)) is not None and e.kind == "flexible" and e.status != SUSPENDED
    )
    return Effect(enrolments=stopped)


def effect_of(c: Change) -> Effect:
    """The registry change of a finished case (empty when the item changes no table here).

    A person travels to stations with their enrolments under the person's version, and
    stations keep the newer version, so a changed enrolment bumps its person's version too.
    """
    effect = _effect(c)
    if effect.enrolments and not effect.persons and c.person is not None:
        return replace(effect, persons=(replace(c.person, version=c.person.version + 1),))
    return effect


def _effect(c: Change) -> Effect:
    v, code = c.values, c.item_code
    if code == "G08":
        chosen = _chosen(v, "change_items")
        wanted = {
            "phone": _text(v, "new_phone") if "phone" in chosen else None,
            "address": _text(v, "new_address") if "address" in chosen else None,
        }
        return _person_update(c, {k: x for k, x in wanted.items() if x is not None})
    if code == "G11":
        chosen = _chosen(v, "change_items")
        proposed: dict[str, Any] = {}
        if "phone" in chosen and _text(v, "new_phone"):
            proposed["phone"] = _text(v, "new_phone")
        if "household" in chosen and c.person is not None:
            township = _township(v, "new_household_division", "")
            if township:
                proposed["township_code"] = township
        return _person_update(c, proposed) if proposed or c.person is None else Effect()
    if code == "G09":
        return _register(
            c, [InsuranceType.RESIDENT_PENSION.value], "resident", "household_division", "contact_phone"
        )
    if code == "G12":
        insurances = [InsuranceType.ENTERPRISE_PENSION.value]
        if v.get("include_medical") is True:
            insurances.append(InsuranceType.EMPLOYEE_MEDICAL.value)
        # 户籍 from the 户口簿 field (the station's township when not recorded), the
        # 经常居住地 apart: a residence never overwrites the household registration.
        return _register(
            c,
            insurances,
            "flexible",
            "household_division",
            "contact_phone",
            residence_field="residence_division",
        )
    if code == "G13":
        return _stop_flexible(c)
    if code in CREATING_ITEMS and c.person is None:
        # A complex registration: the person becomes known now, the enrolment on approval.
        return Effect(persons=(new_person(c, "household_division"),))
    return Effect()


def creates_or_changes(item_code: str, changes_registry: bool) -> bool:
    """Whether a case of this item needs the registry rows of its subject loaded for update."""
    return changes_registry or item_code in CREATING_ITEMS
