"""Routing: which section's queue a case goes to, and by when it is due.

A complex case goes to the section the catalog names for its item; a case whose registry
change met newer data goes to 综合业务科 (the integrated-business section), which owns
conflicts. The due date counts the item's time limit from the trusted acceptance date.
When a year has no holiday data the due date is left open (None) with the note
``workday_no_calendar``: the case is still routed, a human sets the date later.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from schema.catalog import CatalogItem
from schema.errors import WorkdayError
from schema.vocabulary import Section, Tier
from schema.workdays import DueKind, WorkdayCalendar, default_calendar

NO_CALENDAR = "workday_no_calendar"


@dataclass(frozen=True, slots=True)
class Route:
    section: Section | None
    due_date: dt.date | None
    note: str | None = None  # NO_CALENDAR when the due date could not be counted


def section_for(item: CatalogItem, *, conflict: bool = False) -> Section | None:
    if conflict:
        return Section.INTEGRATED
    return item.section if item.tier is Tier.COMPLEX else None


def due_date(
    item: CatalogItem, start: dt.date, calendar: WorkdayCalendar | None = None
) -> tuple[dt.date | None, str | None]:
    limit = item.time_limit
    try:
        return _counted(calendar or default_calendar(), start, limit.kind, limit.days), None
    except WorkdayError:
        return None, NO_CALENDAR


@functools.lru_cache(maxsize=4096)
def _counted(calendar: WorkdayCalendar, start: dt.date, kind: DueKind, days: int) -> dt.date:
    # A batch holds hundreds of cases accepted on a few days with a few time limits.
    return calendar.due_date(start, kind, days)


def route(
    item: CatalogItem, start: dt.date, *, conflict: bool = False, calendar: WorkdayCalendar | None = None
) -> Route:
    """Section and due date of a case accepted (or resubmitted) on ``start`` (a Beijing date)."""
    section = section_for(item, conflict=conflict)
    if item.tier is Tier.GENERAL and not conflict:
        return Route(section, None)
    due, note = due_date(item, start, calendar)
    return Route(section, due, note)
