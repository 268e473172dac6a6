"""What the server checks in its database before serving a signed station request.

``api.auth`` verifies the signature (``schema.signing``, no I/O) and calls these for the
rest: which key the claimed station signs with, the per-station rate limit and the nonce
it must never have used before. Nonces are kept for twice the signature window; an older
replay already fails the clock check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.db.tables import nonces, stations
from sync_server.db.upsert import upsert
from sync_server.errors import ApiError
from sync_server.services.access import rate_limit

PRUNE_EVERY = dt.timedelta(seconds=60)


def signing_station(db: Database, station_id: str) -> StationContext:
    """The active station a request claims to come from, with the key to check it by.

    ApiError ``station_unknown``, ``station_revoked`` or ``station_not_enrolled``.
    """
    claimed = station_id[:32]
    with db.read() as conn:
        row = conn.execute(sa.select(stations).where(stations.c.id == claimed)).first()
    if row is None:
        raise ApiError("station_unknown", detail={"station_id": claimed})
    if row.status == "revoked":
        raise ApiError("station_revoked", detail={"station_id": row.id})
    if row.status != "active" or row.public_key is None:
        raise ApiError("station_not_enrolled", detail={"station_id": row.id})
    return StationContext(row.id, row.township_code, row.county_code, bytes(row.public_key), row.status)


@dataclass
class NoncePruning:
    """When this server process last removed expired nonces (one per process)."""

    last: dt.datetime | None = None

    def due(self, now: dt.datetime) -> bool:
        if self.last is not None and now - self.last < PRUNE_EVERY:
            return False
        self.last = now
        return True


def admit(
    db: Database,
    station_id: str,
    nonce: str,
    received_at: dt.datetime,
    *,
    limit: int,
    window_seconds: int,
    pruning: NoncePruning,
) -> None:
    """Count the request against the station's rate limit and remember its nonce.

    ApiError ``rate_limited`` (with ``Retry-After``; the nonce is then not spent) or
    ``auth_nonce_reused``.
    """
    with db.write() as conn:
        wait = rate_limit.hit(conn, rate_limit.rate_key(station_id), received_at, limit=limit)
        fresh = wait is not None or _remember_nonce(conn, station_id, nonce, received_at)
        if pruning.due(received_at):
            kept_from = received_at - dt.timedelta(seconds=2 * window_seconds)
            conn.execute(sa.delete(nonces).where(nonces.c.seen_at < kept_from))
    if wait is not None:
        raise ApiError(
            "rate_limited", detail={"retry_after_seconds": wait}, headers={"Retry-After": str(wait)}
        )
    if not fresh:
        raise ApiError("auth_nonce_reused", detail={"nonce": nonce})


def _remember_nonce(conn: Connection, station_id: str, nonce: str, now: dt.datetime) -> bool:
    """True when the nonce is new (and now remembered)."""
    statement = upsert(conn, nonces, values={"station_id": station_id, "nonce": nonce, "seen_at": now})
    return conn.execute(statement.returning(nonces.c.nonce)).first() is not None
