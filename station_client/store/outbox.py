"""``outbox``: every operation in creation order; this module is the WRITE side (enqueue)
plus the read helpers both sides need. Sequencing, sending and acknowledging belong to
the sync agent (station_client/sync/), which writes the same table.

A new row is ``state='pending'``, ``seq NULL``, ``digest NULL``; ``enc`` holds the
operation's JSON *without* ``seq`` (a "draft", see :mod:`station_client.core.operation_drafts`),
sealed with associated data ``outbox:<op_id>``. When the agent first puts the operation
in a batch it assigns ``seq``, builds the full operation
(``core.operation_drafts.sequenced(draft, seq)``), and stores the exact JSON it sends in
``enc`` (:func:`seal_enc`) and its ``operation_digest`` in ``digest`` — in one
transaction — so a resend is byte-identical.

States: ``pending`` (waiting or sequenced-not-acked), ``blocked`` (behind a set-aside
operation of the same case), ``set_aside`` (rejected: the clerk corrects it), ``failed``
(conflict or given up), ``done`` (acknowledged).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from station_client.crypto.keys import DataKey, aad
from station_client.store.codec import iso

PENDING = "pending"
BLOCKED = "blocked"
SET_ASIDE = "set_aside"
FAILED = "failed"
DONE = "done"
STATES = (PENDING, BLOCKED, SET_ASIDE, FAILED, DONE)


def _aad(op_id: str) -> bytes:
    return aad("outbox", op_id)


def seal_enc(dek: DataKey, op_id: str, data: bytes) -> bytes:
    """Seal operation JSON bytes for the ``enc`` column of row ``op_id``."""
    return dek.seal(data, _aad(op_id))


def open_enc(dek: DataKey, op_id: str, blob: bytes) -> bytes:
    return dek.open(blob, _aad(op_id))


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
    data = json.dumps(draft, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    cursor = db.execute(
        "INSERT INTO outbox (op_id, case_id, kind, state, created_at, enc) VALUES (?, ?, ?, ?, ?, ?)",
        [op_id, case_id, kind, PENDING, iso(created_at), seal_enc(dek, op_id, data)],
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def read_json(db: Database, dek: DataKey, local_id: int) -> dict[str, Any]:
    """The stored operation JSON (a draft before sequencing, the sent operation after)."""
    row = db.execute("SELECT op_id, enc FROM outbox WHERE local_id = ?", [local_id]).fetchone()
    if row is None:
        raise KeyError(local_id)
    value: dict[str, Any] = json.loads(open_enc(dek, row[0], row[1]))
    return value


def counts(db: Database) -> dict[str, int]:
    """Number of operations in each state (every state present, zero when none)."""
    found = dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    return {state: int(found.get(state, 0)) for state in STATES} | {
        str(k): int(v) for k, v in found.items() if k not in STATES
    }
