"""The database seam: timestamps read back as aware UTC on SQLite and PostgreSQL, the
tables' DDL still matches the migrations, and one upsert() works on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sync_server.db.engine import Database
from sync_server.db.tables import metadata, throttle
from sync_server.db.upsert import upsert

BEIJING = dt.timezone(dt.timedelta(hours=8))
MOMENT = dt.datetime(2026, 3, 2, 1, 30, 15, 123456, tzinfo=dt.UTC)


def _read(db: Database, key: str) -> sa.Row[tuple[dt.datetime, dt.datetime | None]]:
    with db.read() as conn:
        return conn.execute(
            sa.select(throttle.c.window_start, throttle.c.locked_until).where(throttle.c.key == key)
        ).one()


def test_timestamps_read_back_as_aware_utc(db: Database) -> None:
    with db.write() as conn:
        conn.execute(sa.insert(throttle).values(key="k", failures=0, window_start=MOMENT))
    start, locked = _read(db, "k")
    assert start == MOMENT
    assert start.utcoffset() == dt.timedelta(0)
    assert locked is None


def test_an_aware_time_in_another_zone_keeps_its_instant(db: Database) -> None:
    beijing = MOMENT.astimezone(BEIJING)
    with db.write() as conn:
        conn.execute(sa.insert(throttle).values(key="k", failures=0, window_start=beijing))
    start, _ = _read(db, "k")
    assert start == MOMENT and start.tzinfo == dt.UTC
    with db.read() as conn:  # comparisons see the same instant on both backends
        later = conn.execute(
            sa.select(sa.func.count())
            .select_from(throttle)
            .where(throttle.c.window_start > MOMENT.astimezone(BEIJING) - dt.timedelta(seconds=1))
        ).scalar_one()
    assert later == 1


def test_aggregates_keep_the_column_type(db: Database) -> None:
    with db.write() as conn:
        conn.execute(sa.insert(throttle).values(key="k", failures=0, window_start=MOMENT))
    with db.read() as conn:
        newest = conn.execute(sa.select(sa.func.max(throttle.c.window_start))).scalar_one()
    assert newest == MOMENT and newest.tzinfo == dt.UTC


def test_postgresql_session_zone_does_not_leak(database_url: str) -> None:
    db = Database.from_url(database_url)
    try:
        with db.write() as conn:
            conn.execute(sa.insert(throttle).values(key="k", failures=0, window_start=MOMENT))
        with db.read() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL TIME ZONE 'Asia/Shanghai'")
            start = conn.execute(sa.select(throttle.c.window_start)).scalar_one()
        assert start == MOMENT and start.tzinfo == dt.UTC
    finally:
        db.dispose()


def test_tables_match_the_migrated_schema(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def _throttle_rows(db: Database) -> dict[str, tuple[int, dt.datetime]]:
    with db.read() as conn:
        rows = conn.execute(sa.select(throttle.c.key, throttle.c.failures, throttle.c.window_start))
        return {r.key: (r.failures, r.window_start) for r in rows}


def test_upsert_keeps_the_row_already_there(db: Database) -> None:
    with db.write() as conn:
        for failures in (1, 2):
            statement = upsert(
                conn, throttle, values={"key": "k", "failures": failures, "window_start": MOMENT}
            )
            inserted = conn.execute(statement.returning(throttle.c.key)).first()
            assert (inserted is not None) is (failures == 1)
    assert _throttle_rows(db) == {"k": (1, MOMENT)}


def test_upsert_takes_named_columns_from_the_new_row_when_allowed(db: Database) -> None:
    later = MOMENT + dt.timedelta(hours=1)
    with db.write() as conn:
        conn.execute(
            upsert(conn, throttle, on=[throttle.c.key]),
            [
                {"key": "a", "failures": 1, "window_start": MOMENT},
                {"key": "b", "failures": 5, "window_start": MOMENT},
            ],
        )
        for key, failures in (("a", 3), ("b", 4), ("c", 7)):
            conn.execute(
                upsert(
                    conn,
                    throttle,
                    on=[throttle.c.key],
                    values={"key": key, "failures": failures, "window_start": later},
                    update=["failures", "window_start"],
                    where=lambda new: throttle.c.failures < new.failures,
                )
            )
    assert _throttle_rows(db) == {"a": (3, later), "b": (5, MOMENT), "c": (7, later)}


def test_upsert_updates_with_expressions_over_the_stored_row(db: Database) -> None:
    with db.write() as conn:
        for _ in range(3):
            conn.execute(
                upsert(
                    conn,
                    throttle,
                    on=[throttle.c.key],
                    values={"key": "k", "failures": 1, "window_start": MOMENT},
                    update={"failures": throttle.c.failures + 1},
                )
            )
    assert _throttle_rows(db) == {"k": (3, MOMENT)}


def test_an_updating_upsert_must_name_its_key(db: Database) -> None:
    with db.write() as conn, pytest.raises(ValueError, match="conflict key"):
        upsert(
            conn, throttle, values={"key": "k", "failures": 1, "window_start": MOMENT}, update=["failures"]
        )
