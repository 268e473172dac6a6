"""How values are written in store columns: instants as ISO 8601 in UTC, dates as ISO."""

from __future__ import annotations

from datetime import UTC, date, datetime


def iso(moment: datetime) -> str:
    """An aware instant as UTC ISO text (sorts as text in time order)."""
    if moment.tzinfo is None:
        raise ValueError("store instants must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def iso_date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def parse_date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
