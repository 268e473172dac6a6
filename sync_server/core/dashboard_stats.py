"""Supervision statistics (监管考核) over the cases of a period, grouped. Pure.

One :class:`CaseFact` per case accepted in the period (what the service reads), grouped
by county, township, station, clerk or 参保地 (a county or 市本级). Per group:

* **accepted**: cases accepted; **front-desk share**: general items finished at the desk
  over all accepted;
* **median completion** (working days, from the trusted acceptance date to the decision
  date) over complex cases approved or rejected;
* **overdue**: complex cases finished after their due date, or still open past it;
* **return rate**: complex cases returned for supplement at least once, over complex
  cases; **rejection rate**: rejected over decided (approved + rejected);
* **sync lag**: how long cases took from the desk to the server (received − trusted
  acceptance: the station's offline spell), median and 90th percentile, in hours.

Working days come from a function passed in (``schema.workdays.working_days_between`` in
production): a pair of dates the calendar cannot count is left out of the median.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from schema.errors import WorkdayError
from sync_server.core.clock import beijing_date

WorkingDays = Callable[[dt.date, dt.date], int]
FINISHED = frozenset({"approved", "rejected"})
OPEN = frozenset({"submitted", "routed", "claimed", "returned", "conflict", "supplemented", "accepted"})


@dataclass(frozen=True, slots=True)
class CaseFact:
    group: str
    station: str
    tier: str  # general | complex
    status: str
    accepted_at: dt.datetime  # trusted (UTC)
    received_at: dt.datetime
    completed_at: dt.datetime | None
    due_date: dt.date | None
    returned: bool  # returned for supplement at least once


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (share in 0..1)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class GroupStats:
    group: str
    accepted: int = 0
    general: int = 0
    complex: int = 0
    finished: int = 0  # complex, approved or rejected
    rejected: int = 0
    returned: int = 0
    overdue: int = 0
    open: int = 0
    completion_days: list[float] = field(default_factory=list, repr=False)
    lag_hours: list[float] = field(default_factory=list, repr=False)

    @property
    def front_desk_share(self) -> float | None:
        return rate(self.general, self.accepted)

    @property
    def return_rate(self) -> float | None:
        return rate(self.returned, self.complex)

    @property
    def rejection_rate(self) -> float | None:
        return rate(self.rejected, self.finished)

    @property
    def median_days(self) -> float | None:
        return median(self.completion_days)

    @property
    def lag_median_hours(self) -> float | None:
        return median(self.lag_hours)

    @property
    def lag_p90_hours(self) -> float | None:
        return percentile(self.lag_hours, 0.9)


def is_overdue(fact: CaseFact, today: dt.date) -> bool:
    if fact.tier != "complex" or fact.due_date is None:
        return False
    if fact.completed_at is not None and fact.status in FINISHED:
        return beijing_date(fact.completed_at) > fact.due_date
    return fact.status in OPEN and today > fact.due_date


def add(stats: GroupStats, fact: CaseFact, today: dt.date, working_days: WorkingDays) -> None:
    stats.accepted += 1
    stats.lag_hours.append(max(0.0, (fact.received_at - fact.accepted_at).total_seconds() / 3600))
    if fact.tier == "general":
        stats.general += 1
        return
    stats.complex += 1
    stats.returned += fact.returned
    stats.overdue += is_overdue(fact, today)
    stats.open += fact.status in OPEN
    if fact.status in FINISHED:
        stats.finished += 1
        stats.rejected += fact.status == "rejected"
        if fact.completed_at is not None:
            try:
                days = working_days(beijing_date(fact.accepted_at), beijing_date(fact.completed_at))
            except (WorkdayError, ValueError):  # a year the calendar cannot count is left out
                return
            stats.completion_days.append(float(max(0, days)))


@dataclass(frozen=True)
class Summary:
    groups: list[GroupStats]  # by accepted, most first
    total: GroupStats


def summarise(
    facts: Iterable[CaseFact],
    *,
    today: dt.date,
    working_days: WorkingDays,
    key: Callable[[CaseFact], str] = lambda f: f.group,
) -> Summary:
    """Per group (``key``: the fact's group, or e.g. its station) and in total."""
    groups: dict[str, GroupStats] = defaultdict(lambda: GroupStats(""))
    total = GroupStats("合计")
    for fact in facts:
        name = key(fact)
        stats = groups[name]
        stats.group = name
        add(stats, fact, today, working_days)
        add(total, fact, today, working_days)
    ordered = sorted(groups.values(), key=lambda g: (-g.accepted, g.group))
    return Summary(ordered, total)


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of Beijing midnight at ``start`` and after ``end`` (inclusive dates)."""
    from sync_server.core.clock import BEIJING

    low = dt.datetime.combine(start, dt.time(), tzinfo=BEIJING).astimezone(dt.UTC)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=BEIJING).astimezone(dt.UTC)
    return low, high


def parse_period(
    start_text: str | None, end_text: str | None, today: dt.date, *, max_days: int = 366
) -> tuple[dt.date, dt.date, list[str]]:
    """The period asked for (default: this month so far), checked; notes for what was fixed."""
    notes: list[str] = []
    start, end = today.replace(day=1), today
    try:
        if start_text:
            start = dt.date.fromisoformat(start_text.strip())
        if end_text:
            end = dt.date.fromisoformat(end_text.strip())
    except ValueError:
        notes.append("日期格式应为 2026-03-01，已改为本月。")
        start, end = today.replace(day=1), today
    if end < start:
        start, end = end, start
        notes.append("起止日期前后颠倒，已对调。")
    if (end - start).days >= max_days:
        start = end - dt.timedelta(days=max_days - 1)
        notes.append(f"统计期间最长 {max_days} 天，已从 {start.isoformat()} 起算。")
    return start, end, notes
