"""Moving a conflict case's desk money on when 综合业务科 resolves the conflict.

While the conflict is open the fee sits in suspense (暂收款). Where it goes and the
balanced entries that move it are decided by :mod:`sync_server.core.suspense`
(``goes_to``, ``release``); this reads what the case holds and stores the entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core import suspense
from sync_server.db.tables import ledger_entries


def move_suspense(
    conn: Connection, case_id: str, to: Literal["counties", "refund"], now: dt.datetime
) -> list[dict[str, Any]]:
    """Balanced entries moving what the case holds in suspense (see ``core.suspense``)."""
    e = ledger_entries.c
    held = conn.execute(
        sa.select(e.county_code, e.counterparty_county, e.insurance_type, e.account, e.side, e.amount,
                  e.contribution_month).where(e.case_id == case_id)
    ).all()  # fmt: skip
    rows = [
        {"case_id": case_id, "posted_at": now, **row}
        for row in suspense.release([dict(r._mapping) for r in held], to=to, posted_at=now)
    ]
    if rows:
        conn.execute(sa.insert(ledger_entries), rows)
    return rows
