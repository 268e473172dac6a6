"""What the workbench shows: today's figures and how the desk uses the catalog.

Read-only queries over plain columns (no data key needed). "Today" is the station's
local day (UTC+8, :func:`station_client.core.case_numbering.local_day`); stored instants
are UTC ISO text, so a day is a range of text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlite_utils import Database

from schema.lifecycle import FINAL_DECISION_STATUSES
from station_client.core.case_numbering import CHINA_TZ, local_day
from station_client.core.pinyin_search import Usage
from station_client.store import outbox
from station_client.store.codec import iso

# Statuses of a complex case that is still with the city (the promised date runs).
OPEN_STATUSES = ("accepted", "supplemented", "submitted", "routed", "claimed", "conflict")
# Decisions that closed a case: the applicant comes to collect them (a return waits for 补正).
DECIDED_STATUSES = tuple(sorted(s.value for s in FINAL_DECISION_STATUSES))


@dataclass(frozen=True, slots=True)
class TodayCounts:
    accepted: int  # complex items accepted today
    completed: int  # general items finished at the desk today
    sent_up: int  # operations the server acknowledged today
    waiting_sync: int  # operations not yet sent (pending or held behind a set-aside one)
    set_aside: int  # operations refused by the server, for the clerk to correct
    returned: int  # cases returned for supplement, waiting for the applicant
    to_hand_over: int  # decisions not yet handed to the applicant
    overdue: int  # complex cases past their promised date, still open
    conflict: int = 0  # cases waiting for 综合业务科 (数据冲突待处理): the applicant must be told


def day_range(day: date) -> tuple[str, str]:
    """The UTC ISO text range [start, end) of a station day."""
    start = datetime.combine(day, time(0), CHINA_TZ).astimezone(UTC)
    return iso(start), iso(start + timedelta(days=1))


def _one(db: Database, sql: str, params: list[object]) -> int:
    return int(db.execute(sql, params).fetchone()[0])


def overdue_clause() -> str:
    marks = ", ".join("?" * len(OPEN_STATUSES))
    return f"tier = 'complex' AND status IN ({marks}) AND coalesce(due_date, promised_date) < ?"


def today_counts(db: Database, now: datetime) -> TodayCounts:
    today = local_day(now)
    start, end = day_range(today)
    in_day = "accepted_at >= ? AND accepted_at < ?"
    decided = ", ".join("?" * len(DECIDED_STATUSES))
    ops = outbox.counts(db)
    return TodayCounts(
        accepted=_one(db, f"SELECT count(*) FROM cases WHERE tier = 'complex' AND {in_day}", [start, end]),  # noqa: S608
        completed=_one(db, f"SELECT count(*) FROM cases WHERE tier = 'general' AND {in_day}", [start, end]),  # noqa: S608
        sent_up=outbox.acknowledged_between(db, start, end),
        waiting_sync=sum(ops[s] for s in outbox.WAITING),
        set_aside=sum(ops[s] for s in outbox.REFUSED),
        returned=_one(db, "SELECT count(*) FROM cases WHERE status = 'returned'", []),
        to_hand_over=_one(
            db,
            f"SELECT count(*) FROM cases WHERE status IN ({decided}) AND handed_over_at IS NULL AND tier = 'complex'",  # noqa: S608
            list(DECIDED_STATUSES),
        ),
        overdue=_one(
            db,
            f"SELECT count(*) FROM cases WHERE {overdue_clause()}",  # noqa: S608
            [*OPEN_STATUSES, today.isoformat()],
        ),
        conflict=_one(db, "SELECT count(*) FROM cases WHERE status = 'conflict'", []),
    )


def item_usage(db: Database, *, recent: int = 5, since_days: int = 90, now: datetime | None = None) -> Usage:
    """How often each item was taken in lately, and the last few used (newest first)."""
    now = now or datetime.now(UTC)
    since = iso(now - timedelta(days=since_days))
    counts = {
        str(code): int(n)
        for code, n in db.execute(
            "SELECT item_code, count(*) FROM cases WHERE accepted_at >= ? GROUP BY item_code", [since]
        ).fetchall()
    }
    latest = [
        str(r[0])
        for r in db.execute(
            "SELECT item_code FROM cases GROUP BY item_code ORDER BY max(accepted_at) DESC LIMIT ?", [recent]
        ).fetchall()
    ]
    return Usage(counts=counts, recent=tuple(latest))
