"""The persons a slice read is about, and how a read of their rows in another table meets them.

A slice read takes the rows of a few thousand persons from each table keyed by ID number
(enrolments, benefits, cards, months paid, …). PostgreSQL's planner, estimating many rows
a person, answered ``id_number IN (the persons)`` with a parallel scan of the whole table
and a hash join (hundreds of milliseconds a 5,000-person page, two worker processes each
time); on PostgreSQL the rows are therefore read person by person, a ``LATERAL`` join on
the table's ID-number index. SQLite has no ``LATERAL`` and already probes the index for
each member of an ``IN``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from sync_server.db.tables import persons
from sync_server.services.bulk import in_list

__all__ = ["Members", "Whose"]

Whose = Callable[[sa.ColumnElement[str]], sa.ColumnElement[bool]]  # "this ID number column is one of them"


@dataclass(frozen=True)
class Members:
    """``whose``: the condition "this ID-number column names one of them"; ``keys``: on
    PostgreSQL, the same persons as a FROM clause of one ``id_number`` column (None on SQLite)."""

    whose: Whose
    keys: sa.FromClause | None
    # On ``persons`` itself: the condition without a sub-select (a page's range is one)
    own: Whose

    @classmethod
    def listed(cls, conn: Connection, id_numbers: Sequence[str]) -> Members:
        """These ID numbers."""
        values = list(id_numbers)

        def whose(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
            return in_list(conn, column, values)

        keys = None
        if conn.dialect.name == "postgresql":
            array = sa.bindparam(None, values, type_=ARRAY(sa.String))
            keys = sa.func.unnest(array).table_valued("id_number").render_derived()
        return cls(whose, keys, whose)

    @classmethod
    def page(cls, conn: Connection, township: str, first: str, last: str) -> Members:
        """The township's persons from ``first`` to ``last`` (a snapshot page)."""
        p = persons.c
        # not correlated: it is also used inside queries on ``persons`` itself
        chosen = (
            sa.select(p.id_number)
            .where(p.township_code == township, p.id_number.between(first, last))
            .correlate(None)
        )
        keys = chosen.subquery() if conn.dialect.name == "postgresql" else None

        def own(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
            assert column is p.id_number, "own() is for persons.id_number"
            return sa.and_(p.township_code == township, p.id_number.between(first, last))

        return cls(lambda column: column.in_(chosen), keys, own)

    def rows(self, build: Callable[[Whose], sa.Select[Any]], *order: str) -> sa.Select[Any]:
        """The rows ``build(whose)`` selects for these persons: on PostgreSQL ``build`` is
        asked for one person's rows (``whose`` is then "equals this person") and joined
        ``LATERAL``; ``order`` names result columns to sort the whole result by."""
        if self.keys is None:
            query = build(self.whose)
            return query.order_by(*(query.selected_columns[name] for name in order)) if order else query
        keys = self.keys
        # OFFSET 0 keeps PostgreSQL from flattening the sub-select into a plain (hash) join
        one = build(lambda column: column == keys.c.id_number).offset(0).lateral()
        query = sa.select(*one.c).select_from(keys.join(one, sa.true()))
        return query.order_by(*(one.c[name] for name in order)) if order else query
