"""A station's receipt stock as the server holds it for a push: its ranges and the voids. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from schema.receipt_numbers import ReceiptRange, StockRef


@dataclass
class ReceiptBook:
    """The pushing station's ranges, and which numbers the batch names are void already
    (the batch adds those it voids, so one number is voided once)."""

    ranges: tuple[ReceiptRange, ...] = ()
    voided: set[tuple[str, int]] = field(default_factory=set)

    def allocated(self, ref: StockRef) -> bool:
        return any(r.holds(ref.series, ref.number) for r in self.ranges)
