"""Helpers for console tests: an HTTPS TestClient, accounts, logging in, CSRF tokens, routed cases.

The session cookie is ``Secure``, so the client talks to ``https://testserver`` (a cookie
jar does not send a Secure cookie over plain HTTP, exactly like a browser).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.vocabulary import Role
from sync_server.api.app import create_app
from sync_server.db.engine import Database
from sync_server.db.tables import cases
from sync_server.services.admin.staff import add_staff
from tests.support.factories import CERT_SHA256, Station, accept_op, make_settings, push

PASSWORD = "Demo-pass-2026"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_client(db: Database, tmp_path: Path, **overrides: Any) -> TestClient:
    url = db.engine.url.render_as_string(hide_password=False)
    app = create_app(make_settings(tmp_path, url, **overrides), database=db)
    app.state.server_cert_sha256 = CERT_SHA256
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def add_account(
    db: Database,
    username: str,
    role: Role | str,
    *,
    section: str | None = None,
    station_id: str | None = None,
    password: str = PASSWORD,
    must_change: bool = False,
    name: str | None = None,
) -> None:
    with db.write() as conn:
        add_staff(
            conn,
            username=username,
            role=role,
            section=section,
            station_id=station_id,
            display_name=name or username,
            now=dt.datetime.now(dt.UTC),
            actor="test",
            password=password,
            must_change_password=must_change,
        )


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    """Log in through the form (with its token); the answer to the POST."""
    page = client.get("/console/login")
    assert page.status_code == 200, page.text
    response: httpx.Response = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
    )
    return response


def logged_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in and return the CSRF token of the session (from the landing page)."""
    answer = login(client, username, password)
    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"], follow_redirects=True)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def post(client: TestClient, url: str, token: str | None, **data: Any) -> httpx.Response:
    form = dict(data)
    if token is not None:
        form["csrf_token"] = token
    answer: httpx.Response = client.post(url, data=form)
    return answer


def error_code(response: httpx.Response) -> str | None:
    found = re.search(r'data-code="([a-z_]+)"', response.text) or re.search(
        r"<code>([a-z_]+)</code>", response.text
    )
    return found.group(1) if found else None


def push_case(
    client: TestClient, station: Station, item: str = "C019", *, clerk: str = "clerk01", **kw: Any
) -> str:
    """A complex case accepted by ``clerk`` and pushed the way a station pushes it; its id."""
    op = accept_op(station, item, **kw)
    if clerk != op.payload.clerk:
        op = op.model_copy(update={"payload": op.payload.model_copy(update={"clerk": clerk})})
    answer = push(client, station, [op])
    assert answer.status_code == 200, answer.text
    result = answer.json()["results"][0]
    assert result["status"] == "applied", result
    return str(op.case_id)


def case_row(db: Database, case_id: str) -> Any:
    with db.read() as conn:
        return conn.execute(sa.select(cases).where(cases.c.case_id == case_id)).one()
