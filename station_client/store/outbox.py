"""``outbox``: every operation in creation order, and the only module that reads or writes it.

A new row is ``pending``, ``seq NULL``, ``digest NULL``; ``enc`` holds the operation's JSON
*without* ``seq`` (a "draft", see :mod:`station_client.core.operation_drafts`), sealed with
associated data ``outbox:<op_id>``. When the agent first puts the operation in a batch it
assigns ``seq``, builds the full operation (``core.operation_drafts.sequenced(draft, seq)``)
and stores the exact JSON it sends in ``enc`` and its ``operation_digest`` in ``digest``
(:func:`store_numbered`) — in one transaction — so a resend is byte-identical.

States are :class:`OpState`, whose meaning and transitions are the rules of
:mod:`station_client.core.outbox_rules`; this module only stores what those rules decide. Which rows
are ``blocked`` is always re-derived by :func:`reconcile_blocked`, never set by hand.
Functions run inside the caller's transaction unless they say otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from station_client.core.outbox_rules import Entry, OpState, Outcome
from station_client.core.outbox_rules import reconcile_blocked as blocked_changes
from station_client.crypto.keys import DataKey, aad
from station_client.store.codec import iso, parse_instant

# States of rows still waiting to go up, and of rows the server refused.
WAITING = (OpState.PENDING, OpState.BLOCKED)
REFUSED = (OpState.SET_ASIDE, OpState.FAILED)


def _marks(states: Sequence[OpState]) -> str:
    return ", ".join(f"'{s.value}'" for s in states)


# For queries over cases (services/caselist.py): "the case has an operation in these states".
CASE_WAITING_SQL = f"case_id IN (SELECT case_id FROM outbox WHERE state IN ({_marks(WAITING)}))"  # noqa: S608  (constant)
CASE_REFUSED_SQL = f"case_id IN (SELECT case_id FROM outbox WHERE state IN ({_marks(REFUSED)}))"  # noqa: S608  (constant)


def _aad(op_id: str) -> bytes:
    return aad("outbox", op_id)


def seal_enc(dek: DataKey, op_id: str, data: bytes) -> bytes:
    """Seal operation JSON bytes for the ``enc`` column of row ``op_id``."""
    return dek.seal(data, _aad(op_id))


def open_enc(dek: DataKey, op_id: str, blob: bytes) -> bytes:
    return dek.open(blob, _aad(op_id))


def _draft_bytes(draft: Mapping[str, Any]) -> bytes:
    return json.dumps(draft, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


# ── writing a new operation ─────────────────────────────────────────────────────────


def enqueue(
    db: Database,
    dek: DataKey,
    *,
    op_id: str,
    case_id: str,
    kind: str,
    created_at: datetime,
    draft: dict[str, Any],
) -> int:
    """Append a pending operation (inside the caller's transaction); returns its ``local_id``."""
    cursor = db.execute(
        "INSERT INTO outbox (op_id, case_id, kind, state, created_at, enc) VALUES (?, ?, ?, ?, ?, ?)",
        [
            op_id,
            case_id,
            kind,
            OpState.PENDING.value,
            iso(created_at),
            seal_enc(dek, op_id, _draft_bytes(draft)),
        ],
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def replace_refused(
    db: Database, dek: DataKey, local_id: int, *, op_id: str, created_at: datetime, draft: dict[str, Any]
) -> bool:
    """A corrected operation takes the set-aside row's place under a new id, unnumbered.

    Same ``local_id``, so it still goes before every later operation of its case; the
    agent numbers it afresh. False when the row is no longer set aside (handled meanwhile).
    Rows that waited behind it are released by :func:`reconcile_blocked`.
    """
    done = db.execute(
        "UPDATE outbox SET op_id = ?, seq = NULL, digest = NULL, state = ?, attempts = 0, "
        "last_error_code = NULL, last_error_message = NULL, result = NULL, sent_at = NULL, acked_at = NULL, "
        "created_at = ?, enc = ? WHERE local_id = ? AND state = ?",
        [
            op_id,
            OpState.PENDING.value,
            iso(created_at),
            seal_enc(dek, op_id, _draft_bytes(draft)),
            local_id,
            OpState.SET_ASIDE.value,
        ],
    ).rowcount
    return bool(done == 1)


# ── reading ─────────────────────────────────────────────────────────────────────────


def read_json(db: Database, dek: DataKey, local_id: int) -> dict[str, Any]:
    """The stored operation JSON (a draft before sequencing, the sent operation after)."""
    value: dict[str, Any] = json.loads(stored_bytes(db, dek, local_id))
    return value


def stored_bytes(db: Database, dek: DataKey, local_id: int) -> bytes:
    """The exact bytes in ``enc``: once numbered, what goes on the wire."""
    row = db.execute("SELECT op_id, enc FROM outbox WHERE local_id = ?", [local_id]).fetchone()
    if row is None:
        raise KeyError(local_id)
    return open_enc(dek, row[0], row[1])


def _entries(db: Database, where: str, params: Sequence[object]) -> list[Entry]:
    rows = db.execute(
        f"SELECT local_id, op_id, case_id, state, seq FROM outbox WHERE {where} ORDER BY local_id",  # noqa: S608  (constant clauses)
        list(params),
    ).fetchall()
    return [
        Entry(int(a), str(b), str(c), OpState(d), None if e is None else int(e)) for a, b, c, d, e in rows
    ]


def unfinished(db: Database) -> list[Entry]:
    """Every row not yet done, in creation order: what the push rules choose from."""
    return _entries(db, "state != ?", [OpState.DONE.value])


def numbered_from(db: Database, seq: int) -> list[Entry]:
    return _entries(db, "seq >= ?", [seq])


def highest_seq(db: Database) -> int:
    """The highest number any row holds (0 when none)."""
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0])


