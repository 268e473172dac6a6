"""``sync-server backup``: a consistent copy of the server's database, taken while it serves.

SQLite: the online backup API copies the live file page by page into a new file (writers
wait only for each step); the copy is checked (``PRAGMA integrity_check``) before it is
called done. PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot), restored
into a fresh database by ``packaging/server/restore-postgresql.sh``.

A server restored from an older backup lacks what stations pushed since; the stations
notice (their acknowledged seq is above the server's ``last_seq``) and send it again.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from sync_server.db.engine import Database
from sync_server.db.tables import stations


class BackupError(Exception):
    """The copy could not be made; ``code`` is stable, the message says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    dialect: str
    stations: int  # stations whose pushes the copy holds (their last_seq in it)


def backup(db: Database, target: Path) -> Backup:
    """Copy ``db`` into the new file ``target`` (never over an existing one)."""
    if target.exists():
        raise BackupError(
            "backup_target_exists", f"备份文件 {target} 已存在。请换一个文件名，旧备份不会被覆盖。"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with db.read() as conn:
        count = int(conn.execute(sa.select(sa.func.count()).select_from(stations)).scalar() or 0)
    if db.is_postgres:
        _pg_dump(db, target)
    else:
        _sqlite_backup(db, target)
    return Backup(target, target.stat().st_size, db.dialect, count)


def _sqlite_backup(db: Database, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)  # left by a copy that was cut short
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY, 0o600))  # personal data: owner only
    raw = db.engine.raw_connection()
    try:
        source: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=1024)
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
    finally:
        raw.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError("backup_corrupt", f"备份副本校验未通过（{verdict}）。请检查磁盘后重试。")
    partial.rename(target)  # complete or absent: never a half-written backup under the name


def pg_dump_argv(url: str, target: Path) -> tuple[list[str], dict[str, str]]:
    """``pg_dump`` arguments and environment for ``url`` (the password in PGPASSWORD, not argv)."""
    parsed = make_url(url)
    env = {
        key: str(value)
        for key, value in {
            "PGHOST": parsed.host,
            "PGPORT": parsed.port,
            "PGUSER": parsed.username,
            "PGPASSWORD": parsed.password,
            "PGDATABASE": parsed.database,
        }.items()
        if value is not None
    }
    return ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"], env


def _pg_dump(db: Database, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise BackupError(
            "backup_tool_missing",
            "找不到 pg_dump。请安装 PostgreSQL 客户端（Debian：apt install postgresql-client）后重试。",
        )
    argv, env = pg_dump_argv(db.engine.url.render_as_string(hide_password=False), target)
    os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))  # personal data: owner only
    done = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        reason = (done.stderr.strip().splitlines() or ["?"])[-1][:200]
        raise BackupError("backup_failed", f"pg_dump 未能完成备份（{reason}）。请检查数据库连接后重试。")
