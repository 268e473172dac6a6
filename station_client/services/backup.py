"""Backing the station store up to a second place, restoring it on a new PC, and the cases a
restore lost (docs/station.md "Backup and restore").

:func:`backup` copies the live store with SQLite's online backup API (consistent while the
window and the sync worker keep working) into a temporary file in the target folder, checks
the copy (``PRAGMA integrity_check``, the station it names), writes its manifest with the
SHA-256, then renames both into place and drops generations beyond ``keep``. The copy is the
store as it is: personal data stays sealed under the data key, which only a clerk's password
or the recovery key opens.

:func:`restore` checks a backup against its manifest and the recovery key, then puts it in an
empty home. The restored store must be re-enrolled with a new code (the old PC's key is
revoked); its outbox then goes on (services/enrolment.py, core/backup_rules.resume_seq).
Cases the city holds that the copy lacks (taken after the backup) come back through the pull
as status changes of unknown cases: :func:`note_lost` lists them with their 受理编号 and an
audit entry, so the clerk retakes them from the paper receipts; never silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError
from sqlite_utils import Database

from schema.cases import parse_case_number
from schema.errors import ContractError
from schema.protocol import IssuedStock
from station_client.core import backup_rules
from station_client.core.backup_rules import Manifest
from station_client.core.case_numbering import case_counter_name
from station_client.crypto.keys import DataKey, WrongCredential, aad
from station_client.crypto.wraps import unwrap_with_recovery
from station_client.paths import StationPaths
from station_client.services.errors import ServiceError
from station_client.store import audit, keys, meta, outbox
from station_client.store.codec import iso
from station_client.store.connection import BUSY_TIMEOUT_SECONDS, open_store, store_file
from station_client.store.migrations import SCHEMA_VERSION, user_version

# meta keys (docs/station.md): the target folder and generations, the last good backup,
# and after a restore: when, from which file, whether re-enrolment is still due, and the
# server's last_seq learnt at re-enrolment.
BACKUP_DIR = "backup_dir"
BACKUP_KEEP = "backup_keep"
BACKUP_EVERY_HOURS = "backup_every_hours"
LAST_BACKUP_AT = "last_backup_at"
LAST_BACKUP_FILE = "last_backup_file"
RESTORED_AT = "restored_at"
RESTORED_FROM = "restored_from"
RESTORED_NEEDS_ENROL = "restored_needs_enrol"
RESTORED_MAX_LOCAL_ID = meta.RESTORED_MAX_LOCAL_ID  # outbox rows the copy held
SERVER_SEQ_FLOOR = meta.SERVER_SEQ_FLOOR  # the city's last_seq for this station at re-enrolment

ACTOR = "system"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    dropped: tuple[str, ...]


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    unsent: int  # outbox rows the copy still had to send


@dataclass(frozen=True)
class LostCase:
    case_id: str
    case_number: str
    status: str
    found_at: str
    receipt_stock: str | None = None  # the 票据号码 of its payment receipt, when the city knows one
    applicant_name: str | None = None  # from the city, with the data key
    acknowledged_at: str | None = None  # the clerk marked it retaken


def _parse_time(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)


def configure(
    db: Database, directory: Path, *, keep: int | None = None, every_hours: int | None = None
) -> None:
    """Set the target folder (a USB drive, a network share); it must exist and take a file."""
    directory = directory.expanduser().resolve()
    if not directory.is_dir():
        raise ServiceError(
            "backup_dir_missing",
            f"备份位置 {directory} 不存在或不是文件夹：请插好 U 盘或连上共享文件夹，确认路径后重试。",
            {"path": str(directory)},
        )
    probe = directory / ".ssb-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ServiceError(
            "backup_dir_unwritable",
            f"备份位置 {directory} 无法写入（{exc.strerror or exc}）：请检查权限或换一个位置。",
            {"path": str(directory)},
        ) from exc
    values: dict[str, str | None] = {BACKUP_DIR: str(directory)}
    if keep is not None:
        values[BACKUP_KEEP] = str(max(1, keep))
    if every_hours is not None:
        values[BACKUP_EVERY_HOURS] = str(max(1, every_hours))
    meta.put_many(db, values)


def target_of(db: Database) -> Path | None:
    text = meta.get(db, BACKUP_DIR)
    return Path(text) if text else None


def last_backup_at(db: Database) -> datetime | None:
    return _parse_time(meta.get(db, LAST_BACKUP_AT))


def every(db: Database) -> timedelta:
    return timedelta(hours=int(meta.get(db, BACKUP_EVERY_HOURS) or backup_rules.DEFAULT_EVERY_HOURS))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_copy(path: Path) -> tuple[str, str, int, int, int]:
    """Open a copy read-only: (station_id, station_code, schema version, cases, highest seq)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            raise ServiceError(
                "backup_corrupt",
                f"备份文件 {path.name} 已损坏（数据库完整性检查未通过）：请改用上一份备份。",
                {"path": str(path), "check": None if verdict is None else str(verdict[0])},
            )
        db = Database(conn)
        station_id = meta.station_id(db)
        if station_id is None:
            raise ServiceError(
                "backup_not_a_station", f"{path.name} 不是已注册服务站的数据备份：请选择正确的备份文件。"
            )
        code = meta.get(db, meta.STATION_CODE) or station_id
        cases = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
        highest = outbox.highest_seq(db)
        return station_id, code, user_version(db), cases, highest
    except sqlite3.DatabaseError as exc:
        raise ServiceError(
            "backup_corrupt",
            f"备份文件 {path.name} 无法读取（{exc}）：请改用上一份备份。",
            {"path": str(path)},
        ) from exc
    finally:
        conn.close()


