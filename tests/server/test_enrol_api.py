"""POST /api/v1/enrol: one-time codes, key binding, lockout (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from schema.catalog import load_catalog
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, stations
from sync_server.services import audit
from sync_server.services.admin.stations import add_station, issue_enrolment_code
from tests.support.factories import CERT_SHA256, Station, accept_op, make_client, public_key_b64, push

ENROL = "/api/v1/enrol"


def _pending(db: Database, *, hours_ago: float = 0) -> str:
    """A pending station in 大佛街道; its enrolment code (issued ``hours_ago``, valid 24 h)."""
    with db.write() as conn:
        issued = add_station(
            conn, division="511102004", name="大佛街道社保所", now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago),
            code_hours=24, actor="admin",
        )  # fmt: skip
    return issued.code


def _enrol(
    client: TestClient, code: str, key: Ed25519PrivateKey | None = None
) -> tuple[int, dict, Ed25519PrivateKey]:
    key = key or Ed25519PrivateKey.generate()
    body = {"enrolment_code": code, "public_key": public_key_b64(key), "client_version": "1.0.0"}
    response = client.post(ENROL, json=body)
    return response.status_code, response.json(), key


def test_enrolment_binds_the_key_and_answers_what_the_station_pins(db: Database, tmp_path: Path) -> None:
    client = make_client(db, tmp_path)
    status, body, key = _enrol(client, _pending(db).lower())  # codes are typed: case is forgiven
    assert status == 200, body
    assert body == {
        "station_id": "511102004-00",
        "station_code": "511102004-00",
        "division_code": "511102004",
        "catalog_version": load_catalog().version,
        "server_cert_sha256": CERT_SHA256,
    }
    with db.read() as conn:
        row = conn.execute(sa.select(stations)).one()
        actions = conn.execute(sa.select(audit_log.c.action)).scalars().all()
        assert audit.verify(conn).intact
    assert row.status == "active" and row.enrolled_at is not None
    assert bytes(row.public_key) == bytes.fromhex(key.public_key().public_bytes_raw().hex())
    assert "station.enrol" in actions
    # The bound key signs pushes from now on.
    station = Station("511102004-00", key)
    r = push(client, station, [accept_op(station, "G02")])
    assert r.status_code == 200, r.json()


def test_wrong_expired_and_used_codes_are_refused_with_their_codes(db: Database, tmp_path: Path) -> None:
    client = make_client(db, tmp_path)
    status, body, _ = _enrol(client, "ABCD-EFGH-JKMN-PQRS")
    assert (status, body["code"]) == (400, "enrol_code_invalid")
    assert body["message"].startswith("注册码不正确")
    expired = _pending(db, hours_ago=25)
    status, body, _ = _enrol(client, expired)
    assert (status, body["code"]) == (400, "enrol_code_expired")
    with db.write() as conn:
        code = issue_enrolment_code(
            conn, "511102004-00", now=dt.datetime.now(dt.UTC), hours=24, actor="admin"
        ).code
    assert _enrol(client, code)[0] == 200
    status, body, _ = _enrol(client, code)
    assert (status, body["code"]) == (400, "enrol_code_used")


def test_re_enrolment_with_a_new_code_replaces_the_key(db: Database, tmp_path: Path) -> None:
    client = make_client(db, tmp_path)
    _, _, old_key = _enrol(client, _pending(db))
    with db.write() as conn:
        code = issue_enrolment_code(
            conn, "511102004-00", now=dt.datetime.now(dt.UTC), hours=24, actor="admin"
        ).code
    _, _, new_key = _enrol(client, code)
    old, new = Station("511102004-00", old_key), Station("511102004-00", new_key)
    assert push(client, old, [accept_op(old, "G02")]).json()["code"] == "auth_bad_signature"
    assert push(client, new, [accept_op(new, "G02")]).status_code == 200


def test_repeated_wrong_codes_lock_the_address(db: Database, tmp_path: Path) -> None:
    client = make_client(db, tmp_path, enrolment_max_failures=3, lockout_minutes=15)
    good = _pending(db)
    answers = [_enrol(client, f"ABCD-EFGH-JKMN-PQR{c}") for c in "STU"]
    assert [a[1]["code"] for a in answers] == ["enrol_code_invalid", "enrol_code_invalid", "enrol_locked"]
    response = client.post(
        ENROL,
        json={
            "enrolment_code": good,
            "public_key": public_key_b64(Ed25519PrivateKey.generate()),
            "client_version": "1",
        },
    )
    assert response.status_code == 429 and response.json()["code"] == "enrol_locked"
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    with db.read() as conn:
        assert (
            conn.execute(sa.select(stations.c.status)).scalar_one() == "pending"
        )  # the good code was not used
        assert audit.verify(conn).intact


def test_a_malformed_key_is_a_coded_422(db: Database, tmp_path: Path) -> None:
    client = make_client(db, tmp_path)
    response = client.post(
        ENROL, json={"enrolment_code": _pending(db), "public_key": "bm90IGEga2V5", "client_version": "1"}
    )
    assert response.status_code == 422 and response.json()["code"] == "request_invalid"
