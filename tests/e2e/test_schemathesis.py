"""Schemathesis against the sync API: what ``/openapi.json`` promises is what the server does.

Every operation of the published schema gets generated requests, valid and invalid; each
answer must be no server error (5xx), a documented status, and a body that keeps to the
documented schema (the ``ErrorBody`` for every refusal). A short budget: a few examples per
operation, SQLite, well under a minute.

The signed routes would refuse every generated request at the signature check (401) and
nothing behind it would be tried, so requests reach the app through :class:`SigningHook`:
it signs each request as it is on the wire (method, path with its query, body bytes) with an
enrolled station's key, exactly as ``station_client.transport.Transport`` does, through the
same ``schema.signing.sign_request``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.signing import sign_request
from sync_server.api.app import create_app
from sync_server.db.engine import Database
from tests.support.factories import CERT_SHA256, Station, enrolled_station, make_settings
from tests.support.sync_world import sqlite_server

MAX_EXAMPLES = 12  # per operation: 9 operations, about 20 s in all
# Not checked: that every schema-valid request is accepted. Many rules are not in the schema
# and cannot be (a base64 Ed25519 key, a scan's media type, a signed body read raw), so a
# generated request is rightly refused (400/415/422) with a documented ErrorBody.


class SigningHook:
    """ASGI in front of the app: every ``/api/v1/`` request except enrolment is signed by the
    station, over the bytes that arrived (so a generated body or query is signed as sent)."""

    def __init__(self, app: ASGIApp, station: Station) -> None:
        self.app, self.station = app, station

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/v1/") or path == "/api/v1/enrol":
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        query = scope.get("query_string", b"").decode("latin-1")
        raw_path = scope.get("raw_path") or path.encode()
        target = raw_path.decode("latin-1") + (f"?{query}" if query else "")
        signed = sign_request(self.station.key, scope["method"], target, body, self.station.id)
        headers = [(k, v) for k, v in scope["headers"] if k.decode("latin-1").lower() not in _lower(signed)]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in signed.items()]

        async def replay() -> Message:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        await self.app({**scope, "headers": headers}, replay, send)


def _lower(headers: dict[str, str]) -> set[str]:
    return {k.lower() for k in headers}


@pytest.fixture
def api_schema(sqlite_template: Path, tmp_path: Path) -> Iterator[Any]:
    db: Database = sqlite_server(sqlite_template, tmp_path)
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'server.db'}"), database=db)
    app.state.server_cert_sha256 = CERT_SHA256
    app.state.station_rate_limit = 1_000_000  # let the generated requests through to the routes
    station = enrolled_station(db)
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", SigningHook(app, station))
    finally:
        db.dispose()


def test_the_api_keeps_to_its_published_schema(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 9  # enrol, push, pull ×2, attachments ×2, certificate, health ×2
    failures: dict[str, str] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            run()
        except BaseException as exc:  # each operation is tried; every failure is reported together
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:3000]
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
