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
from pydantic_core import to_json
from sqlalchemy.engine import Connection

from sync_server.core.json_doc import RawJson, model_json

__all__ = ["RawJson", "in_list", "insert_rows", "json_bytes", "model_json"]


def json_bytes(value: Any) -> bytes:
    """JSON for a jsonb column, by pydantic-core (Rust): the stored value is the same as with
    ``json.dumps``, in a quarter of the time. NaN and infinities are written as ``json.dumps``
    writes them (PostgreSQL refuses both)."""
    return to_json(value, inf_nan_mode="constants")


def _converter(sample: Any) -> Callable[[Any], Any] | None:
    """How a column's values are handed to COPY, decided once from the first row."""
    from psycopg.types.json import Jsonb

    if isinstance(sample, Enum):
        return lambda v: v.value if isinstance(v, Enum) else v
    if isinstance(sample, dict | list | RawJson):
        return lambda v: Jsonb(v, _jsonb_bytes)
    return None


def _jsonb_bytes(value: Any) -> bytes:
    return value if isinstance(value, RawJson) else json_bytes(value)


def insert_rows(
    conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]], *, binary: bool = False
) -> None:
    """Insert ``rows`` (dicts with the same keys). ``binary``: COPY in PostgreSQL's binary format,
    about half the formatting work of the text format; only for rows whose values already have
    the columns' Python types (datetimes with a zone for ``timestamptz``, ``Decimal`` for
    ``numeric``, ``date`` for ``date``…), since binary input has no casts to fall back on."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(sa.insert(table), list(rows))  # RawJson: stored as it is (db.engine._json_text)
        return
    from psycopg import sql

    columns = list(rows[0])
    types = _pg_types(conn, table, columns) if binary else None
    statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        sql.SQL(" (FORMAT BINARY)" if types else ""),
    )
    converters = [(c, _converter(next((r[c] for r in rows if r[c] is not None), None))) for c in columns]
    plain = all(convert is None for _, convert in converters)
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        if types:
            copy.set_types(types)
        for row in rows:
            if plain:
                copy.write_row([row[c] for c in columns])
            else:
                copy.write_row([row[c] if convert is None else convert(row[c]) for c, convert in converters])


# PostgreSQL's name for each column type the tables use, for binary COPY.
_PG_TYPE_NAMES = {
    "BIGINT": "int8", "INTEGER": "int4", "SMALLINT": "int2", "BOOLEAN": "bool", "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamptz", "TIMESTAMP WITHOUT TIME ZONE": "timestamp",
    "NUMERIC": "numeric", "VARCHAR": "varchar", "TEXT": "text", "JSONB": "jsonb", "JSON": "json", "BYTEA": "bytea",
}  # fmt: skip
_TYPES: dict[tuple[str, tuple[str, ...]], list[str] | None] = {}


def _pg_types(conn: Connection, table: sa.Table, columns: list[str]) -> list[str] | None:
    """The columns' PostgreSQL types, or None when one is not known (then text COPY is used)."""
    key = (table.name, tuple(columns))
    if key not in _TYPES:
        names = [
            _PG_TYPE_NAMES.get(table.c[c].type.compile(dialect=conn.dialect).split("(")[0].strip())
            for c in columns
        ]
        _TYPES[key] = None if None in names else [n for n in names if n is not None]
    return _TYPES[key]


def in_list(conn: Connection, column: sa.ColumnElement[Any], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``= ANY(array)``: one parameter instead of hundreds."""
    if conn.dialect.name != "postgresql":
        return column.in_(list(values))
    from sqlalchemy.dialects.postgresql import ARRAY

    return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
