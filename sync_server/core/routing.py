"""Routing: which section's queue a case goes to, and by when it is due.

A complex case goes to the section the catalog names for its item; a case whose registry
change met newer data goes to 综合业务科 (the integrated-business section), which owns
conflicts. The due date counts the item's time limit from the trusted acceptance date
with ``schema.case_checks.time_limit_due`` (the function the station uses for its receipt). A date that
reaches a year whose official holiday arrangement is not loaded is **provisional**
(``due_provisional``, shown as 暂定) and is recounted when the arrangement is loaded
(``services.holidays``). Only a year outside the calendar's range (after 2099) leaves
the date open (None) with the note ``workday_no_calendar``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from schema.case_checks import time_limit_due
from schema.catalog import CatalogItem
from schema.vocabulary import Section, Tier
from schema.workdays import DueDate, WorkdayCalendar

NO_CALENDAR = "workday_no_calendar"


@dataclass(frozen=True, slots=True)
class Route:
    section: Section | None
    due_date: dt.date | None
    note: str | None = None  # NO_CALENDAR when the due date could not be counted
    due_provisional: bool = False  # counted on the provisional calendar (暂定)


def section_for(item: CatalogItem, *, conflict: bool = False) -> Section | None:
    if conflict:
        return Section.INTEGRATED
    return item.section if item.tier is Tier.COMPLEX else None


def due(item: CatalogItem, start: dt.date, calendar: WorkdayCalendar | None = None) -> DueDate | None:
    """The due date of ``item`` accepted on ``start``; None only past the calendar's range."""
    return time_limit_due(item, start, calendar)


def due_date(
    item: CatalogItem, start: dt.date, calendar: WorkdayCalendar | None = None
) -> tuple[dt.date | None, str | None]:
    """:func:`due` as (date, note) for callers that need only the day."""
    counted = due(item, start, calendar)
    return (counted.day, None) if counted else (None, NO_CALENDAR)


def route(
    item: CatalogItem, start: dt.date, *, conflict: bool = False, calendar: WorkdayCalendar | None = None
) -> Route:
    """Section and due date of a case accepted (or resubmitted) on ``start`` (a Beijing date)."""
    section = section_for(item, conflict=conflict)
    if item.tier is Tier.GENERAL and not conflict:
        return Route(section, None)
    counted = due(item, start, calendar)
    if counted is None:
        return Route(section, None, NO_CALENDAR)
    return Route(section, counted.day, due_provisional=counted.provisional)
