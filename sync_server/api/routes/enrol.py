"""``POST /api/v1/enrol``: bind a station's public key with its one-time enrolment code."""

from __future__ import annotations

import datetime as dt
import hashlib

from fastapi import APIRouter, Request

from schema.catalog import load_catalog
from schema.protocol import EnrolRequest, EnrolResponse
from sync_server.api import responses
from sync_server.errors import ApiError
from sync_server.services.admin import enrolment
from sync_server.tls import certificate_sha256

router = APIRouter(tags=["sync"])


def server_fingerprint(request: Request) -> str:
    """SHA-256 of the server certificate the station pins: ``app.state.server_cert_sha256``
    when set (tests), else read from ``settings.server_cert_path`` once and kept."""
    state = request.app.state
    known: str | None = getattr(state, "server_cert_sha256", None)
    if known:
        return known
    path = state.settings.server_cert_path
    try:
        state.server_cert_sha256 = certificate_sha256(path.read_bytes())
    except (OSError, ValueError):
        raise ApiError(
            "internal_error",
            "服务器证书缺失或无法读取，暂不能注册。请系统管理员运行 `sync-server init` 生成证书后重试。",
            {
                "reason": "server_certificate_missing",
                "path_sha256": hashlib.sha256(str(path).encode()).hexdigest(),
            },
        ) from None
    return str(state.server_cert_sha256)


# exclude_none: an older client (no CSR) refuses a response field it does not know
@router.post(
    "/enrol", response_model=EnrolResponse, response_model_exclude_none=True, responses=responses.ENROL
)
def enrol(body: EnrolRequest, request: Request) -> EnrolResponse:
    state = request.app.state
    return enrolment.enrol(
        state.db,
        body,
        client=request.client.host if request.client else "unknown",
        now=dt.datetime.now(dt.UTC),
        settings=state.settings,
        catalog_version=load_catalog().version,
        cert_sha256=server_fingerprint(request),
    )
