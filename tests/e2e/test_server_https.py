"""End to end: a real `sync-server serve` process over HTTPS, on SQLite and PostgreSQL.

A station enrols with a key it generated, pushes general, complex and fee-bearing cases
and one with an invalid ID number, pushes the same batch again, has a tampered request
refused, and pulls its decisions and the reference data. A client that pins another CA
never gets to talk to the server.
"""

from __future__ import annotations

import gzip
import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schema.signing import sign_request
from sync_server.db.tables import cases, ledger_entries
from sync_server.services import audit
from sync_server.services.admin.stations import add_station
from sync_server.tls import certificate_sha256, create_city_pki
from tests.support.factories import Station, accept_op, batch_bytes, public_key_b64, push
from tests.support.serve_process import Served, serve

pytestmark = pytest.mark.slow

BAD_ID = "511102197505170012"  # a wrong check digit


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    with serve(tmp_path / "server", database_url=database_url) as running:
        yield running


def _enrol(served: Served, client: httpx.Client) -> Station:
    import datetime as dt

    with served.db.write() as conn:
        issued = add_station(
            conn,
            division="511102004",
            name="大佛街道社保所",
            point=None,
            now=dt.datetime.now(dt.UTC),
            code_hours=24,
            actor="test",
        )
    key = Ed25519PrivateKey.generate()
    response = client.post(
        "/api/v1/enrol",
        json={"enrolment_code": issued.code, "public_key": public_key_b64(key), "client_version": "e2e"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["station_id"] == issued.station_id
    assert body["server_cert_sha256"] == certificate_sha256(
        (served.data_dir / "tls" / "server.pem").read_bytes()
    )
    return Station(issued.station_id, key)


def test_a_client_pinned_to_another_ca_is_refused(served: Served, tmp_path: Path) -> None:
    other = create_city_pki(tmp_path / "other-ca", ["localhost", "127.0.0.1"])
    context = ssl.create_default_context(cafile=str(other.ca_cert))
    with httpx.Client(base_url=served.url, verify=context) as stranger, pytest.raises(httpx.ConnectError):
        stranger.get("/healthz")
    with served.client() as pinned:
        assert pinned.get("/healthz").json() == {"status": "ok"}


def test_enrol_push_twice_tamper_and_pull(served: Served) -> None:
    with served.client() as client:
        station = _enrol(served, client)
        ops = [
            accept_op(station, "G02"),  # general: finished at the desk
            accept_op(station, "C019"),  # complex: routed to 养老保险科
            accept_op(station, "G14"),  # collects a flexible worker's contributions
            accept_op(station, "G02", id_number=BAD_ID),
        ]
        first = push(client, station, ops)
        assert first.status_code == 200, first.text
        results = first.json()["results"]
        assert [r["status"] for r in results] == ["applied", "applied", "applied", "rejected"]
        assert results[3]["code"] == "op_validation_failed" and "校验位" in results[3]["message"]
        assert results[1]["case_status"] == "routed"

        again = push(client, station, ops).json()["results"]
        assert [r["status"] for r in again] == ["duplicate"] * 4
        assert [r["original_status"] for r in again] == ["applied", "applied", "applied", "rejected"]

        body = gzip.compress(batch_bytes(station, [accept_op(station, "G02")]))
        headers = sign_request(station.key, "POST", "/api/v1/push", body, station.id)
        tampered = bytearray(body)
        tampered[len(tampered) // 2] ^= 0x01
        refused = client.post(
            "/api/v1/push",
            content=bytes(tampered),
            headers={**headers, "Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
        assert refused.status_code == 401 and refused.json()["code"] == "auth_bad_signature"

        # Pull until in step. The feed holds back rows of transactions still running anywhere
        # on the PostgreSQL server (other tests run beside this one), and the digest comes
        # only once nothing in the station's scopes is held back: pull again until it does.
        pulled: list[dict[str, Any]] = []
        cursor, digest = None, None
        deadline = time.monotonic() + 30
        while digest is None and time.monotonic() < deadline:
            request = json.dumps({"cursor": cursor, "limit": 500}).encode()
            headers = sign_request(station.key, "POST", "/api/v1/pull", request, station.id)
            page = client.post(
                "/api/v1/pull", content=request, headers={**headers, "Content-Type": "application/json"}
            )
            assert page.status_code == 200, page.text
            data = page.json()
            pulled.extend(data["changes"])
            cursor = data["next_cursor"]
            if not data["has_more"]:
                digest = data["digest"]
                if digest is None:
                    time.sleep(0.2)
        assert digest is not None
        assert {"catalog", "rates", "case_status"} <= {c["kind"] for c in pulled}
        statuses = {c["key"]: c["data"]["status"] for c in pulled if c["kind"] == "case_status"}
        assert statuses[str(ops[1].case_id)] == "routed"

    with served.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one() == 3
        total = conn.execute(sa.select(sa.func.sum(ledger_entries.c.amount))).scalar_one()
        assert total == 0  # every collected/owed pair balances
        assert audit.verify(conn).intact
