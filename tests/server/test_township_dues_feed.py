"""The stations' 催缴名单 (both backends): each plan build sends every township with flexible
workers its whole list, scope township:<code>; a payment shows at the next build; the
snapshot serves the list of the station's township."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from schema.protocol import ChangeKind
from schema.records import TownshipDuesRecord
from sync_server.core.cursor import FEED_START, Phase, SnapshotCursor
from sync_server.db.engine import Database
from sync_server.db.tables import changes, contribution_records
from sync_server.services.feed.snapshot import snapshot_page
from sync_server.services.finance.dues_feed import build_plan_and_dues
from tests.server.test_collection_plan import _record, world
from tests.support.factories import person_id

D = Decimal
RESIDENCE = "511102005"  # the flexible worker lives there (world)


def _lists(db: Database) -> list[tuple[str, TownshipDuesRecord]]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(changes.c.scope, changes.c.data)
            .where(changes.c.kind == "township_dues")
            .order_by(changes.c.id)
        ).all()
    return [(r.scope, TownshipDuesRecord.model_validate(r.data)) for r in rows]


def test_each_build_sends_the_township_its_list_and_a_payment_shows_at_the_next(db: Database) -> None:
    world(db)
    flex = person_id(3)
    with db.write() as conn:  # 1 Feb: January is due on 15 Feb, not yet overdue
        build_plan_and_dues(conn, "2026-01", actor="f", now=dt.datetime(2026, 2, 1, 1, tzinfo=dt.UTC))
    ((scope, first),) = _lists(db)
    assert scope == f"township:{RESIDENCE}" and first.as_of == dt.date(2026, 2, 1)
    ((item,),) = [first.items]
    assert (item.id_number, item.current_month, item.current_amount, item.due_date) == (
        flex,
        "2026-01",
        D("1000.00"),
        dt.date(2026, 2, 15),
    )
    assert item.arrears_months == () and item.late_fee == D("0.00") and item.name
    later = dt.datetime(2026, 3, 10, 1, tzinfo=dt.UTC)  # January 23 days overdue, February due 15 Mar
    with db.write() as conn:
        build_plan_and_dues(conn, "2026-02", actor="f", now=later)
    second = _lists(db)[-1][1]
    assert second.version > first.version
    (item,) = second.items
    assert (item.current_month, item.arrears_months, item.arrears_amount, item.late_fee) == (
        "2026-02",
        ("2026-01",),
        D("1000.00"),
        D("11.50"),
    )
    with db.write() as conn:  # both months paid at the desk
        for month in ("2026-01", "2026-02"):
            conn.execute(sa.insert(contribution_records).values(
                **_record(flex, "enterprise_pension", month, ("5000.00", "0", "1000.00"),
                          source="desk", unit_uscc=None)))  # fmt: skip
        build_plan_and_dues(conn, "2026-02", actor="f", now=later + dt.timedelta(hours=1))
    scope, third = _lists(db)[-1]
    assert scope == f"township:{RESIDENCE}" and third.items == ()  # the stations drop the old list


def test_the_snapshot_serves_the_township_list_last(db: Database) -> None:
    world(db)
    now = dt.datetime(2026, 3, 20, 1, tzinfo=dt.UTC)
    with db.write() as conn:
        build_plan_and_dues(conn, "2026-01", actor="f", now=now)
    with db.read() as conn:
        served, more = snapshot_page(conn, "st-1", RESIDENCE, SnapshotCursor(FEED_START, Phase.UNIT), 100)
        other, _ = snapshot_page(conn, "st-2", "511102001", SnapshotCursor(FEED_START, Phase.DUES), 100)
    assert more is None and other == []
    (dues,) = [c for c in served if c.kind is ChangeKind.TOWNSHIP_DUES]
    record = TownshipDuesRecord.model_validate(dues.data)
    (item,) = record.items
    assert (
        dues.key == RESIDENCE and item.arrears_months == ("2026-01",) and item.arrears_amount == D("1000.00")
    )
