"""Which acceptance time the server trusts, given a station clock that may be wrong.

The station stamps a case with its own clock (``accepted_at``) and stamps the batch with
the same clock when sending it (``sent_at``). Their difference is how long the case
waited offline, measured on one clock, so it is right even when the clock is not::

    trusted = received_at - (sent_at - accepted_at)

clamped to ``[received_at - max_offline_days, received_at]``. The station's own time is
kept beside it; a case is flagged when the two differ by more than ``flag_seconds`` or
when clamping was needed. Dates (due dates, ledger periods) are Beijing dates.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


class ClockFlag(StrEnum):
    CLOCK_SKEW = "clock_skew"  # the station clock is off by more than the flag threshold
    CLAMPED_FUTURE = "clamped_future"  # the case would be accepted after it was received
    CLAMPED_PAST = "clamped_past"  # the case would be older than the longest offline spell


@dataclass(frozen=True, slots=True)
class TrustedTime:
    accepted_at: dt.datetime  # what the server trusts (UTC)
    station_accepted_at: dt.datetime  # what the station said (UTC)
    flag: ClockFlag | None

    @property
    def local_date(self) -> dt.date:
        return beijing_date(self.accepted_at)


def trusted_time(
    *,
    received_at: dt.datetime,
    sent_at: dt.datetime,
    station_time: dt.datetime,
    max_offline_days: int,
    flag_seconds: int,
) -> TrustedTime:
    """The trusted version of ``station_time`` (any station stamp: acceptance, hand-over …)."""
    received = received_at.astimezone(dt.UTC)
    station = station_time.astimezone(dt.UTC)
    trusted = received - (sent_at.astimezone(dt.UTC) - station)
    earliest = received - dt.timedelta(days=max_offline_days)
    flag: ClockFlag | None = None
    if trusted > received:
        trusted, flag = received, ClockFlag.CLAMPED_FUTURE
    elif trusted < earliest:
        trusted, flag = earliest, ClockFlag.CLAMPED_PAST
    elif abs((station - trusted).total_seconds()) > flag_seconds:
        flag = ClockFlag.CLOCK_SKEW
    return TrustedTime(accepted_at=trusted, station_accepted_at=station, flag=flag)


def beijing_date(at: dt.datetime) -> dt.date:
    return at.astimezone(BEIJING).date()


@functools.lru_cache(maxsize=256)  # a push posts every fee of its batch at its one received_at
def posting_period(at: dt.datetime) -> str:
    """``YYYY-MM`` of ``at`` in Beijing: the ledger period a posting belongs to."""
    return at.astimezone(BEIJING).strftime("%Y-%m")
