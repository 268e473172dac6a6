"""Bank deposits matched to stations' daily closes (日结与银行存款对账). Pure.

A station counts its cash at the close (日结) and takes it to the bank; the bank's deposit
file (``docs/bank_files.md``) lists what arrived on the city's collection account. A deposit
belongs to a station by its payer account (registered for the station) or the station code
in its memo; it pays the cash **counted** at the station's closes (the difference against
the receipts stays on the close, where the clerk explained it). Amounts must agree to the
fen: there is no tolerance, a deposit 0.01 short matches nothing and both sides are shown.

For each station, its open closes are taken oldest first and, for each, in this order:

1. ``one``: one deposit of exactly the close's cash, dated on the close's day or later;
2. ``days``: one deposit of exactly the cash of this close and the next open ones
   (up to :data:`MAX_DAYS` closes in a row: a township banks twice a week), dated on the
   last of those days or later;
3. ``split``: deposits in a row (date order, up to :data:`MAX_PARTS`), each dated on the
   close's day or later, summing exactly to the close's cash (the bank's counter limit);

always within :data:`WINDOW_DAYS` of the (first) close's day. The earliest deposit that fits
wins. A close that counted no cash needs no deposit (``nothing``). What is left is shown both
ways: closes without a deposit, deposits without a close.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

WINDOW_DAYS = 15
MAX_DAYS = 7
MAX_PARTS = 5
ZERO = Decimal("0.00")

Rule = Literal["one", "days", "split", "nothing"]
RULE_LABELS: dict[str, str] = {
    "one": "一次存入",
    "days": "多日合并存入",
    "split": "分笔存入",
    "nothing": "无现金，无需存款",
}


@dataclass(frozen=True, slots=True)
class Close:
    close_id: int
    station_id: str
    day: dt.date
    cash: Decimal  # counted at the close: what the station has to bank


@dataclass(frozen=True, slots=True)
class Deposit:
    deposit_id: int
    station_id: str | None  # None: neither the payer account nor the memo names a station
    value_date: dt.date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Match:
    station_id: str
    rule: Rule
    close_ids: tuple[int, ...]
    deposit_ids: tuple[int, ...]
    total: Decimal


@dataclass(frozen=True, slots=True)
class Matching:
    matches: tuple[Match, ...]
    open_closes: tuple[int, ...]  # closes still without their deposit
    open_deposits: tuple[int, ...]  # deposits no close accounts for


def _in_window(first_day: dt.date, deposit: Deposit, not_before: dt.date) -> bool:
    return not_before <= deposit.value_date <= first_day + dt.timedelta(days=WINDOW_DAYS)


def _one_or_days(closes: Sequence[Close], deposits: Sequence[Deposit]) -> Match | None:
    """This close alone, or with the next ones, paid by one deposit."""
    first = closes[0]
    total = ZERO
    for n, close in enumerate(closes[:MAX_DAYS]):
        total += close.cash
        for d in deposits:
            if d.amount == total and _in_window(first.day, d, close.day):
                run = tuple(c.close_id for c in closes[: n + 1])
                return Match(first.station_id, "one" if n == 0 else "days", run, (d.deposit_id,), total)
    return None


def _split(close: Close, deposits: Sequence[Deposit]) -> Match | None:
    """This close paid by several deposits in a row."""
    fitting = [d for d in deposits if _in_window(close.day, d, close.day)]
    for start in range(len(fitting)):
        total = ZERO
        for end in range(start, min(start + MAX_PARTS, len(fitting))):
            total += fitting[end].amount
            if total == close.cash and end > start:
                parts = tuple(d.deposit_id for d in fitting[start : end + 1])
                return Match(close.station_id, "split", (close.close_id,), parts, total)
            if total > close.cash:
                break
    return None


def _station(closes: list[Close], deposits: list[Deposit]) -> list[Match]:
    closes.sort(key=lambda c: (c.day, c.close_id))
    deposits.sort(key=lambda d: (d.value_date, d.deposit_id))
    matches: list[Match] = []
    used_closes: set[int] = set()
    used_deposits: set[int] = set()
    for i, close in enumerate(closes):
        if close.close_id in used_closes:
            continue
        if close.cash == ZERO:
            matches.append(Match(close.station_id, "nothing", (close.close_id,), (), ZERO))
            used_closes.add(close.close_id)
            continue
        following = [c for c in closes[i:] if c.close_id not in used_closes and c.cash > ZERO]
        free = [d for d in deposits if d.deposit_id not in used_deposits]
        found = _one_or_days(following, free) or _split(close, free)
        if found is not None:
            matches.append(found)
            used_closes.update(found.close_ids)
            used_deposits.update(found.deposit_ids)
    return matches


def match(closes: Iterable[Close], deposits: Iterable[Deposit]) -> Matching:
    """Match the open closes and open deposits (those no earlier match took)."""
    by_station: dict[str, tuple[list[Close], list[Deposit]]] = {}
    all_closes = list(closes)
    all_deposits = list(deposits)
    for c in all_closes:
        by_station.setdefault(c.station_id, ([], []))[0].append(c)
    for d in all_deposits:
        if d.station_id is not None and d.station_id in by_station:
            by_station[d.station_id][1].append(d)
    matches = [m for station in sorted(by_station) for m in _station(*by_station[station])]
    closed = {i for m in matches for i in m.close_ids}
    paid = {i for m in matches for i in m.deposit_ids}
    return Matching(
        tuple(matches),
        tuple(c.close_id for c in sorted(all_closes, key=lambda c: (c.day, c.close_id)) if c.close_id not in closed),
        tuple(d.deposit_id for d in sorted(all_deposits, key=lambda d: (d.value_date, d.deposit_id)) if d.deposit_id not in paid),
    )  # fmt: skip
