"""Push: apply a station's batch of operations exactly once, in one transaction.

The algorithm is docs/server.md "Push: exactly once". In outline:

1. lock the station row (``FOR UPDATE`` on PostgreSQL: pushes of one station serialise
   across server processes; SQLite serialises every writer anyway);
2. look up every ``op_id`` of the batch in ``operations``: the same digest answers the
   stored result again, another digest is ``op_conflict``;
3. the new operations must continue ``last_seq`` without a gap (else the whole request
   is refused ``sequence_gap`` naming the missing seq);
4. load what they need with a few ``IN`` queries (the cases and the
   :class:`~sync_server.core.ingest.registry_slice.RegistrySlice`), apply them in memory
   with the pure core (:mod:`sync_server.core.ingest`), write every table with one
   statement each, advance ``last_seq``, append the audit entries, commit.

This is the only module that talks to the database for a push: load, apply (pure), write.

A business rejection is a stored result like any other and still consumes its seq.

What needs no database is done before the transaction (:mod:`sync_server.core.ingest.prepare`),
so a station's next batch waits only for the station's row lock. When it gets there
first, the missing seqs are likely still on their way: it lets the lock go and waits for
them briefly (``push_gap_wait_seconds``) before it answers ``sequence_gap``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.api_errors import API_ERROR_MESSAGES
from schema.catalog import Catalog, load_catalog
from schema.protocol import (
    CaseAcceptOp,
    DailyCloseOp,
    Operation,
    OpResult,
    OpStatus,
    PaymentNoticeOp,
    PushBatch,
    PushResponse,
    ReceiptVoidOp,
    StaffPasswordOp,
)
from schema.rates import RateBook, load_rates
from schema.vocabulary import Tier
from schema.workdays import WorkdayCalendar
from sync_server.core.case_rules import CheckedCase, Rejection
from sync_server.core.ingest.batch import IngestBatch
from sync_server.core.ingest.case import UPDATE_COLUMNS, IngestCase
from sync_server.core.ingest.context import BatchContext
from sync_server.core.ingest.dispatch import apply_all
from sync_server.core.ingest.prepare import Prepared, prepare, registry_keys
from sync_server.core.ingest.registry_slice import RegistrySlice
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.db.tables import (
    case_events,
    cases,
    conflicts,
    contribution_records,
    ledger_entries,
    operations,
    payables,
    station_closes,
    stations,
)
from sync_server.errors import ApiError
from sync_server.services import audit, bulk
from sync_server.services.admin import holidays
from sync_server.services.feed import changes as feed
from sync_server.services.finance import deposits, notices, receipt_stock
from sync_server.services.ingest import record_effects, registry_updates, township_news
from sync_server.settings import Settings


def push(
    db: Database,
    station: StationContext,
    batch: PushBatch,
    now: dt.datetime,
    *,
    settings: Settings,
    catalog: Catalog | None = None,
    rates: RateBook | None = None,
    calendar: WorkdayCalendar | None = None,
) -> PushResponse:
    """Apply ``batch`` (already checked to be the signer's) and answer a result per operation."""
    ctx = BatchContext(
        station=station,
        received_at=now.astimezone(dt.UTC),
        sent_at=batch.sent_at,
        catalog=catalog or load_catalog(),
        rates=rates or load_rates(),
        calendar=calendar,
        max_offline_days=settings.max_offline_days,
        clock_flag_seconds=settings.clock_flag_seconds,
    )
    prepared = prepare(ctx, batch.operations)
    deadline = time.monotonic() + settings.push_gap_wait_seconds
    seen: int | None = None  # last_seq when a gap was found: wait for it to move on
    while True:
        if seen is not None and prepared.ops:
            _await_turn(db, station.id, prepared.ops[0].seq, seen, deadline)
        try:
            with db.write() as conn:
                return push_in(conn, ctx, prepared)
        except SequenceGap as gap:
            if time.monotonic() >= deadline:
                raise
            seen = gap.last_seq


GAP_POLL_SECONDS = 0.02


def _await_turn(db: Database, station_id: str, first_seq: int, seen: int, deadline: float) -> None:
    """After a gap: wait, reading only, until the station's ``last_seq`` reaches the seq
    before the batch's first and has moved on from ``seen`` (the batches before may be in
    another worker's hands), or the deadline passes. Reading takes no lock, so a waiting push
    never holds up the one it waits for.

    A batch goes for the station row lock first, without this: most often the batch before
    it holds that lock, and waiting on the lock wakes it the moment that batch commits,
    where polling cost a read every 20 ms and up to 20 ms of the serial part per batch."""
    query = sa.select(stations.c.last_seq).where(stations.c.id == station_id)
    while True:
        with db.read() as conn:
            last_seq = conn.execute(query).scalar()
        if last_seq is None or time.monotonic() >= deadline:
            return
        if first_seq <= last_seq + 1 and last_seq != seen:
            return
        time.sleep(GAP_POLL_SECONDS)


class SequenceGap(ApiError):
    def __init__(self, missing_seq: int, last_seq: int) -> None:
        super().__init__("sequence_gap", detail={"missing_seq": missing_seq, "station_last_seq": last_seq})
        self.last_seq = last_seq


def push_in(conn: Connection, ctx: BatchContext, prepared: Prepared) -> PushResponse:
    last_seq = _lock_station(conn, ctx.station.id)
    ordered, digests, keys = prepared.ops, prepared.digests, prepared.keys
    stored = _stored(conn, ctx.station.id, sorted(set(keys)))
    results: dict[int, OpResult] = {}
    new: dict[str, tuple[Operation, str]] = {}  # op_id -> (op, digest), first occurrence
    expected = last_seq + 1
    for i, op in enumerate(ordered):
        key = keys[i]
        if key in stored or key in new:
            digest = stored[key][0] if key in stored else new[key][1]
            if digest != digests[i]:
                results[i] = _conflict(op, ctx.received_at, "digest")
            elif key in stored:
                results[i] = _again(stored[key][1])
            # else: the same op twice in this batch; answered below as a duplicate of the first
        elif op.seq == expected:
            new[key] = (op, digests[i])
            expected += 1
        elif op.seq < expected:
            results[i] = _conflict(op, ctx.received_at, "seq")
        else:
            raise SequenceGap(expected, last_seq)
    applied = _apply_new(conn, ctx, new, prepared.checks) if new else {}
    answers: list[OpResult] = []
    for i, op in enumerate(ordered):
        key = keys[i]
        if i in results:
            answers.append(results[i])
        elif new[key][0] is op:
            answers.append(applied[key])
        else:
            answers.append(_again(applied[key].model_dump(mode="json")))
    conn.execute(
        sa.update(stations)
        .where(stations.c.id == ctx.station.id)
        .values(
            last_seq=expected - 1,
            last_push_at=ctx.received_at,
            clock_offset_seconds=round((ctx.sent_at - ctx.received_at).total_seconds()),
        )
    )
    return PushResponse(results=tuple(answers), station_last_seq=expected - 1)


def _lock_station(conn: Connection, station_id: str) -> int:
    query = sa.select(stations.c.last_seq, stations.c.status).where(stations.c.id == station_id)
    row = conn.execute(query.with_for_update()).first()
    if row is None:
        raise ApiError("station_unknown")
    if row.status != "active":
        raise ApiError("station_revoked" if row.status == "revoked" else "station_not_enrolled")
    return int(row.last_seq)


def _stored(conn: Connection, station_id: str, op_ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    rows = conn.execute(
        sa.select(operations.c.op_id, operations.c.digest, operations.c.result).where(
            operations.c.station_id == station_id, bulk.in_list(conn, operations.c.op_id, op_ids)
        )
    )
    return {r.op_id: (r.digest, r.result) for r in rows}


def _again(result: dict[str, Any]) -> OpResult:
    """A retried operation answers ``duplicate`` with its original answer inside, so a
    station that lost the first response still sets a rejected operation aside."""
    original = OpResult.model_validate(result)
    return original.model_copy(update={"status": OpStatus.DUPLICATE, "original_status": original.status})


def _conflict(op: Operation, received_at: dt.datetime, reason: str) -> OpResult:
    return OpResult(
        op_id=op.op_id,
        seq=op.seq,
        status=OpStatus.CONFLICT,
        code="op_conflict",
        message=API_ERROR_MESSAGES["op_conflict"],
        case_id=op.case_id,
        server_received_at=received_at,
        detail={"reason": reason},  # digest: same op_id, other content; seq: seq already used
    )


def _load_cases(
    conn: Connection, case_ids: list[str], numbers: list[str]
) -> tuple[dict[str, IngestCase], set[str]]:
    found: dict[str, IngestCase] = {}
    if case_ids:
        query = sa.select(cases).where(bulk.in_list(conn, cases.c.case_id, case_ids)).with_for_update()
        for row in conn.execute(query).all():
            found[row.case_id] = IngestCase.from_row(row._mapping)
    taken: set[str] = set()
    if numbers:
        taken = set(
            conn.execute(
                sa.select(cases.c.case_number).where(bulk.in_list(conn, cases.c.case_number, numbers))
            ).scalars()
        )
    return found, taken


def _apply_new(
    conn: Connection,
    ctx: BatchContext,
    pending: dict[str, tuple[Operation, str]],
    checks: dict[str, CheckedCase | Rejection],
) -> dict[str, OpResult]:
    """Apply the new operations (op_id -> (op, digest), in seq order); their results by op_id.
    Load, apply in memory (the pure core), write: a handful of statements for the batch."""
    batch, locked = _load(conn, ctx, [op for op, _ in pending.values()], checks)
    results = apply_all(batch, ((key, op) for key, (op, _) in pending.items()))
    _write(conn, batch, pending, results, locked)
    return results


def _load(
    conn: Connection, ctx: BatchContext, new: list[Operation], checks: dict[str, CheckedCase | Rejection]
) -> tuple[IngestBatch, set[str]]:
    """The cases, case numbers and registry slice the new operations name (a few ``IN``
    queries), and the ID numbers of the persons loaded for update."""
    accepts = [op for op in new if isinstance(op, CaseAcceptOp)]
    known, taken = _load_cases(
        conn, sorted({str(op.case_id) for op in new}), sorted({op.payload.case_number for op in accepts})
    )
    read, lock, usccs = registry_keys(ctx, accepts)
    lock |= _payers(accepts, checks) & read  # their months change: township_news reads them from memory
    registry = registry_updates.load(conn, RegistrySlice(), read, lock, usccs)
    locked = lock & set(registry.persons)
    registry_updates.load_staff(
        conn, registry, (op.payload.username for op in new if isinstance(op, StaffPasswordOp))
    )
    if ctx.calendar is None:  # the holiday schedules loaded on this server, read in this transaction
        ctx = dataclasses.replace(ctx, calendar=holidays.server_calendar(conn))
    batch = IngestBatch(ctx, registry, known, taken, checks)
    batch.closes_held = _closes_held(conn, ctx.station.id, [op for op in new if isinstance(op, DailyCloseOp)])
    notice_ops = [op.payload for op in new if isinstance(op, PaymentNoticeOp)]
    if notice_ops:
        batch.notices_held, batch.notice_counties = notices.held_for(
            conn, [p.reference for p in notice_ops], [p.id_number for p in notice_ops]
        )
    voids = [op.payload for op in new if isinstance(op, ReceiptVoidOp)]
    if voids:  # the station's receipt ranges, and which of these numbers are void already
        refs = [ref for p in voids for ref in (p.stock, p.reissued) if ref is not None]
        batch.receipts = receipt_stock.load_book(conn, ctx.station.id, refs)
        refunds = [str(op.case_id) for op in new if isinstance(op, ReceiptVoidOp) and not op.payload.reissued]
        batch.case_ledger = _ledger_of(conn, refunds)
    return batch, locked


def _payers(accepts: list[CaseAcceptOp], checks: dict[str, CheckedCase | Rejection]) -> set[str]:
    """The applicants of the desk-finished cases that take money: their months paid change."""
    return {
        op.payload.applicant.id_number
        for op in accepts
        if op.payload.applicant.id_number
        and isinstance(checked := checks.get(str(op.op_id)), CheckedCase)
        and checked.contribution is not None
        and checked.item.tier is Tier.GENERAL
    }


def _ledger_of(conn: Connection, case_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The ledger rows held for cases whose receipt is voided without reissue (to reverse)."""
    found: dict[str, list[dict[str, Any]]] = {}
    if case_ids:
        query = sa.select(ledger_entries).where(
            bulk.in_list(conn, ledger_entries.c.case_id, sorted(set(case_ids)))
        )
        for r in conn.execute(query):
            found.setdefault(r.case_id, []).append(dict(r._mapping))
    return found


def _closes_held(conn: Connection, station_id: str, closes: list[DailyCloseOp]) -> set[tuple[dt.date, int]]:
    """The (day, part) closes the station already has here, of the days the batch closes."""
    days = sorted({op.payload.business_day for op in closes})
    if not days:
        return set()
    query = sa.select(station_closes.c.business_day, station_closes.c.part).where(
        station_closes.c.station_id == station_id, station_closes.c.business_day.in_(days)
    )
    return {(r.business_day, r.part) for r in conn.execute(query)}


def _write(
    conn: Connection,
    batch: IngestBatch,
    pending: dict[str, tuple[Operation, str]],
    results: dict[str, OpResult],
    locked: set[str],
) -> None:
    """Every row the batch produced, one statement per table; the audit entries last."""
    ctx, out = batch.ctx, batch.out
    # Binary COPY for the big tables: every value here already has its column's Python type.
    bulk.insert_rows(conn, cases, [case.row() for case in out.new_cases], binary=True)
    if out.case_updates:
        statement = (
            sa.update(cases)
            .where(cases.c.case_id == sa.bindparam("k_case_id"))
            .values({c: sa.bindparam(f"v_{c}") for c in UPDATE_COLUMNS})
        )
        conn.execute(
            statement,
            [
                {"k_case_id": k, **{f"v_{c}": getattr(case, c) for c in UPDATE_COLUMNS}}
                for k, case in out.case_updates.items()
            ],
        )
    for table, rows in ((case_events, out.events), (ledger_entries, out.ledger)):
        bulk.insert_rows(conn, table, rows, binary=True)
    # The months desk money paid for, and refunds owed (services.review.case_money does the same).
    bulk.insert_rows(conn, contribution_records, out.contributions, binary=True)
    bulk.insert_rows(conn, payables, out.payables)
    bulk.insert_rows(conn, conflicts, out.conflicts)
    receipt_stock.write_voids(conn, out.receipt_voids)
    if out.refunded:  # voided without reissue, the cash back (core.void_reversal): the months go too
        refunded = sorted(out.refunded)
        conn.execute(sa.delete(contribution_records).where(contribution_records.c.case_id.in_(refunded)))
        conn.execute(
            sa.update(payables)
            .where(
                payables.c.case_id.in_(refunded), payables.c.kind == "fee_refund", payables.c.status == "open"
            )
            .values(status="cancelled", settled_at=ctx.received_at)
        )
    if out.closes:  # a day's close or two: a plain INSERT (JSON columns, no COPY needed)
        conn.execute(sa.insert(station_closes), out.closes)
        deposits.match_open(conn, by="system", now=ctx.received_at)  # a deposit that came first
    if out.notices:  # the desk's 缴费通知单; a bank confirmation that came first pays it now
        notices.receive(conn, out.notices, now=ctx.received_at)
    registry_changes = registry_updates.write(conn, batch.registry, ctx.received_at, complete=False)
    # The township's stations carry each person's record whole, with the last month paid:
    # the registry's changes and every payer's (read after the months were written).
    paid = {str(r["id_number"]) for r in out.contributions} | {i for i in out.refunded.values() if i}
    news = township_news.person_news(conn, batch.registry, locked, registry_changes, paid)
    feed.emit_many(conn, [*out.feed, *news], binary=True)
    record_effects.apply_arrivals(conn, out.arrivals, at=ctx.received_at)  # cards, accounts (core.effects)
    bulk.insert_rows(
        conn,
        operations,
        [
            {
                "station_id": ctx.station.id,
                "op_id": key,
                "seq": op.seq,
                "kind": op.kind.value,
                "case_id": str(op.case_id),
                "digest": digest,
                "status": results[key].status.value,
                "result": bulk.model_json(results[key]),
                "station_created_at": op.created_at,
                "received_at": ctx.received_at,
            }
            for key, (op, digest) in pending.items()
        ],
        binary=True,
    )
    audit.append_many(conn, out.audit, binary=True)
