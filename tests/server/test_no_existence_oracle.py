"""No existence oracle: a station learns nothing of another station's scans or case ids.

A station can ask about any SHA-256 and send any case id; the answers must not tell it
whether another station's scan or case is on the server (SQLite and PostgreSQL).
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from schema.signing import sign_request
from sync_server.db.engine import Database
from tests.support.factories import Station, accept_op, enrolled_station, make_client, push

PNG = b"\x89PNG\r\n\x1a\n" + b"scan of a hukou page" * 10
SHA = hashlib.sha256(PNG).hexdigest()


def _ask(
    client: TestClient, station: Station, method: str, url: httpx.URL, body: bytes = b""
) -> httpx.Response:
    headers = sign_request(station.key, method, url.raw_path.decode(), body, station.id)
    if body:
        headers |= {"Content-Type": "image/png", "X-Attachment-Size": str(len(PNG))}
    return client.request(method, str(url), content=body or None, headers=headers)


def _upload(client: TestClient, station: Station) -> None:
    url = httpx.URL(f"/api/v1/attachments/{SHA}", params={"offset": 0})
    assert _ask(client, station, "PUT", url, PNG).json()["complete"] is True


def test_another_stations_scan_answers_404_as_if_it_were_not_there(db: Database, tmp_path: Path) -> None:
    owner, other = enrolled_station(db, point=0), enrolled_station(db, point=1)
    client = make_client(db, tmp_path)
    _upload(client, owner)
    plain = httpx.URL(f"/api/v1/attachments/{SHA}")
    declared = httpx.URL(plain, params={"size": len(PNG), "media_type": "image/png"})

    assert _ask(client, owner, "GET", plain).json()["complete"] is True  # its own scan: all there

    for url in (plain, declared):
        answer = _ask(client, other, "GET", url)
        assert answer.status_code == 404
        assert answer.json() == {
            "code": "not_found",
            "message": "服务器上没有该附件。客户端将从头上传。",
            "detail": {"sha256": SHA},
        }
    # uploading it again does not say "already complete" either
    put = _ask(client, other, "PUT", httpx.URL(plain, params={"offset": 0}), PNG)
    assert put.status_code == 404 and put.json()["code"] == "not_found"


def test_a_case_id_of_another_station_is_refused_without_saying_it_exists(
    db: Database, tmp_path: Path
) -> None:
    owner, other = enrolled_station(db, point=0), enrolled_station(db, point=1)
    client = make_client(db, tmp_path)
    original = accept_op(owner, "G02")
    assert push(client, owner, [original]).json()["results"][0]["status"] == "applied"

    copy = accept_op(other, "G02")
    reused = copy.model_copy(
        update={
            "case_id": original.case_id,
            "payload": copy.payload.model_copy(update={"case_id": original.case_id}),
        }
    )
    result = push(client, other, [reused]).json()["results"][0]

    assert result["status"] == "rejected" and result["code"] == "op_validation_failed"
    assert [p["code"] for p in result["detail"]["problems"]] == ["case_id_refused"]
    assert "重新受理" in result["message"]
    for word in ("已在服务器登记", "已存在", "重复", original.payload.case_number):
        assert word not in result["message"]

    # the same station sending its own case again still hears that it is a duplicate
    twice = original.model_copy(update={"op_id": uuid.uuid4(), "seq": owner.next_seq()})
    own = push(client, owner, [twice]).json()["results"][0]
    assert own["status"] == "rejected" and own["detail"]["problems"][0]["code"] == "case_exists"
