"""The push's transactions over the outbox: number a batch, record what the server said.

Each function is one transaction (or runs inside the caller's); ``push.py`` decides when.
The rows are read and written through :mod:`station_client.store.outbox` only. Numbering
stores the exact JSON that will be sent (sealed) and its digest before anything is sent,
so a resend after a crash or a lost answer is byte for byte the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError
from sqlite_utils import Database

from schema.api_errors import API_ERROR_MESSAGES
from schema.protocol import operation_digest
from station_client.core import backup_rules, outbox_rules
from station_client.core.operation_drafts import sequenced
from station_client.core.outbox_rules import Batch, Entry, OpState, Outcome
from station_client.crypto.keys import CryptoError, DataKey
from station_client.store import attachments as attachment_store
from station_client.store import audit, cases, meta, outbox
from station_client.transport import SyncError

ACTOR = "sync"


def next_seq(db: Database) -> int:
    """The next number: past every number ever given, including those of rows since rewritten."""
    stored = int(meta.get(db, meta.NEXT_SEQ) or 1)
    floor = meta.get(db, meta.SERVER_SEQ_FLOOR)  # set when a restored store re-enrolled
    if floor is None:
        return max(stored, outbox.highest_seq(db) + 1)
    limit = meta.get(db, meta.RESTORED_MAX_LOCAL_ID)
    pending = backup_rules.restored_pending(outbox.unfinished(db), None if limit is None else int(limit))
    return backup_rules.resume_seq(stored, outbox.highest_seq(db), int(floor), pending)


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
            by_id[entry.local_id] = outbox.stored_bytes(db, dek, entry.local_id)
        if updates:
            outbox.store_numbered(db, updates)
            meta.put(db, meta.NEXT_SEQ, str(batch.assign[-1][1] + 1))
    return [by_id[e.local_id] for e in batch.entries]


def _uploaded(db: Database) -> set[str]:
    return {
        str(r[0])
        for r in db.execute("SELECT sha256 FROM attachments WHERE state = ?", [attachment_store.DONE])
    }


def _set_aside_locally(db: Database, entries: Sequence[Entry], now: datetime) -> None:
    with db.atomic():
        outbox.set_aside(
            db, [e.local_id for e in entries], "op_malformed", API_ERROR_MESSAGES["op_malformed"]
        )
        cases.mark_set_aside(db, [e.case_id for e in entries])
        for entry in entries:
            audit.append(
                db, at=now, actor=ACTOR, action="sync.set_aside", entity="outbox", entity_id=entry.op_id,
                detail={"code": "op_malformed", "case_id": entry.case_id, "local": True},
            )  # fmt: skip
        outbox.reconcile_blocked(db)


def record_outcomes(db: Database, batch: Batch, outcomes: Sequence[Outcome], now: datetime) -> None:
    entries = {e.local_id: e for e in batch.entries}
    refused = [o for o in outcomes if o.state != OpState.DONE]
    with db.atomic():
        outbox.record_outcomes(db, outcomes, now)
        cases.record_server_answers(
            db,
            [(entries[o.local_id].case_id, o.result.case_status, o.state != OpState.DONE) for o in outcomes],
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
            outbox.reconcile_blocked(db)


def record_failure(db: Database, batch: Batch, error: SyncError) -> None:
    """The batch did not go through: count the attempt, keep the reason; rows stay pending."""
    with db.atomic():
        outbox.record_attempt(db, [e.local_id for e in batch.entries], error.code, error.message)


def reopen_from(db: Database, missing_seq: int) -> int:
    ids = outbox_rules.resend_from(outbox.numbered_from(db, missing_seq), missing_seq)
    with db.atomic():
        outbox.reopen(db, ids)
    return len(ids)
