"""A payment receipt voided because the cash went back (当日冲正): the case's money reversed. Pure.

A void without a replacement receipt (``receipt_void`` with no ``reissued``) says the clerk
handed the money back to the payer: the station's 日结 counts it out, so the city must too.
Whatever the case's fee posted (the counties' ``collected``/``owed`` pairs, or the
``held``/``suspense`` lines of money waiting for a decision, or an 应退款 ``refund`` side)
is posted again with the opposite sign, line by line, at the same counties and accounts,
in the month of the void's arrival. The case's lines then net to zero on every side, so
the ledger check, the clearing and the journal (which books every ledger row) stay
balanced, and a second reversal would post nothing.

The months the money paid for go with it: the case's contribution records are deleted
(they have no state of their own) and an open refund payable of the case is cancelled (the
desk paid it back already). The case is marked (``payload["fee_refunded"]``) so a later
step cannot move money it no longer holds: a decision on a complex case finds nothing in
suspense (:func:`core.suspense.release` of a netted case is empty), and a withdrawal posts
no refund.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sync_server.core.clock import posting_period

MARK = "fee_refunded"  # the case payload's key once its money was reversed
ZERO = Decimal("0.00")

Line = tuple[str, str, str, str, str, str | None]  # county, counterparty, insurance, account, side, month


def _line(r: Mapping[str, Any]) -> Line:
    return (r["county_code"], r["counterparty_county"], r["insurance_type"], r["account"], r["side"],
            r["contribution_month"])  # fmt: skip


def reversal(rows: Iterable[Mapping[str, Any]], *, posted_at: dt.datetime) -> list[dict[str, Any]]:
    """The ledger rows (without ``case_id``/``posted_at``) that bring every line of a case's
    ``rows`` back to zero: each line's net amount with the opposite sign; none for lines
    already at zero."""
    net: dict[Line, Decimal] = {}
    for r in rows:
        key = _line(r)
        net[key] = net.get(key, ZERO) + Decimal(r["amount"])
    period = posting_period(posted_at)
    out: list[dict[str, Any]] = []
    for key, amount in sorted(net.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        if amount == 0:
            continue
        county, counterparty, insurance, account, side, month = key
        out.append({"period": period, "county_code": county, "counterparty_county": counterparty,
                    "insurance_type": insurance, "account": account, "side": side, "amount": -amount,
                    "contribution_month": month})  # fmt: skip
    return out


def refunded(payload: Mapping[str, Any]) -> bool:
    """Whether the case's desk money went back to the payer (a void without reissue)."""
    return bool(payload.get(MARK))


def marked(payload: Mapping[str, Any], *, stock_number: str, at: dt.datetime) -> dict[str, Any]:
    """The case payload with the mark of its reversal (which receipt, when it arrived)."""
    return {**payload, MARK: {"stock_number": stock_number, "at": at.isoformat()}}
