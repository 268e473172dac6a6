"""Appending to and verifying the hash-chained audit log.

Appenders lock the single ``audit_head`` row for the rest of their transaction, so
concurrent transactions (in one process or many) append in a strict order; the lock is
released at commit, and a rolled-back transaction leaves no gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.audit_chain import GENESIS, AuditEntry, ChainReport, chain, verify_chain
from sync_server.db.tables import audit_head, audit_log
from sync_server.services import bulk

AuditItem = tuple[dt.datetime, str, str, str, str, dict[str, Any]]


def _lock_head(conn: Connection) -> tuple[int, str]:
    query = sa.select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
    row = conn.execute(query.with_for_update()).first()
    if row is None:
        # First append ever. Concurrent first appenders race on the primary key; the loser's
        # transaction fails and is retried by its caller like any serialisation failure.
        conn.execute(sa.insert(audit_head).values(id=1, seq=0, hash=GENESIS))
        conn.execute(sa.select(audit_head.c.seq).where(audit_head.c.id == 1).with_for_update())
        return 0, GENESIS
    return int(row.seq), str(row.hash)


def append_many(conn: Connection, items: Sequence[AuditItem], *, binary: bool = False) -> list[AuditEntry]:
    """Append entries (at, actor, action, entity, entity_id, detail) in order, in this transaction.
    ``binary``: every ``at`` has a time zone (``bulk.insert_rows``), as a push's have."""
    if not items:
        return []
    head_seq, head_hash = _lock_head(conn)
    entries = chain(head_seq, head_hash, items)
    bulk.insert_rows(
        conn,
        audit_log,
        [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "detail": e.detail,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in entries
        ],
        binary=binary,
    )
    last = entries[-1]
    conn.execute(sa.update(audit_head).where(audit_head.c.id == 1).values(seq=last.seq, hash=last.hash))
    return entries


def append(
    conn: Connection,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    at = at or dt.datetime.now(dt.UTC)
    return append_many(conn, [(at, actor, action, entity, entity_id, detail or {})])[0]


class _Unreadable(Exception):
    """A row whose stored columns no longer read back (detail is not JSON, a time is garbled)."""

    def __init__(self, seq: int, walked: int) -> None:
        super().__init__(seq)
        self.seq, self.walked = seq, walked


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(r.seq, r.at, r.actor, r.action, r.entity, r.entity_id, r.detail, r.prev_hash, r.hash)


def _first_unreadable(conn: Connection, after: int, batch: int) -> tuple[int, int]:
    """The seq of the first row after ``after`` that cannot be read, and how many rows read
    before it (rows are read one by one)."""
    seqs = conn.execute(
        sa.select(audit_log.c.seq).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(batch)
    ).scalars()
    for readable, seq in enumerate(seqs):
        try:
            conn.execute(sa.select(audit_log).where(audit_log.c.seq == seq)).one()
        except (ValueError, TypeError):
            return int(seq), readable
    return after + 1, 0  # the batch failed yet every row reads: name the first after the last good one


def _entries(conn: Connection, batch: int = 5000) -> Iterator[AuditEntry]:
    last, walked = 0, 0
    while True:
        query = sa.select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq).limit(batch)
        try:
            rows = conn.execute(query).all()
        except (ValueError, TypeError):  # SQLite hands back the text; a garbled JSON fails to load
            seq, readable = _first_unreadable(conn, last, batch)
            raise _Unreadable(seq, walked + readable + 1) from None
        if not rows:
            return
        for r in rows:
            walked += 1
            if not isinstance(r.detail, dict):  # JSONB always parses, but may no longer be an object
                raise _Unreadable(int(r.seq), walked)
            yield _entry(r)
        last = rows[-1].seq


def verify(conn: Connection) -> ChainReport:
    """Walk the whole log; the head row must also point at the last entry."""
    try:
        report = verify_chain(_entries(conn))
    except _Unreadable as bad:
        return ChainReport(bad.walked, bad.seq, "记录内容已无法读取（数据库中的内容被直接改动）")
    if not report.intact:
        return report
    head = conn.execute(sa.select(audit_head.c.seq, audit_head.c.hash)).first()
    last = conn.execute(sa.select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)).scalar()
    if report.entries and (head is None or head.seq != report.entries or head.hash != last):
        return ChainReport(report.entries, report.entries, "日志末尾被截断或链头记录不一致")
    return report
