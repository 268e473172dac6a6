"""The 稽核 cases: the list, one case with its evidence, and the auditor's decision.

Confirming writes what ``core.fraud.recovery`` decides (ends, and the overpaid months as a
payable to recover, ``direction=recover``, named ``fraud-<id>`` for the fund's books);
dismissing needs a reason and resumes what the finding suspended. Each decision is one
transaction with one audit entry; a case is decided once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.fraud_error_codes import FRAUD_ERROR_CODES
from schema.record_changes import ChangeContext, PayableCreated
from sync_server.core.fraud.findings import FRAUD_KIND_LABELS, FraudKind
from sync_server.core.fraud.recovery import case_ref, confirmed, dismissed
from sync_server.db.tables import fraud_cases, payables
from sync_server.errors import ApiError
from sync_server.services import audit
from sync_server.services.feed import person_slice
from sync_server.services.records.load import load_person_records
from sync_server.services.records.write import write_record_changes


@dataclass(frozen=True, slots=True)
class FraudCase:
    id: int
    kind: FraudKind
    kind_label: str
    id_number: str | None
    subject: str
    county: str
    evidence: dict[str, Any]
    status: str  # open | confirmed | dismissed
    opened_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    reason: str | None
    payable_id: int | None


def _case(r: Any) -> FraudCase:
    kind = FraudKind(r.kind)
    return FraudCase(
        int(r.id), kind, FRAUD_KIND_LABELS[kind], r.id_number, r.subject, r.county_code, dict(r.evidence),
        r.status, r.opened_at, r.decided_by, r.decided_at, r.reason,
        int(r.payable_id) if r.payable_id is not None else None,
    )  # fmt: skip


def _error(code: str, status: int, **detail: Any) -> ApiError:
    return ApiError(code, FRAUD_ERROR_CODES[code][1], detail, status=status)


def list_cases(
    conn: Connection,
    *,
    status: str | None = "open",
    county: str | None = None,
    kind: str | None = None,
    limit: int = 200,
) -> list[FraudCase]:
    """Open cases first (oldest first: they have waited longest), then the decided ones."""
    c = fraud_cases.c
    open_first = sa.case((c.status == "open", 0), else_=1)
    query = sa.select(fraud_cases).order_by(open_first, c.opened_at, c.id).limit(limit)
    if status:
        query = query.where(c.status == status)
    if county:
        query = query.where(c.county_code == county)
    if kind:
        query = query.where(c.kind == kind)
    return [_case(r) for r in conn.execute(query)]


def count_cases(conn: Connection) -> dict[str, int]:
    """Cases per status (the list's header)."""
    c = fraud_cases.c
    return {s: int(n) for s, n in conn.execute(sa.select(c.status, sa.func.count()).group_by(c.status))}


def get_case(conn: Connection, case_id: int, *, for_update: bool = False) -> FraudCase:
    query = sa.select(fraud_cases).where(fraud_cases.c.id == case_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise _error("fraud_case_not_found", 404, case_id=case_id)
    return _case(row)


def open_case_persons(conn: Connection, id_numbers: list[str]) -> set[str]:
    """Which of these persons have an open 稽核 case (the station's warning)."""
    c = fraud_cases.c
    query = sa.select(c.id_number).where(c.status == "open", c.id_number.in_(id_numbers)).distinct()
    return set(conn.execute(query).scalars())


def _tell(conn: Connection, case: FraudCase) -> None:
    """The person's township hears that the case closed (the desk's warning goes away)."""
    if case.id_number:
        person_slice.tell_townships(conn, [case.id_number])


def _decide(conn: Connection, case_id: int) -> FraudCase:
    case = get_case(conn, case_id, for_update=True)
    if case.status != "open":
        raise _error("fraud_case_decided", 409, case_id=case_id, case_status=case.status)
    return case


def confirm_case(
    conn: Connection,
    case_id: int,
    *,
    actor: str,
    at: dt.datetime,
    reason: str = "",
    amount: Decimal | None = None,
) -> FraudCase:
    """确认疑点: the record changes of a confirmed case, the recovery among them."""
    if amount is not None and (amount < 0 or amount != amount.quantize(Decimal("0.01"))):
        raise _error("fraud_amount_invalid", 422, amount=str(amount))
    case = _decide(conn, case_id)
    ref = case_ref(case.id)
    records = load_person_records(conn, [case.id_number] if case.id_number else []).get(case.id_number or "")
    changes = confirmed(case.kind, records, case.evidence, ref, amount) if records else []
    if changes:
        write_record_changes(conn, changes, ChangeContext(case_id=ref, source="review", actor=actor, at=at))
    recovered = [c.payable.amount for c in changes if isinstance(c, PayableCreated)]
    payable_id = conn.execute(
        sa.select(sa.func.min(payables.c.id)).where(payables.c.case_id == ref)
    ).scalar_one_or_none()
    conn.execute(
        sa.update(fraud_cases)
        .where(fraud_cases.c.id == case.id)
        .values(
            status="confirmed", decided_by=actor, decided_at=at, reason=reason or None, payable_id=payable_id
        )
    )
    _tell(conn, case)
    audit.append(
        conn, actor=actor, action="fraud_case_confirmed", entity="fraud_case", entity_id=str(case.id),
        detail={"kind": case.kind.value, "id_number": case.id_number, "recovered": str(sum(recovered, Decimal(0))),
                "payable_id": payable_id, "changes": [c.change for c in changes], "reason": reason},
        at=at,
    )  # fmt: skip
    return get_case(conn, case.id)


def dismiss_case(conn: Connection, case_id: int, *, actor: str, at: dt.datetime, reason: str) -> FraudCase:
    """排除疑点, with the reason; benefits the finding suspended are resumed."""
    if not reason.strip():
        raise _error("fraud_reason_missing", 422, case_id=case_id)
    case = _decide(conn, case_id)
    records = load_person_records(conn, [case.id_number] if case.id_number else []).get(case.id_number or "")
    changes = dismissed(case.kind, records, case.evidence) if records else []
    if changes:
        context = ChangeContext(case_id=case_ref(case.id), source="review", actor=actor, at=at)
        write_record_changes(conn, changes, context)
    conn.execute(
        sa.update(fraud_cases)
        .where(fraud_cases.c.id == case.id)
        .values(status="dismissed", decided_by=actor, decided_at=at, reason=reason.strip())
    )
    _tell(conn, case)
    audit.append(
        conn, actor=actor, action="fraud_case_dismissed", entity="fraud_case", entity_id=str(case.id),
        detail={"kind": case.kind.value, "id_number": case.id_number, "reason": reason.strip(),
                "resumed": [c.change for c in changes]},
        at=at,
    )  # fmt: skip
    return get_case(conn, case.id)
