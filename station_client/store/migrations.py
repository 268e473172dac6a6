"""Versioned migrations of the station store, run on every open.

``MIGRATIONS[i]`` takes the store from ``PRAGMA user_version = i`` to ``i + 1``. Each runs
in its own ``BEGIN IMMEDIATE`` transaction together with the version bump, so a crash
leaves the store at the old version or the new one, and two processes opening a fresh
store at once cannot both migrate it. Never edit a released migration: append one.

Table and column names are those of docs/station.md; personal data only ever sits in
``enc`` blobs (and the keyed-HMAC columns).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlite_utils import Database

from schema.audit_chain import GENESIS, chain
from station_client.store.errors import StoreError

_V1 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE key_wraps (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('staff', 'recovery')),
        username TEXT,
        salt BLOB NOT NULL,
        kdf TEXT NOT NULL,
        nonce BLOB NOT NULL,
        wrapped BLOB NOT NULL)""",
    "CREATE UNIQUE INDEX key_wraps_owner ON key_wraps (kind, coalesce(username, ''))",
    "CREATE TABLE secrets (name TEXT PRIMARY KEY, nonce BLOB NOT NULL, blob BLOB NOT NULL)",
    """CREATE TABLE staff (
        username TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        must_change_password INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT)""",
    """CREATE TABLE reference (
        kind TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        digest TEXT NOT NULL,
        data TEXT NOT NULL)""",
    """CREATE TABLE persons (
        key_hmac TEXT PRIMARY KEY,
        township_code TEXT,
        version INTEGER NOT NULL,
        name_hmac TEXT NOT NULL,
        enc BLOB NOT NULL)""",
    "CREATE INDEX persons_name ON persons (name_hmac)",
    """CREATE TABLE cases (
        case_id TEXT PRIMARY KEY,
        case_number TEXT NOT NULL UNIQUE,
        item_code TEXT NOT NULL,
        tier TEXT NOT NULL,
        status TEXT NOT NULL,
        applicant_hmac TEXT NOT NULL,
        accepted_at TEXT NOT NULL,
        promised_date TEXT,
        due_date TEXT,
        server_status TEXT,
        version INTEGER NOT NULL DEFAULT 0,
        set_aside INTEGER NOT NULL DEFAULT 0,
        handed_over_at TEXT,
        updated_at TEXT NOT NULL,
        enc BLOB NOT NULL)""",
    "CREATE INDEX cases_applicant ON cases (applicant_hmac)",
    "CREATE INDEX cases_status ON cases (status)",
    """CREATE TABLE outbox (
        local_id INTEGER PRIMARY KEY AUTOINCREMENT,
        op_id TEXT NOT NULL UNIQUE,
        seq INTEGER UNIQUE,
        case_id TEXT NOT NULL REFERENCES cases (case_id),
        kind TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        digest TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error_code TEXT,
        last_error_message TEXT,
        result TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        acked_at TEXT,
        enc BLOB NOT NULL)""",
    "CREATE INDEX outbox_state ON outbox (state, local_id)",
    "CREATE INDEX outbox_case ON outbox (case_id, local_id)",
    """CREATE TABLE attachments (
        sha256 TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases (case_id),
        material_code TEXT NOT NULL,
        filename TEXT NOT NULL,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        uploaded_bytes INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'pending',
        enc BLOB NOT NULL)""",
    "CREATE INDEX attachments_state ON attachments (state)",
    """CREATE TABLE receipts (
        number TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases (case_id),
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        enc BLOB NOT NULL)""",
    "CREATE INDEX receipts_case ON receipts (case_id)",
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL)""",
]


def _v1(db: Database) -> None:
    for statement in _V1:
        db.execute(statement)


def _v2(db: Database) -> None:
    # Whether the promised date (counted here) and the due date (from the server) were counted
    # on the provisional holiday calendar: lists and screens show 暂定 beside them.
    db.execute("ALTER TABLE cases ADD COLUMN promised_provisional INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE cases ADD COLUMN due_provisional INTEGER NOT NULL DEFAULT 0")


def _v3(db: Database) -> None:
    # An operation may be about a clerk's account, not a case (``staff_password``: its case_id
    # is the account's own id), so outbox.case_id no longer references cases. SQLite cannot
    # drop a constraint: the table is rebuilt with the same rows, ids and indexes.
    columns = (
        "local_id, op_id, seq, case_id, kind, state, digest, attempts, last_error_code, "
        "last_error_message, result, created_at, sent_at, acked_at, enc"
    )
    db.execute(
        """CREATE TABLE outbox_v3 (
        local_id INTEGER PRIMARY KEY AUTOINCREMENT,
        op_id TEXT NOT NULL UNIQUE,
        seq INTEGER UNIQUE,
        case_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        digest TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error_code TEXT,
        last_error_message TEXT,
        result TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        acked_at TEXT,
        enc BLOB NOT NULL)"""
    )
    db.execute(f"INSERT INTO outbox_v3 ({columns}) SELECT {columns} FROM outbox")  # noqa: S608  (constant)
    db.execute("DROP TABLE outbox")
    db.execute("ALTER TABLE outbox_v3 RENAME TO outbox")
    db.execute("CREATE INDEX outbox_state ON outbox (state, local_id)")
    db.execute("CREATE INDEX outbox_case ON outbox (case_id, local_id)")


def _legacy_audit_hash(*parts: str) -> str:
    # The station's audit hash before migration 4: SHA-256 over (prev_hash, at, actor,
    # action, entity, entity_id, detail) joined with \x1f.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _v4(db: Database) -> None:
    # The audit log takes the server's chain format (schema.audit_chain, with the id as the
    # seq), so both sides check one format. Entries hashed the old way are re-chained. The
    # old chain is checked first, and the result and its last hash are recorded in a closing
    # entry: a break found here stays on record, and an old backup can still be matched.
    rows = db.execute(
        "SELECT id, at, actor, action, entity, entity_id, detail, prev_hash, hash FROM audit ORDER BY id"
    ).fetchall()
    if not rows:
        return
    legacy_prev, legacy_broken = GENESIS, None
    seq, prev = 0, GENESIS
    for id_, at, actor, action, entity, entity_id, detail, prev_hash, digest in rows:
        if legacy_broken is None and (
            prev_hash != legacy_prev
            or digest != _legacy_audit_hash(legacy_prev, at, actor, action, entity, entity_id, detail)
        ):
            legacy_broken = int(id_)
        legacy_prev = digest
        try:
            fields = json.loads(detail)
            item = (datetime.fromisoformat(at), actor, action, entity, entity_id, fields)
        except ValueError:  # left as it is: the new chain shows the break at this row
            seq, prev = int(id_), str(digest)
            continue
        [entry] = chain(int(id_) - 1, prev, [item])
        db.execute(
            "UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [entry.prev_hash, entry.hash, id_]
        )
        seq, prev = entry.seq, entry.hash
    detail = {"entries": len(rows), "legacy_head": legacy_prev, "legacy_first_broken_id": legacy_broken}
    now = datetime.now(UTC)
    [closing] = chain(seq, prev, [(now, "system", "audit.rechained", "audit", "", detail)])
    db.execute(
        "INSERT INTO audit (id, at, actor, action, entity, entity_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            closing.seq,
            now.isoformat(timespec="microseconds"),
            closing.actor,
            closing.action,
            closing.entity,
            closing.entity_id,
            json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            closing.prev_hash,
            closing.hash,
        ],
    )


def _v5(db: Database) -> None:
    # The township's slice carries each person's records (alive or deceased, benefits, card,
    # last months paid) under a slice version (``PersonRecord.slice_version``, in ``version``);
    # the registry row's own version, the base of a registry-changing case, moves to
    # ``registry_version``. Rows pulled before hold none of those records, so the slice is
    # dropped and the cursor cleared: the next pull is a snapshot (cases, the outbox, staff
    # and reference data stay; a snapshot brings decisions again, applied by version).
    db.execute("ALTER TABLE persons ADD COLUMN registry_version INTEGER")
    db.execute("DELETE FROM persons")
    db.execute(
        "DELETE FROM meta WHERE key IN ('pull_cursor', 'registry_sum', 'unit_versions', 'digest_restarted_for')"
    )


def _v6(db: Database) -> None:
    # The township's 催缴名单 (schema.records.TownshipDuesRecord): one sealed blob a township,
    # names and ID numbers only inside ``enc`` (store/dues.py). Pulled from the next change or
    # snapshot on; nothing to convert.
    db.execute(
        """CREATE TABLE IF NOT EXISTS township_dues (
        township_code TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        enc BLOB NOT NULL)"""
    )


def _v7(db: Database) -> None:
    # 票据号段 (services/receipt_stock.py): the ranges the city allocated to this station
    # (public numbers, plain), the stock number each payment receipt took (unique: a number
    # is used once; receipts stored before have none and keep their own ``…-F0003``), and
    # the receipts voided (the reason sealed in ``enc``; ``replaced_by`` the new receipt).
    db.execute(
        """CREATE TABLE IF NOT EXISTS receipt_ranges (
        range_id INTEGER PRIMARY KEY,
        series TEXT NOT NULL,
        first INTEGER NOT NULL,
        last INTEGER NOT NULL,
        allocated_at TEXT NOT NULL)"""
    )
    held = {row[1] for row in db.execute("PRAGMA table_info(receipts)").fetchall()}
    for column, kind in (("stock_series", "TEXT"), ("stock_number", "INTEGER")):
        if column not in held:  # idempotent, like the table statements
            db.execute(f"ALTER TABLE receipts ADD COLUMN {column} {kind}")
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS receipts_stock ON receipts (stock_series, stock_number) "
        "WHERE stock_number IS NOT NULL"
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS receipt_voids (
        number TEXT PRIMARY KEY REFERENCES receipts (number),
        voided_at TEXT NOT NULL,
        voided_by TEXT NOT NULL,
        witness TEXT NOT NULL,
        replaced_by TEXT REFERENCES receipts (number),
        op_id TEXT NOT NULL UNIQUE,
        enc BLOB NOT NULL)"""
    )


