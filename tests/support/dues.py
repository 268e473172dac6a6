"""A township's list of flexible workers due (催缴名单) as the city sends it, for station tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from schema.identifiers import make_resident_id
from schema.records import DueRecord


def due_item(n: int, name: str | None = None, id_number: str | None = None) -> DueRecord:
    """The n-th worker on a list: odd ones are two months in arrears with a late fee."""
    return DueRecord(
        id_number=id_number or make_resident_id("511102", date(1970, 1, 1 + n % 28), 100 + n),
        name=name or f"测试人{n:03d}",
        current_month="2026-11",
        current_amount=Decimal("1000.00"),
        due_date=date(2026, 12, 15),
        arrears_months=("2026-09", "2026-10") if n % 2 else (),
        arrears_amount=Decimal("2000.00") if n % 2 else Decimal("0.00"),
        late_fee=Decimal("31.50") if n % 2 else Decimal("0.00"),
    )
