"""The audit log is a hash chain that `audit verify` walks (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from sync_server.db.engine import Database
from sync_server.db.tables import audit_log
from sync_server.services import audit


def test_appended_entries_verify_as_intact(db: Database) -> None:
    with db.write() as conn:
        audit.append(conn, actor="admin", action="station.add", entity="station", entity_id="511102004-00")
        audit.append(
            conn,
            actor="admin",
            action="staff.add",
            entity="staff",
            entity_id="zhang",
            detail={"角色": "clerk"},
        )
    with db.read() as conn:
        report = audit.verify(conn)
    assert report.intact and report.entries == 2


def test_a_changed_entry_is_named(db: Database) -> None:
    with db.write() as conn:
        for i in range(5):
            audit.append(conn, actor="system", action="op.applied", entity="case", entity_id=str(i))
    with db.write() as conn:
        conn.execute(sa.update(audit_log).where(audit_log.c.seq == 3).values(actor="mallory"))
    with db.read() as conn:
        report = audit.verify(conn)
    assert report.first_broken_seq == 3


def test_a_removed_last_entry_is_detected(db: Database) -> None:
    with db.write() as conn:
        for i in range(3):
            audit.append(conn, actor="system", action="op.applied", entity="case", entity_id=str(i))
    with db.write() as conn:
        conn.execute(sa.delete(audit_log).where(audit_log.c.seq == 3))
    with db.read() as conn:
        assert not audit.verify(conn).intact


def test_rolled_back_transaction_leaves_no_gap(db: Database) -> None:
    with db.write() as conn:
        audit.append(conn, actor="a", action="x", entity="e", entity_id="1")
    try:
        with db.write() as conn:
            audit.append(conn, actor="a", action="x", entity="e", entity_id="2")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with db.write() as conn:
        audit.append(conn, actor="a", action="x", entity="e", entity_id="3")
    with db.read() as conn:
        report = audit.verify(conn)
    assert report.intact and report.entries == 2


def test_concurrent_appenders_keep_one_chain(db: Database) -> None:
    with db.write() as conn:
        audit.append(conn, actor="init", action="init", entity="server", entity_id="-")

    def worker(n: int) -> None:
        for i in range(10):
            with db.write() as conn:
                audit.append(conn, actor=f"w{n}", action="x", entity="e", entity_id=str(i))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.read() as conn:
        report = audit.verify(conn)
    assert report.intact and report.entries == 41


def _garble_detail(conn: sa.Connection, seq: int) -> None:
    """Damage a row's stored JSON behind the application's back."""
    if conn.dialect.name == "sqlite":
        # SQLite keeps the text: cut it so it no longer parses.
        conn.execute(
            sa.text('UPDATE audit_log SET detail = \'{"角色": "cle\' WHERE seq = :seq'), {"seq": seq}
        )
    else:
        # JSONB always parses; what a hand edit can leave is a value that is no longer an object.
        conn.execute(sa.text("UPDATE audit_log SET detail = '\"cle\"'::jsonb WHERE seq = :seq"), {"seq": seq})


def test_a_row_whose_stored_json_no_longer_reads_is_named_not_a_traceback(db: Database) -> None:
    with db.write() as conn:
        for i in range(4):
            audit.append(
                conn, actor="system", action="op.applied", entity="case", entity_id=str(i), detail={"n": i}
            )
    with db.write() as conn:
        _garble_detail(conn, 3)
    with db.read() as conn:
        report = audit.verify(conn)
    assert (report.first_broken_seq, report.entries) == (3, 3)
    assert report.reason is not None and "无法读取" in report.reason
