"""Stations' 日结 as the city received them (``station_closes``, written by the push's
``daily_close`` operation): listed per station and day for ``sync-server closes show`` and
the finance page. Read only; a close is never edited here (a wrong one is answered by the
station's 补充日结 or by the finance section's own adjustment)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.db.tables import station_closes


@dataclass(frozen=True)
class ReceivedClose:
    id: int
    close_id: str
    station_id: str
    business_day: dt.date
    part: int
    receipts: int
    voided: int
    expected: Decimal
    counted: Decimal
    difference: Decimal
    reason: str
    closed_by: str
    closed_at: dt.datetime
    received_at: dt.datetime
    denominations: dict[str, int]
    receipt_list: list[dict[str, Any]]


def list_closes(
    conn: Connection,
    *,
    station_id: str | None = None,
    day_from: dt.date | None = None,
    day_to: dt.date | None = None,
    limit: int = 500,
) -> list[ReceivedClose]:
    """Closes by day (newest first), station and part."""
    query = sa.select(station_closes)
    if station_id:
        query = query.where(station_closes.c.station_id == station_id)
    if day_from:
        query = query.where(station_closes.c.business_day >= day_from)
    if day_to:
        query = query.where(station_closes.c.business_day <= day_to)
    query = query.order_by(
        station_closes.c.business_day.desc(), station_closes.c.station_id, station_closes.c.part
    ).limit(limit)
    return [
        ReceivedClose(
            id=r.id,
            close_id=r.close_id,
            station_id=r.station_id,
            business_day=r.business_day,
            part=r.part,
            receipts=r.receipts,
            voided=r.voided,
            expected=Decimal(r.expected),
            counted=Decimal(r.counted),
            difference=Decimal(r.difference),
            reason=r.reason,
            closed_by=r.closed_by,
            closed_at=r.closed_at,
            received_at=r.received_at,
            denominations=dict(r.denominations),
            receipt_list=list(r.receipt_list),
        )
        for r in conn.execute(query)
    ]