def unnumbered_count(db: Database) -> int:
    """Rows not yet numbered (still to be sent for the first time)."""
    return int(db.execute("SELECT count(*) FROM outbox WHERE seq IS NULL").fetchone()[0])


def highest_local_id(db: Database) -> int:
    """The newest row's local id (0 when the outbox is empty)."""
    return int(db.execute("SELECT coalesce(max(local_id), 0) FROM outbox").fetchone()[0])


@dataclass(frozen=True)
class StoredOp:
    """An outbox row as the clerk's screens show it (no payload: that needs the data key)."""

    local_id: int
    op_id: str
    case_id: str
    kind: str
    state: OpState
    code: str | None
    message: str
    result: str | None  # the server's OpResult JSON
    created_at: datetime | None
    acked_at: datetime | None


_VIEW = (
    "local_id, op_id, case_id, kind, state, last_error_code, last_error_message, result, created_at, acked_at"
)


def _stored(values: Sequence[Any]) -> StoredOp:
    local_id, op_id, case_id, kind, state, code, message, result, created, acked = values
    return StoredOp(
        int(local_id), str(op_id), str(case_id), str(kind), OpState(state),
        None if code is None else str(code), str(message or ""), result,
        parse_instant(created), parse_instant(acked),
    )  # fmt: skip


def get(db: Database, local_id: int) -> StoredOp | None:
    row = db.execute(f"SELECT {_VIEW} FROM outbox WHERE local_id = ?", [local_id]).fetchone()  # noqa: S608
    return None if row is None else _stored(row)


def of_case(db: Database, case_id: str) -> list[StoredOp]:
    rows = db.execute(f"SELECT {_VIEW} FROM outbox WHERE case_id = ? ORDER BY local_id", [case_id]).fetchall()  # noqa: S608
    return [_stored(r) for r in rows]


def refused(db: Database) -> list[StoredOp]:
    """Every set-aside and failed row, oldest first."""
    rows = db.execute(
        f"SELECT {_VIEW} FROM outbox WHERE state IN ({_marks(REFUSED)}) ORDER BY local_id"  # noqa: S608
    ).fetchall()
    return [_stored(r) for r in rows]


def case_has_refused(db: Database, case_id: str) -> bool:
    row = db.execute(
        f"SELECT 1 FROM outbox WHERE case_id = ? AND state IN ({_marks(REFUSED)}) LIMIT 1",  # noqa: S608
        [case_id],
    ).fetchone()
    return row is not None


def counts(db: Database) -> dict[str, int]:
    """Number of operations in each state (every state present, zero when none)."""
    found = dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    return {state.value: int(found.get(state.value, 0)) for state in OpState}


def retrying(db: Database) -> int:
    """Pending operations whose last send failed (they are retried)."""
    return int(
        db.execute(
            "SELECT count(*) FROM outbox WHERE state = ? AND last_error_code IS NOT NULL",
            [OpState.PENDING.value],
        ).fetchone()[0]
    )


