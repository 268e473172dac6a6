"""``/api/v1/pull`` over HTTP: signed, POST (JSON) or GET (query), gzip, coded refusals."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.protocol import NEXT_CURSOR_HEADER, ChangeKind, PullPage, PullRequest
from schema.signing import sign_request
from sync_server.db.engine import Database
from sync_server.db.tables import stations
from sync_server.services.admin import reference
from sync_server.services.feed import changes as feed
from sync_server.services.feed.start_over import order_start_over
from tests.support.factories import Station, add_person, enrolled_station, make_client, person_id

PULL = "/api/v1/pull"
NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


@pytest.fixture
def setup(db: Database, tmp_path: Path) -> tuple[TestClient, Station]:
    station = enrolled_station(db)
    for n in range(3):
        add_person(db, person_id(n), enrolled={"enterprise_pension": "511102"})
    with db.write() as conn:
        reference.publish_reference_data(conn, NOW)
    return make_client(db, tmp_path), station


def post(client: TestClient, station: Station, body: dict[str, object], **headers: str) -> httpx.Response:
    raw = json.dumps(body).encode()
    signed = sign_request(station.key, "POST", PULL, raw, station.id)
    answer: httpx.Response = client.post(
        PULL, content=raw, headers={"Content-Type": "application/json", **signed, **headers}
    )
    return answer


def get(client: TestClient, station: Station, **params: str | int) -> httpx.Response:
    url = httpx.URL(PULL, params=params)
    signed = sign_request(station.key, "GET", url.raw_path.decode(), b"", station.id)
    answer: httpx.Response = client.get(str(url), headers=signed)
    return answer


def test_a_signed_pull_pages_through_the_snapshot(setup: tuple[TestClient, Station]) -> None:
    client, station = setup
    cursor: str | None = None
    kinds: list[ChangeKind] = []
    for _ in range(500):
        answer = post(client, station, {"cursor": cursor, "limit": 2})
        assert answer.status_code == 200, answer.text
        page = PullPage.model_validate(answer.json())
        kinds += [c.kind for c in page.changes]
        cursor = page.next_cursor
        # Without a digest the feed is held back (another session on a shared PostgreSQL).
        if not page.has_more and page.digest is not None:
            break
        time.sleep(0 if page.has_more else 0.02)
    assert kinds.count(ChangeKind.PERSON) == 3 and ChangeKind.CATALOG in kinds
    assert page.digest is not None and page.digest.registry_count == 3


def test_the_station_clients_get_spelling_is_served(db: Database, setup: tuple[TestClient, Station]) -> None:
    from station_client.transport import Transport

    client, station = setup
    transport = Transport(client, station_id=station.id, signing_key=station.key)
    page = transport.pull(PullRequest(limit=3))
    assert len(page.changes) == 3 and page.has_more
    follow = transport.pull(PullRequest(cursor=page.next_cursor, limit=500))
    assert not follow.has_more
    with db.write() as conn:
        feed.emit(conn, feed.FeedChange(feed.station_scope(station.id), "case_status", "c-1", 1, {}))
    # The feed row may wait for another session's transaction on a shared PostgreSQL.
    for _ in range(500):
        later = transport.pull(PullRequest(cursor=follow.next_cursor))
        if any(c.key == "c-1" for c in later.changes):
            break
        time.sleep(0.02)
    assert [c.key for c in later.changes if c.kind == ChangeKind.CASE_STATUS] == ["c-1"]
    with db.read() as conn:
        row = conn.execute(sa.select(stations).where(stations.c.id == station.id)).one()
    assert row.last_pull_at is not None and row.pull_cursor == follow.next_cursor


def test_large_pages_are_gzipped_when_accepted(setup: tuple[TestClient, Station]) -> None:
    client, station = setup
    zipped = post(client, station, {"limit": 1}, **{"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < 60_000  # the catalog page, ~400 kB as JSON
    assert zipped.json()["changes"][0]["kind"] == "catalog"
    plain = post(client, station, {"limit": 1}, **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json()["changes"] == zipped.json()["changes"]


def test_a_page_with_more_names_its_next_cursor_in_a_header(setup: tuple[TestClient, Station]) -> None:
    client, station = setup
    cursor: str | None = None
    for _ in range(500):
        answer = post(client, station, {"cursor": cursor, "limit": 2})
        page = PullPage.model_validate(answer.json())
        if page.has_more:
            # the station asks on from the header before it reads the page: they must agree
            assert answer.headers[NEXT_CURSOR_HEADER] == page.next_cursor
        else:
            assert NEXT_CURSOR_HEADER not in answer.headers  # the last page: nothing to ask ahead
            if page.digest is not None:
                return
            time.sleep(0.02)
        cursor = page.next_cursor
    raise AssertionError("the pull did not end")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"cursor": "f.banana.1"}, 400, "cursor_invalid"),
        ({"limit": 0}, 422, "request_invalid"),
        ({"limit": 5, "colour": "red"}, 422, "request_invalid"),
    ],
)
def test_refusals_are_coded(
    setup: tuple[TestClient, Station], body: dict[str, object], status: int, code: str
) -> None:
    client, station = setup
    answer = post(client, station, body)
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert answer.json()["message"]


def test_refusals_of_the_get_spelling(setup: tuple[TestClient, Station]) -> None:
    client, station = setup
    assert get(client, station, limit="many").json()["code"] == "request_invalid"
    assert get(client, station, since=3).json()["code"] == "request_invalid"
    assert get(client, station, cursor="s.0.0.q").json()["code"] == "cursor_invalid"


def test_unsigned_and_not_json(setup: tuple[TestClient, Station]) -> None:
    client, station = setup
    unsigned = client.post(PULL, json={})
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "auth_unsigned")
    raw = b"{not json"
    answer = client.post(PULL, content=raw, headers=sign_request(station.key, "POST", PULL, raw, station.id))
    assert (answer.status_code, answer.json()["code"]) == (422, "request_invalid")


def test_a_signed_body_nested_a_thousand_deep_is_refused_not_a_500(setup: tuple[TestClient, Station]) -> None:
    client, station = setup
    for raw in (b"[" * 1000, b'{"cursor": ' + b"[" * 1000 + b"]" * 1000 + b"}"):
        signed = sign_request(station.key, "POST", PULL, raw, station.id)
        answer = client.post(PULL, content=raw, headers={"Content-Type": "application/json", **signed})
        assert (answer.status_code, answer.json()["code"]) == (400, "request_invalid"), answer.text
        assert answer.json()["detail"] == {"reason": "json_too_deep"}
    assert post(client, station, {"limit": 5}).status_code == 200


def test_a_start_over_order_reaches_the_station(db: Database, setup: tuple[TestClient, Station]) -> None:
    client, station = setup
    first = PullPage.model_validate(post(client, station, {"limit": 1000}).json())
    assert not first.has_more
    with db.write() as conn:
        order_start_over(conn, station.id, "admin")
    cursor, kinds = first.next_cursor, []
    for _ in range(500):  # see above: a shared PostgreSQL may hold the feed back a moment
        page = PullPage.model_validate(post(client, station, {"cursor": cursor}).json())
        kinds += [c.kind for c in page.changes]
        cursor = page.next_cursor
        if ChangeKind.START_OVER in kinds:
            break
        time.sleep(0.02)
    assert kinds[-1] == ChangeKind.START_OVER and page.has_more