def _v8(db: Database) -> None:
    # 日结 (store/daily_closes.py): one row per close of a business day (part 1 the day's
    # 日结, 2… 补充日结), its document sealed in ``enc``; ``daily_close_receipts`` says which
    # close covered each payment receipt (numbers only), so a receipt is closed once.
    db.execute(
        """CREATE TABLE IF NOT EXISTS daily_closes (
        close_id TEXT PRIMARY KEY,
        business_day TEXT NOT NULL,
        part INTEGER NOT NULL,
        clerk TEXT NOT NULL,
        closed_at TEXT NOT NULL,
        op_id TEXT NOT NULL UNIQUE,
        enc BLOB NOT NULL,
        UNIQUE (business_day, part))"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS daily_close_receipts (
        number TEXT PRIMARY KEY,
        close_id TEXT NOT NULL REFERENCES daily_closes (close_id))"""
    )


def _v9(db: Database) -> None:
    # 缴费通知单 issued at the desk (store/payment_notices.py): paid at the bank, not in cash,
    # so no case and no receipt; the notice document (applicant, months, amount) sealed in
    # ``enc`` (``payment_notices:<reference>``), the reference a station counter's serial.
    db.execute(
        """CREATE TABLE IF NOT EXISTS payment_notices (
        reference TEXT PRIMARY KEY,
        issued_at TEXT NOT NULL,
        clerk TEXT NOT NULL,
        op_id TEXT NOT NULL UNIQUE,
        enc BLOB NOT NULL)"""
    )


