"""``INSERT … ON CONFLICT`` written once for SQLite and PostgreSQL.

Both backends spell it the same way, but SQLAlchemy builds it from each dialect's own
``insert``; this is the only place that picks one. Row locks need no such switch:
``with_for_update()`` renders nothing on SQLite, whose writers are serialised anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

Excluded = Any  # the proposed row (``excluded``): its columns by attribute, e.g. ``new.digest``


def upsert(
    conn: Connection,
    table: sa.Table,
    *,
    on: Sequence[sa.Column[Any]] | None = None,
    values: Mapping[str, Any] | None = None,
    update: Sequence[str] | Mapping[str, Any] = (),
    where: Callable[[Excluded], ColumnElement[bool]] | None = None,
) -> sa.Insert:
    """An insert into ``table`` that does not fail when the row is already there.

    ``on`` is the unique key that conflicts (None: any, only without ``update``). With no
    ``update`` the row already there is kept; ``update`` names the columns to take from
    the proposed row, or maps columns to expressions over the stored one. ``where``,
    given the proposed row, limits when the update happens. Execute the result, with
    ``.returning(...)`` or a list of rows for many at once.
    """
    statement: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
    )
    if values is not None:
        statement = statement.values(**values)
    keys = list(on) if on is not None else None
    if not update:
        return statement.on_conflict_do_nothing(index_elements=keys)
    if keys is None:
        raise ValueError("an upsert that updates must name its conflict key")
    excluded = statement.excluded
    changes = {name: excluded[name] for name in update} if not isinstance(update, Mapping) else dict(update)
    return statement.on_conflict_do_update(
        index_elements=keys, set_=changes, where=where(excluded) if where is not None else None
    )
