"""Push: apply a station's batch of operations exactly once, in one transaction.

The algorithm is docs/server.md "Push: exactly once". In outline:

1. lock the station row (``FOR UPDATE`` on PostgreSQL: pushes of one station serialise
   across server processes; SQLite serialises every writer anyway);
2. look up every ``op_id`` of the batch in ``operations``: the same digest answers the
   stored result again, another digest is ``op_conflict``;
3. the new operations must continue ``last_seq`` without a gap (else the whole request
   is refused ``sequence_gap`` naming the missing seq);
4. load what they need with a few ``IN`` queries, apply them in memory
   (:class:`~sync_server.services.ingest_apply.Applier`), write every table with one
   statement each, advance ``last_seq``, append the audit entries, commit.

A business rejection is a stored result like any other and still consumes its seq.

Everything that needs no database (ordering, digests, the catalog, identifier and fee
checks of every accepted case: about 40 % of the work) is done before the transaction
(:func:`prepare`), so a station's next batch, sent while the one before is still being
applied, is checked by another worker in the meantime and then waits only for the
station's row lock. When it gets there first, the missing seqs are likely still on their
way: the push waits for them briefly (``push_gap_wait_seconds``) before it answers
``sequence_gap``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.api_errors import API_ERROR_MESSAGES
from schema.catalog import Catalog, load_catalog
from schema.errors import ContractError
from schema.identifiers import parse_resident_id
from schema.protocol import (
    CaseAcceptOp,
    Operation,
    OpResult,
    OpStatus,
    PushBatch,
    PushResponse,
    StaffPasswordOp,
    operation_digest,
)
from schema.rates import RateBook, load_rates
from schema.vocabulary import Tier
from schema.workdays import WorkdayCalendar
from sync_server.api.errors import ApiError
from sync_server.core.case_rules import CheckedCase, Rejection, check_accept
from sync_server.core.clock import beijing_date
from sync_server.core.registry_effects import creates_or_changes, subject_field
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.db.tables import case_events, cases, conflicts, ledger_entries, operations, stations
from sync_server.services import audit, bulk, feed, holidays
from sync_server.services.ingest_apply import Applier, BatchContext, check_date, trusted_for
from sync_server.services.registry_updates import Registry
from sync_server.settings import Settings

_CASE_UPDATE_COLUMNS = (
    "status", "section", "version", "due_date", "due_provisional", "claimed_by", "claimed_at", "payload", "handed_over_at", "updated_at",
)  # fmt: skip


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
        if prepared.ops:
            _await_turn(db, station.id, prepared.ops[0].seq, seen, deadline)
        try:
            with db.write() as conn:
                return push_in(conn, ctx, prepared)
        except SequenceGap as gap:
            if time.monotonic() >= deadline:
                raise
            seen = gap.last_seq


GAP_POLL_SECONDS = 0.02


def _await_turn(db: Database, station_id: str, first_seq: int, seen: int | None, deadline: float) -> None:
    """Wait, reading only, until the station's ``last_seq`` reaches the seq before the batch's
    first and has moved on from ``seen`` (the batches before may be in another worker's
    hands), or the deadline passes. Reading takes no lock, so a waiting push never holds up
    the one it waits for."""
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


@dataclass(frozen=True)
class Prepared:
    """A batch's operations in seq order with what needs no database: digests, op ids as
    text and the ``case_accept`` checks (by op id; see :func:`case_rules.check_accept`)."""

    ops: tuple[Operation, ...]
    digests: tuple[str, ...]
    keys: tuple[str, ...]
    checks: dict[str, CheckedCase | Rejection]


def prepare(ctx: BatchContext, ops: Sequence[Operation]) -> Prepared:
    ordered = tuple(sorted(ops, key=lambda op: op.seq))
    keys = tuple(str(op.op_id) for op in ordered)  # once: a UUID's str() is not free
    checks: dict[str, CheckedCase | Rejection] = {}
    for key, op in zip(keys, ordered, strict=True):
        if isinstance(op, CaseAcceptOp):
            today = check_date(ctx, trusted_for(ctx, op.payload.accepted_at))
            checks[key] = check_accept(op.payload, catalog=ctx.catalog, rates=ctx.rates, today=today)
    return Prepared(ordered, tuple(operation_digest(op) for op in ordered), keys, checks)


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
    row = conn.execute(query.with_for_update() if conn.dialect.name == "postgresql" else query).first()
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


def _registry_keys(ctx: BatchContext, accepts: Iterable[CaseAcceptOp]) -> tuple[set[str], set[str], set[str]]:
    """ID numbers to read, those to lock (their rows may change) and USCCs, for the batch."""
    read: set[str] = set()
    lock: set[str] = set()
    usccs: set[str] = set()
    today = beijing_date(ctx.received_at)
    for op in accepts:
        p = op.payload
        try:
            item = ctx.catalog.item(p.item_code)
        except ContractError:
            continue
        number = p.applicant.id_number  # 18 characters once the payload parsed
        fields = subject_field(item.code)
        if fields is not None:
            value = p.form.get(fields[0])
            number = _id_number(value, today) if isinstance(value, str) else None
        if p.applicant.uscc:
            usccs.add(p.applicant.uscc)
        if number is None:
            continue
        read.add(number)
        if creates_or_changes(item.code, item.changes_registry and item.tier is Tier.GENERAL):
            lock.add(number)
    return read, lock, usccs


def _id_number(raw: str, today: dt.date) -> str | None:
    try:
        return parse_resident_id(raw, today=today).number
    except ContractError:
        return None


def _load_cases(
    conn: Connection, case_ids: list[str], numbers: list[str]
) -> tuple[dict[str, dict[str, Any]], set[str]]:
    found: dict[str, dict[str, Any]] = {}
    if case_ids:
        query = sa.select(cases).where(bulk.in_list(conn, cases.c.case_id, case_ids))
        for row in conn.execute(
            query.with_for_update() if conn.dialect.name == "postgresql" else query
        ).all():
            found[row.case_id] = _aware(dict(row._mapping))
    taken: set[str] = set()
    if numbers:
        taken = set(
            conn.execute(
                sa.select(cases.c.case_number).where(bulk.in_list(conn, cases.c.case_number, numbers))
            ).scalars()
        )
    return found, taken


def _aware(row: dict[str, Any]) -> dict[str, Any]:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return {
        k: v.replace(tzinfo=dt.UTC) if isinstance(v, dt.datetime) and v.tzinfo is None else v
        for k, v in row.items()
    }


def _apply_new(
    conn: Connection,
    ctx: BatchContext,
    pending: dict[str, tuple[Operation, str]],
    checks: dict[str, CheckedCase | Rejection],
) -> dict[str, OpResult]:
    """Apply the new operations (op_id -> (op, digest), in seq order); their results by op_id."""
    new = [op for op, _ in pending.values()]
    accepts = [op for op in new if isinstance(op, CaseAcceptOp)]
    known, taken = _load_cases(
        conn, sorted({str(op.case_id) for op in new}), sorted({op.payload.case_number for op in accepts})
    )
    registry = Registry()
    registry.load(conn, *_registry_keys(ctx, accepts))
    if ctx.calendar is None:  # the holiday schedules loaded on this server, read in this transaction
        ctx = dataclasses.replace(ctx, calendar=holidays.server_calendar(conn))
    applier = Applier(ctx, known, taken, registry, checks)
    applier.staff_accounts.load(
        conn, sorted({op.payload.username for op in new if isinstance(op, StaffPasswordOp)})
    )
    results = {key: applier.apply(op, key) for key, (op, _) in pending.items()}
    applier.staff_accounts.write(conn, ctx.received_at)
    out = applier.out
    # Binary COPY for the big tables: every value here already has its column's Python type.
    bulk.insert_rows(conn, cases, out.new_cases, binary=True)
    if out.case_updates:
        statement = (
            sa.update(cases)
            .where(cases.c.case_id == sa.bindparam("k_case_id"))
            .values({c: sa.bindparam(f"v_{c}") for c in _CASE_UPDATE_COLUMNS})
        )
        conn.execute(
            statement,
            [
                {"k_case_id": k, **{f"v_{c}": row.get(c) for c in _CASE_UPDATE_COLUMNS}}
                for k, row in out.case_updates.items()
            ],
        )
    for table, rows in ((case_events, out.events), (ledger_entries, out.ledger)):
        bulk.insert_rows(conn, table, rows, binary=True)
    bulk.insert_rows(conn, conflicts, out.conflicts)
    feed.emit_many(conn, [*out.feed, *registry.write(conn, ctx.received_at)])
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
    audit.append_many(conn, out.audit)
    return results
