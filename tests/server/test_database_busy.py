"""A database that cannot take a request now is answered ``server_busy`` (503, ``Retry-After``)
in the caller's language: the coded JSON body to a station, which keeps its cases and tries
again; a Chinese page to a reviewer and to a citizen. Never ``internal_error`` with a stack
trace in the log (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from schema.api_errors import API_ERROR_MESSAGES
from schema.protocol import OpStatus
from station_client.transport import TransientError, error_from_response
from sync_server.console.security import BUSY_MESSAGE as CONSOLE_BUSY
from sync_server.db.busy import RETRY_AFTER_SECONDS
from sync_server.db.engine import Database
from sync_server.db.tables import cases
from sync_server.public.routes import BUSY_MESSAGE
from tests.conftest import table_count
from tests.server.test_public_pages import _text  # a page's visible words
from tests.support.factories import Station, accept_op, enrolled_station, make_client, push


@pytest.fixture
def small_pool(database_url: str) -> Iterator[Database]:
    """The server's database with one connection and a short wait for it."""
    database = Database.from_url(database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    yield database
    database.dispose()


@contextmanager
def every_connection_taken(db: Database) -> Iterator[None]:
    """The pool's only connection checked out, as under a burst of requests."""
    with db.engine.connect():
        yield


def test_a_push_while_every_connection_is_taken_is_busy_and_its_retry_applies_once(
    small_pool: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    station = enrolled_station(small_pool)
    client = make_client(small_pool, tmp_path)
    ops = [accept_op(station, "G02"), accept_op(station, "G14")]
    with every_connection_taken(small_pool), caplog.at_level(logging.WARNING, "sync_server.api"):
        busy = push(client, station, ops)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert busy.json() == {
        "code": "server_busy",
        "message": API_ERROR_MESSAGES["server_busy"],
        "detail": {"retry_after_seconds": RETRY_AFTER_SECONDS},
    }
    (warned,) = [r for r in caplog.records if r.name == "sync_server.api"]
    assert not warned.exc_info and "TimeoutError" in warned.getMessage()  # a line, no stack trace
    # The station reads it as "try again later", after the server's pause.
    heard = error_from_response(busy)
    assert isinstance(heard, TransientError) and heard.code == "server_busy"
    assert heard.retry_after == RETRY_AFTER_SECONDS and "自动重新上报" in heard.message
    assert table_count(small_pool, cases) == 0

    applied = push(client, station, ops)  # the agent's retry, same operations
    assert applied.status_code == 200, applied.text
    assert [r["status"] for r in applied.json()["results"]] == [OpStatus.APPLIED.value] * 2
    again = push(client, station, ops)
    assert [r["status"] for r in again.json()["results"]] == [OpStatus.DUPLICATE.value] * 2
    assert table_count(small_pool, cases) == 2


def test_a_database_that_cannot_be_reached_is_busy_not_an_internal_error(tmp_path: Path) -> None:
    unreachable = Database.from_url(f"sqlite:///{tmp_path / 'no-such-folder' / 'server.db'}")
    station = Station("511102004-00", Ed25519PrivateKey.generate())
    try:
        answer = push(make_client(unreachable, tmp_path), station, [accept_op(station, "G02")])
    finally:
        unreachable.dispose()
    assert answer.status_code == 503 and answer.json()["code"] == "server_busy"


def test_a_console_page_while_the_database_is_busy_says_so_in_chinese(
    small_pool: Database, tmp_path: Path
) -> None:
    client = make_client(small_pool, tmp_path)
    client.cookies.set("__Host-ssb_console", "a-session-the-server-must-look-up")
    with every_connection_taken(small_pool):
        page = client.get("/console/queue", follow_redirects=False)
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert CONSOLE_BUSY in _text(page.text) and "server_busy" in page.text


def test_a_citizens_look_up_while_the_database_is_busy_is_a_page_not_json(
    small_pool: Database, tmp_path: Path
) -> None:
    client = TestClient(make_client(small_pool, tmp_path).app, base_url="https://testserver")
    with every_connection_taken(small_pool):
        page = client.get("/v", params={"code": "SSB2-ANY"})
        progress = client.post(
            "/progress", data={"number": "Z-511102004-00-20261207-0001", "id_tail": "1234"}
        )
    for answer in (page, progress):
        assert answer.status_code == 503 and answer.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert answer.headers["content-type"].startswith("text/html")
        assert BUSY_MESSAGE in _text(answer.text) and answer.headers["Cache-Control"] == "no-store"
    after = client.get("/v", params={"code": "SSB2-ANY"})  # the pool free again: the code is read
    assert after.status_code == 400 and BUSY_MESSAGE not in _text(after.text)


def test_the_log_says_why_in_the_drivers_words_without_the_statements_values(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = Database.from_url(f"sqlite:///{tmp_path / 'no-such-folder' / 'server.db'}")
    station = Station("511102004-00", Ed25519PrivateKey.generate())
    op = accept_op(station, "G02")
    try:
        with caplog.at_level(logging.WARNING, "sync_server.api"):
            push(make_client(unreachable, tmp_path), station, [op])
    finally:
        unreachable.dispose()
    (line,) = [r.getMessage() for r in caplog.records if r.name == "sync_server.api"]
    assert "OperationalError: unable to open database file" in line
    assert "[SQL:" not in line and "parameters" not in line


def test_an_unexpected_error_on_a_public_page_is_a_chinese_page(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync_server.public import routes

    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(routes.verify, "check", broken)
    page = make_client(db, tmp_path).get("/v", params={"code": "SSB2-ANY"})
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert routes.FAILED_MESSAGE in _text(page.text) and "a bug" not in page.text


def test_the_pool_is_whole_after_busy_answers(small_pool: Database, tmp_path: Path) -> None:
    client = make_client(small_pool, tmp_path)
    with every_connection_taken(small_pool):
        assert client.get("/readyz").status_code == 503
    assert client.get("/readyz").status_code == 200
    with small_pool.read() as conn:
        assert conn.execute(sa.select(sa.literal(1))).scalar() == 1