def acknowledged_between(db: Database, start: str, end: str) -> int:
    """Operations the server accepted with ``start <= acked_at < end`` (store instants)."""
    return int(
        db.execute(
            "SELECT count(*) FROM outbox WHERE state = ? AND acked_at >= ? AND acked_at < ?",
            [OpState.DONE.value, start, end],
        ).fetchone()[0]
    )


# ── what the push decided ───────────────────────────────────────────────────────────


def set_states(db: Database, changes: Mapping[int, OpState]) -> None:
    db.conn.executemany(
        "UPDATE outbox SET state = ? WHERE local_id = ?", [(s.value, i) for i, s in changes.items()]
    )


def reconcile_blocked(db: Database) -> None:
    """Make ``blocked`` true again (inside the caller's transaction, or in its own)."""
    changes = blocked_changes(unfinished(db))
    if changes:
        with db.atomic():
            set_states(db, changes)


def store_numbered(db: Database, rows: Iterable[tuple[int, str, bytes, int]]) -> None:
    """``(seq, digest, sealed operation JSON, local_id)`` for each row put in a batch."""
    db.conn.executemany("UPDATE outbox SET seq = ?, digest = ?, enc = ? WHERE local_id = ?", list(rows))


def set_aside(db: Database, local_ids: Iterable[int], code: str, message: str) -> None:
    """Set rows aside at the station itself (a draft that no longer makes an operation)."""
    db.conn.executemany(
        "UPDATE outbox SET state = ?, last_error_code = ?, last_error_message = ? WHERE local_id = ?",
        [(OpState.SET_ASIDE.value, code, message, i) for i in local_ids],
    )


def record_outcomes(db: Database, outcomes: Iterable[Outcome], now: datetime) -> None:
    """The server's answer for each row: its new state, the result JSON, the reason."""
    db.conn.executemany(
        "UPDATE outbox SET state = ?, result = ?, acked_at = ?, last_error_code = ?, "
        "last_error_message = ? WHERE local_id = ?",
        [
            (o.state.value, o.result.model_dump_json(), iso(now), o.error_code, o.error_message, o.local_id)
            for o in outcomes
        ],
    )


def record_attempt(db: Database, local_ids: Iterable[int], code: str, message: str) -> None:
    """A send that did not go through: count it and keep the reason; the rows stay pending."""
    db.conn.executemany(
        "UPDATE outbox SET attempts = attempts + 1, last_error_code = ?, last_error_message = ? "
        "WHERE local_id = ?",
        [(code, message, i) for i in local_ids],
    )


def reopen(db: Database, local_ids: Iterable[int]) -> None:
    """Acknowledged rows go back to pending, to be sent again with the same bytes."""
    db.conn.executemany(
        "UPDATE outbox SET state = ?, acked_at = NULL WHERE local_id = ?",
        [(OpState.PENDING.value, i) for i in local_ids],
    )


# ── retention: acknowledged rows are kept a while, for a server restored from a backup ──

PURGED_THROUGH = "outbox_purged_through_seq"  # meta: the highest seq ever purged (0: none)


def purged_through(db: Database) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [PURGED_THROUGH]).fetchone()
    return 0 if row is None or row[0] is None else int(row[0])


def highest_acknowledged(db: Database) -> int:
    """The highest seq the server ever acknowledged (purged rows count: they were done)."""
    row = db.execute("SELECT coalesce(max(seq), 0) FROM outbox WHERE acked_at IS NOT NULL").fetchone()
    return max(int(row[0]), purged_through(db))


def purge_acknowledged(db: Database, before: datetime) -> int:
    """Delete done rows acknowledged before ``before`` (one transaction); returns how many.

    Refused rows stay: they are the clerk's to handle. The highest purged seq is kept, so a
    server that later lacks it can be told which operations no copy is left of.
    """
    with db.atomic():
        top = db.execute(
            "SELECT max(seq), count(*) FROM outbox WHERE state = ? AND acked_at < ?",
            [OpState.DONE.value, iso(before)],
        ).fetchone()
        if not top[1]:
            return 0
        db.execute("DELETE FROM outbox WHERE state = ? AND acked_at < ?", [OpState.DONE.value, iso(before)])
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), excluded.value)",
            [PURGED_THROUGH, int(top[0] or 0)],
        )
        return int(top[1])


def seqs_held(db: Database, first: int, last: int) -> set[int]:
    """Which numbers in ``first..last`` a row still holds."""
    rows = db.execute("SELECT seq FROM outbox WHERE seq BETWEEN ? AND ?", [first, last]).fetchall()
    return {int(r[0]) for r in rows}
