"""Case and receipt numbers, and the station's local day.

Numbers need no coordination (docs/design.md §4): station code + date + the station's own
counter, one counter per local day shared by general and complex items (the ``W``
marker tells them apart). Payment receipts count on their own daily counter::

    511102004-00-20261126-0007      acceptance receipt of a complex case
    511102004-00-20261126-W0008     completion slip of a general case
    511102004-00-20261126-F0003     payment receipt (缴费收据)

The day is the date in China Standard Time (UTC+8, no summer time), so a case taken at
07:30 local time is numbered for that day whatever the PC's time zone setting.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from schema.cases import MAX_DAILY_COUNTER, case_number
from schema.vocabulary import Tier

CHINA_TZ = timezone(timedelta(hours=8), "CST")
PAYMENT_MARKER = "F"


def local_day(now: datetime) -> date:
    """The date at the station (UTC+8) of an aware instant."""
    return now.astimezone(CHINA_TZ).date()


def case_counter_name(day: date) -> str:
    return f"case:{day:%Y%m%d}"


def receipt_counter_name(day: date) -> str:
    return f"receipt:{day:%Y%m%d}"


def format_case_number(station_code: str, day: date, counter: int, tier: Tier) -> str:
    return case_number(station_code, day, counter, tier=tier)


def format_receipt_number(station_code: str, day: date, counter: int) -> str:
    if not 1 <= counter <= MAX_DAILY_COUNTER:
        raise ValueError(f"receipt counter out of range: {counter}")
    return f"{station_code}-{day:%Y%m%d}-{PAYMENT_MARKER}{counter:04d}"
