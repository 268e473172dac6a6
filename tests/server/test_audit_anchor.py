"""Signed checkpoints pin the audit chain where a database administrator cannot reach it.

Rewriting an entry and recomputing every hash after it and the head fools the chain
walk alone; it does not fool the checkpoint log shipped off the server, nor the latest
checkpoint a station kept. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schema.audit_chain import GENESIS, chain
from schema.audit_checkpoint import AuditCheckpoint, SignedCheckpoint, sign
from schema.protocol import Change, ChangeKind
from station_client.services import audit_anchor as desk_anchor
from station_client.store import open_store
from station_client.sync.agent import SyncAgent
from sync_server.db.engine import Database
from sync_server.db.tables import audit_head, audit_log, changes
from sync_server.services import audit
from sync_server.services.admin import audit_anchor
from tests.server import test_cli_admin
from tests.server.test_cli_admin import run
from tests.support.factories import make_client
from tests.support.sync_world import enrol_station

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)

# A data directory made by `sync-server init` on the backend under test, and its database.
data_dir = test_cli_admin.data_dir
database = test_cli_admin.database


def add_entries(db: Database, n: int, *, start: int = 0) -> None:
    with db.write() as conn:
        for i in range(start, start + n):
            audit.append(conn, actor="clerk01", action="op.applied", entity="case", entity_id=f"case-{i}")


def rewrite_history(db: Database, seq: int, *, actor: str) -> None:
    """What an administrator with database access can do: change entry ``seq``, then
    recompute every hash from the start and the head, so the chain walks clean."""
    with db.write() as conn:
        rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq)).all()
        items = [
            (r.at, actor if r.seq == seq else r.actor, r.action, r.entity, r.entity_id, r.detail)
            for r in rows
        ]
        for entry in chain(0, GENESIS, items):
            conn.execute(
                sa.update(audit_log)
                .where(audit_log.c.seq == entry.seq)
                .values(actor=entry.actor, prev_hash=entry.prev_hash, hash=entry.hash)
            )
        conn.execute(sa.update(audit_head).values(seq=entry.seq, hash=entry.hash))
        assert audit.verify(conn).intact  # the chain alone can no longer tell


def test_init_makes_an_owner_only_checkpoint_key_outside_the_database(data_dir: Path) -> None:
    key = data_dir / "audit-key" / "key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert audit_anchor.public_key(data_dir)


def test_a_checkpoint_is_logged_published_and_verifies(data_dir: Path, database: Database) -> None:
    add_entries(database, 3)
    made = run("audit", "checkpoint", "--data-dir", data_dir)
    assert made.exit_code == 0, made.output
    lines = (data_dir / "audit-checkpoints.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    with database.read() as conn:
        head = conn.execute(sa.select(audit_head.c.seq, audit_head.c.hash)).one()
        published = conn.execute(sa.select(changes).where(changes.c.kind == "audit_checkpoint")).one()
    logged = SignedCheckpoint.model_validate_json(lines[0])
    assert (logged.checkpoint.seq, logged.checkpoint.head_hash) == (head.seq, head.hash)
    assert published.scope == "all" and SignedCheckpoint.model_validate(published.data) == logged
    verified = run("audit", "verify", "--data-dir", data_dir)
    assert verified.exit_code == 0, verified.output
    assert "核对一致：1 个检查点" in verified.output


def test_a_rewritten_and_rehashed_log_fails_against_the_first_checkpoint_after_it(
    data_dir: Path, database: Database, tmp_path: Path
) -> None:
    add_entries(database, 3)
    with database.write() as conn:
        first = audit_anchor.make_checkpoint(conn, data_dir, now=NOW)
    add_entries(database, 3, start=3)
    with database.write() as conn:
        audit_anchor.make_checkpoint(conn, data_dir, now=NOW + dt.timedelta(days=1))
    shipped = tmp_path / "elsewhere" / "audit-checkpoints.log"  # the copy the admin ships away
    shipped.parent.mkdir()
    shutil.copyfile(data_dir / "audit-checkpoints.log", shipped)

    rewrite_history(database, 2, actor="nobody")

    result = run("audit", "verify", "--data-dir", data_dir, "--checkpoints", shipped)
    assert result.exit_code == 1, result.output
    assert "审计日志完整" in result.output  # what used to be the whole check
    assert f"第 {first.checkpoint.seq} 条）" in result.stderr  # the first bad checkpoint is named
    assert "2026-03-02 09:30:00（北京时间）的检查点" in result.stderr
    assert "哈希与检查点不符" in result.stderr


def test_a_checkpoint_with_a_forged_signature_is_refused(
    data_dir: Path, database: Database, tmp_path: Path
) -> None:
    add_entries(database, 2)
    with database.write() as conn:
        audit_anchor.make_checkpoint(conn, data_dir, now=NOW)
    rewrite_history(database, 1, actor="nobody")
    # The administrator also rewrites the checkpoint log, signing the new head with a key of his own.
    with database.read() as conn:
        head = conn.execute(sa.select(audit_head.c.seq, audit_head.c.hash)).one()
    forged = sign(Ed25519PrivateKey.generate(), AuditCheckpoint(seq=head.seq, head_hash=head.hash, at=NOW))
    log = tmp_path / "forged.log"
    log.write_text(forged.model_dump_json() + "\n", encoding="utf-8")

    result = run("audit", "verify", "--data-dir", data_dir, "--checkpoints", log)
    assert result.exit_code == 1, result.output
    assert "签名无效" in result.stderr

    # Keeping our key's public half in the record is no way round it either.
    forged_with_our_key = forged.model_copy(update={"public_key": audit_anchor.public_key(data_dir)})
    log.write_text(forged_with_our_key.model_dump_json() + "\n", encoding="utf-8")
    assert "签名无效" in run("audit", "verify", "--data-dir", data_dir, "--checkpoints", log).stderr


def test_a_damaged_checkpoint_file_is_refused_with_its_line(data_dir: Path, tmp_path: Path) -> None:
    log = tmp_path / "checkpoints.log"
    log.write_text("\n" + json.dumps({"checkpoint": "x"}) + "\n", encoding="utf-8")
    result = run("audit", "verify", "--data-dir", data_dir, "--checkpoints", log)
    assert result.exit_code == 2 and "（audit_anchor_unusable）" in result.stderr
    assert "第 2 行" in result.stderr


def test_the_daily_checkpoint_is_made_once_a_day(data_dir: Path, database: Database) -> None:
    add_entries(database, 1)
    assert audit_anchor.checkpoint_if_due(database, data_dir, now=NOW) is not None
    assert audit_anchor.checkpoint_if_due(database, data_dir, now=NOW + dt.timedelta(hours=23)) is None
    assert audit_anchor.checkpoint_if_due(database, data_dir, now=NOW + dt.timedelta(hours=24)) is not None
    assert len((data_dir / "audit-checkpoints.log").read_text(encoding="utf-8").splitlines()) == 2
    # The packaged daily timer runs the command with --if-due (here on the real clock).
    made = run("audit", "checkpoint", "--if-due", "--data-dir", data_dir)
    assert made.exit_code == 0 and "检查点已做" in made.output
    again = run("audit", "checkpoint", "--if-due", "--data-dir", data_dir)
    assert again.exit_code == 0 and "未做" in again.output


def test_a_station_keeps_the_latest_checkpoint_and_exposes_a_rewrite(
    data_dir: Path, database: Database, tmp_path: Path
) -> None:
    client = make_client(database, data_dir)
    try:
        world = enrol_station(database, tmp_path / "station", client)
        add_entries(database, 2)
        with database.write() as conn:
            made = audit_anchor.make_checkpoint(conn, data_dir, now=NOW)
        agent = SyncAgent(world.paths.home, world.dek, client=client)
        try:
            assert agent.run_once().ok
        finally:
            agent.close()
    finally:
        client.close()
    store = open_store(world.paths.home)
    try:
        assert desk_anchor.latest(store) == made
    finally:
        store.close()
    # The server's own log is lost with the server (or rewritten): the station's copy still tells.
    (data_dir / "audit-checkpoints.log").unlink()
    fine = run("audit", "verify", "--data-dir", data_dir, "--against-station", world.paths.home)
    assert fine.exit_code == 0 and "保存的检查点核对一致" in fine.output, fine.output

    rewrite_history(database, 1, actor="nobody")
    result = run("audit", "verify", "--data-dir", data_dir, "--against-station", world.paths.home)
    assert result.exit_code == 1, result.output
    assert f"与服务站 {world.paths.home} 保存的检查点不符" in result.stderr
    assert f"第 {made.checkpoint.seq} 条）" in result.stderr


def _change(signed: SignedCheckpoint) -> Change:
    return Change(
        kind=ChangeKind.AUDIT_CHECKPOINT,
        key="audit_checkpoint",
        version=signed.checkpoint.seq,
        data=signed.model_dump(mode="json"),
    )


def test_a_station_refuses_a_checkpoint_not_signed_by_the_key_it_pinned(tmp_path: Path) -> None:
    city, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    store = open_store(tmp_path / "home")
    try:
        genuine = sign(city, AuditCheckpoint(seq=5, head_hash="a" * 64, at=NOW))
        assert desk_anchor.apply_change(store, _change(genuine))
        forged = sign(other, AuditCheckpoint(seq=9, head_hash="b" * 64, at=NOW + dt.timedelta(days=1)))
        assert not desk_anchor.apply_change(store, _change(forged))
        older = sign(city, AuditCheckpoint(seq=4, head_hash="c" * 64, at=NOW - dt.timedelta(days=1)))
        assert not desk_anchor.apply_change(store, _change(older))
        newer = sign(city, AuditCheckpoint(seq=7, head_hash="d" * 64, at=NOW + dt.timedelta(days=1)))
        assert desk_anchor.apply_change(store, _change(newer))
        assert desk_anchor.latest(store) == newer
    finally:
        store.close()