def _v10(db: Database) -> None:
    # Cases the city holds from this station that a store restored from a backup lost (taken
    # after the backup): found by the pull, listed for the clerk to retake from the paper
    # receipt (services/backup.py). Only the 受理编号 and the city's status: no personal data.
    db.execute(
        """CREATE TABLE IF NOT EXISTS lost_cases (
        case_id TEXT PRIMARY KEY,
        case_number TEXT NOT NULL,
        status TEXT NOT NULL,
        found_at TEXT NOT NULL)"""
    )


def _v11(db: Database) -> None:
    # The 票据号码 of a lost case's payment receipt, as the city knows it (learnt at
    # re-enrolment): the clerk finds the paper receipt by it; the applicant's name sealed
    # under the data key; when the clerk marked the case retaken (the window stops showing it).
    held = {c.name for c in db["lost_cases"].columns}  # re-runnable over a store already there
    for name, kind in (
        ("receipt_stock", "TEXT"),
        ("applicant_enc", "BLOB"),
        ("acknowledged_at", "TEXT"),
        ("acknowledged_by", "TEXT"),
    ):
        if name not in held:
            db.execute(f"ALTER TABLE lost_cases ADD COLUMN {name} {kind}")


MIGRATIONS: list[Callable[[Database], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11]
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(db: Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database) -> int:
    """Bring the store to :data:`SCHEMA_VERSION`; idempotent. Returns the version reached.

    A store newer than this program (a downgrade) is refused rather than guessed at.
    """
    current = user_version(db)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"本机数据库版本（{current}）高于本程序支持的版本（{SCHEMA_VERSION}）：请安装最新版工作站客户端。",
            "store_too_new",
        )
    while current < SCHEMA_VERSION:
        db.execute("BEGIN IMMEDIATE")
        try:
            current = user_version(db)  # another process may have migrated meanwhile
            if current < SCHEMA_VERSION:
                MIGRATIONS[current](db)
                current += 1
                db.execute(f"PRAGMA user_version = {current}")
            db.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise
    return current
