"""A case as the public pages show it (``schema.public_case``): read by its number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.catalog import load_catalog
from schema.errors import CatalogError
from schema.lifecycle import CaseEvent
from schema.public_case import PublicStatus, mask_name, public_status, station_title
from sync_server.core.clock import beijing_date
from sync_server.db.tables import case_events, cases


@dataclass(frozen=True, slots=True)
class PublicCase:
    case_number: str
    item_code: str
    item_name: str
    station_id: str
    station_name: str
    accepted_on: dt.date
    status: PublicStatus
    due_date: dt.date | None
    due_provisional: bool
    missing: tuple[str, ...]  # 退回补正: the materials asked for, by name
    applicant: str  # masked


def item_name(code: str) -> str:
    try:
        return load_catalog().item(code).name
    except CatalogError:
        return code


def _missing(conn: Connection, case_id: str, item_code: str) -> tuple[str, ...]:
    """The materials named by the case's latest return (never the reviewer's free note)."""
    detail = conn.execute(
        sa.select(case_events.c.detail)
        .where(case_events.c.case_id == case_id, case_events.c.event == CaseEvent.RETURN_FOR_SUPPLEMENT.value)
        .order_by(case_events.c.id.desc())
        .limit(1)
    ).scalar()
    codes = (detail or {}).get("missing") or []
    try:
        names = {m.code: m.name for m in load_catalog().item(item_code).materials}
    except CatalogError:
        names = {}
    return tuple(names.get(code, code) for code in codes)


def find(conn: Connection, case_number: str) -> tuple[PublicCase, str] | None:
    """The public view of the case numbered ``case_number`` and its applicant's ID number (or
    credit code), which the caller compares and never shows; None when there is none."""
    row = conn.execute(
        sa.select(
            cases.c.case_id,
            cases.c.case_number,
            cases.c.item_code,
            cases.c.station_id,
            cases.c.status,
            cases.c.applicant_key,
            cases.c.applicant_name,
            cases.c.accepted_at,
            cases.c.due_date,
            cases.c.due_provisional,
        ).where(cases.c.case_number == case_number)
    ).first()
    if row is None:
        return None
    status = public_status(row.status)
    view = PublicCase(
        case_number=row.case_number,
        item_code=row.item_code,
        item_name=item_name(row.item_code),
        station_id=row.station_id,
        station_name=station_title(row.station_id),
        accepted_on=beijing_date(row.accepted_at),
        status=status,
        due_date=row.due_date if status in (PublicStatus.ACCEPTED, PublicStatus.IN_REVIEW) else None,
        due_provisional=bool(row.due_provisional),
        missing=_missing(conn, row.case_id, row.item_code) if status is PublicStatus.RETURNED else (),
        applicant=mask_name(row.applicant_name),
    )
    return view, str(row.applicant_key)
