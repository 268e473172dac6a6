"""The township's 催缴名单 as the stations receive it: one ``township_dues`` change per township.

Each township's list of flexible workers due or in arrears (``collection.dues_of``) goes
down whole, scope ``township:<code>``, as a :class:`schema.records.TownshipDuesRecord`.
It is refreshed whenever the collection plan is built (:func:`build_plan_and_dues`, what
the console and ``plans collect`` call: built or unchanged, payments may have arrived;
``collection`` itself does not import this module) and served by the snapshot
(:func:`dues_change`). Payments at the desk are reflected at the next plan build (the push
path does not recompute the lists: that reads every plan line of the township). A township
whose list became empty receives an empty list, so its stations drop the old one.

The version is the seconds since 2025-01-01 of the moment the list was computed: it only
grows, and a list computed later replaces an earlier one at the station.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy.engine import Connection

from schema.protocol import Change, ChangeKind
from schema.records import DueRecord, TownshipDuesRecord, dues_version
from sync_server.core.clock import beijing_date
from sync_server.core.collection_plan import PlanLine
from sync_server.services.feed import changes as feed
from sync_server.services.finance.collection import (
    BuildResult,
    Due,
    build_collection_plan,
    dues_of,
    stored_plan,
)

__all__ = ["build_plan_and_dues", "dues_change", "dues_records", "publish_dues"]


def list_version(now: dt.datetime) -> int:
    return dues_version(now)


def _item(due: Due) -> DueRecord:
    return DueRecord(
        id_number=due.id_number,
        name=due.name or "（姓名未登记）",
        current_month=due.current_month,
        current_amount=due.current_amount,
        due_date=due.due_date,
        arrears_months=due.arrears_months,
        arrears_amount=due.arrears_amount,
        late_fee=due.late_fee,
    )


def dues_records(
    conn: Connection, on: dt.date, now: dt.datetime, *, townships: Iterable[str] | None = None
) -> list[TownshipDuesRecord]:
    """The list of every township that has flexible plan lines (or of ``townships``)."""
    wanted = None if townships is None else set(townships)
    lines: Sequence[PlanLine] = stored_plan(conn, payer_kind="flexible")
    by_township: dict[str, list[PlanLine]] = defaultdict(list)
    for line in lines:
        if line.township and (wanted is None or line.township in wanted):
            by_township[line.township].append(line)
    township_of = {x.payer: x.township for x in lines}
    owed: dict[str, list[DueRecord]] = defaultdict(list)
    for due in dues_of(conn, [x for group in by_township.values() for x in group], on):
        owed[township_of[due.id_number] or ""].append(_item(due))
    version = list_version(now)
    return [
        TownshipDuesRecord(township=t, as_of=on, version=version, items=tuple(owed.get(t, ())))
        for t in sorted(set(by_township) | (wanted or set()))
    ]


def _change(record: TownshipDuesRecord) -> Change:
    return Change(
        kind=ChangeKind.TOWNSHIP_DUES,
        key=record.township,
        version=record.version,
        data=record.model_dump(mode="json"),
    )


def publish_dues(conn: Connection, on: dt.date, now: dt.datetime) -> int:
    """Send every township its refreshed list, in the caller's transaction; how many sent."""
    made = [_change(r) for r in dues_records(conn, on, now)]
    feed.emit_many(
        conn,
        [feed.FeedChange(feed.township_scope(c.key), c.kind.value, c.key, c.version, c.data) for c in made],
    )
    return len(made)


def dues_change(conn: Connection, township: str, on: dt.date, now: dt.datetime) -> Change | None:
    """The township's list for a snapshot; None when the township has no flexible plan line."""
    found = dues_records(conn, on, now, townships=[township])
    return _change(found[0]) if found and found[0].items else None


def build_plan_and_dues(conn: Connection, month: str, *, actor: str, now: dt.datetime) -> BuildResult:
    """Build ``month``'s collection plan, then send every township its refreshed 催缴名单."""
    result = build_collection_plan(conn, month, actor=actor, now=now)
    publish_dues(conn, beijing_date(now), now)
    return result
