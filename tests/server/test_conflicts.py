"""Conflict cases (a stale registry update) on both backends: both versions side by side, and
each resolution's registry change, case status, feed changes and audit entry."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.cases import BaseRecord
from schema.errors import TransitionError
from schema.lifecycle import Actor
from schema.protocol import CaseAcceptOp
from schema.vocabulary import Role, Section
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, case_events, changes, conflicts, persons
from sync_server.errors import ApiError
from sync_server.services import audit
from sync_server.services.review import conflicts as service
from tests.support.console_kit import add_account, case_row, console_client, logged_in, post
from tests.support.factories import (
    TOWNSHIP,
    Station,
    accept_op,
    add_person,
    batch_bytes,
    enrolled_station,
    person_id,
    push,
)

ADMIN = Actor.admin("demo.admin")


@pytest.fixture
def stale(db: Database, tmp_path: Path) -> tuple[TestClient, Station, str, str]:
    """A G08 phone change based on version 3 that lost to another change (now version 4)."""
    client = console_client(db, tmp_path)
    station = enrolled_station(db)
    insured = person_id(21)
    add_person(db, insured, version=3)
    fresh = accept_op(station, "G08", id_number=insured, base_version=3, form={"change_items": ["address"], "new_address": "乐山市市中区嘉州大道1号"})  # fmt: skip
    late = accept_op(station, "G08", id_number=insured, base_version=3, form={"change_items": ["phone"], "new_phone": "13700000000"})  # fmt: skip
    results = push(client, station, [fresh, late]).json()["results"]
    assert [r["case_status"] for r in results] == ["completed", "conflict"]
    return client, station, insured, str(late.case_id)


def _person(db: Database, id_number: str) -> Any:
    with db.read() as conn:
        return conn.execute(
            sa.select(persons.c.id_number, persons.c.phone, persons.c.address, persons.c.version).where(
                persons.c.id_number == id_number
            )
        ).one()


def _conflict_id(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(conflicts.c.id)).scalar_one())


def test_both_versions_side_by_side(db: Database, stale: tuple[TestClient, Station, str, str]) -> None:
    with db.read() as conn:
        (row,) = service.list_conflicts(conn)
        detail = service.get_conflict(conn, row.id)
    assert (row.case_number.endswith("0002"), service.reason_of(row)) == (True, "stale_version")
    lines = {line.label: line for line in service.compare(detail.current, detail.proposed)}
    assert (lines["联系电话"].server, lines["联系电话"].station, lines["联系电话"].differs) == (
        "13800000000", "13700000000", True,
    )  # fmt: skip
    assert lines["联系地址"].station is None and lines["联系地址"].server == "乐山市市中区嘉州大道1号"


def test_each_field_is_compared_once(db: Database, stale: tuple[TestClient, Station, str, str]) -> None:
    with db.read() as conn:
        view = service.conflict_view(conn, _conflict_id(db))
    labels = [line.label for line in view.lines]
    assert labels[:3] == ["公民身份号码", "姓名", "性别"]
    assert len(labels) == len(set(labels))  # the registry's fields were listed twice


def test_the_page_shows_what_the_station_started_from(db: Database, tmp_path: Path) -> None:
    """Version 4 reached the township through the feed; a phone change made 5; a station
    still on 4 changes the address. Beside today's row and the request: version 4."""
    client = console_client(db, tmp_path)
    station = enrolled_station(db)
    insured = person_id(22)
    add_person(db, insured, version=3)
    old_address, new_address = "乐山市市中区嘉州大道1号", "乐山市市中区白塔街8号"
    moved = accept_op(station, "G08", id_number=insured, base_version=3, form={"change_items": ["address"], "new_address": old_address})  # fmt: skip
    phone = accept_op(station, "G08", id_number=insured, base_version=4, form={"change_items": ["phone"], "new_phone": "13700000000"})  # fmt: skip
    late = accept_op(station, "G08", id_number=insured, base_version=4, form={"change_items": ["address"], "new_address": new_address})  # fmt: skip
    results = [push(client, station, [op]).json()["results"][0] for op in (moved, phone, late)]  # 3 syncs
    assert [r["case_status"] for r in results] == ["completed", "completed", "conflict"]

    with db.read() as conn:
        view = service.conflict_view(conn, _conflict_id(db))
    lines = {line.label: line for line in view.lines}
    assert view.original_known
    assert (lines["联系电话"].original, lines["联系电话"].server, lines["联系电话"].station) == (
        "13800000000", "13700000000", None,
    )  # fmt: skip
    assert lines["联系电话"].moved and not lines["联系地址"].moved
    assert (lines["联系地址"].original, lines["联系地址"].server, lines["联系地址"].station) == (
        old_address, old_address, new_address,
    )  # fmt: skip
    add_account(db, "demo.admin", Role.ADMIN)
    logged_in(client, "demo.admin")
    page = client.get(f"/console/conflicts/{_conflict_id(db)}").text
    assert "服务站依据的信息（版本 4）" in page and "已被他人更新" in page and "（未留存）" not in page


