"""Enrolment through a stand-in server (httpx.MockTransport); the real server is exercised
end to end by the sync tests (sync_world.enrol_station)."""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner

from schema.protocol import EnrolRequest
from station_client.cli import main
from station_client.crypto import station_key
from station_client.crypto.wraps import unwrap_with_recovery
from station_client.paths import StationPaths
from station_client.services.enrolment import enrol
from station_client.services.errors import ServiceError
from station_client.store import keys, meta, open_store

CA = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def _server(seen: list[EnrolRequest], *, refuse: bool = False) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/enrol"
        if refuse:
            body = {
                "code": "enrol_code_expired",
                "message": "注册码已过期。请向综合业务科申请新的注册码。",
                "detail": {},
            }
            return httpx.Response(400, json=body)
        seen.append(EnrolRequest.model_validate_json(request.content))
        return httpx.Response(
            200,
            json={
                "station_id": "511102004-01",
                "station_code": "511102004-01",
                "division_code": "511102004",
                "catalog_version": "2026.1",
                "server_cert_sha256": "cd" * 32,
            },
        )

    return httpx.Client(transport=httpx.MockTransport(handle), base_url="https://ssb.leshan.test")


def test_enrolment_keeps_the_key_the_ca_and_the_identity_and_returns_the_recovery_key(tmp_path):
    seen: list[EnrolRequest] = []
    paths = StationPaths.of(tmp_path / "home")
    result = enrol(
        paths, server_url="https://ssb.leshan.test", ca_pem=CA, code="ABCD-EFGH-JKMN", client=_server(seen)
    )
    assert result.station_id == "511102004-01" and paths.ca.read_bytes() == CA
    db = open_store(paths.home)
    assert meta.get(db, meta.SERVER_CERT_SHA256) == "cd" * 32
    assert meta.get(db, meta.TOWNSHIP_CODE) == "511102004" and meta.get(db, meta.COUNTY_CODE) == "511102"
    raw = keys.get_secret(db, result.dek, station_key.SECRET_NAME)
    assert raw is not None
    assert station_key.public_key_b64(station_key.from_private_bytes(raw)) == seen[0].public_key
    wrap = keys.get_wrap(db, "recovery")
    assert wrap is not None and unwrap_with_recovery(wrap, result.recovery_key).raw == result.dek.raw
    assert result.recovery_key not in repr(result)
    db.close()
    with pytest.raises(ServiceError) as info:  # a home is enrolled once
        enrol(paths, server_url="https://x.test", ca_pem=CA, code="ABCD-EFGH-JKMN", client=_server([]))
    assert info.value.code == "already_enrolled"


def test_a_refused_enrolment_keeps_nothing_and_says_why(tmp_path):
    paths = StationPaths.of(tmp_path / "home")
    with pytest.raises(ServiceError) as info:
        enrol(
            paths, server_url="https://x.test", ca_pem=CA, code="ABCD-EFGH", client=_server([], refuse=True)
        )
    assert info.value.code == "enrol_code_expired" and "注册码已过期" in info.value.message
    db = open_store(paths.home)
    assert meta.station_id(db) is None and not keys.has_any_wrap(db)
    assert not paths.ca.exists()


def test_enroll_refuses_plain_http_and_a_file_that_is_not_a_certificate(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("not a certificate")
    runner = CliRunner()
    args = ["enroll", "--home", str(tmp_path / "h"), "--ca", str(ca), "--code", "ABCD-EFGH"]
    http = runner.invoke(main, [*args, "--server", "http://ssb.leshan.test"])
    assert http.exit_code == 1 and "https://" in http.stderr
    not_pem = runner.invoke(main, [*args, "--server", "https://ssb.leshan.test"])
    assert not_pem.exit_code == 1 and "PEM" in not_pem.stderr
    missing = runner.invoke(
        main, ["enroll", "--server", "https://x", "--ca", str(tmp_path / "no.pem"), "--code", "x"]
    )
    assert missing.exit_code == 2 and "Traceback" not in missing.output
