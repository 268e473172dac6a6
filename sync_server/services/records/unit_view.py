"""What ``sync-server unit show`` shows: the unit, who it has enrolled, its latest declaration."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Connection

from schema.person_records import record_label
from schema.vocabulary import InsuranceType, label
from sync_server.db.tables import cases, contribution_records, enrolments
from sync_server.services.records.load import load_units


class UnitPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    uscc: str
    name: str
    county: str
    township: str | None
    risk_class: int | None
    status: str
    closed_on: str | None
    employees: tuple[dict[str, Any], ...]  # per insurance: enrolled now, stopped
    last_declared_month: str | None
    cases: tuple[dict[str, Any], ...]


def unit_page(conn: Connection, uscc: str) -> UnitPage | None:
    unit = load_units(conn, [uscc]).get(uscc)
    if unit is None:
        return None
    counts = conn.execute(
        sa.select(enrolments.c.insurance_type, enrolments.c.status, sa.func.count())
        .where(enrolments.c.unit_uscc == uscc)
        .group_by(enrolments.c.insurance_type, enrolments.c.status)
    ).all()
    by_insurance: dict[str, dict[str, int]] = {}
    for insurance, status, n in counts:
        by_insurance.setdefault(insurance, {})[status] = int(n)
    last = conn.execute(
        sa.select(sa.func.max(contribution_records.c.month)).where(contribution_records.c.unit_uscc == uscc)
    ).scalar_one()
    case_rows = conn.execute(
        sa.select(cases.c.case_number, cases.c.item_code, cases.c.status, cases.c.accepted_at)
        .where(cases.c.applicant_key == uscc)
        .order_by(cases.c.accepted_at.desc())
        .limit(50)
    ).all()
    return UnitPage(
        uscc=unit.uscc,
        name=unit.name,
        county=unit.county,
        township=unit.township,
        risk_class=unit.risk_class,
        status=record_label(unit.status),
        closed_on=unit.closed_on.isoformat() if unit.closed_on else None,
        employees=tuple(
            {
                "insurance": label(InsuranceType(insurance)),
                "active": counts_.get("active", 0),
                "suspended": counts_.get("suspended", 0),
                "stopped": counts_.get("stopped", 0),
            }
            for insurance, counts_ in sorted(by_insurance.items())
        ),
        last_declared_month=last,
        cases=tuple(
            {
                "case_number": r.case_number,
                "item_code": r.item_code,
                "status": r.status,
                "accepted_at": r.accepted_at.isoformat(timespec="minutes"),
            }
            for r in case_rows
        ),
    )
