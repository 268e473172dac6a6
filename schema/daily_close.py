"""日结: a station's daily cash close, as the desk counts it and the city receives it. Pure.

The clerk counts the drawer by denomination; the close compares that with what the day's
receipts say should be there::

    expected   = Σ receipts issued − Σ of those voided        (应收)
    counted    = Σ count × face value                          (实点)
    difference = counted − expected                            (差额: + 长款, − 短款)

A difference other than 0.00 needs a reason. Everything is ``Decimal`` to the fen, and
:class:`DailyClosePayload` checks the arithmetic on both sides: the station cannot send a
close whose sums do not add up, and the server need not trust them.

A close is per station per business day (the station's local day). ``part`` 1 is the day's
日结; a receipt issued after it makes the next close of that day a 补充日结 (part 2, 3 …) of
only the receipts no earlier close covered. A receipt in a close cannot be voided.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from schema.cases import Money, Username

# Face values in yuan, largest first: the order the count is typed and printed in.
DENOMINATIONS: tuple[str, ...] = ("100", "50", "20", "10", "5", "1", "0.5", "0.1")
DENOMINATION_LABELS: Mapping[str, str] = {
    "100": "100元",
    "50": "50元",
    "20": "20元",
    "10": "10元",
    "5": "5元",
    "1": "1元",
    "0.5": "5角",
    "0.1": "1角",
}
MAX_PIECES = 100_000  # of one denomination: a typo (an extra 0 or two) rather than a drawer
MAX_CLOSE_RECEIPTS = 5000
ZERO = Decimal("0.00")

_FROZEN = ConfigDict(frozen=True, extra="forbid")
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
# A signed amount to the fen (the difference may be short, i.e. negative).
SignedMoney = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]


def part_label(part: int) -> str:
    """日结 for the day's first close, 补充日结（第2次） … for the later ones."""
    return "日结" if part == 1 else f"补充日结（第{part}次）"


def counted_total(counts: Mapping[str, int]) -> Decimal:
    """Σ pieces × face value, to the fen; denominations not counted are 0 pieces."""
    unknown = set(counts) - set(DENOMINATIONS)
    if unknown:
        raise ValueError(f"not a denomination: {sorted(unknown)}")
    total = sum((Decimal(face) * counts.get(face, 0) for face in DENOMINATIONS), ZERO)
    return total.quantize(Decimal("0.01"))


class CloseReceipt(BaseModel):
    """One payment receipt (缴费收据) of the day as the close lists it."""

    model_config = _FROZEN

    number: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    stock: Annotated[str, StringConstraints(max_length=20)] | None = None  # 票据号码 (receipt stock)
    amount: Money  # the cash collected (the person's part)
    clerk: Username  # who issued it
    voided: bool = False


def expected_total(receipts: Iterable[CloseReceipt]) -> Decimal:
    """Receipts issued minus those voided."""
    return sum((r.amount for r in receipts if not r.voided), ZERO)


class CloseFigures(BaseModel):
    """The sums of a count against a list of receipts (what the window and the 日结单 show)."""

    model_config = _FROZEN

    issued: int  # receipts issued (voided ones included)
    voided: int
    issued_total: Decimal  # Σ of every receipt issued
    voided_total: Decimal
    expected: Decimal
    counted: Decimal
    difference: Decimal

    @property
    def balanced(self) -> bool:
        return self.difference == 0


def figures(counts: Mapping[str, int], receipts: Iterable[CloseReceipt]) -> CloseFigures:
    listed = tuple(receipts)
    expected, counted = expected_total(listed), counted_total(counts)
    voided = [r for r in listed if r.voided]
    return CloseFigures(
        issued=len(listed),
        voided=len(voided),
        issued_total=sum((r.amount for r in listed), ZERO),
        voided_total=sum((r.amount for r in voided), ZERO),
        expected=expected,
        counted=counted,
        difference=counted - expected,
    )


def difference_words(difference: Decimal) -> str:
    """账款相符 / 长款 0.50 元 / 短款 0.50 元: how a cashier says it."""
    if difference == 0:
        return "账款相符"
    return f"{'长款' if difference > 0 else '短款'} {abs(difference):.2f} 元"


class DailyClosePayload(BaseModel):
    """The close as it travels (``daily_close`` operation); its sums are checked here."""

    model_config = _FROZEN

    close_id: UUID
    business_day: date
    part: int = Field(ge=1, le=99)
    clerk: Username  # who counted and closed
    closed_at: AwareDatetime
    counts: dict[str, Annotated[int, Field(ge=0, le=MAX_PIECES)]]
    receipts: tuple[CloseReceipt, ...] = Field(max_length=MAX_CLOSE_RECEIPTS)
    expected: SignedMoney
    counted: Money
    difference: SignedMoney
    reason: Reason = ""

    @model_validator(mode="after")
    def _adds_up(self) -> Self:
        if set(self.counts) - set(DENOMINATIONS):
            raise ValueError(f"counts are by denomination: {', '.join(DENOMINATIONS)}")
        numbers = [r.number for r in self.receipts]
        if len(set(numbers)) != len(numbers):
            raise ValueError("a receipt is listed twice")
        sums = figures(self.counts, self.receipts)
        if (sums.expected, sums.counted, sums.difference) != (self.expected, self.counted, self.difference):
            raise ValueError("expected, counted and difference do not add up to the receipts and the count")
        if self.difference != 0 and not self.reason:
            raise ValueError("a difference needs a reason")
        return self