def test_a_version_the_feed_never_carried_is_marked_not_kept(
    db: Database, stale: tuple[TestClient, Station, str, str]
) -> None:
    client, *_ = stale  # version 3 was the station's first download: not in the feed
    with db.read() as conn:
        view = service.conflict_view(conn, _conflict_id(db))
    assert not view.original_known and {line.original for line in view.lines} == {None}
    add_account(db, "demo.admin", Role.ADMIN, name="邓海")
    logged_in(client, "demo.admin")
    page = client.get(f"/console/conflicts/{_conflict_id(db)}").text
    assert "（未留存）" in page and "服务器未单独留存该版本的内容" in page


def _based_on(op: CaseAcceptOp, base: BaseRecord) -> CaseAcceptOp:
    """The operation as a current station sends it: with the values its form was checked against."""
    return op.model_copy(update={"payload": op.payload.model_copy(update={"base_record": base})})


def test_the_station_sends_what_it_started_from_when_the_feed_never_carried_it(
    db: Database, tmp_path: Path
) -> None:
    """The seeded registry row (version 1) reached the station in its first download, so the
    feed never carried it; a city change made version 2; the station, still on 1, changes the
    address and says what it held: the page shows version 1 from the case itself."""
    client = console_client(db, tmp_path)
    station = enrolled_station(db)
    insured = person_id(23)
    add_person(db, insured, version=1)
    city = accept_op(station, "G08", id_number=insured, base_version=1, form={"change_items": ["phone"], "new_phone": "13700000000"})  # fmt: skip
    assert push(client, station, [city]).json()["results"][0]["case_status"] == "completed"
    held = BaseRecord(
        version=1, id_number=insured, name="王小明", sex="M" if int(insured[16]) % 2 else "F",
        birth_date=dt.date(1975, 5, 17), township=TOWNSHIP, phone="13800000000",
    )  # fmt: skip
    new_address = "乐山市市中区白塔街8号"
    late = accept_op(station, "G08", id_number=insured, base_version=1, form={"change_items": ["address"], "new_address": new_address})  # fmt: skip
    assert push(client, station, [_based_on(late, held)]).json()["results"][0]["case_status"] == "conflict"

    with db.read() as conn:
        view = service.conflict_view(conn, _conflict_id(db))
    lines = {line.label: line for line in view.lines}
    assert view.original_known and None not in {line.original for line in view.lines}
    assert (lines["联系电话"].original, lines["联系电话"].server, lines["联系电话"].moved) == (
        "13800000000", "13700000000", True,
    )  # fmt: skip
    assert (lines["联系地址"].original, lines["联系地址"].station, lines["联系地址"].moved) == (
        "—", new_address, False,
    )  # fmt: skip
    assert (lines["版本"].original, lines["版本"].server, lines["姓名"].original) == ("1", "2", "王小明")
    add_account(db, "demo.admin", Role.ADMIN)
    logged_in(client, "demo.admin")
    page = client.get(f"/console/conflicts/{_conflict_id(db)}").text
    assert "服务站依据的信息（版本 1）" in page and "（未留存）" not in page
    assert "服务器未单独留存该版本的内容" not in page


def test_an_older_station_without_base_record_still_syncs_and_is_marked_not_kept(
    db: Database, tmp_path: Path
) -> None:
    """An older station's case_accept has no base_record key at all: it ingests as before,
    once (the same digest whether the key is absent or null), and the page says （未留存）."""
    client = console_client(db, tmp_path)
    station = enrolled_station(db)
    insured = person_id(24)
    add_person(db, insured, version=1)
    city = accept_op(station, "G08", id_number=insured, base_version=1, form={"change_items": ["phone"], "new_phone": "13700000000"})  # fmt: skip
    late = accept_op(station, "G08", id_number=insured, base_version=1, form={"change_items": ["address"], "new_address": "乐山市市中区白塔街8号"})  # fmt: skip
    body = json.loads(batch_bytes(station, [city, late]))
    for op in body["operations"]:
        del op["payload"]["base_record"]
    old_style = json.dumps(body, ensure_ascii=False).encode()
    results = push(client, station, [], raw=old_style).json()["results"]
    assert [r["case_status"] for r in results] == ["completed", "conflict"]
    again = push(client, station, [city, late]).json()["results"]  # base_record: null this time
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]

    with db.read() as conn:
        view = service.conflict_view(conn, _conflict_id(db))
    assert not view.original_known and {line.original for line in view.lines} == {None}
    add_account(db, "demo.admin", Role.ADMIN)
    logged_in(client, "demo.admin")
    assert "（未留存）" in client.get(f"/console/conflicts/{_conflict_id(db)}").text