def backup(paths: StationPaths, *, now: datetime, target: Path | None = None) -> BackupResult:
    """Copy the live store into the target folder, check it, keep ``backup_keep`` generations.

    Opens its own connection, so the window's scheduler may call it from a worker thread.
    """
    source = sqlite3.connect(str(store_file(paths.home)), timeout=BUSY_TIMEOUT_SECONDS)
    try:
        db = Database(source)
        directory = target or target_of(db)
        if directory is None:
            raise ServiceError(
                "backup_not_configured",
                "尚未设置备份位置：请站长运行 station-client backup --configure <文件夹>（U 盘或共享文件夹）。",
            )
        if not directory.is_dir():
            raise ServiceError(
                "backup_dir_missing",
                f"备份位置 {directory} 不存在：请插好 U 盘或连上共享文件夹后重试。",
                {"path": str(directory)},
            )
        code = meta.get(db, meta.STATION_CODE) or meta.station_id(db)
        if code is None:
            raise ServiceError("station_not_enrolled", "本机尚未注册为服务站：没有可备份的数据。")
        name = backup_rules.backup_name(code, now)
        final = directory / name
        temp = directory / f".{name}.tmp"
        with contextlib.closing(sqlite3.connect(str(temp))) as copy:
            source.backup(copy)  # the online backup API: a consistent snapshot while others write
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        try:
            station_id, code, version, cases, highest = _check_copy(temp)
            manifest = Manifest(
                station_id=station_id,
                station_code=code,
                created_at=now.astimezone(UTC),
                schema_version=version,
                size=temp.stat().st_size,
                sha256=_sha256(temp),
                cases=cases,
                highest_seq=highest,
            )
            manifest_temp = directory / f".{name}.json.tmp"
            manifest_temp.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
            for f in (temp, manifest_temp):
                with f.open("rb") as handle:
                    os.fsync(handle.fileno())
            os.replace(temp, final)
            os.replace(manifest_temp, directory / backup_rules.manifest_name(name))
        finally:
            temp.unlink(missing_ok=True)
        dropped = backup_rules.generations_to_drop(
            (p.name for p in directory.iterdir()),
            code,
            int(meta.get(db, BACKUP_KEEP) or backup_rules.DEFAULT_KEEP),
        )
        for old in dropped:
            (directory / old).unlink(missing_ok=True)
            (directory / backup_rules.manifest_name(old)).unlink(missing_ok=True)
        with db.atomic():
            meta.put(db, LAST_BACKUP_AT, iso(now))
            meta.put(db, LAST_BACKUP_FILE, str(final))
            audit.append(
                db,
                at=now,
                actor=ACTOR,
                action="store.backup",
                entity="station",
                entity_id=station_id,
                detail={"file": name, "sha256": manifest.sha256, "cases": cases},
            )
        return BackupResult(final, manifest, tuple(dropped))
    finally:
        source.close()


