"""Column types that hide the differences between SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A moment in time, always read back as an aware UTC datetime.

    The DDL is ``DateTime(timezone=True)`` (``timestamptz`` on PostgreSQL), so the
    migrations stay as they are. SQLite keeps no zone: it stores the UTC wall time and
    reads it back naive, which this type marks as UTC again; PostgreSQL answers in the
    session's zone, which this type turns into UTC. Services never repair datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        # SQLite would store an aware datetime's wall time as it is: store UTC so that
        # text comparison and reading back give the same instant.
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)  # type: ignore[no-any-return]
        return value.astimezone(dt.UTC)  # type: ignore[no-any-return]

    @property
    def python_type(self) -> type[dt.datetime]:
        return dt.datetime
