"""Many rows in one round trip: ``COPY … FROM STDIN`` on PostgreSQL (executemany on SQLite),
and ``= ANY(array)`` look-ups instead of ``IN`` lists of hundreds of parameters.

A push writes hundreds of cases, events and ledger entries at once; psycopg's
executemany still sends one statement per row, COPY streams them all. Rows must share
their keys (the column list is taken from the first row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def _converter(sample: Any) -> Callable[[Any], Any] | None:
    """How a column's values are handed to COPY, decided once from the first row."""
    from psycopg.types.json import Jsonb

    if isinstance(sample, Enum):
        return lambda v: v.value if isinstance(v, Enum) else v
    if isinstance(sample, dict | list):
        return Jsonb
    return None


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(sa.insert(table), list(rows))
        return
    from psycopg import sql

    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    converters = [(c, _converter(next((r[c] for r in rows if r[c] is not None), None))) for c in columns]
    plain = all(convert is None for _, convert in converters)
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            if plain:
                copy.write_row([row[c] for c in columns])
            else:
                copy.write_row([row[c] if convert is None else convert(row[c]) for c, convert in converters])


def in_list(conn: Connection, column: sa.ColumnElement[Any], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``= ANY(array)``: one parameter instead of hundreds."""
    if conn.dialect.name != "postgresql":
        return column.in_(list(values))
    from sqlalchemy.dialects.postgresql import ARRAY

    return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