def verify(file: Path) -> Manifest:
    """The backup's manifest, after checking the file against it; ServiceError ``backup_*``."""
    manifest_path = file.with_name(backup_rules.manifest_name(file.name))
    if not file.is_file():
        raise ServiceError("backup_missing", f"找不到备份文件 {file}：请核对路径。", {"path": str(file)})
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise ServiceError(
            "backup_manifest_missing",
            f"备份文件 {file.name} 旁边缺少完好的说明文件 {manifest_path.name}：请连同它一起复制后重试。",
            {"path": str(manifest_path)},
        ) from exc
    if file.stat().st_size != manifest.size or _sha256(file) != manifest.sha256:
        raise ServiceError(
            "backup_corrupt",
            f"备份文件 {file.name} 与其说明文件的校验值不符（文件已损坏或被改动）：请改用上一份备份。",
            {"path": str(file)},
        )
    station_id, _, _, _, _ = _check_copy(file)
    if station_id != manifest.station_id:
        raise ServiceError(
            "backup_corrupt", f"备份文件 {file.name} 与其说明文件不是同一服务站：请改用上一份备份。"
        )
    return manifest


def restore(file: Path, paths: StationPaths, *, recovery_key: str, now: datetime) -> RestoreResult:
    """Put a checked backup into an empty home; the recovery key must open its data key."""
    manifest = verify(file)
    target = store_file(paths.home)
    if target.exists():
        raise ServiceError(
            "restore_home_not_empty",
            f"数据目录 {paths.home} 中已有服务站数据：恢复只能放进新的空目录，请用 --home 指定一个新目录。",
            {"home": str(paths.home)},
        )
    if manifest.schema_version > SCHEMA_VERSION:
        raise ServiceError(
            "store_too_new",
            f"备份来自更新版本的工作站客户端（数据库版本 {manifest.schema_version}）：请先安装最新版再恢复。",
        )
    paths.ensure()
    temp = paths.home / ".restoring.db"  # a .db name: open_store takes it as a file
    with (
        contextlib.closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as src,
        contextlib.closing(sqlite3.connect(str(temp))) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
    try:
        db = open_store(temp)  # migrates a copy from an older release
        try:
            wrap = keys.get_wrap(db, "recovery")
            if wrap is None:
                raise ServiceError("login_no_recovery_wrap", "备份中没有恢复密钥记录：无法用恢复密钥恢复。")
            try:
                unwrap_with_recovery(wrap, recovery_key)
            except WrongCredential:
                raise ServiceError(
                    "login_wrong_recovery_key",
                    "恢复密钥不正确：请对照注册时打印的恢复密钥逐位核对后重新输入。",
                ) from None
            unsent = outbox.unnumbered_count(db)
            max_local = outbox.highest_local_id(db)
            with db.atomic():
                meta.put_many(
                    db,
                    {
                        RESTORED_AT: iso(now),
                        RESTORED_FROM: file.name,
                        RESTORED_NEEDS_ENROL: "1",
                        RESTORED_MAX_LOCAL_ID: str(max_local),
                        SERVER_SEQ_FLOOR: None,
                        LAST_BACKUP_AT: manifest.created_at.isoformat(),
                        meta.LAST_ERROR: None,
                    },
                )
                audit.append(
                    db,
                    at=now,
                    actor=ACTOR,
                    action="store.restore",
                    entity="station",
                    entity_id=manifest.station_id,
                    detail={
                        "file": file.name,
                        "created_at": manifest.created_at.isoformat(),
                        "unsent": unsent,
                    },
                )
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        os.replace(temp, target)
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
            leftover.unlink(missing_ok=True)
    return RestoreResult(manifest, unsent)


def needs_enrol(db: Database) -> bool:
    return meta.get(db, RESTORED_NEEDS_ENROL) == "1"


def note_lost(db: Database, case_id: str, case_number: str, status: str, now: datetime) -> bool:
    """A case the city holds from this station that this (restored) store lacks; True if new."""
    station_code = meta.get(db, meta.STATION_CODE)
    if (
        meta.get(db, RESTORED_AT) is None
        or not station_code
        or not case_number.startswith(station_code + "-")
    ):
        return False
    known = db.execute("SELECT 1 FROM lost_cases WHERE case_id = ?", [case_id]).fetchone()
    if known is not None:
        db.execute("UPDATE lost_cases SET status = ? WHERE case_id = ?", [status, case_id])
        return False
    db.execute(
        "INSERT INTO lost_cases (case_id, case_number, status, found_at) VALUES (?, ?, ?, ?)",
        [case_id, case_number, status, iso(now)],
    )
    with contextlib.suppress(ContractError):  # a number the desk cannot parse takes no counter
        number = parse_case_number(case_number)
        # New cases must not take the lost one's 受理编号 again: the day's counter moves past it.
        db.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
            [case_counter_name(number.day), number.counter],
        )
    audit.append(
        db,
        at=now,
        actor="sync",
        action="case.lost",
        entity="case",
        entity_id=case_id,
        detail={"case_number": case_number, "status": status},
    )
    return True


