"""Dates for tests whose code under test reads the real clock, so they hold in any year.

G12 and G14 collect only months of the acceptance year (``schema.fees.check_desk_months``):
a test that pushes through the real server, or runs the station's CLI or window without a
fixed ``now``, must name months of *this* year, in Leshan (Beijing time), not "2026-01".
A test whose code under test takes ``now``/``today`` keeps its literal dates and passes
them in (``stationkit.NOW``): that is preferred wherever the code accepts one.
``tests/test_moved_clock.py`` runs a subset of such tests with the clock moved to later years.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Today in Leshan: the date the station and the server judge a case by."""
    return datetime.now(BEIJING).date()


def this_year() -> int:
    return today().year


def this_month() -> str:
    """``YYYY-MM`` of today in Leshan."""
    return f"{today():%Y-%m}"


def month_of_this_year(month: int) -> str:
    """``YYYY-MM`` of this year, e.g. ``month_of_this_year(1)`` → ``"2027-01"`` in 2027."""
    return f"{this_year():04d}-{month:02d}"


def month_of_last_year(month: int) -> str:
    """``YYYY-MM`` of last year: a back-payment month (补缴) for G12/G14."""
    return f"{this_year() - 1:04d}-{month:02d}"


def first_months_of_this_year(count: int) -> tuple[str, str]:
    """(``period_start``, ``period_end``) of January to month ``count`` of this year."""
    return month_of_this_year(1), month_of_this_year(count)
