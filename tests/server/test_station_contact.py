"""A station's phone and address (SQLite and PostgreSQL): the city sets them with
`sync-server station contact`, each change goes down to that one station as a ``station``
record (feed and snapshot alike), and the station prints them on its documents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from schema.protocol import ChangeKind
from schema.records import CHANGE_RECORDS, StationRecord
from station_client.services import station_contact as desk_contact
from station_client.store import open_store
from station_client.sync.agent import SyncAgent
from sync_server.core.cursor import FEED_START, Phase, SnapshotCursor
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, changes
from sync_server.services.admin.station_contact import set_contact
from sync_server.services.admin.stations import StationError, add_station
from sync_server.services.feed.snapshot import snapshot_page
from tests.server.test_cli_admin import data_dir, database, refused, run  # noqa: F401  (fixtures)
from tests.support.sync_world import in_process

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
STATION = "511102004-00"


def _station(db: Database) -> None:
    with db.write() as conn:
        add_station(
            conn, division="511102004", name="市中区大佛街道社保所", now=NOW, code_hours=24, actor="admin"
        )


def _sent(db: Database) -> list[tuple[str, StationRecord]]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(changes.c.scope, changes.c.data)
            .where(changes.c.kind == "station")
            .order_by(changes.c.id)
        ).all()
    return [(r.scope, StationRecord.model_validate(r.data)) for r in rows]


def test_setting_the_contact_tells_that_station_and_is_audited(db: Database) -> None:
    _station(db)
    with db.write() as conn:
        first = set_contact(
            conn, STATION, phone="０８３３－２１２３４５６", address=None, now=NOW, actor="admin"
        )
        second = set_contact(conn, STATION, phone=None, address=" 嘉定中路  1 号 ", now=NOW, actor="admin")
    assert (first.phone, first.address, first.version) == ("0833-2123456", None, 1)  # full-width typed
    assert (second.phone, second.address, second.version) == ("0833-2123456", "嘉定中路 1 号", 2)
    assert _sent(db) == [(f"station:{STATION}", first), (f"station:{STATION}", second)]
    assert CHANGE_RECORDS[ChangeKind.STATION] is StationRecord
    with db.read() as conn:
        actions = (
            conn.execute(
                sa.select(audit_log.c.action)
                .where(audit_log.c.entity_id == STATION)
                .order_by(audit_log.c.seq)
            )
            .scalars()
            .all()
        )
    assert actions.count("station.contact") == 2


def test_an_empty_text_clears_and_a_bad_phone_is_refused(db: Database) -> None:
    _station(db)
    with db.write() as conn:
        set_contact(conn, STATION, phone="13812345678", address="嘉定中路 1 号", now=NOW, actor="admin")
        cleared = set_contact(conn, STATION, phone="", address=None, now=NOW, actor="admin")
    assert cleared.phone is None and cleared.address == "嘉定中路 1 号"
    for bad in ("0833-2123456，13812345678", "电话待定", "12"):
        with pytest.raises(StationError) as info, db.write() as conn:
            set_contact(conn, STATION, phone=bad, address=None, now=NOW, actor="admin")
        assert info.value.code == "station_phone_invalid" and "0833-2123456" in info.value.message
    with pytest.raises(StationError) as info, db.write() as conn:
        set_contact(conn, STATION, phone=None, address="路" * 201, now=NOW, actor="admin")
    assert info.value.code == "station_address_invalid"


def test_the_snapshot_serves_the_station_its_own_record_among_the_reference_data(db: Database) -> None:
    _station(db)
    with db.write() as conn:
        set_contact(conn, STATION, phone="0833-2123456", address="嘉定中路 1 号", now=NOW, actor="admin")
    with db.read() as conn:
        served, _ = snapshot_page(
            conn, STATION, "511102004", SnapshotCursor(FEED_START, Phase.REFERENCE), 100
        )
        small, more = snapshot_page(
            conn, STATION, "511102004", SnapshotCursor(FEED_START, Phase.REFERENCE), 1
        )
    kinds = [c.kind for c in served if c.kind not in (ChangeKind.STAFF,)]
    assert ChangeKind.STATION in kinds
    reference = [c.kind.value for c in served][: kinds.index(ChangeKind.STATION) + 1]
    assert reference == sorted(reference)  # the phase pages by kind: it must stay in kind order
    (own,) = [c for c in served if c.kind is ChangeKind.STATION]
    assert StationRecord.model_validate(own.data).phone == "0833-2123456" and own.key == STATION
    assert len(small) == 1 and more is not None


def test_station_contact_on_the_command_line(data_dir: Path) -> None:  # noqa: F811
    added = run(
        "station", "add", "--data-dir", data_dir, "--division", "511102004", "--name", "市中区大佛街道社保所",
        "--phone", "0833-2123456",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    shown = run("station", "contact", "--data-dir", data_dir, STATION)
    assert (
        shown.exit_code == 0
        and "联系电话：0833-2123456" in shown.output
        and "地址：（未登记）" in shown.output
    )
    changed = run("station", "contact", "--data-dir", data_dir, STATION, "--address", "嘉定中路 1 号")
    assert changed.exit_code == 0 and "已更新" in changed.output and "地址：嘉定中路 1 号" in changed.output
    refused(
        run("station", "contact", "--data-dir", data_dir, STATION, "--phone", "待定"), "station_phone_invalid"
    )


def test_the_station_receives_its_contact_at_the_next_sync(sqlite_template: Path, tmp_path: Path) -> None:
    with in_process(sqlite_template, tmp_path) as (world, client):
        store = open_store(world.paths.home)
        assert desk_contact.contact(store).phone_text == "（未登记电话）"  # enrolled before the city set it
        with world.server_db.write() as conn:
            set_contact(
                conn, world.station_id, phone="0833-2123456", address="嘉定中路 1 号", now=NOW, actor="a"
            )
        agent = SyncAgent(world.paths.home, world.dek, client=client)
        try:
            assert agent.run_once().ok
        finally:
            agent.close()
        assert desk_contact.contact(store) == desk_contact.StationContact("0833-2123456", "嘉定中路 1 号")
        store.close()
