"""Month close (月结): post what is pending, each fund's trial balance, the refusals, the lock.

``close_month`` runs in one transaction: it first posts every source of the month and
before (``journal.post_pending``), then takes the trial balance from ``journal_lines``,
asks ``core.journal_close.close_refusal`` whether the month may close (ended, balanced in
every fund and county, its plans locked) and, if so, stores the trial balance in
``month_closes`` and audits it. A refusal raises a coded ``ApiError`` and rolls back the
whole transaction, postings included. From then on the month is locked: anything that
happens later for it is booked in the next open month (``journal.write_entries``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core.clock import posting_period
from sync_server.core.journal_close import FundBalance, close_refusal, trial_balance
from sync_server.db.tables import (
    audit_head,
    collection_plan_lines,
    collection_plan_locks,
    journal_lines,
    month_closes,
    payment_plans,
)
from sync_server.db.upsert import upsert
from sync_server.errors import ApiError
from sync_server.services import audit
from sync_server.services.finance.journal import EXPORTED, closed_periods, post_pending

PAYMENT_PLAN, COLLECTION_PLAN = "支付计划", "征缴计划"


def valid_month(text: str) -> str:
    """``YYYY-MM`` (full-width digits accepted), else the coded refusal."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    try:
        if len(value) != 7:
            raise ValueError(value)
        return dt.date.fromisoformat(f"{value}-01").strftime("%Y-%m")
    except ValueError:
        raise ApiError("month_invalid", "月份格式应为 YYYY-MM（如 2025-03）：请重新输入。",
                       {"month": text}, status=422) from None  # fmt: skip


def trial_balance_of(conn: Connection, period: str) -> list[FundBalance]:
    j = journal_lines.c
    rows = conn.execute(
        sa.select(j.fund, j.county_code, j.account, sa.func.sum(j.debit), sa.func.sum(j.credit))
        .where(j.period == period)
        .group_by(j.fund, j.county_code, j.account)
    ).all()
    return trial_balance((f, c, a, Decimal(d), Decimal(cr)) for f, c, a, d, cr in rows)


def unlocked_plans(conn: Connection, period: str) -> list[str]:
    """The plans of the month that exist and are not locked. A payment plan is locked once
    its bank files are exported; a collection plan once S1's lock says so (see docs)."""
    out: list[str] = []
    status = conn.execute(sa.select(payment_plans.c.status).where(payment_plans.c.month == period)).scalar()
    if status is not None and status != EXPORTED:
        out.append(PAYMENT_PLAN)
    if _collection_plan_unlocked(conn, period):
        out.append(COLLECTION_PLAN)
    return out


def _has_collection_plan(conn: Connection, period: str) -> bool:
    query = sa.select(sa.literal(1)).where(collection_plan_lines.c.month == period).limit(1)
    return conn.execute(query).first() is not None


def _collection_plan_unlocked(conn: Connection, period: str) -> bool:
    locked = conn.execute(
        sa.select(collection_plan_locks.c.month).where(collection_plan_locks.c.month == period)
    )
    return _has_collection_plan(conn, period) and locked.first() is None


def lock_collection_plan(conn: Connection, period: str, *, actor: str, now: dt.datetime) -> bool:
    """Lock the month's collection plan for the close (audited); False when it was locked already."""
    period = valid_month(period)
    if not _has_collection_plan(conn, period):
        raise ApiError("collection_plan_missing", f"{period} 还没有征缴计划，无法锁定：请先生成征缴计划（sync-server plans collect）。",
                       {"month": period}, status=409)  # fmt: skip
    inserted = conn.execute(
        upsert(conn, collection_plan_locks, values={"month": period, "locked_by": actor, "locked_at": now})
    ).rowcount
    if inserted:
        audit.append(
            conn, actor=actor, action="collection_plan_lock", entity="month", entity_id=period, at=now
        )
    return bool(inserted)


def balance_document(balances: list[FundBalance]) -> list[dict[str, Any]]:
    return [
        {"fund": b.fund.value, "label": b.label, "debit": f"{b.debit:.2f}", "credit": f"{b.credit:.2f}",
         "balanced": b.balanced, "unbalanced_counties": list(b.unbalanced_counties),
         "accounts": [{"account": a.account.value, "label": a.label, "debit": f"{a.debit:.2f}",
                       "credit": f"{a.credit:.2f}"} for a in b.accounts]}
        for b in balances
    ]  # fmt: skip


def _serialise(conn: Connection) -> None:
    """One closer or poster at a time, so nothing posts between the check and the lock: the
    audit head row, which both lock anyway to append their audit entry, is locked first."""
    conn.execute(sa.select(audit_head.c.seq).where(audit_head.c.id == 1).with_for_update())


def close_month(conn: Connection, period: str, *, actor: str, now: dt.datetime) -> list[FundBalance]:
    """Close ``period`` (see the module's docstring); returns its trial balance."""
    period = valid_month(period)
    _serialise(conn)
    posted = post_pending(conn, now=now, up_to=period)
    balances = trial_balance_of(conn, period)
    refusal = close_refusal(period, today_period=posting_period(now), closed=closed_periods(conn),
                            balances=balances, unlocked_plans=unlocked_plans(conn, period))  # fmt: skip
    if refusal is not None:
        raise ApiError(refusal.code, refusal.message, refusal.detail, status=409)
    document = balance_document(balances)
    conn.execute(
        sa.insert(month_closes).values(period=period, closed_by=actor, closed_at=now, trial_balance=document)
    )
    audit.append(conn, actor=actor, action="month_close", entity="month", entity_id=period, at=now,
                 detail={"posted_entries": posted.entries,
                         "funds": {b["fund"]: {"debit": b["debit"], "credit": b["credit"]} for b in document}})  # fmt: skip
    return balances


def journal_post(conn: Connection, *, actor: str, now: dt.datetime, up_to: str | None) -> tuple[int, int]:
    """``sync-server journal post``: catch up, audited when anything was posted."""
    month = valid_month(up_to) if up_to else None
    _serialise(conn)
    posted = post_pending(conn, now=now, up_to=month)
    if posted.entries:
        audit.append(conn, actor=actor, action="journal_post", entity="journal", entity_id=month or "all", at=now,
                     detail={"entries": posted.entries, "lines": posted.lines})  # fmt: skip
    return posted.entries, posted.lines


def month_view(conn: Connection, period: str) -> dict[str, Any]:
    """The 基金财务 page's 入账与月结 section: the month's trial balance so far (or as closed)."""
    closed = conn.execute(sa.select(month_closes).where(month_closes.c.period == period)).first()
    return {
        "closed": None if closed is None else {"by": closed.closed_by, "at": closed.closed_at},
        "balances": closed.trial_balance
        if closed is not None
        else balance_document(trial_balance_of(conn, period)),
        "unlocked": unlocked_plans(conn, period),
    }
