"""Pulling through the real pull route: decisions, the registry slice, start-over, the digest."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from schema.lifecycle import CaseStatus
from schema.records import CaseStatusRecord, DecisionRecord
from schema.vocabulary import Section
from station_client.services import registry
from station_client.store import cases, meta, open_store
from station_client.store import reference as reference_store
from station_client.sync import pull
from station_client.sync.agent import SyncAgent
from station_client.sync.status import read_status
from sync_server.db.engine import Database
from sync_server.services.feed import changes as feed
from sync_server.services.feed.start_over import order_start_over
from tests.support.factories import add_person, person_id
from tests.support.sync_world import TOWNSHIP, World, in_process


def _registry(db: Database) -> None:
    for n in range(1, 31):
        add_person(db, person_id(n), township=TOWNSHIP, enrolled={"enterprise_pension": "511102"})
    add_person(db, person_id(99), township="511111002")  # another township: never sent here


@pytest.fixture
def world(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[World, httpx.Client]]:
    with in_process(sqlite_template, tmp_path, prepare=_registry) as made:
        yield made


def test_the_first_pull_brings_reference_data_staff_and_the_encrypted_registry_slice(world):
    w, _ = world
    db = open_store(w.paths.home)
    status = read_status(db)
    assert status.in_step and status.catalog_version == "2026.1" and status.cursor
    found = registry.find_by_id(db, w.dek, person_id(7), today=dt.date(2026, 11, 26))
    assert found is not None and found.enrolments[0].county == "511102"
    assert registry.find_by_id(db, w.dek, person_id(99), today=dt.date(2026, 11, 26)) is None
    raw = (w.paths.home / "station.db").read_bytes() + (w.paths.home / "station.db-wal").read_bytes()
    assert person_id(7).encode() not in raw and "王小明".encode() not in raw  # only inside sealed blobs
    assert pull.local_digest(db) is not None
    db.close()


def _emit_decision(w: World, case_id: uuid.UUID, number: str, status: CaseStatus, version: int) -> None:
    decided = dt.datetime.now(dt.UTC)
    with w.server_db.write() as conn:
        feed.emit_many(
            conn,
            [
                feed.FeedChange(
                    scope=feed.station_scope(w.station_id),
                    kind="case_status",
                    key=str(case_id),
                    version=version,
                    data=CaseStatusRecord(
                        case_id=case_id,
                        case_number=number,
                        status=status,
                        section=Section.PENSION,
                        version=version,
                    ).model_dump(mode="json"),
                ),
                feed.FeedChange(
                    scope=feed.station_scope(w.station_id),
                    kind="decision",
                    key=str(case_id),
                    version=version,
                    data=DecisionRecord(
                        case_id=case_id,
                        case_number=number,
                        status=status,
                        reason="缺少人事档案原件，请补正" if status is CaseStatus.RETURNED else "",
                        decided_at=decided,
                        decided_by="reviewer01",
                        section=Section.PENSION,
                        version=version,
                    ).model_dump(mode="json"),
                ),
            ],
        )


def test_decisions_come_down_and_are_applied_to_the_local_cases(world):
    w, client = world
    session = w.session()
    taken = w.take_in(session, 3)
    agent = SyncAgent(w.paths.home, w.dek, client=client)
    assert agent.run_once().ok
    returned, approved = taken[0], taken[1]
    _emit_decision(w, returned.case_id, returned.case_number, CaseStatus.RETURNED, 2)
    _emit_decision(w, approved.case_id, approved.case_number, CaseStatus.APPROVED, 2)

    report = agent.run_once()
    assert report.ok and report.pulled == 4
    row = cases.get_row(session.db, str(returned.case_id))
    assert row is not None and (row.status, row.server_status, row.version) == ("returned", "returned", 2)
    doc = cases.get_doc(session.db, w.dek, str(returned.case_id))
    assert doc is not None and doc.decision is not None and doc.decision.reason == "缺少人事档案原件，请补正"
    assert cases.get_row(session.db, str(approved.case_id)).status == "approved"  # type: ignore[union-attr]
    untouched = cases.get_row(session.db, str(taken[2].case_id))
    assert untouched is not None and untouched.status == "completed" and untouched.version < 2
    assert agent.run_once().pulled == 0  # the cursor moved with the page: nothing twice
    agent.close()


def test_a_start_over_order_drops_and_downloads_again_and_keeps_cases_and_outbox(world):
    w, client = world
    session = w.session()
    w.take_in(session, 2)
    with w.server_db.write() as conn:
        order_start_over(conn, w.station_id, "admin", reason="测试")
    add_person(w.server_db, person_id(31), township=TOWNSHIP)  # committed after the order

    report = SyncAgent(w.paths.home, w.dek, client=client).run_once()
    assert report.ok and report.started_over and report.pushed == 2
    db = session.db
    assert registry.find_by_id(db, w.dek, person_id(31), today=dt.date(2026, 11, 26)) is not None
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 31
    assert db.execute("SELECT count(*) FROM outbox WHERE state = 'done'").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM cases").fetchone()[0] == 2
    assert read_status(db).in_step


def test_a_digest_that_differs_makes_the_station_start_over_once_and_end_in_step(world):
    w, client = world
    db = open_store(w.paths.home)
    db.execute("DELETE FROM persons WHERE rowid IN (SELECT rowid FROM persons LIMIT 3)")  # local damage
    report = SyncAgent(w.paths.home, w.dek, client=client).run_once()
    assert report.ok and report.started_over
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 30
    assert pull.local_digest(db) is not None and read_status(db).in_step
    db.close()


def test_a_digest_that_stays_different_is_reported_not_fought_for_ever(world, monkeypatch):
    w, client = world
    db = open_store(w.paths.home)
    real = pull.local_digest
    monkeypatch.setattr(pull, "local_digest", lambda d: real(d).model_copy(update={"registry_count": 0}))
    agent = SyncAgent(w.paths.home, w.dek, client=client)
    first = agent.run_once()
    assert first.started_over and first.problem is not None and first.problem.code == "digest_mismatch"
    second = agent.run_once()
    assert not second.started_over and second.problem is not None  # no second full download
    status = read_status(db)
    assert not status.in_step and status.last_error is not None and "不一致" in status.last_error.message
    db.close()
    agent.close()


def test_an_unusable_cursor_is_answered_with_start_over_and_the_station_downloads_again(world):
    w, client = world
    db = open_store(w.paths.home)
    meta.put(db, meta.PULL_CURSOR, "f.0.999999")  # beyond anything this server holds
    report = SyncAgent(w.paths.home, w.dek, client=client).run_once()
    assert report.ok and report.started_over
    assert reference_store.version(db, reference_store.CATALOG) == "2026.1"
    assert read_status(db).in_step
    db.close()


def test_a_change_this_client_cannot_read_stops_the_pull_visibly_and_keeps_the_cursor(world):
    w, client = world
    db = open_store(w.paths.home)
    cursor = meta.get(db, meta.PULL_CURSOR)
    with w.server_db.write() as conn:
        feed.emit(
            conn,
            feed.FeedChange(
                scope=feed.station_scope(w.station_id),
                kind="decision",
                key="x",
                version=1,
                data={"nonsense": 1},
            ),
        )
    report = SyncAgent(w.paths.home, w.dek, client=client).run_once()
    assert report.problem is not None and report.problem.code == "change_invalid"
    assert meta.get(db, meta.PULL_CURSOR) == cursor  # the page was not applied: nothing skipped
    status = read_status(db)
    assert not status.in_step and status.last_error is not None and "无法识别" in status.last_error.message
    db.close()
