"""Station authentication: the ``signed_station`` dependency of push and pull.

Order of checks, each refusal a coded error:

1. the signing headers are there (``auth_unsigned``) and the station is known and active
   (``station_unknown`` / ``station_revoked`` / ``station_not_enrolled``);
2. the Ed25519 signature covers method, path, body digest, timestamp and nonce
   (``auth_bad_signature``), and the timestamp is within ``signature_window_seconds`` of
   the server's clock (``auth_clock_skew``, with the server's time so the station can
   correct its offset);
3. the per-station rate limit (``rate_limited`` with ``Retry-After``);
4. the nonce was never seen from this station (``auth_nonce_reused``).

The database side of 1, 3 and 4 is ``services.station_auth``; this module reads the
request. The body is read once here (the signature covers its digest) and handed to the route.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from schema.signing import HEADER_NONCE, HEADER_STATION_ID, SIGNED_HEADERS, AuthError, verify_request
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.errors import ApiError
from sync_server.services.access import rate_limit, station_auth
from sync_server.settings import Settings

__all__ = ["SignedRequest", "StationContext", "signed_station"]

_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True, slots=True)
class SignedRequest:
    station: StationContext
    body: bytes  # the raw body the signature covers
    received_at: dt.datetime


async def signed_station(request: Request) -> SignedRequest:
    body = await request.body()
    return await run_in_threadpool(authenticate, request, body)


def authenticate(request: Request, body: bytes) -> SignedRequest:
    state = request.app.state
    settings: Settings = state.settings
    db: Database = state.db
    now = time.time()
    received_at = dt.datetime.fromtimestamp(now, dt.UTC)
    headers = request.headers
    missing = [h for h in SIGNED_HEADERS if h not in headers]
    if missing:
        raise ApiError("auth_unsigned", detail={"missing": missing})
    station = station_auth.signing_station(db, headers[HEADER_STATION_ID])
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        verify_request(
            station.public_key,
            headers,
            request.method,
            path,
            body,
            now=now,
            max_skew=settings.signature_window_seconds,
        )
    except AuthError as exc:
        detail: dict[str, Any] = dict(exc.detail)
        if exc.code == "auth_clock_skew":
            detail["server_time_iso"] = received_at.isoformat()
        raise ApiError(exc.code, exc.message, detail) from None
    nonce = headers[HEADER_NONCE]
    if not _NONCE.match(nonce):
        raise ApiError("auth_bad_signature", detail={"reason": "nonce"})
    station_auth.admit(
        db,
        station.id,
        nonce,
        received_at,
        limit=int(getattr(state, "station_rate_limit", rate_limit.DEFAULT_LIMIT)),
        window_seconds=settings.signature_window_seconds,
        pruning=state.nonce_pruning,
    )
    return SignedRequest(station, body, received_at)
