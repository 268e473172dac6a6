"""Anchoring the audit chain outside the database: the checkpoint key, log and checks.

A checkpoint (:mod:`schema.audit_checkpoint`) signs the chain's head with an Ed25519 key
kept in ``<data dir>/audit-key/`` (``key.pem`` owner-only, ``public.txt``), created by
``sync-server init`` or on first use — never in the database, so whoever can rewrite the
database still cannot sign a head. Each checkpoint is

* appended to ``<data dir>/audit-checkpoints.log`` (one JSON line, fsynced; the
  administrator ships this file off the server, e.g. daily with the backups),
* published in the pull feed to every station (``audit_checkpoint``), which keeps the
  latest it saw, and
* recorded in ``audit_checkpoints`` (to know when the last was made).

``sync-server audit checkpoint`` makes one on demand (the packaged daily timer runs it);
``sync-server audit verify`` checks the chain against a checkpoint log and a station's copy.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from sqlalchemy.engine import Connection

from schema.audit_chain import GENESIS
from schema.audit_checkpoint import (
    AuditCheckpoint,
    SignedCheckpoint,
    first_not_matching,
    line,
    parse_line,
    public_key_text,
    sign,
)
from schema.protocol import ChangeKind
from sync_server.db.engine import Database
from sync_server.db.tables import audit_checkpoints, audit_head, audit_log
from sync_server.services.feed import changes as feed

KEY_DIRECTORY = "audit-key"
KEY_FILE, PUBLIC_FILE = "key.pem", "public.txt"
LOG_FILE = "audit-checkpoints.log"
FEED_KEY = "audit_checkpoint"
STATION_META_KEY = "audit_checkpoint"  # station_client.services.audit_anchor.META_CHECKPOINT
DAILY = dt.timedelta(days=1)


class AnchorError(Exception):
    """The key or a checkpoint file cannot be used; the message says what to do."""


def key_dir(data_dir: Path) -> Path:
    return data_dir / KEY_DIRECTORY


def log_path(data_dir: Path) -> Path:
    return data_dir / LOG_FILE


def create_key(data_dir: Path) -> bool:
    """Create the checkpoint key; False when the data directory already has one.

    Written in a temporary folder and renamed into place, as the document CA is, so of two
    processes creating it at once exactly one wins."""
    if key_dir(data_dir).exists():
        return False
    key = Ed25519PrivateKey.generate()
    staging = Path(tempfile.mkdtemp(prefix=".audit-key-", dir=data_dir))
    try:
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(staging / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        (staging / PUBLIC_FILE).write_text(public_key_text(key.public_key()) + "\n", encoding="ascii")
        staging.chmod(0o700)
        try:
            staging.rename(key_dir(data_dir))
        except OSError:  # another process got there first
            return False
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def load_key(data_dir: Path) -> Ed25519PrivateKey:
    create_key(data_dir)
    path = key_dir(data_dir) / KEY_FILE
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise AnchorError(
            f"审计检查点密钥文件 {path} 缺失。请从单独保存的备份恢复 {KEY_DIRECTORY}/。"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AnchorError(f"{path} 不是 Ed25519 私钥。请从单独保存的备份恢复 {KEY_DIRECTORY}/。")
    return key


def public_key(data_dir: Path) -> str | None:
    """The checkpoint key's public half (base64), or None before the key exists."""
    try:
        return (key_dir(data_dir) / PUBLIC_FILE).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None


def _append_line(path: Path, text: str) -> None:
    """Append one line and fsync it (O_APPEND: never rewrites what is there)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (text + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def make_checkpoint(conn: Connection, data_dir: Path, *, now: dt.datetime) -> SignedCheckpoint:
    """Sign the head as it stands, in this transaction; log it, record it, publish it.

    The head row is locked so no append moves it meanwhile; the log line is written before
    commit, and what it signs is the committed head, so it is true even if this rolls back."""
    key = load_key(data_dir)
    row = conn.execute(sa.select(audit_head.c.seq, audit_head.c.hash).with_for_update()).first()
    seq, head = (int(row.seq), str(row.hash)) if row is not None else (0, GENESIS)
    signed = sign(key, AuditCheckpoint(seq=seq, head_hash=head, at=now))
    _append_line(log_path(data_dir), line(signed))
    conn.execute(
        sa.insert(audit_checkpoints).values(
            seq=seq, head_hash=head, made_at=now, signature=signed.signature, public_key=signed.public_key
        )
    )
    feed.emit(
        conn,
        feed.FeedChange(
            feed.SCOPE_ALL, ChangeKind.AUDIT_CHECKPOINT.value, FEED_KEY, seq, signed.model_dump(mode="json")
        ),
    )
    return signed


def checkpoint_if_due(
    db: Database, data_dir: Path, *, now: dt.datetime, every: dt.timedelta = DAILY
) -> SignedCheckpoint | None:
    """A checkpoint unless one was made within ``every`` before ``now``."""
    with db.write() as conn:
        last = conn.execute(sa.select(sa.func.max(audit_checkpoints.c.made_at))).scalar()
        if last is not None and now - last < every:
            return None
        return make_checkpoint(conn, data_dir, now=now)


def read_log(path: Path) -> list[SignedCheckpoint]:
    """Every checkpoint in a checkpoint log (blank lines skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnchorError(
            f"找不到检查点文件 {path}。请用 --checkpoints 指定运到别处保存的检查点文件。"
        ) from None
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            try:
                found.append(parse_line(raw))
            except ValidationError:
                raise AnchorError(
                    f"检查点文件 {path} 第 {number} 行不是检查点。请改用运到别处保存的完好副本。"
                ) from None
    return found


def station_checkpoint(home: Path) -> SignedCheckpoint | None:
    """The latest checkpoint a station's store kept, read without changing the store."""
    file = home if home.suffix == ".db" else home / "station.db"
    if not file.exists():
        raise AnchorError(f"找不到工作站数据 {file}。请指定工作站的数据目录（内含 station.db）。")
    with sqlite3.connect(f"{file.as_uri()}?mode=ro", uri=True) as store:
        try:
            row = store.execute("SELECT value FROM meta WHERE key = ?", [STATION_META_KEY]).fetchone()
        except sqlite3.DatabaseError as exc:
            raise AnchorError(f"无法读取工作站数据 {file}：{exc}") from None
    if row is None or row[0] is None:
        return None
    try:
        return SignedCheckpoint.model_validate_json(row[0])
    except ValidationError:
        raise AnchorError(f"工作站数据 {file} 中的检查点已无法读取。请换另一个工作站核对。") from None


@dataclass(frozen=True)
class AnchorReport:
    checked: int  # how many checkpoints were compared with the chain
    bad: SignedCheckpoint | None  # the first that the chain does not match
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.bad is None


def verify_against(conn: Connection, checkpoints: list[SignedCheckpoint], key: str) -> AnchorReport:
    """Compare the stored chain with ``checkpoints`` signed by ``key`` (the trusted public key)."""
    seqs = sorted({s.checkpoint.seq for s in checkpoints if s.checkpoint.seq > 0})
    hash_at: dict[int, str] = {}
    for start in range(0, len(seqs), 500):
        part = seqs[start : start + 500]
        query = sa.select(audit_log.c.seq, audit_log.c.hash).where(audit_log.c.seq.in_(part))
        hash_at.update({int(r.seq): str(r.hash) for r in conn.execute(query)})
    found = first_not_matching(checkpoints, hash_at, key)
    if found is None:
        return AnchorReport(len(checkpoints), None, None)
    return AnchorReport(len(checkpoints), found[0], found[1])
