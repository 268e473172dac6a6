"""Writing a case's move (:func:`sync_server.core.case_moved.case_moved`) in the caller's transaction.

The console's steps (review, the chief's, conflict resolution) move one case at a time;
a push writes the moves of a whole batch with one statement per table instead
(``services.ingest``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.core.case_moved import CaseMoved
from sync_server.db.tables import case_events
from sync_server.services import audit
from sync_server.services.feed import changes as feed


def write(conn: Connection, moved: CaseMoved) -> None:
    """The case's events, its station's feed change, then the audit entry."""
    if moved.events:
        conn.execute(sa.insert(case_events), list(moved.events))
    if moved.feed is not None:
        feed.emit(conn, moved.feed)
    audit.append_many(conn, [moved.audit])
