"""Which keys answer for a station's printed documents, and until when.

A station's current key is ``stations.public_key``; it ends at ``stations.revoked_at``
when the station is revoked. A re-enrolment binds a new key: :func:`retire_current_key`
first moves the old one to ``station_keys`` with the moment it ended (the revocation, or
the re-enrolment itself) and why, so what it signed before then stays genuine.

The whole list travels to every station as one ``station_keys`` reference change
(``schema.document_seal.StationKeysRecord``; the snapshot's reference phase serves the
same record), so a desk can check another station's document offline. Its version is
the latest moment in it, in seconds since 2025-01-01, so a snapshot and the feed agree.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.document_seal import StationKey, StationKeysRecord
from schema.protocol import Change, ChangeKind
from sync_server.db.tables import station_keys, stations
from sync_server.db.upsert import upsert
from sync_server.services.feed import changes as feed

KEY = "station_keys"
_EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def _b64(raw: bytes) -> str:
    return base64.b64encode(bytes(raw)).decode("ascii")


def retire_current_key(conn: Connection, row: Row[Any], new_key: bytes, now: dt.datetime) -> None:
    """Before ``row``'s station binds ``new_key``: keep the key it has, ended now (or at its
    revocation), unless it is the same key again."""
    if row.public_key is None or bytes(row.public_key) == new_key:
        return
    revoked = row.status == "revoked" and row.revoked_at is not None
    values = {
        "station_id": row.id,
        "public_key": bytes(row.public_key),
        "valid_from": row.enrolled_at,
        "valid_until": row.revoked_at if revoked else now,
        "ended_by": "revoked" if revoked else "replaced",
    }
    conn.execute(upsert(conn, station_keys, values=values))  # a key ends once


def keys_for(conn: Connection, station_id: str | None = None) -> list[StationKey]:
    """Every key of one station (or of all), the current one and those before it."""
    current = sa.select(stations).where(stations.c.public_key.is_not(None))
    earlier = sa.select(station_keys)
    if station_id is not None:
        current = current.where(stations.c.id == station_id)
        earlier = earlier.where(station_keys.c.station_id == station_id)
    found = [
        StationKey(
            station_id=r.id,
            public_key=_b64(r.public_key),
            valid_from=r.enrolled_at,
            valid_until=r.revoked_at if r.status == "revoked" else None,
            ended_by="revoked" if r.status == "revoked" else None,
        )
        for r in conn.execute(current.order_by(stations.c.id))
    ]
    found += [
        StationKey(
            station_id=r.station_id,
            public_key=_b64(r.public_key),
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            ended_by=r.ended_by,
        )
        for r in conn.execute(earlier.order_by(station_keys.c.station_id, station_keys.c.valid_until))
    ]
    return found


def keys_record(conn: Connection) -> StationKeysRecord:
    keys = keys_for(conn)
    moments = [m for k in keys for m in (k.valid_from, k.valid_until) if m is not None]
    version = max(0, int((max(moments) - _EPOCH).total_seconds())) if moments else 0
    return StationKeysRecord(version=version, keys=tuple(keys))


def keys_change(conn: Connection) -> Change:
    record = keys_record(conn)
    return Change(
        kind=ChangeKind.STATION_KEYS, key=KEY, version=record.version, data=record.model_dump(mode="json")
    )


def publish(conn: Connection) -> None:
    """Send every station the list as it stands in this transaction (after an enrolment or
    a revocation)."""
    change = keys_change(conn)
    feed.emit(
        conn, feed.FeedChange(feed.SCOPE_ALL, change.kind.value, change.key, change.version, change.data)
    )