def note_lost_receipt(
    db: Database,
    dek: DataKey,
    issued: IssuedStock,
    now: datetime,
) -> None:
    """A receipt the city knows this station issued for a case this restored store lacks
    (learnt at re-enrolment): the case is listed as lost, with its 票据号码 and applicant."""
    case_id = str(issued.case_id)
    note_lost(db, case_id, issued.case_number, issued.status.value, now)
    name = None if issued.applicant_name is None else dek.seal_json(issued.applicant_name, _lost_aad(case_id))
    db.execute(
        "UPDATE lost_cases SET receipt_stock = ?, applicant_enc = coalesce(?, applicant_enc) WHERE case_id = ?",
        [issued.stock.text, name, case_id],
    )


def _lost_aad(case_id: str) -> bytes:
    return aad("lost_cases", case_id)


def lost_cases(db: Database, dek: DataKey | None = None, *, open_only: bool = False) -> list[LostCase]:
    """The lost cases by 受理编号; with the data key, the applicant's name where the city sent it.

    ``open_only``: those the clerk has not yet marked retaken (what the window shows)."""
    rows = db.execute(
        "SELECT case_id, case_number, status, found_at, receipt_stock, applicant_enc, acknowledged_at "
        "FROM lost_cases WHERE acknowledged_at IS NULL OR NOT ? ORDER BY case_number",
        [open_only],
    )
    out = []
    for case_id, number, status, found_at, stock, enc, acknowledged in rows.fetchall():
        name = None
        if dek is not None and enc is not None:
            name = str(dek.open_json(enc, _lost_aad(str(case_id))))
        out.append(
            LostCase(
                str(case_id),
                str(number),
                str(status),
                str(found_at),
                None if stock is None else str(stock),
                name,
                None if acknowledged is None else str(acknowledged),
            )
        )
    return out


def acknowledge_lost(db: Database, case_id: str, *, by: str, now: datetime) -> bool:
    """The clerk retook a lost case from its paper receipt: the window stops listing it."""
    with db.atomic():
        changed = db.execute(
            "UPDATE lost_cases SET acknowledged_at = ?, acknowledged_by = ? "
            "WHERE case_id = ? AND acknowledged_at IS NULL",
            [iso(now), by, case_id],
        ).rowcount
        if changed:
            audit.append(
                db,
                at=now,
                actor=by,
                action="case.lost_acknowledged",
                entity="case",
                entity_id=case_id,
                detail={},
            )
    return bool(changed)


def lost_on_day(db: Database, day: date) -> list[LostCase]:
    """Lost cases taken on ``day`` (by their 受理编号): the 日结 of that day lacks their receipts."""
    out = []
    for case in lost_cases(db):
        with contextlib.suppress(ContractError):
            if parse_case_number(case.case_number).day == day:
                out.append(case)
    return out


def scheduled(db: Database, paths: StationPaths, now: datetime) -> str | None:
    """The window's round: back up when due (a folder is set), then the warning to show, or None.

    A failed backup (the USB drive pulled out) is logged and leaves the warning to speak once
    the last good backup is more than a day old.
    """
    if target_of(db) is not None and backup_rules.is_due(last_backup_at(db), now, every(db)):
        try:
            backup(paths, now=now)
        except (ServiceError, OSError, sqlite3.DatabaseError) as exc:
            log.warning("scheduled backup failed: %s", exc)
            return backup_rules.stale_words(last_backup_at(db), now, failed=True)
    return backup_rules.stale_words(last_backup_at(db), now)


def at_logout(paths: StationPaths, now: datetime) -> None:
    """One backup as the clerk leaves (window closed), when a folder is set; failures are logged."""
    try:
        source = open_store(paths.home, create=False)
    except (FileNotFoundError, sqlite3.DatabaseError):
        return
    try:
        configured = target_of(source) is not None
    finally:
        source.close()
    if configured:
        try:
            backup(paths, now=now)
        except (ServiceError, OSError, sqlite3.DatabaseError) as exc:
            log.warning("backup at logout failed: %s", exc)
