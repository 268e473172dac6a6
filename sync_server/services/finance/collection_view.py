"""The 征缴计划 section of the 基金财务 console page: what the stored plan of a month holds.

Totals by county and insurance come from ``collection_plan_lines`` (one grouped query);
arrears and late fees from :func:`collection.arrears_on` as of the day asked for. Lines not
planned are not stored (they are the enrolments the plan could not price), so the page
shows them from the build just run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core.arrears import PayerArrears
from sync_server.db.tables import collection_plan_lines, collection_plan_locks
from sync_server.services.finance.collection import arrears_on

__all__ = ["CollectionView", "PlanTotal", "collection_view"]

ARREARS_SHOWN = 200  # the page lists the largest; the totals cover every payer


@dataclass(frozen=True, slots=True)
class PlanTotal:
    county: str
    insurance: str
    payers: int
    persons: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CollectionView:
    month: str
    totals: tuple[PlanTotal, ...]
    lines: int
    amount: Decimal
    locked_by: str | None
    arrears: tuple[PayerArrears, ...]  # the largest ARREARS_SHOWN
    arrears_payers: int
    arrears_unpaid: Decimal
    arrears_fees: Decimal


def collection_view(conn: Connection, month: str, on: dt.date) -> CollectionView:
    """The stored plan of ``month`` by county and insurance, and every arrear as of ``on``."""
    c = collection_plan_lines.c
    query = (
        sa.select(
            c.county_code,
            c.insurance_type,
            sa.func.count(),
            sa.func.sum(c.persons),
            sa.func.sum(c.employer_part + c.employee_part),
        )
        .where(c.month == month)
        .group_by(c.county_code, c.insurance_type)
        .order_by(c.county_code, c.insurance_type)
    )
    totals = tuple(
        PlanTotal(county, insurance, int(n), int(people), Decimal(amount))
        for county, insurance, n, people, amount in conn.execute(query)
    )
    locked_by = conn.execute(
        sa.select(collection_plan_locks.c.locked_by).where(collection_plan_locks.c.month == month)
    ).scalar_one_or_none()
    owing = sorted(arrears_on(conn, on), key=lambda a: (-(a.unpaid + a.late_fees), a.payer))
    zero = Decimal("0.00")
    return CollectionView(
        month,
        totals,
        sum(t.payers for t in totals),
        sum((t.amount for t in totals), zero),
        locked_by,
        tuple(owing[:ARREARS_SHOWN]),
        len(owing),
        sum((a.unpaid for a in owing), zero),
        sum((a.late_fees for a in owing), zero),
    )
