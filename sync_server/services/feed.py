"""Writing to the pull feed (``changes``). Reading it is ``services.pull``.

Every row records the writing transaction's id on PostgreSQL (see ``db.tables``), so the
feed can be read in commit order. Scopes say who receives a row:
``all`` (every station), ``station:<id>`` (one station), ``township:<code>`` (stations of
one township: the registry slice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from sync_server.db.engine import current_xid
from sync_server.db.tables import changes
from sync_server.services import bulk
from sync_server.services.bulk import RawJson

SCOPE_ALL = "all"


def station_scope(station_id: str) -> str:
    return f"station:{station_id}"


def township_scope(township_code: str) -> str:
    return f"township:{township_code}"


@dataclass(frozen=True)
class FeedChange:
    scope: str
    kind: str
    key: str
    version: int
    data: dict[str, Any] | RawJson = field(default_factory=dict)
    deleted: bool = False


def emit_many(conn: Connection, items: Sequence[FeedChange]) -> None:
    """Append changes to the feed in this transaction (one COPY on PostgreSQL), in order."""
    if not items:
        return
    xid = current_xid(conn)
    bulk.insert_rows(
        conn,
        changes,
        [
            {
                "xid": xid,
                "scope": c.scope,
                "kind": c.kind,
                "key": c.key,
                "version": c.version,
                "data": c.data,
                "deleted": c.deleted,
            }
            for c in items
        ],
    )


def emit(conn: Connection, change: FeedChange) -> None:
    emit_many(conn, [change])
