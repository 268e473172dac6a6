"""Posting the fund's journal (财务入账) from what the database already records.

Catch-up posting: ``post_pending`` finds every source not yet posted — ledger rows, payables
arising, settled outside a plan or cancelled, lines of exported payment plans (sent or
returned), 缴费通知单 the bank paid (``core.journal_notices``) — builds its entry with the pure rules (``core.journal``, ``core.journal_payments``)
and writes it, in the caller's transaction. ``sync-server journal post`` and the month
close run it; a caller may also run it in the transaction of the event itself. The unique
(source_kind, source_id) key and ``ON CONFLICT DO NOTHING`` make it idempotent even when
two run at once: a source posts once. An event of a closed month is booked in the first
open month after it (``core.journal_close.booking_period``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core import journal_notices
from sync_server.core.clock import BEIJING, posting_period
from sync_server.core.journal import JournalEntry, from_ledger_row
from sync_server.core.journal_close import booking_period, next_month
from sync_server.core.journal_payments import (
    Payable,
    PaymentLine,
    payable_arising,
    payable_cancelled,
    payable_settled,
    payment_returned,
    payment_sent,
)
from sync_server.db.tables import (
    journal_entries,
    journal_lines,
    ledger_entries,
    month_closes,
    payables,
    payment_notices,
    payment_plan_lines,
    payment_plans,
)
from sync_server.db.upsert import upsert

EXPORTED = "exported"  # a payment plan whose bank files went out: locked (S2)
CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Posted:
    entries: int
    lines: int


def closed_periods(conn: Connection) -> set[str]:
    return set(conn.execute(sa.select(month_closes.c.period)).scalars())


def month_end(period: str) -> dt.datetime:
    """The first instant after ``period`` (Beijing), for comparing stored UTC times."""
    following = dt.date.fromisoformat(f"{next_month(period)}-01")
    return dt.datetime.combine(following, dt.time(), BEIJING).astimezone(dt.UTC)


def _not_posted(kind: str, source_id: Any) -> sa.ColumnElement[bool]:
    j = journal_entries.c
    return ~sa.exists().where(j.source_kind == kind, j.source_id == sa.cast(source_id, sa.String))


def _ledger_entries(conn: Connection, up_to: str | None) -> Iterator[JournalEntry]:
    e = ledger_entries.c
    query = sa.select(ledger_entries).where(_not_posted("ledger", e.id)).order_by(e.id)
    if up_to is not None:
        query = query.where(e.period <= up_to)
    for row in conn.execute(query):
        entry = from_ledger_row(row._mapping)
        if entry is not None:
            yield entry


def _payable_entries(conn: Connection, up_to: str | None) -> Iterator[JournalEntry]:
    p = payables.c
    end = month_end(up_to) if up_to is not None else None
    arising = sa.select(payables).where(
        _not_posted("payable", p.id), ~sa.and_(p.fund == "suspense", p.direction == "pay")
    )
    if end is not None:
        arising = arising.where(p.created_at < end)
    for row in conn.execute(arising.order_by(p.id)):
        entry = payable_arising(Payable.of(row._mapping), posting_period(row.created_at))
        if entry is not None:
            yield entry
    # settled outside a payment plan (a plan's line settles the payables it pays)
    in_plan = sa.exists().where(
        payment_plan_lines.c.source == "payable", payment_plan_lines.c.source_id == p.id
    )
    settled = sa.select(payables).where(p.status == "paid", p.settled_at.is_not(None), ~in_plan,
                                        _not_posted("payable_paid", p.id))  # fmt: skip
    cancelled = sa.select(payables).where(p.status == "cancelled", _not_posted("payable_cancelled", p.id))
    if end is not None:
        settled = settled.where(p.settled_at < end)
        cancelled = cancelled.where(sa.func.coalesce(p.settled_at, p.created_at) < end)
    for row in conn.execute(settled.order_by(p.id)):
        entry = payable_settled(Payable.of(row._mapping), posting_period(row.settled_at))
        if entry is not None:
            yield entry
    for row in conn.execute(cancelled.order_by(p.id)):
        entry = payable_cancelled(Payable.of(row._mapping), posting_period(row.settled_at or row.created_at))
        if entry is not None:
            yield entry


def _payment_entries(conn: Connection, up_to: str | None) -> Iterator[JournalEntry]:
    line, plan = payment_plan_lines.c, payment_plans.c
    for status, kind, build in (
        ("sent", "payment", payment_sent),
        ("returned", "payment_returned", payment_returned),
    ):
        # a returned line was sent first: it posts both, the payment and its reversal
        statuses = ("sent", "returned") if status == "sent" else ("returned",)
        query = (
            sa.select(
                line.id, line.source, line.source_id, line.kind, line.county_code, line.amount, plan.month
            )
            .join(payment_plans, plan.id == line.plan_id)
            .where(plan.status == EXPORTED, line.status.in_(statuses), _not_posted(kind, line.id))
            .order_by(line.id)
        )
        if up_to is not None:
            query = query.where(plan.month <= up_to)
        rows = conn.execute(query).all()
        paid_payables = _payables_by_id(conn, [r.source_id for r in rows if r.source == "payable"])
        for r in rows:
            payable = paid_payables.get(r.source_id) if r.source == "payable" else None
            benefit_kind = None if r.source == "payable" else r.kind
            yield build(PaymentLine(r.id, r.county_code, r.amount, benefit_kind, payable), r.month)


def _payables_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, Payable]:
    out: dict[int, Payable] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for row in conn.execute(sa.select(payables).where(payables.c.id.in_(chunk))):
            out[int(row.id)] = Payable.of(row._mapping)
    return out


def _notice_entries(conn: Connection, up_to: str | None) -> Iterator[JournalEntry]:
    """Notices paid through the bank (缴费通知单): into the fund's account, no desk ledger pair."""
    n = payment_notices.c
    query = sa.select(n.reference, n.county_code, n.paid_on, n.fee).where(
        n.status == "paid", n.paid_on.is_not(None), _not_posted(journal_notices.SOURCE_KIND, n.reference)
    )
    if up_to is not None:
        query = query.where(n.paid_on < dt.date.fromisoformat(f"{next_month(up_to)}-01"))
    for r in conn.execute(query.order_by(n.paid_on, n.reference)):
        yield journal_notices.from_paid_notice(r.reference, r.county_code, r.paid_on, r.fee)


