"""The station's audit log keeps the server's chain format; migration 4 re-chains old logs."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import timedelta

from sqlite_utils import Database

from schema.audit_chain import GENESIS, chain
from station_client.store import audit, open_store
from station_client.store.migrations import MIGRATIONS, user_version
from tests.support.stationkit import NOW

ITEMS = [
    (NOW, "clerk1", "case.accept", "case", "c1", {"case_number": "511102004-20261126-0001"}),
    (NOW + timedelta(seconds=5), "clerk1", "case.hand_over", "case", "c1", {"recipient_kind": "申请人"}),
    (NOW + timedelta(minutes=1), "clerk2", "staff.login", "staff", "clerk2", {}),
]


def _append_all(db: Database) -> list[int]:
    return [
        audit.append(db, at=at, actor=actor, action=action, entity=entity, entity_id=eid, detail=detail)
        for at, actor, action, entity, eid, detail in ITEMS
    ]


def test_the_station_hashes_exactly_as_the_contract_chain(tmp_path):
    db = open_store(tmp_path)
    ids = _append_all(db)
    stored = db.execute("SELECT id, prev_hash, hash FROM audit ORDER BY id").fetchall()
    expected = chain(0, GENESIS, ITEMS)
    assert ids == [e.seq for e in expected] == [1, 2, 3]
    assert stored == [(e.seq, e.prev_hash, e.hash) for e in expected]
    assert audit.verify(db) is None


def test_a_deleted_or_garbled_entry_is_named(tmp_path):
    db = open_store(tmp_path)
    _append_all(db)
    db.execute("DELETE FROM audit WHERE id = 2")
    assert audit.verify(db) == 3
    db.execute("UPDATE audit SET detail = 'not json' WHERE id = 1")
    assert audit.verify(db) == 1


# ── a store written before migration 4 ───────────────────────────────────────────────


def _legacy_hash(*parts: str) -> str:
    # The old station format, written out here as test data: fields joined with \x1f.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _legacy_store(tmp_path, *, tamper_id: int | None = None) -> None:
    db = Database(sqlite3.connect(str(tmp_path / "station.db")))
    for migration in MIGRATIONS[:3]:
        migration(db)
    db.execute("PRAGMA user_version = 3")
    prev = GENESIS
    for at, actor, action, entity, entity_id, detail in ITEMS:
        when = at.isoformat(timespec="microseconds")
        text = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        digest = _legacy_hash(prev, when, actor, action, entity, entity_id, text)
        db.execute(
            "INSERT INTO audit (at, actor, action, entity, entity_id, detail, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [when, actor, action, entity, entity_id, text, prev, digest],
        )
        prev = digest
    if tamper_id is not None:
        db.execute("UPDATE audit SET actor = 'someone' WHERE id = ?", [tamper_id])
    db.conn.commit()
    db.close()


def test_migration_4_rechains_an_old_log_and_records_the_old_head(tmp_path):
    _legacy_store(tmp_path)
    legacy_head = _last_hash(tmp_path)
    db = open_store(tmp_path)
    assert user_version(db) == len(MIGRATIONS)
    assert audit.verify(db) is None
    entries = audit.entries(db)
    assert [(e["actor"], e["action"], e["entity_id"], e["detail"]) for e in entries[:3]] == [
        (actor, action, eid, detail) for _, actor, action, _, eid, detail in ITEMS
    ]
    stored = db.execute("SELECT hash FROM audit WHERE id <= 3 ORDER BY id").fetchall()
    assert [h for (h,) in stored] == [e.hash for e in chain(0, GENESIS, ITEMS)]
    closing = entries[3]
    assert (closing["id"], closing["actor"], closing["action"]) == (4, "system", "audit.rechained")
    assert closing["detail"] == {"entries": 3, "legacy_head": legacy_head, "legacy_first_broken_id": None}
    audit.append(db, at=NOW, actor="clerk1", action="case.accept", entity="case", entity_id="c2")
    assert audit.verify(db) is None


def test_migration_4_keeps_a_break_of_the_old_log_on_record(tmp_path):
    _legacy_store(tmp_path, tamper_id=2)
    db = open_store(tmp_path)
    closing = audit.entries(db)[-1]
    assert closing["action"] == "audit.rechained"
    assert closing["detail"]["legacy_first_broken_id"] == 2
    assert audit.verify(db) is None  # re-chained as found; the break is in the closing entry


def test_a_fresh_store_migrates_without_an_audit_entry(tmp_path):
    db = open_store(tmp_path)
    assert audit.entries(db) == []


def _last_hash(tmp_path) -> str:
    conn = sqlite3.connect(str(tmp_path / "station.db"))
    try:
        return str(conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0])
    finally:
        conn.close()
