"""The outbox rows of the push: read them, number them, record what the server said.

Each function is one transaction (or runs inside the caller's); ``push.py`` decides when.
Numbering stores the exact JSON that will be sent (sealed) and its digest before
anything is sent, so a resend after a crash or a lost answer is byte for byte the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError
from sqlite_utils import Database

from schema.api_errors import API_ERROR_MESSAGES
from schema.protocol import operation_digest
from station_client.core.operation_drafts import sequenced
from station_client.crypto.keys import CryptoError, DataKey
from station_client.store import attachments as attachment_store
from station_client.store import audit, meta, outbox
from station_client.store.codec import iso
from station_client.sync import core
from station_client.sync.core import Batch, Entry, OpState, Outcome
from station_client.transport import SyncError

ACTOR = "sync"


def _entries(db: Database, where: str, params: Sequence[object]) -> list[Entry]:
    rows = db.execute(
        f"SELECT local_id, op_id, case_id, state, seq FROM outbox WHERE {where} ORDER BY local_id",  # noqa: S608  (constant clauses)
        list(params),
    ).fetchall()
    return [Entry(int(a), str(b), str(c), str(d), None if e is None else int(e)) for a, b, c, d, e in rows]


def load_unfinished(db: Database) -> list[Entry]:
    return _entries(db, "state != ?", [OpState.DONE.value])


def next_seq(db: Database) -> int:
    """The next number: past every number ever given, including those of rows since rewritten."""
    stored = int(meta.get(db, meta.NEXT_SEQ) or 1)
    highest = db.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
    return max(stored, int(highest) + 1)


def reconcile_blocked(db: Database) -> None:
    """Make ``blocked`` true again (inside the caller's transaction, or in its own)."""
    changes = core.reconcile_blocked(load_unfinished(db))
    if changes:
        with db.atomic():
            db.conn.executemany(
                "UPDATE outbox SET state = ? WHERE local_id = ?", [(s.value, i) for i, s in changes.items()]
            )


class Unsendable(Exception):
    """Some drafts of the batch cannot go now; choose again without them.

    ``waiting`` are cases whose operation names a scan the server does not hold yet (a scan
    stored once for an earlier case, still uploading); broken drafts were set aside.
    """

    def __init__(self, waiting: set[str]) -> None:
        super().__init__(sorted(waiting))
        self.waiting = waiting


def persist_batch(db: Database, dek: DataKey, batch: Batch, now: datetime) -> list[bytes]:
    """Number the new rows and return the exact JSON of every operation, in send order.

    A draft that no longer makes a valid operation (a client upgrade changed the rules)
    would make the server refuse the whole batch, and the queue would stick behind it:
    it is set aside here for the clerk instead, and :class:`Unsendable` asks for a new
    selection, so no number is given to it and none is skipped. So it is for a draft
    naming a scan not yet uploaded: the server would reject it (``attachment_missing``).
    """
    by_id: dict[int, bytes] = {}
    updates = []
    broken: list[Entry] = []
    waiting: set[str] = set()
    uploaded = _uploaded(db)
    for entry, seq in batch.assign:
        try:
            op = sequenced(outbox.read_json(db, dek, entry.local_id), seq)
        except (ValidationError, ValueError, KeyError, CryptoError):
            broken.append(entry)
            continue
        if any(a.sha256 not in uploaded for a in getattr(op.payload, "attachments", ())):
            waiting.add(entry.case_id)
            continue
        data = op.model_dump_json().encode("utf-8")
        by_id[entry.local_id] = data
        updates.append((seq, operation_digest(op), outbox.seal_enc(dek, entry.op_id, data), entry.local_id))
    if broken:
        _set_aside_locally(db, broken, now)
    if broken or waiting:
        raise Unsendable(waiting)
    with db.atomic():
        for entry in batch.resend:
            by_id[entry.local_id] = _stored_bytes(db, dek, entry)
        if updates:
            db.conn.executemany("UPDATE outbox SET seq = ?, digest = ?, enc = ? WHERE local_id = ?", updates)
            meta.put(db, meta.NEXT_SEQ, str(batch.assign[-1][1] + 1))
    return [by_id[e.local_id] for e in batch.entries]


def _uploaded(db: Database) -> set[str]:
    return {
        str(r[0])
        for r in db.execute("SELECT sha256 FROM attachments WHERE state = ?", [attachment_store.DONE])
    }


def _set_aside_locally(db: Database, entries: Sequence[Entry], now: datetime) -> None:
    with db.atomic():
        for entry in entries:
            db.execute(
                "UPDATE outbox SET state = ?, last_error_code = ?, last_error_message = ? WHERE local_id = ?",
                [OpState.SET_ASIDE.value, "op_malformed", API_ERROR_MESSAGES["op_malformed"], entry.local_id],
            )
            db.execute("UPDATE cases SET set_aside = 1 WHERE case_id = ?", [entry.case_id])
            audit.append(
                db, at=now, actor=ACTOR, action="sync.set_aside", entity="outbox", entity_id=entry.op_id,
                detail={"code": "op_malformed", "case_id": entry.case_id, "local": True},
            )  # fmt: skip
        reconcile_blocked(db)


def _stored_bytes(db: Database, dek: DataKey, entry: Entry) -> bytes:
    row = db.execute("SELECT enc FROM outbox WHERE local_id = ?", [entry.local_id]).fetchone()
    return outbox.open_enc(dek, entry.op_id, row[0])


def record_outcomes(db: Database, batch: Batch, outcomes: Sequence[Outcome], now: datetime) -> None:
    entries = {e.local_id: e for e in batch.entries}
    refused = [o for o in outcomes if o.state != OpState.DONE]
    with db.atomic():
        db.conn.executemany(
            "UPDATE outbox SET state = ?, result = ?, acked_at = ?, last_error_code = ?, "
            "last_error_message = ? WHERE local_id = ?",
            [
                (
                    o.state.value,
                    o.result.model_dump_json(),
                    iso(now),
                    o.error_code,
                    o.error_message,
                    o.local_id,
                )
                for o in outcomes
            ],
        )
        db.conn.executemany(
            "UPDATE cases SET server_status = coalesce(?, server_status), set_aside = max(set_aside, ?) "
            "WHERE case_id = ?",
            [
                (
                    None if o.result.case_status is None else o.result.case_status.value,
                    int(o.state != OpState.DONE),
                    entries[o.local_id].case_id,
                )
                for o in outcomes
            ],
        )
        for o in refused:
            audit.append(
                db,
                at=now,
                actor=ACTOR,
                action=f"sync.{o.state.value}",
                entity="outbox",
                entity_id=entries[o.local_id].op_id,
                detail={"seq": o.result.seq, "code": o.error_code, "case_id": entries[o.local_id].case_id},
            )
        if refused:  # only a refusal can put later rows of a case behind it
            reconcile_blocked(db)


def record_failure(db: Database, batch: Batch, error: SyncError) -> None:
    """The batch did not go through: count the attempt, keep the reason; rows stay pending."""
    with db.atomic():
        db.conn.executemany(
            "UPDATE outbox SET attempts = attempts + 1, last_error_code = ?, last_error_message = ? "
            "WHERE local_id = ?",
            [(error.code, error.message, e.local_id) for e in batch.entries],
        )


def reopen_from(db: Database, missing_seq: int) -> int:
    ids = core.resend_from(_entries(db, "seq >= ?", [missing_seq]), missing_seq)
    with db.atomic():
        db.conn.executemany(
            "UPDATE outbox SET state = ?, acked_at = NULL WHERE local_id = ?",
            [(OpState.PENDING.value, i) for i in ids],
        )
    return len(ids)