def pending_entries(conn: Connection, up_to: str | None = None) -> Iterator[JournalEntry]:
    """Every entry not yet posted whose event happened in ``up_to`` or before (None: all)."""
    yield from _ledger_entries(conn, up_to)
    yield from _payable_entries(conn, up_to)
    yield from _payment_entries(conn, up_to)
    yield from _notice_entries(conn, up_to)


def post_pending(conn: Connection, *, now: dt.datetime, up_to: str | None = None) -> Posted:
    """Post what is not yet posted (see the module's docstring); returns what was written."""
    closed = closed_periods(conn)
    batch: list[JournalEntry] = []
    entries = lines = 0
    for entry in pending_entries(conn, up_to):
        batch.append(entry)
        if len(batch) >= CHUNK:
            e, n = write_entries(conn, batch, closed=closed, now=now)
            entries, lines, batch = entries + e, lines + n, []
    e, n = write_entries(conn, batch, closed=closed, now=now)
    return Posted(entries + e, lines + n)


def write_entries(
    conn: Connection, batch: Sequence[JournalEntry], *, closed: set[str], now: dt.datetime
) -> tuple[int, int]:
    """Insert the entries (a source already posted is skipped) and the lines of those inserted."""
    if not batch:
        return 0, 0
    for entry in batch:
        if not entry.balanced():  # the rules balance by construction; never store one that does not
            raise ValueError(f"unbalanced journal entry {entry.source_kind}:{entry.source_id}")
    j = journal_entries.c
    heads = [
        {"source_kind": e.source_kind, "source_id": e.source_id, "event_period": e.event_period,
         "period": booking_period(e.event_period, closed), "memo": e.memo[:200], "posted_at": now}
        for e in batch
    ]  # fmt: skip
    inserted = conn.execute(
        upsert(conn, journal_entries, on=[j.source_kind, j.source_id]).returning(
            j.id, j.source_kind, j.source_id, j.period
        ),
        heads,
    ).all()
    by_source = {(e.source_kind, e.source_id): e for e in batch}
    rows = [
        {"entry_id": head.id, "period": head.period, "fund": line.fund.value, "county_code": line.county_code,
         "account": line.account.value, "debit": line.debit, "credit": line.credit}
        for head in inserted
        for line in by_source[(head.source_kind, head.source_id)].lines
    ]  # fmt: skip
    if rows:
        conn.execute(sa.insert(journal_lines), rows)
    return len(inserted), len(rows)
