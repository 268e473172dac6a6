"""Suspense (暂收款) postings of a conflict case, without a database: every move is balanced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sync_server.core.ledger import Posting
from sync_server.core.suspense import hold, in_suspense, release

AT = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)


def _fee() -> list[Posting]:
    a = Decimal("360.00")
    return [
        Posting("2026-11", "511102", "511111", "resident_pension", "personal", "collected", a, None),
        Posting("2026-11", "511111", "511102", "resident_pension", "personal", "owed", -a, None),
    ]


def test_hold_replaces_the_county_pair_with_a_balanced_suspense_pair() -> None:
    rows = hold(_fee())
    assert [(r["county_code"], r["side"], r["amount"]) for r in rows] == [
        ("511102", "held", Decimal("360.00")),
        ("511102", "suspense", Decimal("-360.00")),
    ]
    assert sum(in_suspense(rows).values()) == Decimal("360.00")


def test_each_way_out_of_suspense_is_balanced_and_leaves_nothing_in_it() -> None:
    held = hold(_fee())
    for to, sides in (
        ("counties", {"collected": Decimal("360.00"), "owed": Decimal("-360.00"), "held": 0}),
        ("refund", {"refund": Decimal("-360.00"), "held": Decimal("360.00")}),
    ):
        moved = release(held, to=to, posted_at=LATER)  # type: ignore[arg-type]
        everything = held + moved
        assert sum(r["amount"] for r in moved) == 0 and in_suspense(everything) == {}
        assert {r["period"] for r in moved} == {"2026-12"}
        for side, total in sides.items():
            assert sum(r["amount"] for r in everything if r["side"] == side) == total, (to, side)
    assert release(held + release(held, to="counties", posted_at=LATER), to="refund", posted_at=LATER) == []
