"""A station's backup, its restore on a replaced PC, and the cases a restore lost.

The story of issue 16: take cases, back up, take more (the city gets them), lose the PC,
restore the backup on a fresh home with the recovery key, enrol again with a new code, sync:
the city (on SQLite and on PostgreSQL) holds every case once, the outbox went on without doubling anything, and the cases
taken after the backup are listed as lost with their 受理编号, never silently.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from station_client.cli import main as station_cli
from station_client.core import backup_rules
from station_client.paths import StationPaths
from station_client.services import backup, enrolment
from station_client.services.errors import ServiceError
from station_client.services.session import login
from station_client.store import meta, open_store
from station_client.sync.agent import SyncAgent
from sync_server.db.engine import Database
from sync_server.services.admin.stations import issue_enrolment_code, revoke_station
from tests.support.factories import make_client
from tests.support.stationkit import make_station_home
from tests.support.sync_world import CLERK_PASSWORD, World, enrol_station, now

T0 = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(db: Database, tmp_path: Path) -> Iterator[tuple[World, httpx.Client]]:
    """One enrolled station and the real app in process, on SQLite and on PostgreSQL (``db``)."""
    client = make_client(db, tmp_path)
    try:
        yield enrol_station(db, tmp_path / "station", client), client
    finally:
        client.close()


def sync(w: World, client: httpx.Client, home: Path | None = None):
    return SyncAgent(home or w.paths.home, w.dek, client=client).run_once()


def test_a_restored_pc_goes_on_and_names_the_cases_taken_after_the_backup(world, tmp_path):
    w, client = world
    usb = tmp_path / "usb"
    usb.mkdir()
    session = w.session()
    synced = w.take_in(session, 3)
    assert sync(w, client).ok
    unsent = w.take_in(session, 2)  # still in the outbox when the backup is taken
    backup.configure(session.db, usb)
    made = backup.backup(w.paths, now=now())
    assert made.manifest.cases == 5
    after = w.take_in(session, 2)  # taken after the backup ...
    assert sync(w, client).ok  # ... and sent: the city has 7 cases, seqs 1–7
    assert sorted(w.server_seqs()) == list(range(1, 8))
    session.db.close()

    shutil.rmtree(w.paths.home)  # the PC is gone
    home = StationPaths.of(tmp_path / "new-pc")
    restored = backup.restore(made.path, home, recovery_key=w.recovery_key, now=now())
    assert restored.unsent == 2
    with w.server_db.write() as conn:  # 综合业务科: the old PC revoked, a new code for the station
        revoke_station(conn, w.station_id, now=now(), actor="admin")
        code = issue_enrolment_code(conn, w.station_id, now=now(), hours=24, actor="admin").code
    again = enrolment.enrol(
        home,
        server_url=str(client.base_url),
        ca_pem=b"-",
        code=code,
        client=client,
        recovery_key=w.recovery_key,
    )
    assert again.resumed and again.station_id == w.station_id
    assert enrolment.initial_pull(home, again.dek, client) is None  # pushes the restored outbox, pulls

    db = open_store(home.home)
    fresh = login(db, w.clerk, CLERK_PASSWORD, now=now(), dek=again.dek)
    new = w.take_in(fresh, 1)
    assert SyncAgent(home.home, again.dek, client=client).run_once().ok

    server_cases = w.server_case_ids()
    everyone = [r.case_id for r in synced + unsent + after + new]
    assert sorted(server_cases) == sorted(str(c) for c in everyone)  # every case once
    ops = w.server_operations()
    assert len(ops) == 8 and sorted(w.server_seqs()) == list(range(1, 9))
    assert set(ops.values()) == {"applied"}
    lost = backup.lost_cases(db)
    assert [c.case_number for c in lost] == sorted(r.case_number for r in after)
    assert new[0].case_number not in {c.case_number for c in lost}  # no number taken twice
    actions = [r[0] for r in db.execute("SELECT action FROM audit WHERE action LIKE 'case.lost'")]
    assert len(actions) == 2
    db.close()

    shown = CliRunner().invoke(station_cli, ["lost", "--home", str(home.home)])
    assert shown.exit_code == 0, shown.output
    for case in after:
        assert case.case_number in shown.output


def test_a_backup_is_verified_and_old_generations_are_dropped(tmp_path):
    home = make_station_home(StationPaths.of(tmp_path / "home"))
    usb = tmp_path / "usb"
    usb.mkdir()
    backup.configure(home.db, usb, keep=2)
    files = [backup.backup(home.paths, now=T0 + dt.timedelta(hours=h)).path for h in range(3)]
    kept = sorted(p.name for p in usb.iterdir())
    assert kept == sorted([files[1].name, files[1].name + ".json", files[2].name, files[2].name + ".json"])
    assert backup.verify(files[2]).station_code == meta.get(home.db, meta.STATION_CODE)
    assert backup.last_backup_at(home.db) == T0 + dt.timedelta(hours=2)

    with files[2].open("r+b") as f:  # a copy that rotted on the USB drive
        f.seek(5000)
        f.write(b"\xff" * 64)
    with pytest.raises(ServiceError) as refused:
        backup.restore(files[2], StationPaths.of(tmp_path / "pc2"), recovery_key=home.recovery_key, now=T0)
    assert refused.value.code == "backup_corrupt"
    assert not (tmp_path / "pc2" / "station.db").exists()


def test_a_restore_needs_the_recovery_key_and_an_empty_home(tmp_path):
    home = make_station_home(StationPaths.of(tmp_path / "home"))
    made = backup.backup(home.paths, now=T0, target=tmp_path)
    with pytest.raises(ServiceError) as wrong:
        backup.restore(
            made.path, StationPaths.of(tmp_path / "pc2"), recovery_key="AAAA-" * 7 + "AAAA", now=T0
        )
    assert wrong.value.code in {"login_wrong_recovery_key", "credential_wrong", "recovery_key_invalid"}
    assert not (tmp_path / "pc2" / "station.db").exists()
    with pytest.raises(ServiceError) as busy:
        backup.restore(made.path, home.paths, recovery_key=home.recovery_key, now=T0)
    assert busy.value.code == "restore_home_not_empty"


def test_a_backup_taken_while_a_clerk_writes_is_consistent(tmp_path):
    home = make_station_home(StationPaths.of(tmp_path / "home"))
    writer = sqlite3.connect(str(home.paths.db))
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO meta (key, value) VALUES ('half_done', 'x')")  # not committed yet
    with ThreadPoolExecutor(1) as pool:  # the window's scheduler backs up off the UI thread
        running = pool.submit(backup.backup, home.paths, now=T0, target=tmp_path)
        copy_path = tmp_path / backup_rules.backup_name(meta.get(home.db, meta.STATION_CODE) or "", T0)
        for _ in range(600):  # the copy lands before the backup records itself in the store
            if copy_path.exists() or running.done():
                break
            time.sleep(0.05)
        writer.rollback()
        writer.close()
        made = running.result()
    copy = sqlite3.connect(str(made.path))
    assert copy.execute("SELECT count(*) FROM meta WHERE key = 'half_done'").fetchone()[0] == 0
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()
    assert backup.last_backup_at(home.db) == T0


def test_the_command_line_configures_backs_up_and_restores(tmp_path, monkeypatch):
    home = make_station_home(StationPaths.of(tmp_path / "home"))
    home.db.close()
    usb = tmp_path / "usb"
    usb.mkdir()
    runner = CliRunner()
    set_up = runner.invoke(station_cli, ["backup", "--home", str(home.paths.home), "--configure", str(usb)])
    assert set_up.exit_code == 0 and "备份位置已设为" in set_up.output
    done = runner.invoke(station_cli, ["backup", "--home", str(home.paths.home)])
    assert done.exit_code == 0, done.output
    [file] = usb.glob("*" + backup_rules.SUFFIX)
    monkeypatch.setenv("SSB_RECOVERY_KEY", home.recovery_key)
    back = runner.invoke(station_cli, ["restore", str(file), "--home", str(tmp_path / "pc2")])
    assert back.exit_code == 0, back.output
    assert "station-client enroll" in back.output
    db = open_store(tmp_path / "pc2")
    assert backup.needs_enrol(db)
    db.close()
    unset = runner.invoke(station_cli, ["backup", "--home", str(tmp_path / "pc2")])
    assert unset.exit_code == 0, unset.output  # the restored store keeps the backup folder


def test_the_window_is_warned_when_the_last_backup_is_over_a_day_old():
    assert backup_rules.stale_words(None, T0) is not None
    assert backup_rules.stale_words(T0 - dt.timedelta(hours=23), T0) is None
    words = backup_rules.stale_words(T0 - dt.timedelta(days=2, hours=1), T0)
    assert words == "本机数据已 2 天未备份：请检查备份位置"


def test_generations_keep_only_this_stations_newest():
    names = [backup_rules.backup_name("511102004-00", T0 + dt.timedelta(days=d)) for d in range(4)]
    other = backup_rules.backup_name("511102005-00", T0)
    dropped = backup_rules.generations_to_drop([*names, other, "notes.txt"], "511102004-00", keep=2)
    assert dropped == names[:2]


def test_restored_rows_keep_their_numbers_then_new_ones_follow_the_city():
    assert backup_rules.resume_seq(4, 3, server_floor=7, restored_pending=True) == 4
    assert backup_rules.resume_seq(6, 5, server_floor=7, restored_pending=False) == 8
    assert backup_rules.resume_seq(9, 8, server_floor=None, restored_pending=False) == 9
