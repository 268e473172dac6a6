"""Effects on who is insured where: person fields, enrolments, units. Pure.

Each function reads an :class:`EffectCase` and returns the record changes; a field
already holding the new value produces no change (so a repeated approval changes
nothing twice).
"""

from __future__ import annotations

import datetime as dt

from schema.divisions import load_divisions
from schema.months import add_months
from schema.person_records import Enrolment, PersonRecords, PersonStatus, StopReason
from schema.record_changes import (
    EnrolmentStarted,
    EnrolmentStopped,
    EnrolmentSuspended,
    PersonChanged,
    PersonField,
    RecordChange,
    UnitClosed,
    UnitOpened,
)
from schema.vocabulary import InsuranceType
from sync_server.core.effects.case import EffectCase, EffectRefused

# Form field → person column, for the items that update a person (G08, G11, G18, C041).
_PERSON_FIELDS: dict[str, tuple[PersonField, str]] = {
    "new_phone": ("phone", "phone"),
    "new_address": ("address", "address"),
    "new_household_division": ("township_code", "household"),
    "new_division": ("residence_code", "residence"),
}
# The items' "why it stopped" choices in the records' words.
_STOP_REASONS: dict[str, StopReason] = {
    "retired": StopReason.RETIRED,
    "deceased": StopReason.DECEASED,
    "transferred": StopReason.TRANSFERRED_OUT,
    "moved": StopReason.TRANSFERRED_OUT,
    "emigrated": StopReason.OTHER,
    "terminated": StopReason.LEFT_UNIT,
    "expired": StopReason.LEFT_UNIT,
    "employed": StopReason.OTHER,
}
EMPLOYEE_INSURANCES = (
    InsuranceType.ENTERPRISE_PENSION,
    InsuranceType.INSTITUTION_PENSION,
    InsuranceType.EMPLOYEE_MEDICAL,
    InsuranceType.WORK_INJURY,
    InsuranceType.UNEMPLOYMENT,
    InsuranceType.MATERNITY,
)


def _township(code: str | None) -> str | None:
    found = load_divisions().find(code) if code else None
    return found.code if found is not None and found.is_township else None


def _current(records: PersonRecords, field: PersonField) -> str | None:
    p = records.person
    value = {
        "name": p.name,
        "sex": str(p.sex),
        "birth_date": p.birth_date.isoformat(),
        "township_code": p.township,
        "residence_code": p.residence,
        "phone": p.phone,
        "address": p.address,
        "status": p.status.value,
        "death_date": p.death_date.isoformat() if p.death_date else None,
    }[field]
    return value


def set_fields(records: PersonRecords, wanted: dict[PersonField, str | None]) -> list[RecordChange]:
    """A PersonChanged for each field whose value differs (the writer keeps the old one)."""
    return [
        PersonChanged(id_number=records.person.id_number, field=name, value=value)
        for name, value in wanted.items()
        if value is not None and _current(records, name) != value
    ]


def person_update(c: EffectCase) -> list[RecordChange]:
    """G08/G11/G18/C041: phone, address, 户籍 or 经常居住地 (only what the form chose)."""
    records = c.records()
    chosen = c.chosen("change_items")
    wanted: dict[PersonField, str | None] = {}
    for form_field, (column, item_choice) in _PERSON_FIELDS.items():
        if chosen and item_choice not in chosen:
            continue
        value = c.text(form_field)
        if column in ("township_code", "residence_code"):
            value = _township(value)
        wanted[column] = value
    return set_fields(records, wanted)


def key_info_correction(c: EffectCase) -> list[RecordChange]:
    """C008: name, birth date, sex corrected; the old values stay in person_changes.

    A new ID number is not a field change: it merges two records, which 综合业务科 does
    by hand, so it is left out here (the approval still corrects the other fields).
    """
    records = c.records()
    chosen = c.chosen("change_items")
    new_sex = c.text("new_sex")
    birth = c.date("new_birth_date")
    wanted: dict[PersonField, str | None] = {
        "name": c.text("new_name") if "name" in chosen else None,
        "birth_date": birth.isoformat() if birth and "birth_date" in chosen else None,
        "sex": new_sex if "sex" in chosen and new_sex in ("male", "female") else None,
    }
    return set_fields(records, wanted)


# ---- enrolments -------------------------------------------------------------------------

_STARTS: dict[str, tuple[str, str | None, str | None]] = {
    # item: (kind, the date field it starts on, the month field it starts on)
    "C005": ("employee", "employment_start", None),
    "C010": ("employee", "employment_start", None),
    "C083": ("employee", "employment_start", "start_month"),
    "C084": ("resident", None, None),
    "G09": ("resident", None, None),
    "G12": ("flexible", None, "period_start"),
}


def _first_day(month: str | None) -> dt.date | None:
    return dt.date.fromisoformat(f"{month}-01") if month else None


def _day_before(month: str) -> dt.date:
    return dt.date.fromisoformat(f"{month}-01") - dt.timedelta(days=1)


