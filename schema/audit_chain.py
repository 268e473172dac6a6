"""The hash chain of an audit log, one format for the station and the server.

Each entry's hash covers its own fields and the previous entry's hash, so changing,
removing or reordering any entry breaks every hash after it. The first entry's
``prev_hash`` is :data:`GENESIS` and its ``seq`` is 1; each next entry's ``seq`` is one
more. The hashed bytes (:func:`entry_bytes`) are the compact JSON array
``[seq, at, actor, action, entity, entity_id, detail, prev_hash]`` with sorted keys and
``at`` as :func:`canonical_time`, so a log checks the same whichever database kept it.
The server's ``audit_log`` is written this way from the start; the station's local log
since its store migration 4 (which re-chained the entries written before).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

# What a caller appends: (at, actor, action, entity, entity_id, detail).
AuditItem = tuple[dt.datetime, str, str, str, str, dict[str, Any]]


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str = ""


def canonical_time(at: dt.datetime) -> str:
    """UTC, microseconds, no offset: identical whether the database kept the zone or not."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def entry_bytes(entry: AuditEntry) -> bytes:
    """The bytes an entry's hash covers."""
    return _body(
        entry.seq,
        canonical_time(entry.at),
        entry.actor,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.detail,
        entry.prev_hash,
    )


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(entry_bytes(entry)).hexdigest()


def _body(  # noqa: PLR0917  (the hashed fields, in their order)
    seq: int, at: str, actor: str, action: str, entity: str, entity_id: str, detail: dict[str, Any], prev: str
) -> bytes:
    text = json.dumps(
        [seq, at, actor, action, entity, entity_id, detail, prev],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return text.encode("utf-8")


def chain(head_seq: int, head_hash: str, items: Iterable[AuditItem]) -> list[AuditEntry]:
    """Entries for ``items`` (at, actor, action, entity, entity_id, detail) appended after the head."""
    out: list[AuditEntry] = []
    seq, prev = head_seq, head_hash
    last_at: dt.datetime | None = None
    at_text = ""
    for at, actor, action, entity, entity_id, detail in items:
        seq += 1
        if at is not last_at:  # a push stamps all its entries with one time: format it once
            last_at, at_text = at, canonical_time(at)
        body = _body(seq, at_text, actor, action, entity, entity_id, detail, prev)
        digest = hashlib.sha256(body).hexdigest()
        out.append(AuditEntry(seq, at, actor, action, entity, entity_id, detail, prev, digest))
        prev = digest
    return out


@dataclass(frozen=True)
class ChainReport:
    entries: int  # how many were read: all of them, or up to and including the first broken
    first_broken_seq: int | None
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(entries: Iterable[AuditEntry]) -> ChainReport:
    """Walk entries in seq order; name the first that does not follow from the one before."""
    count = 0
    expected_seq, prev = 1, GENESIS
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(count, entry.seq, f"序号不连续：应为 {expected_seq}，实际为 {entry.seq}")
        if entry.prev_hash != prev:
            return ChainReport(count, entry.seq, "前一条的哈希不匹配（之前的记录被改动或删除）")
        if entry_hash(entry) != entry.hash:
            return ChainReport(count, entry.seq, "本条内容与其哈希不符（记录被改动）")
        prev, expected_seq = entry.hash, expected_seq + 1
    return ChainReport(count, None, None)
