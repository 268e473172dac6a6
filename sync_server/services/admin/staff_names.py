"""Who a username is: the staff directory's display names, for every page that shows a person.

Cases, events, plans and audit entries keep the username (stable, unique); people read
names. The server itself acts as ``system`` (routing, ingest), shown as 系统; the
``sync-server`` command line acts as ``cli:<login>``, shown as 命令行（<login>）.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.lifecycle import SYSTEM_ACTOR
from sync_server.db.tables import staff

SYSTEM_NAME = "系统"


def display_names(conn: Connection) -> dict[str, str]:
    """Every account's display name by username (a city has a few thousand at most)."""
    names: dict[str, str] = dict(conn.execute(sa.select(staff.c.username, staff.c.display_name)).all())
    return {**names, SYSTEM_ACTOR.username: SYSTEM_NAME}


def name_of(names: dict[str, str], username: str) -> str:
    """The name to show for ``username``; an account no longer on file keeps its username."""
    if username in names:
        return names[username]
    if username.startswith("cli:"):
        return f"命令行（{username[4:]}）"
    return username