def test_applying_the_station_version_keeps_the_other_change(
    db: Database, stale: tuple[TestClient, Station, str, str]
) -> None:
    _, station, insured, case_id = stale
    with db.write() as conn:
        resolved = service.resolve(
            conn, _conflict_id(db), "station", actor=ADMIN, now=dt.datetime.now(dt.UTC)
        )
    assert (resolved.status, resolved.resolution, resolved.resolved_by) == (
        "resolved",
        "station",
        "demo.admin",
    )
    person = _person(db, insured)
    assert (person.phone, person.address, person.version) == ("13700000000", "乐山市市中区嘉州大道1号", 5)
    case = case_row(db, case_id)
    assert (case.status, case.completed_at is not None) == ("completed", True)
    with db.read() as conn:
        feed = conn.execute(
            sa.select(changes.c.scope, changes.c.kind, changes.c.version, changes.c.data).order_by(changes.c.id.desc()).limit(2)
        ).all()  # fmt: skip
        event = conn.execute(
            sa.select(case_events.c.event, case_events.c.to_status).order_by(case_events.c.id.desc())
        ).first()
        action = conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.seq.desc())).scalar()
        assert audit.verify(conn).intact
    status_change, person_change = feed
    assert (status_change.scope, status_change.kind, status_change.data["status"]) == (
        f"station:{station.id}",
        "case_status",
        "completed",
    )
    assert (person_change.scope, person_change.kind, person_change.version) == (
        "township:511102004",
        "person",
        5,
    )
    assert person_change.data["phone"] == "13700000000"
    assert (
        event is not None
        and tuple(event) == ("resolve_conflict", "completed")
        and action == "conflict.resolve"
    )


def test_keeping_the_server_version_changes_nothing_but_tells_the_township(
    db: Database, stale: tuple[TestClient, Station, str, str]
) -> None:
    _, _, insured, case_id = stale
    before = _person(db, insured)
    with db.write() as conn:
        service.resolve(
            conn,
            _conflict_id(db),
            "server",
            actor=ADMIN,
            now=dt.datetime.now(dt.UTC),
            note="以户籍地核实为准",
        )
    assert _person(db, insured) == before
    assert case_row(db, case_id).status == "completed"
    with db.read() as conn:
        resent = conn.execute(
            sa.select(changes.c.version, changes.c.data).where(changes.c.kind == "person").order_by(changes.c.id.desc())
        ).first()  # fmt: skip
    assert resent is not None and resent.version == 4 and resent.data["phone"] == "13800000000"
    with db.write() as conn, pytest.raises(ApiError) as again:
        service.resolve(conn, _conflict_id(db), "station", actor=ADMIN, now=dt.datetime.now(dt.UTC))
    assert again.value.code == "request_invalid" and "已由 demo.admin 处理" in again.value.message


def test_only_an_administrator_resolves(db: Database, stale: tuple[TestClient, Station, str, str]) -> None:
    integrated = Actor.reviewer("review.integrated", Section.INTEGRATED)
    with db.write() as conn, pytest.raises(TransitionError) as refused:
        service.resolve(conn, _conflict_id(db), "server", actor=integrated, now=dt.datetime.now(dt.UTC))
    assert refused.value.code == "case_actor_not_allowed"
    with db.write() as conn, pytest.raises(ApiError):
        service.resolve(conn, _conflict_id(db), "both", actor=ADMIN, now=dt.datetime.now(dt.UTC))


def test_the_console_pages_resolve_it(db: Database, stale: tuple[TestClient, Station, str, str]) -> None:
    client, *_ = stale
    add_account(db, "demo.admin", Role.ADMIN)
    token = logged_in(client, "demo.admin")
    listing = client.get("/console/conflicts")
    assert "服务站依据的信息已被他人更新" in listing.text
    conflict_id = _conflict_id(db)
    page = client.get(f"/console/conflicts/{conflict_id}")
    assert page.status_code == 200 and "版本对照" in page.text and "13700000000" in page.text
    done = post(
        client, f"/console/conflicts/{conflict_id}/resolve", token, choice="station", note="已电话核实"
    )
    assert done.headers["location"] == "/console/conflicts"
    assert "采用服务站" in client.get("/console/conflicts?status=resolved").text
