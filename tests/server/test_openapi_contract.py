"""``/openapi.json`` says what each endpoint can answer, and the answers keep to it.

Every refusal is ``{code, message, detail}`` with ``detail`` an object; each endpoint lists
the statuses it can refuse with (401, 403, 409, 413, 422, 429 … as they apply) under that
body; a 405 says which methods the path takes in ``Allow``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sync_server.db.engine import Database
from tests.support.factories import make_client

SIGNED = {401, 403, 413, 422, 429}
EXPECTED: dict[tuple[str, str], set[int]] = {
    ("post", "/api/v1/enrol"): {400, 413, 422, 429},
    ("post", "/api/v1/push"): SIGNED | {400, 409},
    ("get", "/api/v1/pull"): SIGNED | {400},
    ("post", "/api/v1/pull"): SIGNED | {400},
    ("get", "/api/v1/attachments/{sha256}"): SIGNED | {404, 415},
    ("put", "/api/v1/attachments/{sha256}"): SIGNED | {400, 404, 409, 415},
    ("post", "/api/v1/document-certificate"): SIGNED | {400},
    ("get", "/readyz"): {503},
}


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    return make_client(db, tmp_path)


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


def _error_ref(spec: dict[str, Any], method: str, path: str, status: int) -> str:
    response = spec["paths"][path][method]["responses"][str(status)]
    return str(response["content"]["application/json"]["schema"]["$ref"])


def test_the_error_body_is_documented_as_code_message_and_an_object_detail(spec: dict[str, Any]) -> None:
    body = spec["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "message", "detail"}
    assert body["properties"]["detail"]["type"] == "object"
    assert body["properties"]["code"]["type"] == body["properties"]["message"]["type"] == "string"


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_each_endpoint_lists_its_refusals_with_the_error_body(
    spec: dict[str, Any], method: str, path: str
) -> None:
    documented = {int(s) for s in spec["paths"][path][method]["responses"] if not s.startswith("2")}
    assert EXPECTED[(method, path)] <= documented
    for status in documented:
        assert _error_ref(spec, method, path, status) == "#/components/schemas/ErrorBody"


def test_no_endpoint_documents_fastapis_own_validation_body(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # our 422 is the ErrorBody, not {"detail": [...]}


def test_a_real_refusal_matches_what_the_spec_says(client: TestClient, spec: dict[str, Any]) -> None:
    unsigned = client.post("/api/v1/push", content=b"{}", headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    assert "401" in spec["paths"]["/api/v1/push"]["post"]["responses"]
    body = unsigned.json()
    assert set(body) == {"code", "message", "detail"} and body["code"] == "auth_unsigned"
    assert isinstance(body["detail"], dict)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/pull", "GET, POST"),  # two routes share the path
        ("GET", "/api/v1/push", "POST"),
        ("POST", "/api/v1/attachments/" + "a" * 64, "GET, PUT"),
        ("PUT", "/healthz", "GET"),
    ],
)
def test_a_method_the_path_does_not_take_answers_405_with_allow(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    answer = client.request(method, path)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == allowed
    assert answer.json() == {
        "code": "method_not_allowed",
        "message": answer.json()["message"],
        "detail": {"allowed": allowed.split(", ")},
    }
