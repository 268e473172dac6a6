"""The outbox's rules as plain functions: no SQLite, no HTTP, no clock (h11's way).

The shell reads outbox rows into :class:`Entry` (``store/outbox.py``, the only module that
touches the table), asks these functions what to do (``sync/push.py``, ``sync/agent.py``,
``services/resend.py``), and writes the answer back in one transaction.

States of an outbox row (``outbox.state``), the one vocabulary of the station::

    pending ──(applied | duplicate)──▶ done
       ├──(rejected)──▶ set_aside   the clerk corrects it (a new operation id: the store's business)
       └──(conflict)──▶ failed      same id, other content: 综合业务科 must look
    blocked: pending, but an earlier operation of the same case is set aside or failed; it
             goes back to pending by itself once nothing earlier in its case is.

Ordering: a station's operations are numbered 1, 2, 3 … without gaps, the number given
(and stored) when an operation first goes into a batch. An operation already numbered
must be sent, even after a crash, before any new number is given. A new operation joins
a batch only when every earlier operation of its case is done, so a case's operations
reach the server in order and never one behind a rejected one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from schema.protocol import MAX_BATCH_OPERATIONS, OpResult, OpStatus, PushResponse

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 15 * 60.0


class OpState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SET_ASIDE = "set_aside"
    BLOCKED = "blocked"
    FAILED = "failed"


# States that hold back later operations of the same case (everything not yet finished).
_HOLDS_BACK = frozenset({OpState.PENDING, OpState.SET_ASIDE, OpState.BLOCKED, OpState.FAILED})
_REFUSED = frozenset({OpState.SET_ASIDE, OpState.FAILED})


@dataclass(frozen=True)
class Entry:
    """What the rules need of an outbox row."""

    local_id: int  # creation order
    op_id: str
    case_id: str
    state: OpState
    seq: int | None = None


@dataclass(frozen=True)
class Batch:
    """What to send next: rows already numbered, then rows to number now."""

    resend: tuple[Entry, ...]  # numbered earlier, not yet acknowledged: same bytes again
    assign: tuple[tuple[Entry, int], ...]  # (row, the seq it gets) — persist before sending

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.resend + tuple(e for e, _ in self.assign)

    def __len__(self) -> int:
        return len(self.resend) + len(self.assign)


def _in_order(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: e.local_id)


def blocked_ids(entries: Iterable[Entry]) -> set[int]:
    """Unnumbered pending/blocked rows that sit behind a set-aside or failed row of their case."""
    set_aside_cases: set[str] = set()
    blocked: set[int] = set()
    for entry in _in_order(entries):
        if entry.state in _REFUSED:
            set_aside_cases.add(entry.case_id)
        elif (
            entry.state in (OpState.PENDING, OpState.BLOCKED)
            and entry.seq is None
            and entry.case_id in set_aside_cases
        ):
            blocked.add(entry.local_id)
    return blocked


def reconcile_blocked(entries: Iterable[Entry]) -> dict[int, OpState]:
    """The state changes that make ``blocked`` true: {local_id: new state}."""
    rows = list(entries)
    blocked = blocked_ids(rows)
    changes: dict[int, OpState] = {}
    for entry in rows:
        if entry.local_id in blocked and entry.state == OpState.PENDING:
            changes[entry.local_id] = OpState.BLOCKED
        elif entry.local_id not in blocked and entry.state == OpState.BLOCKED:
            changes[entry.local_id] = OpState.PENDING
    return changes


def select_batch(
    entries: Iterable[Entry],
    *,
    next_seq: int,
    limit: int = MAX_BATCH_OPERATIONS,
    hold: Collection[str] = (),
    in_flight: Collection[int] = (),
) -> Batch:
    """The next batch: numbered rows in seq order, then the oldest sendable rows, ``limit`` in all.

    ``entries`` must hold every unfinished row (pending, blocked, set aside); done rows
    may be left out. ``next_seq`` is the number the first new row gets. Cases in ``hold``
    (their scans are not on the server yet) get no new number; the others go on. Rows in
    ``in_flight`` (local ids of the batch on the wire) are not sent again, but hold their
    cases like any unacknowledged row.
    """
    limit = max(1, min(limit, MAX_BATCH_OPERATIONS))
    rows = _in_order(entries)
    numbered = sorted(
        (e for e in rows if e.seq is not None and e.state in (OpState.PENDING, OpState.BLOCKED)),
        key=lambda e: e.seq or 0,
    )
    resend = tuple(e for e in numbered if e.local_id not in in_flight)[:limit]
    room = limit - len(resend)
    # A case is held while any of its rows is unfinished; numbered rows still in flight hold too.
    held: set[str] = {e.case_id for e in numbered} | set(hold)
    assign: list[tuple[Entry, int]] = []
    for entry in rows:
        if len(assign) >= room:
            break
        if entry.seq is None and entry.state == OpState.PENDING and entry.case_id not in held:
            assign.append((entry, next_seq + len(assign)))
        if entry.state in _HOLDS_BACK:
            held.add(entry.case_id)
    return Batch(resend=resend, assign=tuple(assign))


@dataclass(frozen=True)
class Outcome:
    """What to write for one acknowledged operation."""

    local_id: int
    state: OpState
    result: OpResult
    error_code: str | None = None
    error_message: str | None = None


class ResultMismatch(ValueError):
    """The response does not answer the batch that was sent (a server or proxy fault)."""


def outcome_of(entry: Entry, result: OpResult) -> Outcome:
    """The rule for one result: applied/duplicate is done, rejected set aside, conflict failed.

    A duplicate counts as its original answer (``OpResult.outcome``): a retried rejection
    comes back as a duplicate of a rejection, with its code, so it stays aside.
    """
    if result.outcome == OpStatus.APPLIED:
        return Outcome(entry.local_id, OpState.DONE, result)
    state = OpState.FAILED if result.outcome == OpStatus.CONFLICT else OpState.SET_ASIDE
    return Outcome(entry.local_id, state, result, result.code, result.message)


def apply_response(sent: Sequence[Entry], seqs: Mapping[int, int], response: PushResponse) -> list[Outcome]:
    """Match each result to the row it answers (by op id, checking the seq).

    Every row sent must be answered exactly once; anything else is a ``ResultMismatch``
    and nothing is recorded (the rows stay pending and are sent again, same bytes).
    """
    by_op = {e.op_id: e for e in sent}
    outcomes: list[Outcome] = []
    seen: set[str] = set()
    for result in response.results:
        op_id = str(result.op_id)
        entry = by_op.get(op_id)
        if entry is None or op_id in seen:
            raise ResultMismatch(f"result for an operation not in the batch: {op_id}")
        if seqs.get(entry.local_id) != result.seq:
            raise ResultMismatch(f"result seq {result.seq} for {op_id}, sent {seqs.get(entry.local_id)}")
        seen.add(op_id)
        outcomes.append(outcome_of(entry, result))
    if len(seen) != len(by_op):
        raise ResultMismatch(f"{len(by_op) - len(seen)} operations got no result")
    return outcomes


# ── retries ─────────────────────────────────────────────────────────────────────────


def backoff_delay(
    failures: int,
    *,
    retry_after: float | None = None,
    base: float = BACKOFF_BASE_SECONDS,
    cap: float = BACKOFF_CAP_SECONDS,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after ``failures`` failed rounds in a row: full jitter, at least Retry-After.

    Full jitter (a uniform draw up to the exponential ceiling) spreads the stations of a
    county that all lost the link at the same moment, so they do not return together.
    """
    if failures <= 0:
        return 0.0
    ceiling = min(cap, base * 2.0 ** min(failures - 1, 32))
    delay = rand() * ceiling
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap * 4))  # honour it, but never sleep for days
    return delay


def shrink_limit(limit: int) -> int:
    """The batch size to try after ``body_too_large`` / ``batch_too_large``."""
    return max(1, limit // 2)


def resend_from(entries: Iterable[Entry], missing_seq: int) -> list[int]:
    """Rows to send again after ``sequence_gap``: every numbered row from the missing seq on.

    The server lost what it had acknowledged (e.g. restored from a backup); the same
    bytes go again and are applied or answered as duplicates.
    """
    return [
        e.local_id
        for e in entries
        if e.seq is not None and e.seq >= missing_seq and e.state in (OpState.DONE, *_REFUSED)
    ]
