"""The station's receipt stock (票据号段), pure: which number comes next, how many are left, gaps.

The city allocates ranges (``schema.receipt_numbers.ReceiptRange``); the station uses them
in allocation order, each from its first number up, one number per payment receipt and
never twice. What has been used is read from the receipts themselves (the highest number
of each range), so a number is used exactly when a receipt holding it was committed: a
payment rolled back gives its number back, and nothing can be skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from schema.receipt_numbers import ReceiptRange, StockRef

LOW_STOCK = 50  # the desk warns when fewer numbers than this remain


@dataclass(frozen=True, slots=True)
class StockState:
    """Where the stock stands: the next number (None: none left) and how many remain."""

    next: StockRef | None
    remaining: int
    allocated: int  # numbers in every range held

    @property
    def empty(self) -> bool:
        return self.next is None

    @property
    def low(self) -> bool:
        return self.remaining < LOW_STOCK


def _next_in(r: ReceiptRange, last_used: int | None) -> int | None:
    start = r.first if last_used is None else last_used + 1
    return start if start <= r.last else None


def past_floor(
    ranges: Sequence[ReceiptRange], last_used: Mapping[int, int], floor: Iterable[StockRef]
) -> dict[int, int]:
    """``last_used`` moved past numbers issued elsewhere: a PC restored from a backup learns
    from the city (at re-enrolment) the highest 票据号码 the lost PC issued per series.

    The range holding such a number is used up to it, and every range allocated before it is
    used up (the stock is used in allocation order)."""
    out = dict(last_used)
    for ref in floor:
        holder = next((r for r in ranges if r.holds(ref.series, ref.number)), None)
        if holder is None:
            continue
        out[holder.range_id] = max(out.get(holder.range_id, 0), ref.number)
        for r in ranges:
            if r.range_id < holder.range_id:
                out[r.range_id] = r.last
    return out


def state(ranges: Sequence[ReceiptRange], last_used: Mapping[int, int]) -> StockState:
    """``last_used``: the highest number used in each range (by ``range_id``; absent: none)."""
    ordered = sorted(ranges, key=lambda r: r.range_id)
    following: StockRef | None = None
    remaining = 0
    for r in ordered:
        start = _next_in(r, last_used.get(r.range_id))
        if start is None:
            continue
        remaining += r.last - start + 1
        if following is None:
            following = StockRef(series=r.series, number=start)
    return StockState(following, remaining, sum(r.size for r in ordered))


def gaps(ranges: Sequence[ReceiptRange], used: Iterable[tuple[str, int]]) -> list[StockRef]:
    """Numbers skipped: in a range, below its highest used number, yet used by no receipt.

    Always empty for a stock numbered by :func:`state` (the test of "no gaps")."""
    held: dict[str, set[int]] = {}
    for series, number in used:
        held.setdefault(series, set()).add(number)
    out: list[StockRef] = []
    for r in sorted(ranges, key=lambda r: r.range_id):
        numbers = {n for n in held.get(r.series, set()) if r.first <= n <= r.last}
        if numbers:
            out += [
                StockRef(series=r.series, number=n) for n in range(r.first, max(numbers)) if n not in numbers
            ]
    return out


def empty_words() -> str:
    return (
        "本站的缴费收据号码已用完，不能收取现金：请立即联系市社保局申请新的票据号段"
        "（市局分配后本机联网同步即可继续收费）。本笔业务未保存。"
    )


def low_words(remaining: int) -> str:
    return f"本站缴费收据号码仅剩 {remaining} 张：请尽快联系市社保局申请新的票据号段，用完后将不能收取现金。"
