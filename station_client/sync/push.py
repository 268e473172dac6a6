"""Pushing the outbox: number, persist, send, record — each step its own transaction.

1. Choose the batch (``outbox_rules.select_batch``) and, in ONE transaction, give the new rows
   their seq, store the exact JSON that will be sent (sealed) and its digest, and move
   ``meta.next_seq`` (``outbox_rows.persist_batch``). Only then send: a crash before the
   answer leaves numbered rows that the next round sends again, byte for byte, and the
   server answers ``duplicate``.
2. Send one signed, gzip batch (``transport.Transport.push``).
3. Record every result in ONE transaction (``outbox_rules.apply_response``,
   ``outbox_rows.record_outcomes``): done, set aside or failed, the server's reason, the
   case's server status, an audit entry; then re-derive which rows are blocked.

Refusals of a whole batch: ``body_too_large``/``batch_too_large`` halve the batch;
``sequence_gap`` (the server lost what it had acknowledged: restored from a backup) sends
the retained acknowledged rows above the server's ``station_last_seq`` again
(:mod:`station_client.sync.server_restore`), or else again from the missing number;
anything else ends the push for this round.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlite_utils import Database

from schema.protocol import MAX_BATCH_OPERATIONS, PushResponse
from station_client.core import outbox_rules
from station_client.core.outbox_rules import Batch, OpState
from station_client.crypto.keys import DataKey
from station_client.store import outbox
from station_client.sync import attachments, crash_points, outbox_rows, server_restore
from station_client.transport import MSG_PROTOCOL, ProtocolError, RefusedError, SyncError, Transport

log = logging.getLogger(__name__)

_SHRINK_CODES = frozenset({"body_too_large", "batch_too_large"})


@dataclass
class PushReport:
    sent: int = 0
    done: int = 0
    set_aside: int = 0
    failed: int = 0
    batches: int = 0

    def add(self, other: PushReport) -> None:
        self.sent += other.sent
        self.done += other.done
        self.set_aside += other.set_aside
        self.failed += other.failed
        self.batches += other.batches


def batch_body(station_id: str, sent_at: datetime, operations: Sequence[bytes]) -> bytes:
    """A ``PushBatch`` around the stored operation bytes, without parsing them again."""
    head = json.dumps({"station_id": station_id, "sent_at": sent_at.isoformat()})[:-1]
    return head.encode() + b',"operations":[' + b",".join(operations) + b"]}"


@dataclass
class _OnTheWire:
    batch: Batch
    answer: Future[PushResponse]


WINDOW = 2  # batches on the wire at once: the server checks the next while it applies one


def push_all(
    db: Database,
    dek: DataKey,
    transport: Transport,
    *,
    limit: int = MAX_BATCH_OPERATIONS,
    station_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PushReport:
    """Push until nothing sendable is left; a SyncError leaves the rest for the next round.

    Up to ``WINDOW`` batches are on the wire at once, sent from helper threads, while this
    thread (the only one that touches the store) numbers and persists the next. Answers
    are recorded in the order the batches were sent. A case with a row on the wire gets
    no new row in a later batch (``outbox_rules.select_batch``), so a case's operations still
    reach the server one batch after another; the server applies a station's batches in
    seq order, waiting briefly for a batch still on its way.
    """
    report = PushReport()
    state = _PushState(limit)
    outbox.reconcile_blocked(db)
    waiting: set[str] = set()  # cases found to name a scan still uploading
    with ThreadPoolExecutor(max_workers=WINDOW, thread_name_prefix="sync-push") as wire:
        flying: deque[_OnTheWire] = deque()
        while True:
            batch = outbox_rules.select_batch(
                outbox.unfinished(db),
                next_seq=outbox_rows.next_seq(db),
                limit=state.limit,
                hold=attachments.waiting_cases(db) | waiting,
                in_flight={e.local_id for sent in flying for e in sent.batch.entries},
            )
            try:
                operations = outbox_rows.persist_batch(db, dek, batch, datetime.now(UTC)) if batch else []
            except outbox_rows.Unsendable as exc:
                waiting |= exc.waiting
                continue
            if batch:
                crash_points.reach("push.numbered")
                body = batch_body(
                    transport.station_id, station_clock(), operations
                )  # station clock, uncorrected
                flying.append(_OnTheWire(batch, wire.submit(transport.push, body)))
                if len(flying) < WINDOW:
                    continue  # another batch may go out before an answer is awaited
            if not flying:
                return report
            if not _settle(db, flying.popleft(), state, report):
                # Refused whole but recoverable: the batches behind it follow a gap now. Record
                # what the server did with them, then choose again (smaller, or from the gap).
                _drain(db, flying, report)


@dataclass
class _PushState:
    limit: int
    reopened: set[int] = field(default_factory=set)


def _settle(db: Database, sent: _OnTheWire, state: _PushState, report: PushReport) -> bool:
    """Record the answer to a batch; False when it was refused but can go again; raises SyncError."""
    batch = sent.batch
    try:
        answer = sent.answer.result()
        crash_points.reach("push.answered")
        outcomes = outbox_rules.apply_response(batch.entries, _seqs(batch), answer)
    except outbox_rules.ResultMismatch as exc:
        error = ProtocolError("push_result_mismatch", MSG_PROTOCOL, {"reason": str(exc)})
        outbox_rows.record_failure(db, batch, error)
        raise error from exc
    except RefusedError as exc:
        if exc.code in _SHRINK_CODES and state.limit > 1:
            state.limit = outbox_rules.shrink_limit(min(state.limit, len(batch)))
            return False
        missing = exc.detail.get("missing_seq")
        held = exc.detail.get("station_last_seq")
        if exc.code == "sequence_gap" and isinstance(held, int):
            caught = server_restore.catch_up(db, held, datetime.now(UTC))
            if caught is not None and caught.lost:
                lost = SyncError("server_lost_operations", caught.message, {"lost": list(caught.lost)})
                outbox_rows.record_failure(db, batch, lost)
                raise lost from exc
            if caught is not None and caught.resent:
                return False  # the server was restored from a backup: the retained rows go again
        if exc.code == "sequence_gap" and isinstance(missing, int) and missing not in state.reopened:
            state.reopened.add(missing)
            if outbox_rows.reopen_from(db, missing):
                log.warning("server lacks seq %s onwards: sending them again", missing)
                return False
        outbox_rows.record_failure(db, batch, exc)
        raise
    except SyncError as exc:
        outbox_rows.record_failure(db, batch, exc)
        raise
    _record(db, batch, outcomes, report)
    crash_points.reach("push.recorded")
    return True


def _record(db: Database, batch: Batch, outcomes: Sequence[outbox_rules.Outcome], report: PushReport) -> None:
    outbox_rows.record_outcomes(db, batch, outcomes, datetime.now(UTC))
    states = [o.state for o in outcomes]
    report.add(
        PushReport(
            sent=len(batch),
            done=states.count(OpState.DONE),
            set_aside=states.count(OpState.SET_ASIDE),
            failed=states.count(OpState.FAILED),
            batches=1,
        )
    )


def _drain(db: Database, flying: deque[_OnTheWire], report: PushReport) -> None:
    """Answers to batches sent behind one that was refused whole. Any the server applied are
    recorded; a refusal (most likely ``sequence_gap``) or a lost answer leaves their rows
    numbered and unacknowledged, to be sent again byte for byte (answered ``duplicate`` if
    the server did apply them)."""
    while flying:
        sent = flying.popleft()
        try:
            outcomes = outbox_rules.apply_response(
                sent.batch.entries, _seqs(sent.batch), sent.answer.result()
            )
        except (SyncError, outbox_rules.ResultMismatch):
            continue
        _record(db, sent.batch, outcomes, report)


def _seqs(batch: Batch) -> dict[int, int]:
    seqs = {e.local_id: e.seq for e in batch.resend if e.seq is not None}
    seqs.update({e.local_id: s for e, s in batch.assign})
    return seqs
