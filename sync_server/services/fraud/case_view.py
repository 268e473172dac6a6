"""One 稽核 case as its page shows it: the case, the evidence it rests on (the department's
row and the file it came in, the benefits, the persons sharing an account), what confirming
would recover (computed by ``core.fraud.recovery``) or, once confirmed, the recovery raised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core.fraud.recovery import case_ref, recovery_preview
from sync_server.db.tables import exchange_events, exchange_imports, payables
from sync_server.services.fraud.cases import FraudCase, get_case
from sync_server.services.records.load import load_person_records

SOURCE_LABELS = {
    "death": "死亡（卫健、公安）",
    "cremation": "火化（民政）",
    "prison": "服刑（司法）",
    "marriage": "婚姻登记（民政）",
    "registry": "本系统登记库已记死亡",
}


@dataclass(frozen=True, slots=True)
class ExchangeRow:
    source: str
    source_label: str
    event_date: dt.date
    until: dt.date | None
    name: str
    detail: dict[str, Any]
    line: int
    file_name: str
    imported_by: str
    imported_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Recovery:
    benefit: str  # the benefit's kind
    months: int | None  # None when the auditor stated the amount
    monthly_amount: str | None
    after_month: str | None
    paid_through: str | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CaseView:
    case: FraudCase
    name: str | None  # the person's name in the registry
    person_status: str | None  # alive | deceased (None: not in the registry)
    exchange: ExchangeRow | None
    registry_event: str | None  # the death date the registry itself holds, when that was the basis
    benefits: list[dict[str, Any]]
    holders: list[dict[str, Any]]  # a shared account's persons
    recoveries: list[Recovery]  # computed (open case) or raised (confirmed case)
    recovery_total: Decimal
    payable_status: str | None  # the raised recovery's status (open | paid | cancelled)


def _exchange(conn: Connection, evidence: dict[str, Any]) -> tuple[ExchangeRow | None, str | None]:
    event = evidence.get("event")
    if not isinstance(event, dict):
        return None, None
    if event.get("source") == "registry":
        return None, str(event.get("event_date"))
    e, i = exchange_events.c, exchange_imports.c
    row = conn.execute(
        sa.select(e.source, e.event_date, e.until, e.name, e.detail, e.line, i.file_name, i.imported_by,
                  i.imported_at)
        .join(exchange_imports, i.id == e.import_id)
        .where(e.id == int(event.get("event_id") or 0))
    ).first()  # fmt: skip
    if row is None:
        return None, None
    return ExchangeRow(
        row.source, SOURCE_LABELS.get(row.source, row.source), row.event_date, row.until, row.name,
        dict(row.detail), int(row.line), row.file_name, row.imported_by, row.imported_at,
    ), None  # fmt: skip


def _recovery(detail: dict[str, Any], amount: Decimal) -> Recovery:
    stated = bool(detail.get("stated_by_auditor"))
    months = detail.get("months")
    return Recovery(
        str(detail.get("benefit", "")),
        None if stated or months is None else int(months),
        detail.get("monthly_amount"),
        None if stated else detail.get("after_month"),
        None if stated else detail.get("paid_through"),
        amount,
    )


def case_view(conn: Connection, case_id: int) -> CaseView:
    case = get_case(conn, case_id)
    records = load_person_records(conn, [case.id_number]).get(case.id_number) if case.id_number else None
    exchange, registry_event = _exchange(conn, case.evidence)
    payable_status = None
    if case.status == "open" and records is not None:
        raised = recovery_preview(case.kind, records, case.evidence, case_ref(case.id))
        recoveries = [_recovery(dict(p.detail), p.amount) for p in raised]
    else:
        p = payables.c
        rows = conn.execute(
            sa.select(p.amount, p.detail, p.status).where(p.case_id == case_ref(case.id)).order_by(p.id)
        ).all()
        recoveries = [_recovery(dict(r.detail), r.amount) for r in rows]
        payable_status = rows[0].status if rows else None
    benefits = case.evidence.get("benefits")
    holders = case.evidence.get("holders")
    return CaseView(
        case,
        records.person.name if records else None,
        records.person.status.value if records else None,
        exchange,
        registry_event,
        list(benefits) if isinstance(benefits, list) else [],
        list(holders) if isinstance(holders, list) else [],
        recoveries,
        sum((r.amount for r in recoveries), Decimal("0.00")),
        payable_status,
    )
