"""Console sign-in on both backends: cookie flags, CSRF on every form, lockout, idle timeout,
roles, the forced password change, and refusals rendered as Chinese pages with their code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.vocabulary import Role
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, throttle, web_sessions
from sync_server.services import audit
from tests.support.console_kit import (
    PASSWORD,
    add_account,
    console_client,
    csrf_of,
    error_code,
    logged_in,
    login,
    post,
    push_case,
)
from tests.support.factories import enrolled_station


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    add_account(db, "review.pension", Role.REVIEWER, section="pension")
    add_account(db, "supervisor", Role.SUPERVISOR)
    add_account(db, "demo.admin", Role.ADMIN)
    return console_client(db, tmp_path, login_max_failures=3, lockout_minutes=15, session_idle_minutes=30)


def test_login_sets_a_hardened_session_cookie_stored_only_as_a_hash(client: TestClient, db: Database) -> None:
    answer = login(client, "review.pension")
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/")
    cookie = next(v for v in answer.headers.get_list("set-cookie") if v.startswith("__Host-ssb_console="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
    raw = cookie.split(";", 1)[0].split("=", 1)[1]
    with db.read() as conn:
        stored = conn.execute(sa.select(web_sessions.c.id_hash)).scalars().all()
    assert len(stored) == 1 and raw not in stored[0] and len(stored[0]) == 64
    home = client.get("/console/", follow_redirects=True)
    assert home.url.path == "/console/queue" and "养老保险科" in home.text
    assert (
        home.headers["cache-control"] == "no-store"
        and "default-src 'self'" in home.headers["content-security-policy"]
    )


def test_wrong_passwords_lock_the_account_even_for_the_right_one(client: TestClient, db: Database) -> None:
    for _ in range(2):
        failed = login(client, "review.pension", "wrong-password-1")
        assert (failed.status_code, error_code(failed)) == (401, "login_failed")
        assert "用户名或密码不正确" in failed.text
    locking = login(client, "review.pension", "wrong-password-1")
    assert (locking.status_code, error_code(locking)) == (423, "account_locked")
    right = login(client, "review.pension", PASSWORD)
    assert (right.status_code, error_code(right)) == (423, "account_locked")
    unknown = login(client, "nobody.here", "whatever-123")
    assert (unknown.status_code, error_code(unknown)) == (401, "login_failed")
    with db.read() as conn:
        locked = conn.execute(
            sa.select(throttle.c.locked_until).where(throttle.c.key == "login:review.pension")
        ).scalar()
        failures = conn.execute(
            sa.select(sa.func.count()).where(audit_log.c.action == "console.login_failed")
        ).scalar_one()
        assert audit.verify(conn).intact
    assert locked is not None and failures == 4


def test_an_administrator_reset_lifts_the_lock(client: TestClient, db: Database) -> None:
    for _ in range(3):
        login(client, "review.pension", "wrong-password-1")
    token = logged_in(client, "demo.admin")
    reset = post(client, "/console/staff/review.pension/reset", token)
    assert reset.status_code == 200 and 'id="issued-password"' in reset.text
    one_time = reset.text.split('id="issued-password">', 1)[1].split("<", 1)[0]
    client.cookies.clear()
    answer = login(client, "review.pension", one_time)
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/password")


def test_a_session_idle_too_long_is_over(client: TestClient, db: Database) -> None:
    logged_in(client, "review.pension")
    assert client.get("/console/queue").status_code == 200
    with db.write() as conn:
        conn.execute(
            sa.update(web_sessions).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
        )
    answer = client.get("/console/queue")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login?next=%2Fconsole%2Fqueue&reason=idle")
    page = client.get(answer.headers["location"])
    assert "自动退出" in page.text and "session_expired" in page.text
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(web_sessions)).scalar_one() == 0


def test_every_post_needs_the_sessions_csrf_token(client: TestClient, db: Database) -> None:
    case_id = push_case(client, enrolled_station(db))
    token = logged_in(client, "review.pension")
    for sent in (None, "forged-token"):
        refused = post(client, f"/console/cases/{case_id}/claim", sent)
        assert (refused.status_code, error_code(refused)) == (403, "csrf_failed")
        assert "页面已过期或来源不明" in refused.text
    foreign = client.post(
        f"/console/cases/{case_id}/claim",
        data={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert (foreign.status_code, error_code(foreign)) == (403, "csrf_failed")
    with db.read() as conn:
        from sync_server.db.tables import cases

        assert conn.execute(sa.select(cases.c.status)).scalar_one() == "routed"
    assert post(client, f"/console/cases/{case_id}/claim", token).status_code == 303


def test_the_login_form_has_its_own_token(client: TestClient) -> None:
    client.get("/console/login")
    refused = client.post("/console/login", data={"username": "review.pension", "password": PASSWORD})
    assert (refused.status_code, error_code(refused)) == (403, "csrf_failed")


def test_station_clerks_cannot_log_in_here(client: TestClient, db: Database) -> None:
    station = enrolled_station(db)
    add_account(db, "clerk.dafo.1", Role.CLERK, station_id=station.id)
    refused = login(client, "clerk.dafo.1")
    assert (refused.status_code, error_code(refused)) == (403, "forbidden")
    assert "服务站客户端" in refused.text


def test_roles_see_only_their_pages(client: TestClient) -> None:
    logged_in(client, "supervisor")
    assert client.get("/console/dashboard").status_code == 200
    for path in ("/console/queue", "/console/stations", "/console/staff", "/console/workload"):
        answer = client.get(path)
        assert (answer.status_code, error_code(answer)) == (403, "forbidden"), path
    client.cookies.clear()
    logged_in(client, "review.pension")
    for path in ("/console/dashboard", "/console/clearing.csv", "/console/conflicts"):
        assert error_code(client.get(path)) == "forbidden", path


def test_a_new_account_must_change_its_one_time_password(client: TestClient, db: Database) -> None:
    add_account(db, "review.new", Role.REVIEWER, section="medical", password="OneTime-1234", must_change=True)
    answer = login(client, "review.new", "OneTime-1234")
    assert answer.headers["location"] == "/console/password"
    assert client.get("/console/queue").headers["location"] == "/console/password"
    page = client.get("/console/password")
    token = csrf_of(page.text)
    weak = post(client, "/console/password", token, current="OneTime-1234", new="short", repeat="short")
    assert weak.status_code == 422 and "至少 10 位" in weak.text
    done = post(
        client,
        "/console/password",
        token,
        current="OneTime-1234",
        new="Better-pass-99",
        repeat="Better-pass-99",
    )
    assert done.headers["location"] == "/console/queue"
    assert client.get("/console/queue").status_code == 200
    client.cookies.clear()
    assert login(client, "review.new", "Better-pass-99").headers["location"] == "/console/"


def test_logout_and_disabling_end_the_session(client: TestClient, db: Database) -> None:
    token = logged_in(client, "review.pension")
    out = post(client, "/console/logout", token)
    assert out.headers["location"] == "/console/login"
    assert client.get("/console/queue").status_code == 303
    logged_in(client, "review.pension")
    admin = console_client(db, Path(str(client.app.state.settings.data_dir)))  # type: ignore[attr-defined]
    admin_token = logged_in(admin, "demo.admin")
    assert post(admin, "/console/staff/review.pension/disable", admin_token).status_code == 303
    assert client.get("/console/queue").status_code == 303
    refused = login(client, "review.pension")
    assert error_code(refused) == "account_disabled"


def test_unknown_pages_and_bad_ids_answer_a_chinese_page_not_json(client: TestClient) -> None:
    logged_in(client, "review.pension")
    missing = client.get("/console/cases/not-a-case")
    assert (missing.status_code, error_code(missing)) == (404, "not_found")
    assert missing.headers["content-type"].startswith("text/html") and "操作未完成" in missing.text
    assert client.get("/").headers["location"] == "/console/"
    nowhere = client.get("/console/no/such/page")
    assert (nowhere.status_code, error_code(nowhere)) == (404, "not_found") and "没有这个页面" in nowhere.text
    assert client.get("/console/static/console.css").headers["content-type"].startswith("text/css")
