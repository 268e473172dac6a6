"""``audit``: the station's local audit log, hash-chained.

``hash = SHA-256(prev_hash | at | actor | action | entity | entity_id | detail)`` with
``prev_hash`` the previous row's hash (64 zeros for the first), so an edited or deleted
row breaks the chain (:func:`verify`). ``detail`` is JSON with no personal data (case
numbers, item codes, counts), so the log is readable without the data key.
:func:`append` runs inside the caller's transaction: the entry commits with the change.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from station_client.store.codec import iso

GENESIS = "0" * 64


def _hash(*parts: str) -> str:
    # prev_hash, at, actor, action, entity, entity_id, detail
    text = "\x1f".join(parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    row = db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    prev = GENESIS if row is None else str(row[0])
    when = iso(at)
    text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = _hash(prev, when, actor, action, entity, entity_id, text)
    cursor = db.execute(
        "INSERT INTO audit (at, actor, action, entity, entity_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [when, actor, action, entity, entity_id, text, prev, digest],
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def verify(db: Database) -> int | None:
    """The id of the first entry that breaks the chain, or None when it is intact."""
    prev = GENESIS
    for id_, at, actor, action, entity, entity_id, detail, prev_hash, digest in db.execute(
        "SELECT id, at, actor, action, entity, entity_id, detail, prev_hash, hash FROM audit ORDER BY id"
    ):
        if prev_hash != prev or digest != _hash(prev, at, actor, action, entity, entity_id, detail):
            return int(id_)
        prev = digest
    return None


def entries(db: Database, *, entity_id: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT id, at, actor, action, entity, entity_id, detail FROM audit"
    params: list[Any] = []
    if entity_id is not None:
        sql += " WHERE entity_id = ?"
        params.append(entity_id)
    rows = db.execute(sql + " ORDER BY id", params).fetchall()
    keys = ("id", "at", "actor", "action", "entity", "entity_id", "detail")
    return [dict(zip(keys, r, strict=True)) | {"detail": json.loads(r[6])} for r in rows]
