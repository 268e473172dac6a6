"""Money follows the decision: moving a case's desk money out of suspense (暂收款).

A complex item's fee waits in suspense until the back office decides (approval → the
counties, rejection → a refund payable); a conflict case's until 综合业务科 resolves it
(:func:`sync_server.core.suspense.goes_to`). The rules and the balanced entries are in
:mod:`sync_server.core.suspense`; the months the money paid for, in
:mod:`sync_server.core.contribution_rows`. This reads what the case holds and stores the
ledger entries, the contribution records (money that reached the counties) and the
refund payable (money owed back), in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.cases import FeeSummary
from schema.catalog import load_catalog
from schema.fees import FlexibleWorkerRequest, fee_request_from_form
from schema.lifecycle import CaseEvent
from schema.money import to_fen
from schema.rates import load_rates
from sync_server.core import suspense
from sync_server.core.contribution_rows import Paid, contribution_rows, source_of
from sync_server.db.tables import contribution_records, ledger_entries, payables
from sync_server.services.feed import person_slice

CaseRow = Any  # a ``cases`` row


def settle_decision(
    conn: Connection, case: CaseRow, event: CaseEvent, now: dt.datetime
) -> list[dict[str, Any]]:
    """The ledger entries a back-office step makes with the case's suspense (none for a
    return for supplement, or for a case that took no money)."""
    to = suspense.on_decision(event)
    return [] if to is None else move_suspense(conn, case, to, now)


def move_suspense(
    conn: Connection, case: CaseRow, to: suspense.Destination, now: dt.datetime
) -> list[dict[str, Any]]:
    """Balanced entries moving what the case holds in suspense (see ``core.suspense``), with
    the contribution records or the refund payable that go with them."""
    if to == "decision":  # a complex case back in review: its money waits for the decision
        return []
    e = ledger_entries.c
    held = conn.execute(
        sa.select(e.county_code, e.counterparty_county, e.insurance_type, e.account, e.side, e.amount,
                  e.contribution_month).where(e.case_id == case.case_id)
    ).all()  # fmt: skip
    moved = suspense.release([dict(r._mapping) for r in held], to=to, posted_at=now)
    if not moved:
        return []
    rows = [{"case_id": case.case_id, "posted_at": now, **row} for row in moved]
    conn.execute(sa.insert(ledger_entries), rows)
    if to == "counties":
        records = _contributions(case, now)
        if records:
            conn.execute(sa.insert(contribution_records), records)
            person_slice.tell_townships(conn, {str(r["id_number"]) for r in records})  # last month paid
    else:
        payable = suspense.refund_payable(moved, case_id=case.case_id, id_number=case.applicant_key or None,
                                          payee=case.applicant_name, at=now)  # fmt: skip
        if payable is not None:
            conn.execute(sa.insert(payables), [payable])
    return rows


def _contributions(case: CaseRow, now: dt.datetime) -> list[dict[str, object]]:
    """The months the case's fee paid for, now that the money is the counties'."""
    fee = case.payload.get("fee")
    item = load_catalog().item(case.item_code)
    if not fee or item.fee_kind is None:
        return []
    request = fee_request_from_form(item.fee_kind, case.payload.get("form", {}))  # checked at arrival
    if isinstance(request, FlexibleWorkerRequest):
        base, year = request.base, None
    else:
        base, year = to_fen(Decimal(request.grade)), request.year
    owed = case.registration_county or case.county_code
    paid = Paid(case.applicant_key, owed, source_of(case.tier), case.case_id, to_fen(base), year)
    return contribution_rows(FeeSummary.model_validate(fee).lines, paid, rates=load_rates(), recorded_at=now)
