"""A clerk's password changed at the station reaches the server as a ``staff_password``
operation (the new hash only), applied exactly once, audited, and fed back to the station;
a reset or a disablement made on the server in the meantime wins."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.passwords import hash_password, verify_password
from schema.protocol import StaffPasswordOp, StaffPasswordPayload, staff_subject_id
from schema.records import StaffAccount
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, changes
from sync_server.services import audit
from sync_server.services.admin.staff import add_staff, get_staff, reset_password, set_disabled
from tests.support.factories import Station, enrolled_station, make_client, push

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
NEW_PASSWORD = "Desk-Spring-2026"


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    return make_client(db, tmp_path)


@pytest.fixture
def station(db: Database) -> Station:
    return enrolled_station(db)


def _clerk(db: Database, station_id: str, username: str = "zhang.li") -> str:
    with db.write() as conn:
        return add_staff(
            conn, username=username, role="clerk", station_id=station_id, now=NOW, actor="admin"
        ).password


def _op(station: Station, username: str, password: str, based_on_version: int) -> StaffPasswordOp:
    payload = StaffPasswordPayload(
        username=username, password_hash=hash_password(password, log2_n=10), based_on_version=based_on_version
    )
    return StaffPasswordOp(
        op_id=uuid.uuid4(), station_id=station.id, seq=station.next_seq(), case_id=staff_subject_id(username),
        created_at=station.now(), payload=payload,
    )  # fmt: skip


def _staff_feed(db: Database, username: str) -> list[sa.Row]:
    with db.read() as conn:
        query = sa.select(changes).where(changes.c.kind == "staff", changes.c.key == username)
        return list(conn.execute(query.order_by(changes.c.id)).all())


def test_a_password_changed_at_the_station_is_applied_once_audited_and_fed_back(
    db: Database, client: TestClient, station: Station
) -> None:
    one_time = _clerk(db, station.id)
    op = _op(station, "zhang.li", NEW_PASSWORD, based_on_version=1)
    response = push(client, station, [op])
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["status"] == "applied" and result["detail"] == {"username": "zhang.li", "version": 2}

    with db.read() as conn:
        row = get_staff(conn, "zhang.li")
        entries = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == "staff.change_password")
        ).all()
        assert audit.verify(conn).intact
    assert verify_password(NEW_PASSWORD, row.password_hash) and not verify_password(
        one_time, row.password_hash
    )
    assert not row.must_change_password and row.version == 2
    [entry] = entries
    assert entry.actor == f"station:{station.id}" and entry.entity_id == "zhang.li"
    fed = StaffAccount.model_validate(_staff_feed(db, "zhang.li")[-1].data)
    assert fed.version == 2 and fed.password_hash == row.password_hash and fed.must_change_password is False

    again = push(client, station, [op])  # the response was lost: the station sends it again
    [result] = again.json()["results"]
    assert result["status"] == "duplicate" and result["original_status"] == "applied"
    with db.read() as conn:
        assert get_staff(conn, "zhang.li").version == 2
    assert len(_staff_feed(db, "zhang.li")) == 2  # the account's creation and this change, no more


def test_a_reset_or_a_disablement_on_the_server_since_wins(
    db: Database, client: TestClient, station: Station
) -> None:
    _clerk(db, station.id)
    with db.write() as conn:
        reset = reset_password(conn, "zhang.li", now=NOW, actor="admin").password  # version 2
    stale = _op(station, "zhang.li", NEW_PASSWORD, based_on_version=1)
    [result] = push(client, station, [stale]).json()["results"]
    assert result["status"] == "rejected" and result["code"] == "op_staff_changed"
    assert result["detail"]["current_version"] == 2
    with db.read() as conn:
        row = get_staff(conn, "zhang.li")
    assert verify_password(reset, row.password_hash) and row.must_change_password and row.version == 2

    with db.write() as conn:
        set_disabled(conn, "zhang.li", True, now=NOW, actor="admin")  # version 3
    [result] = push(client, station, [_op(station, "zhang.li", NEW_PASSWORD, 3)]).json()["results"]
    assert result["code"] == "op_staff_changed" and result["detail"]["disabled"] is True


def test_a_clerk_of_another_station_or_an_unknown_account_is_refused(
    db: Database, client: TestClient, station: Station
) -> None:
    other = enrolled_station(db, point=1)
    _clerk(db, other.id, "wang.fang")
    ops = [_op(station, "wang.fang", NEW_PASSWORD, 1), _op(station, "nobody", NEW_PASSWORD, 1)]
    results = push(client, station, ops).json()["results"]
    assert [r["code"] for r in results] == ["op_clerk_unknown", "op_clerk_unknown"]
    with db.read() as conn:
        assert get_staff(conn, "wang.fang").version == 1


def test_the_operation_must_name_the_accounts_own_subject_id() -> None:
    payload = StaffPasswordPayload(
        username="zhang.li", password_hash=hash_password(NEW_PASSWORD, log2_n=4), based_on_version=1
    )
    with pytest.raises(ValueError, match="staff_subject_id"):
        StaffPasswordOp(
            op_id=uuid.uuid4(), station_id="511102004-00", seq=1, case_id=uuid.uuid4(),
            created_at=NOW, payload=payload,
        )  # fmt: skip
    with pytest.raises(ValueError):
        StaffPasswordPayload(username="zhang.li", password_hash=NEW_PASSWORD, based_on_version=1)
