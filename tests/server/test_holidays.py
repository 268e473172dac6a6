"""Due dates never go missing: provisional dates, loading a year's schedule, recounting, the CLI.

The 2027 schedules below are TEST FIXTURES, not the State Council's notice: they exist to
show that loading a year changes the provisional dates.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from schema.catalog import load_catalog
from schema.holiday_schedule import parse_schedule
from schema.protocol import PushBatch
from schema.vocabulary import Tier
from schema.workdays import default_calendar
from station_client.core.intake_rules import promised_due
from sync_server.cli import main
from sync_server.core import routing
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, cases, changes, holiday_schedules, stations
from sync_server.services import audit
from sync_server.services.admin import holidays
from sync_server.services.feed.snapshot import snapshot_page
from sync_server.services.ingest import push as ingest
from sync_server.settings import Settings
from tests.support.factories import BEIJING, accept_op, enrolled_station

CATALOG = load_catalog()
COMPLEX = [item for item in CATALOG if item.tier is Tier.COMPLEX]

# Test fixture (not a real notice): 1–8 January 2027 off, Saturday 9 January worked.
FIXTURE_2027 = """
year = 2027
source = "测试用安排（非国务院办公厅通知）"
holidays = ["2027-01-01..2027-01-08", "2027-02-05..2027-02-11"]
workdays = ["2027-01-09"]
"""


@pytest.mark.parametrize("day", [dt.date(2026, 12, 7), dt.date(2026, 12, 21), dt.date(2027, 6, 30)])
def test_every_complex_item_gets_a_due_date_and_the_station_promises_the_same(day: dt.date) -> None:
    calendar = default_calendar()
    for item in COMPLEX:
        route = routing.route(item, day, calendar=calendar)
        promised = promised_due(item, day, calendar)
        assert route.due_date is not None and route.note is None, item.code
        assert promised is not None and (promised.day, promised.provisional) == (
            route.due_date,
            route.due_provisional,
        ), item.code
    provisional = sum(routing.route(i, day, calendar=calendar).due_provisional for i in COMPLEX)
    # 2026 is official: only limits reaching into 2027 are provisional (the 42 of 100).
    assert (
        provisional == {dt.date(2026, 12, 7): 42, dt.date(2026, 12, 21): 74, dt.date(2027, 6, 30): 100}[day]
    )


def _context(db: Database, station_id: str) -> StationContext:
    with db.read() as conn:
        row = conn.execute(sa.select(stations).where(stations.c.id == station_id)).one()
    return StationContext(row.id, row.township_code, row.county_code, bytes(row.public_key), row.status)


def _push_c019_on(db: Database, tmp_path: Path, at: dt.datetime) -> str:
    """C019 (10 calendar days) accepted at ``at`` through the real push; its case id."""
    station = enrolled_station(db)
    op = accept_op(station, "C019", accepted_at=at.astimezone(BEIJING))
    batch = PushBatch(station_id=station.id, sent_at=at, operations=(op,))
    settings = Settings(data_dir=tmp_path, secret_key="x" * 48, database_url=str(db.engine.url))
    answer = ingest.push(db, _context(db, station.id), batch, at, settings=settings)
    result = answer.results[0]
    assert result.status.value == "applied", result
    assert result.detail["due_date"] == "2027-01-07" and result.detail["due_provisional"] is True
    return str(op.case_id)


def test_loading_a_schedule_recounts_provisional_due_dates_audits_and_tells_the_station(
    db: Database, tmp_path: Path
) -> None:
    at = dt.datetime(2026, 12, 28, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
    case_id = _push_c019_on(db, tmp_path, at)
    with db.read() as conn:
        row = conn.execute(sa.select(cases).where(cases.c.case_id == case_id)).one()
        version = row.version
    assert (row.due_date, row.due_provisional) == (dt.date(2027, 1, 7), True)

    now = at + dt.timedelta(hours=1)
    with db.write() as conn:
        result = holidays.import_schedule(conn, parse_schedule(FIXTURE_2027), actor="cli:tester", now=now)
    assert (result.year, result.version, result.unchanged, result.replaced) == (2027, 1, False, False)
    assert [(r.case_id, r.before, r.after.day, r.after.provisional) for r in result.recounted] == [
        (case_id, dt.date(2027, 1, 7), dt.date(2027, 1, 9), False)  # 1–8 Jan off, Saturday 9th worked
    ]
    with db.read() as conn:
        row = conn.execute(sa.select(cases).where(cases.c.case_id == case_id)).one()
        stored = conn.execute(sa.select(holiday_schedules)).one()
        actions = [
            (e.action, e.entity_id, e.actor)
            for e in conn.execute(sa.select(audit_log).order_by(audit_log.c.seq))
            if e.action in ("calendar.import", "case.due_recount")
        ]
        feed = [
            (c.scope, c.kind, c.key, c.data) for c in conn.execute(sa.select(changes).order_by(changes.c.id))
        ]
        report = audit.verify(conn)
    assert (row.due_date, row.due_provisional, row.version) == (dt.date(2027, 1, 9), False, version)
    assert (stored.year, stored.loaded_by, stored.version) == (2027, "cli:tester", 1)
    assert actions == [("calendar.import", "2027", "cli:tester"), ("case.due_recount", case_id, "cli:tester")]
    assert report.intact
    workdays = [f for f in feed if f[1] == "workdays"]
    assert (
        workdays and workdays[-1][0] == "all" and "2027-01-08" in workdays[-1][3]["years"]["2027"]["holidays"]
    )
    status = [f for f in feed if f[1] == "case_status" and f[2] == case_id][-1]
    assert status[0] == f"station:{row.station_id}"
    assert (status[3]["due_date"], status[3]["due_provisional"]) == ("2027-01-09", False)

    # Loading the same file again changes nothing; a new push counts on the loaded year.
    with db.write() as conn:
        again = holidays.import_schedule(conn, parse_schedule(FIXTURE_2027), actor="cli:tester", now=now)
        calendar = holidays.server_calendar(conn)
    assert again.unchanged and not again.recounted
    assert calendar.due(dt.date(2026, 12, 28), "calendar_days", 10).day == dt.date(2027, 1, 9)


def test_the_snapshot_sends_the_loaded_schedules(db: Database) -> None:
    from sync_server.core.cursor import FeedPosition, Phase, SnapshotCursor

    cursor = SnapshotCursor(FeedPosition(0, 0), Phase.REFERENCE)
    with db.read() as conn:
        before, _ = snapshot_page(conn, "511102004-00", "511102004", cursor, 10)
    assert "workdays" not in [c.kind.value for c in before]
    with db.write() as conn:
        holidays.import_schedule(
            conn, parse_schedule(FIXTURE_2027), actor="cli:t", now=dt.datetime.now(dt.UTC)
        )
    with db.read() as conn:
        after, _ = snapshot_page(conn, "511102004-00", "511102004", cursor, 10)
    loaded = [c for c in after if c.kind.value == "workdays"]
    assert len(loaded) == 1 and list(loaded[0].data["years"]) == ["2027"]


# ---- the command line ---------------------------------------------------------------------


def _run(*args: object) -> Result:
    env = {"SSB_DATA_DIR": None, "SSB_DATABASE_URL": None, "SSB_SECRET_KEY": None}
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture
def data_dir(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "server"
    result = _run("init", "--data-dir", path, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    return path


def test_calendar_import_and_show(data_dir: Path, tmp_path: Path) -> None:
    shown = _run("calendar", "show", "2027", "--data-dir", data_dir)
    assert shown.exit_code == 0 and "暂定" in shown.output
    assert "2027-02-05" in shown.output and "春节" in shown.output  # 除夕, from the lunar calendar
    assert "随系统提供" in _run("calendar", "show", "2026", "--data-dir", data_dir).output

    bad = tmp_path / "bad.toml"
    bad.write_text(FIXTURE_2027.replace('workdays = ["2027-01-09"]', 'workdays = ["2027-01-08"]'), "utf-8")
    refused = _run("calendar", "import", bad, "--data-dir", data_dir)
    assert refused.exit_code == 2 and "（holiday_day_conflict）" in refused.stderr

    good = tmp_path / "2027.toml"
    good.write_text(FIXTURE_2027, "utf-8")
    loaded = _run("calendar", "import", good, "--data-dir", data_dir)
    assert loaded.exit_code == 0, loaded.output
    assert "已导入 2027 年节假日安排（版本 1）" in loaded.output
    shown = _run("calendar", "show", "2027", "--data-dir", data_dir)
    assert (
        "已导入（版本 1）" in shown.output and "测试用安排" in shown.output and "2027-01-09" in shown.output
    )
