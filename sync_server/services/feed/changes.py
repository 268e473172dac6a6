"""Writing to the pull feed (``changes``). Reading it is ``services.pull``.

Every row records the writing transaction's id on PostgreSQL (see ``db.tables``), so the
feed can be read in commit order. Scopes say who receives a row:
``all`` (every station), ``station:<id>`` (one station), ``township:<code>`` (stations of
one township: the registry slice).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from sync_server.core.feed_change import SCOPE_ALL, FeedChange, station_scope, township_scope
from sync_server.db.engine import current_xid
from sync_server.db.tables import changes
from sync_server.services import bulk

__all__ = ["SCOPE_ALL", "FeedChange", "emit", "emit_many", "station_scope", "township_scope"]


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
