"""Determinations bureaus keep as records (认定、鉴定、备案结论). Pure.

One generic record per decision: who it is about (a person, or a unit for C003/C016/C094/
C097), its kind, the result (the form's answers, less contact and agent details) and how
long it holds. Other effects read them back, e.g. the 视同缴费年限 of C022 counts in the
pension calculation (:func:`deemed_months`).
"""

from __future__ import annotations

import datetime as dt

from schema.person_records import Determination, PersonRecords
from schema.record_changes import DeterminationRecorded, RecordChange
from sync_server.core.effects.case import EffectCase

# item → (kind, field the determination holds from, field it holds until)
DETERMINATION_KINDS: dict[str, tuple[str, str | None, str | None]] = {
    # 资格认证: the payment plan pays a pensioner certified in the last 12 months (core.payroll)
    "G24": ("pension_certification", None, None),
    "C003": ("construction_project", "construction_start", "construction_end"),
    "C014": ("duplicate_clearance", None, None),
    "C015": ("record_correction", None, None),
    "C016": ("wage_base_declaration", "effective_month", None),
    "C022": ("deemed_years", "deemed_start", "deemed_end"),
    "C025": ("occupational_annuity", None, None),
    "C040": ("archive_received", "handover_date", None),
    "C046": ("land_acquired_farmer", "acquisition_date", None),
    "C047": ("hardship_contribution", "year", "year"),
    "C048": ("work_injury_recognition", "injury_date", None),
    "C049": ("work_capacity_appraisal", None, None),
    "C050": ("work_capacity_reappraisal", None, None),
    "C051": ("work_capacity_review", None, None),
    "C056": ("injury_remote_treatment", "filing_start", None),
    "C057": ("injury_rehabilitation", None, None),
    "C058": ("assistive_device", None, None),
    "C059": ("injury_referral", None, None),
    "C060": ("injury_recurrence", "recurrence_date", None),
    "C061": ("injury_paid_leave", "leave_start", "leave_end"),
    "C062": ("survivor_certification", None, None),
    "C081": ("maternity_registration", None, None),
    "C085": ("remote_medical_filing", "filing_start", None),
    "C087": ("chronic_disease", "diagnosis_date", None),
    "C089": ("family_mutual_aid", None, None),
    "C094": ("injury_rate_float", "year", "year"),
    "C096": ("extended_contribution", None, None),
    "C097": ("special_job_roster", "year", "year"),
    "C099": ("medical_aid", "year", "year"),
}
UNIT_ITEMS = frozenset({"C003", "C016", "C094", "C097"})
# Contact and agent details are the case's, not the determination's.
_NOT_RESULT = ("by_agent", "agent_", "contact_phone", "handler_")


def _day(c: EffectCase, field: str | None, *, end: bool) -> dt.date | None:
    if field is None:
        return None
    year = c.integer(field)
    if year is not None:  # a year: the whole calendar year
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    month = c.month(field)
    if month is not None:
        first = dt.date.fromisoformat(f"{month}-01")
        return (
            (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            if end
            else first
        )
    return c.date(field)


def _result(c: EffectCase) -> dict[str, object]:
    kept: dict[str, object] = {
        name: value
        for name, value in c.values.items()
        if not name.startswith(_NOT_RESULT) and value not in (None, "")
    }
    if c.item.code == "C022":
        start, end = c.date("deemed_start"), c.date("deemed_end")
        if start and end and start <= end:
            kept["deemed_months"] = (end.year - start.year) * 12 + end.month - start.month + 1
    return kept


def determination(c: EffectCase) -> list[RecordChange]:
    """The item's conclusion, kept on the person (or the applicant unit)."""
    kind, since, until = DETERMINATION_KINDS[c.item.code]
    if c.item.code in UNIT_ITEMS:
        person_id, unit_uscc, county = None, c.applicant_key, c.unit.county if c.unit else c.county
    else:
        records = c.records()
        person_id, unit_uscc, county = records.person.id_number, None, c.county
    record = Determination(
        id_number=person_id,
        unit_uscc=unit_uscc,
        kind=kind,
        item_code=c.item.code,
        result=_result(c),
        valid_from=_day(c, since, end=False) or c.on,
        valid_until=_day(c, until, end=True),
        county=county,
        case_id=c.case_id,
        created_at=c.at,
    )
    return [DeterminationRecorded(determination=record)]


def deemed_months(records: PersonRecords) -> int:
    """视同缴费 months the bureau has determined (C022), for the pension calculation."""
    total = 0
    for d in records.determinations:
        months = d.result.get("deemed_months") if d.kind == "deemed_years" else None
        total += months if isinstance(months, int) else 0
    return total
