"""The acceptance time the server trusts, whatever the station's clock says (pure)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from sync_server.core.clock import ClockFlag, beijing_date, posting_period, trusted_time

RECEIVED = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def _trust(sent: dt.datetime, station: dt.datetime) -> tuple[dt.datetime, ClockFlag | None]:
    t = trusted_time(
        received_at=RECEIVED, sent_at=sent, station_time=station, max_offline_days=60, flag_seconds=600
    )
    return t.accepted_at, t.flag


def test_a_right_clock_is_trusted_as_it_is() -> None:
    accepted = RECEIVED - dt.timedelta(hours=3)
    assert _trust(RECEIVED, accepted) == (accepted, None)


def test_the_offline_gap_counts_on_the_stations_own_clock() -> None:
    # The station's clock is a day fast; the case waited two hours in its outbox.
    fast = dt.timedelta(days=1)
    accepted, flag = _trust(RECEIVED + fast, RECEIVED + fast - dt.timedelta(hours=2))
    assert accepted == RECEIVED - dt.timedelta(hours=2)
    assert flag is ClockFlag.CLOCK_SKEW


def test_a_small_error_is_not_flagged() -> None:
    accepted, flag = _trust(RECEIVED + dt.timedelta(minutes=5), RECEIVED)
    assert accepted == RECEIVED - dt.timedelta(minutes=5) and flag is None


def test_a_case_accepted_after_it_was_sent_is_clamped_to_receipt() -> None:
    assert _trust(RECEIVED, RECEIVED + dt.timedelta(hours=1)) == (RECEIVED, ClockFlag.CLAMPED_FUTURE)


def test_a_case_older_than_the_longest_offline_spell_is_clamped() -> None:
    accepted, flag = _trust(RECEIVED, RECEIVED - dt.timedelta(days=400))
    assert accepted == RECEIVED - dt.timedelta(days=60) and flag is ClockFlag.CLAMPED_PAST


@given(
    st.integers(min_value=-(10**7), max_value=10**7),
    st.integers(min_value=-(10**8), max_value=10**8),
)
def test_trusted_time_stays_in_its_window(skew: int, gap: int) -> None:
    sent = RECEIVED + dt.timedelta(seconds=skew)
    t = trusted_time(
        received_at=RECEIVED, sent_at=sent, station_time=sent - dt.timedelta(seconds=gap),
        max_offline_days=60, flag_seconds=600,
    )  # fmt: skip
    assert RECEIVED - dt.timedelta(days=60) <= t.accepted_at <= RECEIVED
    moved = abs((t.station_accepted_at - t.accepted_at).total_seconds()) > 600
    assert (t.flag is not None) == (moved or not 0 <= gap <= 60 * 86400)


def test_dates_and_periods_are_beijing_ones() -> None:
    late_evening_utc = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 01:00 on 1 December in Beijing
    assert beijing_date(late_evening_utc) == dt.date(2026, 12, 1)
    assert posting_period(late_evening_utc) == "2026-12"
