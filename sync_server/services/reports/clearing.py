"""The clearing report of a period, read from ``ledger_entries`` (see ``core.clearing_matrix``)."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core.clearing_matrix import ClearingReport, Entry, clearing_report
from sync_server.db.tables import ledger_entries


def period_entries(conn: Connection, period: str) -> Iterator[Entry]:
    """The period's entries, streamed (a city's month may hold a great many)."""
    e = ledger_entries.c
    rows = conn.execute(
        sa.select(
            e.case_id,
            e.county_code,
            e.counterparty_county,
            e.insurance_type,
            e.account,
            e.side,
            e.amount,
            e.contribution_month,
        )
        .where(e.period == period)
        .execution_options(yield_per=5000)
    )
    for row in rows:
        yield Entry(*row)


def clearing_for_period(conn: Connection, period: str) -> ClearingReport:
    return clearing_report(period, period_entries(conn, period))
