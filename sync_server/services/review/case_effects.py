"""An approval takes effect: load the records it touches, apply the item's effect, write.

``decide`` calls :func:`apply_approval` in the decision's transaction, before the case's
status is recorded, so an approval whose effect cannot apply (``EffectRefused``: no
pension to suspend, a person unknown to the registry) is refused whole with its code and
nothing is written. A return or a rejection never comes here. :func:`preview` runs the
same pure function without writing, for the case page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from schema.catalog import FormValue, load_catalog
from schema.rates import load_rates
from schema.record_changes import BenefitGranted, ChangeContext, RecordChange
from sync_server.core.clock import beijing_date
from sync_server.core.effects import EffectCase, EffectRefused, describe, effect_changes, subject_of
from sync_server.errors import ApiError
from sync_server.services.records.load import load_person_records, load_units
from sync_server.services.records.write import write_record_changes

DbRow = Any


@dataclass(frozen=True, slots=True)
class Preview:
    """What approving the case would change, in words, or why it could not take effect."""

    effect: str  # the item's declared effect (schema.catalog.ItemEffect value)
    effect_label: str
    lines: tuple[str, ...]
    refused: str | None = None  # the Chinese reason the approval would be refused
    calculations: tuple[dict[str, Any], ...] = ()  # the calculation behind each benefit granted


def _values(row: DbRow) -> Mapping[str, FormValue]:
    form = (row.payload or {}).get("form") or {}
    return {k: v for k, v in form.items() if isinstance(v, str | int | bool | list)}


def effect_case(conn: Connection, row: DbRow, *, at: dt.datetime) -> EffectCase:
    """The case as its effect function reads it, with the records of the person and unit it names."""
    item = load_catalog().item(row.item_code)
    values = _values(row)
    subject, _ = subject_of(item.code, values, row.applicant_key)
    person = load_person_records(conn, [subject]).get(subject)
    unit = (
        load_units(conn, [row.applicant_key]).get(row.applicant_key) if row.applicant_kind == "unit" else None
    )
    return EffectCase(
        item=item,
        values=values,
        case_id=row.case_id,
        applicant_key=row.applicant_key,
        applicant_name=row.applicant_name,
        person=person,
        unit=unit,
        county=row.registration_county or row.county_code,
        on=beijing_date(at),
        at=at,
        rates=load_rates(),
    )


def apply_approval(conn: Connection, row: DbRow, *, actor: str, at: dt.datetime) -> list[RecordChange]:
    """Write the approval's record changes (refused with the effect's code when they cannot apply)."""
    case = effect_case(conn, row, at=at)
    try:
        changes = effect_changes(case)
    except EffectRefused as refused:
        raise ApiError(
            refused.code, refused.message, {**refused.detail, "case_id": row.case_id}, status=409
        ) from None
    write_record_changes(
        conn, changes, ChangeContext(case_id=row.case_id, source="review", actor=actor, at=at)
    )
    return changes


def preview(conn: Connection, row: DbRow, *, at: dt.datetime) -> Preview:
    """What the approval would change, from the same function, without writing."""
    case = effect_case(conn, row, at=at)
    effect = case.item.effect
    try:
        changes = effect_changes(case)
    except EffectRefused as refused:
        return Preview(effect.value, effect.label, (), refused.message)
    calculations = tuple(dict(c.benefit.calculation) for c in changes if isinstance(c, BenefitGranted))
    return Preview(effect.value, effect.label, tuple(describe(changes)), None, calculations)
