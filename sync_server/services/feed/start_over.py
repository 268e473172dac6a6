"""Ordering a station to start over: drop its reference data and registry slice, pull from None.

The order travels in the station's own feed (kind ``start_over``, key the station id,
version the new ``stations.start_over_generation``), so it arrives in commit order after
everything the station had before it. The page that carries it ends with it, and its
``next_cursor`` is a snapshot that resumes the feed right after the order
(``services.pull``): the station never receives the same order twice and misses no
decision. The station's cases and its outbox are not touched by a start-over.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.protocol import ChangeKind
from sync_server.db.tables import stations
from sync_server.services import audit
from sync_server.services.admin.stations import get_station
from sync_server.services.feed import changes as feed


def order_start_over(
    conn: Connection, station_id: str, actor: str, *, reason: str = "", now: dt.datetime | None = None
) -> int:
    """Order ``station_id`` to download everything again; the new generation."""
    now = now or dt.datetime.now(dt.UTC)
    row = get_station(conn, station_id, for_update=True)
    generation = int(row.start_over_generation) + 1
    conn.execute(sa.update(stations).where(stations.c.id == row.id).values(start_over_generation=generation))
    feed.emit(
        conn,
        feed.FeedChange(
            scope=feed.station_scope(row.id),
            kind=ChangeKind.START_OVER.value,
            key=row.id,
            version=generation,
            data={"generation": generation, "reason": reason, "ordered_at": now.isoformat()},
        ),
    )
    audit.append(
        conn,
        actor=actor,
        action="station.start_over",
        entity="station",
        entity_id=row.id,
        detail={"generation": generation, "reason": reason},
        at=now,
    )
    return generation