def enrolment_start(c: EffectCase) -> list[RecordChange]:
    """C005/C010/C083 (the named employee, the applicant unit), C084/G09 residents, G12."""
    records = c.records()
    kind, date_field, month_field = _STARTS.get(c.item.code, ("employee", None, None))
    since = _first_day(c.month(month_field)) if month_field else None
    since = since or (c.date(date_field) if date_field else None) or c.on
    insurances = c.insurances()
    if c.item.code == "G12" and c.values.get("include_medical") is not True:
        insurances = [InsuranceType.ENTERPRISE_PENSION]
    unit = c.applicant_key if kind == "employee" and c.item.applicant.value == "unit" else None
    changes: list[RecordChange] = []
    for insurance in insurances:
        held = records.enrolment(insurance)
        if held is not None and held.status == "active" and (held.kind, held.unit_uscc) == (kind, unit):
            continue  # already enrolled so
        changes.append(
            EnrolmentStarted(
                id_number=records.person.id_number,
                insurance=insurance,
                county=c.county,
                kind=kind,
                unit_uscc=unit,
                since=since,
            )
        )
    return changes


def stop(
    records: PersonRecords, insurances: list[InsuranceType], until: dt.date, reason: StopReason
) -> list[RecordChange]:
    """EnrolmentStopped for each of these insurances the person holds and has not stopped."""
    held: list[Enrolment] = [
        e for i in insurances if (e := records.enrolment(i)) is not None and e.status != "stopped"
    ]
    return [
        EnrolmentStopped(
            id_number=records.person.id_number, insurance=e.insurance, until=until, reason=reason
        )
        for e in held
    ]


def enrolment_stop(c: EffectCase) -> list[RecordChange]:
    """C006 (the named employee), C017 (residents' pension), G13 (a flexible worker's pause)."""
    records = c.records()
    if c.item.code == "G13":  # 中断缴费: the enrolment is suspended, not ended
        return [
            EnrolmentSuspended(id_number=records.person.id_number, insurance=e.insurance)
            for i in c.insurances()
            if (e := records.enrolment(i)) is not None and e.status == "active"
        ]
    reason = _STOP_REASONS.get(c.text("reason") or "", StopReason.OTHER)
    if c.item.code == "C006" and reason is StopReason.OTHER:
        reason = StopReason.LEFT_UNIT
    stop_month = c.month("stop_month")
    until = (
        _day_before(add_months(stop_month, 1))
        if stop_month
        else c.date("separation_date") or c.date("death_date") or c.on
    )
    changes = stop(records, c.insurances(), until, reason)
    if not changes:
        raise EffectRefused(
            "effect_nothing_to_stop",
            {"item": c.item.code},
        )
    return changes


def unemployment_registration(c: EffectCase) -> list[RecordChange]:
    """C065: the unemployment insurance stops with the job; the 经常居住地 is recorded."""
    records = c.records()
    until = c.date("separation_date") or c.on
    changes = stop(records, [InsuranceType.UNEMPLOYMENT], until, StopReason.LEFT_UNIT)
    return changes + set_fields(records, {"residence_code": _township(c.text("residence_division"))})


def retirement(c: EffectCase) -> list[RecordChange]:
    """C019/C020/C021: the employee insurances stop the month before retirement (退休)."""
    records = c.records()
    month = c.month("requested_month") or c.month("retirement_month") or c.this_month
    until = _day_before(month)
    changes = stop(records, list(EMPLOYEE_INSURANCES), until, StopReason.RETIRED)
    if not changes:
        raise EffectRefused(
            "effect_nothing_to_stop",
            {"item": c.item.code},
        )
    return changes


def died(records: PersonRecords, death: dt.date) -> list[RecordChange]:
    """The person is deceased from ``death``; every enrolment stops that day."""
    wanted: dict[PersonField, str | None] = {
        "status": PersonStatus.DECEASED.value,
        "death_date": death.isoformat(),
    }
    return set_fields(records, wanted) + stop(
        records, [e.insurance for e in records.enrolments], death, StopReason.DECEASED
    )


# ---- units -------------------------------------------------------------------------------


def unit_open(c: EffectCase) -> list[RecordChange]:
    """C001/C002: the applicant unit joins the registry in the county the case was attributed to."""
    if c.unit is not None and c.unit.status.value == "active":
        raise EffectRefused(
            "effect_unit_exists",
            {"uscc": c.applicant_key},
        )
    name = c.text("unit_name") or c.applicant_name
    township = _township(c.text("division"))
    return [UnitOpened(uscc=c.applicant_key, name=name, county=c.county, township=township)]


def unit_close(c: EffectCase) -> list[RecordChange]:
    """C004: the unit is closed on its termination date."""
    if c.unit is None or c.unit.status.value == "closed":
        raise EffectRefused(
            "effect_unit_unknown",
            {"uscc": c.applicant_key},
        )
    return [UnitClosed(uscc=c.applicant_key, closed_on=c.date("termination_date") or c.on)]


def unit_update(c: EffectCase) -> list[RecordChange]:
    """C007 (a new name) and C093 (the work-injury risk class 征收稽核科 set): the unit row is
    written again with the changed values (UnitOpened updates an existing USCC)."""
    unit = c.unit
    if unit is None or unit.status.value == "closed":
        raise EffectRefused(
            "effect_unit_unknown",
            {"uscc": c.applicant_key},
        )
    name = c.text("new_unit_name") if "name" in c.chosen("change_items") else None
    proposed = c.text("proposed_class")
    risk = int(proposed) if proposed and proposed.isdigit() else unit.risk_class
    if (name or unit.name, risk) == (unit.name, unit.risk_class):
        return []
    return [
        UnitOpened(
            uscc=unit.uscc,
            name=name or unit.name,
            county=unit.county,
            township=unit.township,
            risk_class=risk,
        )
    ]
