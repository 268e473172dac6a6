"""Attachments: chunked, resumable uploads addressed by SHA-256 (SQLite and PostgreSQL).

The service is tested directly, then the signed HTTP path with the test factories, then
the station client's own uploader against the app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from schema.cases import MAX_ATTACHMENT_BYTES
from schema.protocol import CHUNK_SIZE, AttachmentStatus
from schema.signing import sign_request
from sync_server.db.engine import Database
from sync_server.db.tables import attachment_chunks, attachments, audit_log
from sync_server.errors import ApiError
from sync_server.services.ingest.attachments import (
    MAX_CHUNK_BYTES,
    ChunkOutcome,
    attachment_status,
    put_chunk,
    read_attachment,
)
from tests.support.factories import Station, enrolled_station, make_client

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
STATION = "511102004-00"


def scan(size: int, media_type: str = "image/jpeg") -> bytes:
    head = {
        "image/jpeg": b"\xff\xd8\xff\xe0",
        "image/png": b"\x89PNG\r\n\x1a\n",
        "application/pdf": b"%PDF-1.7\n",
    }
    return head[media_type] + os.urandom(size - len(head[media_type]))


def put(
    db: Database, data: bytes, offset: int, chunk: bytes, *, sha: str | None = None, media: str = "image/jpeg"
) -> ChunkOutcome:
    with db.write() as conn:
        return put_chunk(
            conn,
            sha256=sha or hashlib.sha256(data).hexdigest(),
            offset=offset,
            size=len(data),
            content_type=media,
            chunk=chunk,
            station_id=STATION,
            now=NOW,
        )


def refusal(db: Database, *args: object, **kwargs: object) -> ApiError:
    with pytest.raises(ApiError) as caught:
        put(db, *args, **kwargs)  # type: ignore[arg-type]
    return caught.value


def status(db: Database, sha: str, **declared: object) -> AttachmentStatus:
    with db.read() as conn:
        return attachment_status(conn, sha, **declared)  # type: ignore[arg-type]


# ---- the service -------------------------------------------------------------------------


def test_a_scan_uploads_in_chunks_and_completes(db: Database) -> None:
    data = scan(CHUNK_SIZE * 2 + 1000)
    sha = hashlib.sha256(data).hexdigest()
    for offset in range(0, len(data), CHUNK_SIZE):
        outcome = put(db, data, offset, data[offset : offset + CHUNK_SIZE])
        assert outcome.refused is None and outcome.status is not None
        assert outcome.status.received_bytes == min(offset + CHUNK_SIZE, len(data))
    assert outcome.status == AttachmentStatus(
        sha256=sha, size=len(data), received_bytes=len(data), complete=True
    )
    with db.read() as conn:
        assert read_attachment(conn, sha) == data
        actions = conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.seq)).scalars().all()
    assert actions == ["attachment.start", "attachment.complete"]


def test_an_interrupted_upload_resumes_where_the_server_stopped(db: Database) -> None:
    data = scan(CHUNK_SIZE + 10, "application/pdf")
    sha = hashlib.sha256(data).hexdigest()
    put(db, data, 0, data[:CHUNK_SIZE], media="application/pdf")
    # The link broke; the station asks how far the server got.
    assert status(db, sha).received_bytes == CHUNK_SIZE
    assert not status(db, sha).complete
    outcome = put(db, data, CHUNK_SIZE, data[CHUNK_SIZE:], media="application/pdf")
    assert outcome.status is not None and outcome.status.complete


def test_a_chunk_at_the_wrong_offset_says_where_to_resume(db: Database) -> None:
    data = scan(3000)
    put(db, data, 0, data[:1000])
    error = refusal(db, data, 2000, data[2000:])
    assert (error.code, error.status, error.detail["received_bytes"]) == (
        "attachment_offset_mismatch",
        409,
        1000,
    )
    # A chunk sent twice (the answer was lost) is refused the same way, and nothing changes.
    error = refusal(db, data, 0, data[:1000])
    assert error.detail["received_bytes"] == 1000
    unknown = refusal(db, scan(3000), 1000, b"x" * 10)
    assert unknown.code == "attachment_offset_mismatch" and unknown.detail["received_bytes"] == 0


@pytest.mark.parametrize(
    ("media", "first"),
    [
        ("image/gif", b"GIF89a" + b"\0" * 100),
        ("image/png", b"\xff\xd8\xff" + b"\0" * 100),
        ("text/plain", b"%PDF"),
    ],
)
def test_a_type_not_allowed_or_not_matching_its_bytes_is_refused(
    db: Database, media: str, first: bytes
) -> None:
    error = refusal(db, first, 0, first, media=media)
    assert (error.code, error.status) == ("attachment_bad_type", 415)
    assert "JPEG" in error.message


def test_a_scan_over_the_limit_is_refused_before_its_bytes(db: Database) -> None:
    with db.write() as conn, pytest.raises(ApiError) as caught:
        put_chunk(
            conn,
            sha256="a" * 64,
            offset=0,
            size=MAX_ATTACHMENT_BYTES + 1,
            content_type="image/jpeg",
            chunk=b"\xff\xd8\xff" + b"\0" * 10,
            station_id=STATION,
            now=NOW,
        )
    assert (caught.value.code, caught.value.status) == ("attachment_too_large", 413)
    with pytest.raises(ApiError) as declared:
        status(db, "a" * 64, size=MAX_ATTACHMENT_BYTES + 1, content_type="image/jpeg")
    assert declared.value.code == "attachment_too_large"


def test_an_oversized_chunk_is_refused(db: Database) -> None:
    data = scan(MAX_CHUNK_BYTES + 10)
    error = refusal(db, data, 0, data)
    assert (error.code, error.status) == ("body_too_large", 413)


def test_content_that_does_not_hash_to_its_address_is_dropped(db: Database) -> None:
    data = scan(2000)
    wrong = hashlib.sha256(b"something else").hexdigest()
    put(db, data, 0, data[:1000], sha=wrong)
    outcome = put(db, data, 1000, data[1000:], sha=wrong)
    assert outcome.status is None and outcome.refused is not None
    assert outcome.refused.code == "attachment_hash_mismatch"
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(attachment_chunks)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(attachments)).scalar_one() == 0
        assert "attachment.rejected" in conn.execute(sa.select(audit_log.c.action)).scalars().all()
    with pytest.raises(ApiError) as gone:
        status(db, wrong)
    assert gone.value.code == "not_found"


def test_uploading_a_complete_scan_again_changes_nothing(db: Database) -> None:
    data = scan(500, "image/png")
    first = put(db, data, 0, data, media="image/png")
    again = put(db, data, 0, data, media="image/png")
    later = put(db, data, 200, data[200:], media="image/png")
    assert first.status == again.status == later.status
    assert again.status is not None and again.status.complete
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(attachment_chunks)).scalar_one() == 1


def test_status_of_an_unknown_scan(db: Database) -> None:
    with pytest.raises(ApiError) as caught:
        status(db, "b" * 64)
    assert (caught.value.code, caught.value.status) == ("not_found", 404)
    declared = status(db, "b" * 64, size=100, content_type="image/jpeg")
    assert (declared.received_bytes, declared.complete) == (0, False)
    with pytest.raises(ApiError) as bad:
        status(db, "b" * 64, size=100, content_type="image/gif")
    assert bad.value.code == "attachment_bad_type"


def test_an_incomplete_scan_cannot_be_read(db: Database) -> None:
    data = scan(2000)
    put(db, data, 0, data[:100])
    with db.read() as conn, pytest.raises(ApiError) as caught:
        read_attachment(conn, hashlib.sha256(data).hexdigest())
    assert caught.value.code == "not_found"


# ---- over HTTP ---------------------------------------------------------------------------


def _signed(station: Station, method: str, url: httpx.URL, body: bytes = b"") -> dict[str, str]:
    return sign_request(station.key, method, url.raw_path.decode(), body, station.id)


def test_the_signed_http_path(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    client = make_client(db, tmp_path)
    data = scan(CHUNK_SIZE + 5)
    sha = hashlib.sha256(data).hexdigest()
    url = httpx.URL(f"/api/v1/attachments/{sha}")
    assert client.get(str(url), headers=_signed(station, "GET", url)).json()["code"] == "not_found"

    first = httpx.URL(f"/api/v1/attachments/{sha}", params={"offset": 0})
    body = data[:CHUNK_SIZE]
    headers = {
        "X-Attachment-Size": str(len(data)),
        "Content-Type": "image/jpeg",
        **_signed(station, "PUT", first, body),
    }
    answer = client.put(str(first), content=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["received_bytes"] == CHUNK_SIZE

    wrong = httpx.URL(f"/api/v1/attachments/{sha}", params={"offset": 7})
    headers = {
        "X-Attachment-Size": str(len(data)),
        "Content-Type": "image/jpeg",
        **_signed(station, "PUT", wrong, b"x"),
    }
    answer = client.put(str(wrong), content=b"x", headers=headers)
    assert answer.status_code == 409
    assert (
        answer.json()["code"] == "attachment_offset_mismatch"
        and answer.json()["detail"]["received_bytes"] == CHUNK_SIZE
    )

    rest = httpx.URL(f"/api/v1/attachments/{sha}", params={"offset": CHUNK_SIZE})
    body = data[CHUNK_SIZE:]
    headers = {
        "X-Attachment-Size": str(len(data)),
        "Content-Type": "image/jpeg",
        **_signed(station, "PUT", rest, body),
    }
    assert client.put(str(rest), content=body, headers=headers).json()["complete"] is True
    assert client.get(str(url), headers=_signed(station, "GET", url)).json()["complete"] is True


def test_http_refusals_are_coded(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    client = make_client(db, tmp_path)
    sha = "c" * 64
    url = httpx.URL(f"/api/v1/attachments/{sha}", params={"offset": 0})
    gif = b"GIF89a"
    headers = {"X-Attachment-Size": "6", "Content-Type": "image/gif", **_signed(station, "PUT", url, gif)}
    answer = client.put(str(url), content=gif, headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (415, "attachment_bad_type")
    headers = {"Content-Type": "image/jpeg", **_signed(station, "PUT", url, gif)}
    answer = client.put(str(url), content=gif, headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (422, "request_invalid")
    big = {"X-Attachment-Size": str(MAX_ATTACHMENT_BYTES + 1), "Content-Type": "image/jpeg"}
    answer = client.put(str(url), content=gif, headers={**big, **_signed(station, "PUT", url, gif)})
    assert (answer.status_code, answer.json()["code"]) == (413, "attachment_too_large")
    bad = httpx.URL("/api/v1/attachments/NOT-A-HASH")
    answer = client.get(str(bad), headers=_signed(station, "GET", bad))
    assert (answer.status_code, answer.json()["code"]) == (422, "request_invalid")
    unsigned = client.get(f"/api/v1/attachments/{sha}")
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "auth_unsigned")
    # The hash check happens after the last byte: the upload starts again from 0.
    data = scan(100)
    body_url = httpx.URL(f"/api/v1/attachments/{sha}", params={"offset": 0})
    headers = {
        "X-Attachment-Size": "100",
        "Content-Type": "image/jpeg",
        **_signed(station, "PUT", body_url, data),
    }
    answer = client.put(str(body_url), content=data, headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (400, "attachment_hash_mismatch")
    status_url = httpx.URL(f"/api/v1/attachments/{sha}")
    assert client.get(str(status_url), headers=_signed(station, "GET", status_url)).status_code == 404


def test_the_station_clients_uploader_against_the_server(db: Database, tmp_path: Path) -> None:
    from station_client.transport import Transport

    station = enrolled_station(db)
    client = make_client(db, tmp_path)
    transport = Transport(client, station_id=station.id, signing_key=station.key)
    data = scan(CHUNK_SIZE * 2 + 3, "image/png")
    sha = hashlib.sha256(data).hexdigest()
    got = transport.attachment_status(sha, size=len(data), media_type="image/png")
    assert got.received_bytes == 0
    while not got.complete:
        offset = got.received_bytes
        got = transport.upload_chunk(
            sha,
            offset=offset,
            data=data[offset : offset + CHUNK_SIZE],
            size=len(data),
            media_type="image/png",
        )
    with db.read() as conn:
        assert read_attachment(conn, sha) == data
