"""``audit``: the station's local audit log, hash-chained like the server's.

The chain is ``schema.audit_chain``'s: an entry's ``id`` is its ``seq`` (1, 2, 3 …, the
table's ids never skip since nothing is deleted) and its hash covers its fields and the
previous entry's hash, so an edited or deleted row breaks the chain (:func:`verify`).
``detail`` is JSON with no personal data (case numbers, item codes, counts), so the log
is readable without the data key. :func:`append` runs inside the caller's transaction:
the entry commits with the change. Entries written before store migration 4 were hashed
another way; that migration re-chained them (``store.migrations``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from schema.audit_chain import GENESIS, AuditEntry, chain, verify_chain
from station_client.store.codec import iso, parse_instant


def _detail_text(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def append(
    db: Database,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any] | None = None,
) -> int:
    row = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    head_seq, head_hash = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
    [entry] = chain(head_seq, head_hash, [(at, actor, action, entity, entity_id, detail or {})])
    db.execute(
        "INSERT INTO audit (id, at, actor, action, entity, entity_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entry.seq,
            iso(at),
            actor,
            action,
            entity,
            entity_id,
            _detail_text(entry.detail),
            entry.prev_hash,
            entry.hash,
        ],
    )
    return entry.seq


class _Unreadable(Exception):
    """A row whose stored text no longer reads back (detail is not a JSON object, a bad time)."""


def _entries(db: Database, walked: list[int]) -> Iterator[AuditEntry]:
    for id_, at, actor, action, entity, entity_id, detail, prev_hash, digest in db.execute(
        "SELECT id, at, actor, action, entity, entity_id, detail, prev_hash, hash FROM audit ORDER BY id"
    ):
        walked.append(int(id_))
        try:
            moment, fields = parse_instant(at), json.loads(detail)
        except ValueError:
            raise _Unreadable from None
        if moment is None or not isinstance(fields, dict):
            raise _Unreadable
        yield AuditEntry(int(id_), moment, actor, action, entity, entity_id, fields, prev_hash, digest)


def verify(db: Database) -> int | None:
    """The id of the first entry that breaks the chain, or None when it is intact."""
    walked: list[int] = []
    try:
        report = verify_chain(_entries(db, walked))
    except _Unreadable:
        return walked[-1]
    return None if report.intact else walked[report.entries - 1]


def entries(db: Database, *, entity_id: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT id, at, actor, action, entity, entity_id, detail FROM audit"
    params: list[Any] = []
    if entity_id is not None:
        sql += " WHERE entity_id = ?"
        params.append(entity_id)
    rows = db.execute(sql + " ORDER BY id", params).fetchall()
    keys = ("id", "at", "actor", "action", "entity", "entity_id", "detail")
    return [dict(zip(keys, r, strict=True)) | {"detail": json.loads(r[6])} for r in rows]
