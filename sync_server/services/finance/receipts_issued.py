"""The 票据号码 a station has issued, as the city knows them: each case's payment receipt
(``CasePayload.receipt_stock``) and each replacement a void reissued.

Read at a station's (re-)enrolment: a PC restored from a backup moves its stock pointer past
the highest number per series (so no number is printed twice) and lists the receipts of the
cases it lacks (``EnrolResponse.receipt_stock_used`` / ``receipts_issued``). Derived from
the cases' payload JSON with one query over the station's cases: no table of its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.lifecycle import CaseStatus
from schema.protocol import IssuedStock
from schema.receipt_numbers import StockRef
from sync_server.db.tables import cases, receipt_voids


def issued(conn: Connection, station_id: str) -> list[IssuedStock]:
    """The station's cases that carried a 票据号码, by number."""
    series = cases.c.payload[("receipt_stock", "series")].as_string()
    number = cases.c.payload[("receipt_stock", "number")].as_integer()
    name = cases.c.payload[("applicant", "name")].as_string()
    rows = conn.execute(
        sa.select(cases.c.case_id, cases.c.case_number, cases.c.status, series, number, name)
        .where(cases.c.station_id == station_id, series.is_not(None))
        .order_by(series, number)
    ).all()
    return [
        IssuedStock(
            case_id=case_id,
            case_number=case_number,
            status=CaseStatus(status),
            stock=StockRef(series=s, number=int(n)),
            applicant_name=applicant,
        )
        for case_id, case_number, status, s, n, applicant in rows
    ]


def highest(conn: Connection, station_id: str, of_cases: list[IssuedStock] | None = None) -> list[StockRef]:
    """The highest number issued per series (cases' receipts and voids' replacements)."""
    top: dict[str, int] = {}
    for item in issued(conn, station_id) if of_cases is None else of_cases:
        top[item.stock.series] = max(top.get(item.stock.series, 0), item.stock.number)
    reissued = conn.execute(
        sa.select(receipt_voids.c.reissued_series, sa.func.max(receipt_voids.c.reissued_number))
        .where(receipt_voids.c.station_id == station_id, receipt_voids.c.reissued_series.is_not(None))
        .group_by(receipt_voids.c.reissued_series)
    ).all()
    for s, n in reissued:
        top[str(s)] = max(top.get(str(s), 0), int(n))
    return [StockRef(series=s, number=n) for s, n in sorted(top.items())]
