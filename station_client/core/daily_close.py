"""日结 at the desk: the typed count, which receipts a close covers, and when it may close. Pure.

The sums are :mod:`schema.daily_close`'s (the server checks the same ones). This module adds
what only the desk needs:

* the count as typed: one box per denomination, blank = 0, full-width digits welcome;
* the receipts of a business day (the station's local day, UTC+8) that no earlier close of
  that day covered: the first close is the day's 日结, a later one a 补充日结 of the rest;
* the refusals: a difference without a reason, a 补充日结 with nothing new, a day not yet begun.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from schema.daily_close import (
    DENOMINATION_LABELS,
    DENOMINATIONS,
    MAX_PIECES,
    CloseFigures,
    CloseReceipt,
    difference_words,
    figures,
)
from schema.normalize import to_half_width
from station_client.core.case_numbering import CHINA_TZ, local_day
from station_client.core.errors import StationError


@dataclass(frozen=True)
class DayReceipt:
    """A payment receipt (缴费收据) as the close and the 日结单 list it."""

    number: str
    amount: Decimal  # cash collected, to the fen
    clerk: str  # username
    clerk_name: str
    issued_at: datetime
    case_number: str
    item_name: str
    applicant: str  # masked (罗*东)
    voided: bool = False
    stock: str | None = None  # 票据号码, when numbered from the city's receipt stock

    def wire(self) -> CloseReceipt:
        return CloseReceipt(
            number=self.number, stock=self.stock, amount=self.amount, clerk=self.clerk, voided=self.voided
        )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The business day as [start, end) instants in UTC."""
    start = datetime.combine(day, time(0), CHINA_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def parse_count(face: str, text: str) -> int:
    """Pieces of one denomination as typed: blank is 0; anything but a whole number is refused."""
    cleaned = to_half_width(text).strip().replace(" ", "")
    for suffix in ("张", "枚", "个"):
        cleaned = cleaned.removesuffix(suffix)
    if not cleaned:
        return 0
    if not cleaned.isdigit() or int(cleaned) > MAX_PIECES:
        raise StationError(
            "close_count_invalid",
            f"「{DENOMINATION_LABELS[face]}」的张数“{text}”无法识别：请只输入整数张数（不超过 {MAX_PIECES}），没有就留空。",
            {"denomination": face, "text": text},
        )
    return int(cleaned)


def parse_counts(texts: Mapping[str, str]) -> dict[str, int]:
    """Every denomination's pieces (0 when its box is blank or absent)."""
    return {face: parse_count(face, texts.get(face, "")) for face in DENOMINATIONS}


def still_open(receipts: Iterable[DayReceipt], closed: set[str]) -> list[DayReceipt]:
    """The receipts no close covered yet, in the order they were issued."""
    return sorted((r for r in receipts if r.number not in closed), key=lambda r: (r.issued_at, r.number))


def next_part(parts: Sequence[int]) -> int:
    """1 for the day's first close, then 2, 3 … (补充日结)."""
    return max(parts, default=0) + 1


def days_to_close(issued_days: Iterable[date], today: date) -> list[date]:
    """Days up to today that have receipts no close covered, oldest first."""
    return sorted({d for d in issued_days if d <= today})


def close_problem(
    day: date, *, today: date, part: int, receipts: Sequence[DayReceipt], sums: CloseFigures, reason: str
) -> StationError | None:
    """Why this close cannot be made now; None when it can."""
    if day > today:
        return StationError(
            "close_day_not_begun",
            f"{day:%Y年%m月%d日} 还没到，不能日结：请核对本机日期后重试。",
            {"day": day.isoformat()},
        )
    if part > 1 and not receipts:
        return StationError(
            "close_nothing_new",
            f"{day:%Y年%m月%d日} 已日结，之后没有新开的缴费收据：无需补充日结。",
            {"day": day.isoformat(), "part": part},
        )
    if sums.difference != 0 and not reason.strip():
        return StationError(
            "close_reason_required",
            f"实点现金与应收不符（{difference_words(sums.difference)}）：请在「差额原因」中写明原因"
            "（如：找零差错、假币、未收款），或重新清点后再日结。",
            {"difference": f"{sums.difference:.2f}"},
        )
    return None


def by_clerk(receipts: Iterable[DayReceipt]) -> list[tuple[str, list[DayReceipt], Decimal]]:
    """Each clerk's receipts and their sum of what was kept (not voided), in order of first receipt."""
    groups: dict[str, list[DayReceipt]] = {}
    for r in receipts:
        groups.setdefault(r.clerk_name or r.clerk, []).append(r)
    return [
        (name, rows, sum((r.amount for r in rows if not r.voided), Decimal("0.00")))
        for name, rows in groups.items()
    ]


def close_figures(counts: Mapping[str, int], receipts: Iterable[DayReceipt]) -> CloseFigures:
    return figures(counts, [r.wire() for r in receipts])


def business_day(moment: datetime) -> date:
    return local_day(moment)
