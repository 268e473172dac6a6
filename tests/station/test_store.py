"""The station store: migrations, pragmas, tables of docs/station.md, per-table rules."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from schema.protocol import CaseAcceptOp
from station_client.crypto.keys import DataKey
from station_client.store import (
    SCHEMA_VERSION,
    StoreError,
    audit,
    counters,
    meta,
    migrate,
    open_store,
    registry,
    staff,
)
from station_client.store.migrations import user_version
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, StationHome, person, staff_account

# docs/station.md, table by table.
DOCUMENTED = {
    "meta": ["key", "value"],
    "key_wraps": ["id", "kind", "username", "salt", "kdf", "nonce", "wrapped"],
    "secrets": ["name", "nonce", "blob"],
    "staff": [
        "username", "display_name", "role", "password_hash", "disabled", "must_change_password", "version",
        "failed_logins", "locked_until",
    ],
    "reference": ["kind", "version", "digest", "data"],
    "persons": ["key_hmac", "township_code", "version", "name_hmac", "enc", "registry_version"],
    "cases": [
        "case_id", "case_number", "item_code", "tier", "status", "applicant_hmac", "accepted_at", "promised_date",
        "due_date", "server_status", "version", "set_aside", "handed_over_at", "updated_at", "enc",
        "promised_provisional", "due_provisional",
    ],
    "outbox": [
        "local_id", "op_id", "seq", "case_id", "kind", "state", "digest", "attempts", "last_error_code",
        "last_error_message", "result", "created_at", "sent_at", "acked_at", "enc",
    ],
    "attachments": [
        "sha256", "case_id", "material_code", "filename", "media_type", "size", "uploaded_bytes", "state", "enc",
    ],
    "receipts": ["number", "case_id", "kind", "created_at", "enc", "stock_series", "stock_number"],
    "receipt_ranges": ["range_id", "series", "first", "last", "allocated_at"],
    "receipt_voids": ["number", "voided_at", "voided_by", "witness", "replaced_by", "op_id", "enc"],
    "counters": ["name", "value"],
    "audit": ["id", "at", "actor", "action", "entity", "entity_id", "detail", "prev_hash", "hash"],
}  # fmt: skip


def test_a_new_store_has_the_documented_tables_and_columns(tmp_path):
    db = open_store(tmp_path)
    for table, columns in DOCUMENTED.items():
        assert [c.name for c in db[table].columns] == columns, table
    assert user_version(db) == SCHEMA_VERSION


def test_migrations_are_idempotent_and_keep_data(tmp_path):
    db = open_store(tmp_path)
    meta.put(db, meta.STATION_ID, "511102004-00")
    schema_before = db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert migrate(db) == SCHEMA_VERSION
    assert migrate(db) == SCHEMA_VERSION
    db.close()
    again = open_store(tmp_path / "station.db")
    assert again.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema_before
    assert meta.station_id(again) == "511102004-00"


def test_the_store_runs_in_wal_with_full_sync_and_foreign_keys(tmp_path):
    db = open_store(tmp_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO receipts (number, case_id, kind, created_at, enc) VALUES ('x', 'no-such-case', 'k', 't', x'00')"
        )


def test_a_store_newer_than_the_program_is_refused(tmp_path):
    db = open_store(tmp_path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="请安装最新版"):
        open_store(tmp_path)


def test_open_without_create_refuses_a_missing_home(tmp_path):
    with pytest.raises(FileNotFoundError):
        open_store(tmp_path / "nowhere", create=False)
    assert not (tmp_path / "nowhere").exists()


def test_staff_accounts_apply_by_version(station_home: StationHome):
    db = station_home.db
    assert staff.apply_account(db, staff_account("clerk1", "new-password", version=2, disabled=True))
    assert not staff.apply_account(db, staff_account("clerk1", version=1))  # a replayed older record
    row = staff.get(db, "clerk1")
    assert row is not None and row.disabled and row.version == 2


def test_local_lockout_counters_survive_a_newer_account_record(station_home: StationHome):
    db = station_home.db
    staff.record_failure(db, "clerk1", 3, NOW + timedelta(minutes=15))
    staff.apply_account(db, staff_account("clerk1", version=5))
    row = staff.get(db, "clerk1")
    assert row is not None and row.failed_logins == 3 and row.locked_until == NOW + timedelta(minutes=15)


def test_persons_apply_by_version_and_are_found_by_id_and_name(station_home: StationHome):
    db, dek = station_home.db, station_home.dek
    assert not registry.upsert_person(db, dek, person(KNOWN_ID, "旧名字", version=2))
    assert registry.get_person(db, dek, KNOWN_ID).name == KNOWN_NAME  # type: ignore[union-attr]
    assert registry.upsert_person(db, dek, person(KNOWN_ID, "王建国", version=4))
    assert registry.person_version(db, dek, KNOWN_ID) == 4
    assert [p.id_number for p in registry.find_by_name(db, dek, " 王建国 ")] == [KNOWN_ID]
    assert registry.find_by_name(db, dek, "王建") == []  # exact names only: they are encrypted
    other = DataKey.generate()  # another station's key finds nothing
    assert registry.get_person(db, other, KNOWN_ID) is None


def test_a_counter_number_taken_in_a_rolled_back_transaction_is_given_again(station_home: StationHome):
    db = station_home.db
    with db.atomic():
        assert counters.next_value(db, "case:20261126") == 1
    with pytest.raises(RuntimeError), db.atomic():
        assert counters.next_value(db, "case:20261126") == 2
        raise RuntimeError("intake failed after numbering")
    assert counters.next_value(db, "case:20261126") == 2


def test_the_audit_log_is_hash_chained(station_home: StationHome):
    db = station_home.db
    for n in range(3):
        audit.append(
            db,
            at=NOW,
            actor="clerk1",
            action="case.accept",
            entity="case",
            entity_id=f"c{n}",
            detail={"n": n},
        )
    assert audit.verify(db) is None
    second = audit.entries(db)[1]["id"]
    db.execute("UPDATE audit SET detail = '{\"n\":9}' WHERE id = ?", [second])
    assert audit.verify(db) == second


def test_an_outbox_draft_becomes_the_operation_the_agent_sends(session):
    from station_client.core.intake_rules import ApplicantInput
    from station_client.core.operation_drafts import sequenced
    from station_client.services.intake import IntakeRequest, intake
    from station_client.store import outbox

    result = intake(
        session,
        IntakeRequest(
            "G14",
            ApplicantInput(KNOWN_NAME, KNOWN_ID),
            {"base": "5000", "period_start": "2026-01", "period_end": "2026-01"},
            ["id_card"],
        ),
        now=NOW,
    )
    db = session.db
    local_id, op_id, seq, state, digest = db.execute(
        "SELECT local_id, op_id, seq, state, digest FROM outbox"
    ).fetchone()
    assert (seq, state, digest) == (None, "pending", None)
    op = sequenced(outbox.read_json(db, session.dek, local_id), 1)
    assert isinstance(op, CaseAcceptOp)
    assert (str(op.op_id), op.seq, op.payload.case_number) == (op_id, 1, result.case_number)
    assert outbox.counts(db)["pending"] == 1
