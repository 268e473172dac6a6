"""Writing to the pull feed (``changes``). Reading it is ``services.pull``; :func:`unseen`
is the SQL for what a feed position has not seen (``core.cursor``), shared by pull and prune.

Every row records the writing transaction's id on PostgreSQL (see ``db.tables``), so the
feed can be read in commit order. Scopes say who receives a row:
``all`` (every station), ``station:<id>`` (one station), ``township:<code>`` (stations of
one township: the registry slice).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core.cursor import FeedPosition
from sync_server.core.feed_change import SCOPE_ALL, FeedChange, station_scope, township_scope
from sync_server.db.engine import current_xid
from sync_server.db.tables import changes
from sync_server.services import bulk

__all__ = ["SCOPE_ALL", "FeedChange", "emit", "emit_many", "station_scope", "township_scope"]


def emit_many(conn: Connection, items: Sequence[FeedChange], *, binary: bool = False) -> None:
    """Append changes to the feed in this transaction (one COPY on PostgreSQL), in order.
    ``binary``: the caller's versions are ints and its data dicts (``bulk.insert_rows``)."""
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
        binary=binary,
    )


def emit(conn: Connection, change: FeedChange) -> None:
    emit_many(conn, [change])


def unseen(position: FeedPosition) -> list[sa.ColumnElement[bool]]:
    """The rows ``position`` has not seen, as index-friendly parts (OR them together).

    The first part is a row-value comparison, one range scan of ``ix_changes_feed`` per
    scope; each pending transaction adds one equality scan.
    """
    after = sa.tuple_(changes.c.xid, changes.c.id) > sa.tuple_(
        sa.literal(position.xid), sa.literal(position.id)
    )
    return [after, *(sa.and_(changes.c.xid == t, changes.c.id > upto) for t, upto in position.pending)]
