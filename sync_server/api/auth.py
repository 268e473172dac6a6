"""Station authentication: the ``signed_station`` dependency of push and pull.

Order of checks, each refusal a coded error:

1. the signing headers are there (``auth_unsigned``) and the station is known and active
   (``station_unknown`` / ``station_revoked`` / ``station_not_enrolled``);
2. the Ed25519 signature covers method, path, body digest, timestamp and nonce
   (``auth_bad_signature``), and the timestamp is within ``signature_window_seconds`` of
   the server's clock (``auth_clock_skew``, with the server's time so the station can
   correct its offset);
3. the per-station rate limit (``rate_limited`` with ``Retry-After``);
4. the nonce was never seen from this station (``auth_nonce_reused``). Nonces are kept
   for twice the window and pruned now and then; an older replay fails the clock check.

The body is read once here (the signature covers its digest) and handed to the route.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy.dialects import postgresql, sqlite
from starlette.concurrency import run_in_threadpool

from schema.signing import HEADER_NONCE, HEADER_STATION_ID, SIGNED_HEADERS, AuthError, verify_request
from sync_server.api.errors import ApiError
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.db.tables import nonces, stations
from sync_server.services import rate_limit
from sync_server.settings import Settings

__all__ = ["SignedRequest", "StationContext", "signed_station"]

_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PRUNE_EVERY_SECONDS = 60


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
    station = _station(db, headers[HEADER_STATION_ID])
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
    limit = int(getattr(state, "station_rate_limit", rate_limit.DEFAULT_LIMIT))
    with db.write() as conn:
        wait = rate_limit.hit(conn, rate_limit.rate_key(station.id), received_at, limit=limit)
        fresh = wait is not None or _remember_nonce(conn, station.id, nonce, received_at)
        _maybe_prune(state, conn, received_at, settings.signature_window_seconds)
    if wait is not None:
        raise ApiError(
            "rate_limited", detail={"retry_after_seconds": wait}, headers={"Retry-After": str(wait)}
        )
    if not fresh:
        raise ApiError("auth_nonce_reused", detail={"nonce": nonce})
    return SignedRequest(station, body, received_at)


def _station(db: Database, station_id: str) -> StationContext:
    with db.read() as conn:
        row = conn.execute(sa.select(stations).where(stations.c.id == station_id[:32])).first()
    if row is None:
        raise ApiError("station_unknown", detail={"station_id": station_id[:32]})
    if row.status == "revoked":
        raise ApiError("station_revoked", detail={"station_id": row.id})
    if row.status != "active" or row.public_key is None:
        raise ApiError("station_not_enrolled", detail={"station_id": row.id})
    return StationContext(row.id, row.township_code, row.county_code, bytes(row.public_key), row.status)


def _remember_nonce(conn: Any, station_id: str, nonce: str, now: dt.datetime) -> bool:
    """True when the nonce is new (and now remembered)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(nonces).values(station_id=station_id, nonce=nonce, seen_at=now).on_conflict_do_nothing()
    )
    return conn.execute(statement.returning(nonces.c.nonce)).first() is not None


def _maybe_prune(state: Any, conn: Any, now: dt.datetime, window_seconds: int) -> None:
    last = getattr(state, "nonces_pruned_at", None)
    if last is not None and (now - last).total_seconds() < PRUNE_EVERY_SECONDS:
        return
    state.nonces_pruned_at = now
    conn.execute(sa.delete(nonces).where(nonces.c.seen_at < now - dt.timedelta(seconds=2 * window_seconds)))
