"""What every operation of one push shares: the station, the clocks, the reference data. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from schema.catalog import Catalog
from schema.rates import RateBook
from schema.workdays import WorkdayCalendar
from sync_server.core.clock import TrustedTime, beijing_date, trusted_time
from sync_server.core.station import StationContext


@dataclass(frozen=True)
class BatchContext:
    station: StationContext
    received_at: dt.datetime
    sent_at: dt.datetime
    catalog: Catalog
    rates: RateBook
    calendar: WorkdayCalendar | None  # None until the push has read the loaded holiday schedules
    max_offline_days: int
    clock_flag_seconds: int

    @cached_property
    def actor(self) -> str:
        return f"station:{self.station.id}"

    @cached_property
    def received_date(self) -> dt.date:
        """The Beijing date of ``received_at`` (asked for every case of the batch)."""
        return beijing_date(self.received_at)


def trusted_for(ctx: BatchContext, station_time: dt.datetime) -> TrustedTime:
    """The time the server trusts for something the station stamped ``station_time``."""
    return trusted_time(
        received_at=ctx.received_at,
        sent_at=ctx.sent_at,
        station_time=station_time,
        max_offline_days=ctx.max_offline_days,
        flag_seconds=ctx.clock_flag_seconds,
    )


def check_date(ctx: BatchContext, t: TrustedTime) -> dt.date:
    """The date forms are checked on: the later of the two clocks' dates, never past today."""
    return min(max(t.local_date, beijing_date(t.station_accepted_at)), ctx.received_date)
