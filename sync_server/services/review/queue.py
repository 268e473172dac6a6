"""The section queue and the section's workload: the reads behind the reviewers' pages.

Built to stay fast with millions of cases (bench/console_queue.py measures it):

* a tab is one section and one status, so the list walks ``ix_cases_queue``
  (section, status, due_date) in due-date order and stops after a page: LIMIT with a
  keyset cursor (:mod:`sync_server.core.queue_filters`), never OFFSET;
* counts are capped (:data:`COUNT_CAP`): counting stops at the cap and the page shows
  “10,000+”, so a count never reads more than the cap's worth of index entries;
* "我已办理" (what I decided) walks ``ix_cases_decided`` (decided_by, decided_at).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.lifecycle import CaseStatus
from sync_server.core.clock import beijing_date
from sync_server.core.queue_filters import QueueCursor, QueueFilters, Tab
from sync_server.db.tables import cases
from sync_server.services.review.chief import staff_of_section

DbRow = Any  # a result row (SQLAlchemy 2.1 types rows by their columns)

PAGE_SIZE = 50
COUNT_CAP = 10_000
_LIST_COLUMNS = (
    cases.c.case_id,
    cases.c.case_number,
    cases.c.item_code,
    cases.c.station_id,
    cases.c.township_code,
    cases.c.county_code,
    cases.c.applicant_kind,
    cases.c.applicant_key,
    cases.c.applicant_name,
    cases.c.clerk,
    cases.c.status,
    cases.c.claimed_by,
    cases.c.due_date,
    cases.c.due_provisional,  # counted on the provisional holiday calendar: 暂定
    cases.c.accepted_at,
    cases.c.decided_at,
    cases.c.attribution_flags,  # 参保地 provisional: shown as a badge on the row
)


@dataclass(frozen=True)
class Count:
    value: int
    capped: bool  # the true count is larger than ``value``

    @property
    def text(self) -> str:
        return f"{self.value:,}+" if self.capped else f"{self.value:,}"


@dataclass(frozen=True)
class QueuePage:
    rows: list[DbRow]
    next_cursor: str | None
    matching: Count  # rows matching tab and filters
    tabs: dict[Tab, Count]  # per tab, without filters
    overdue: Count  # waiting to be claimed and past due, without filters
    today: dt.date


def _tab_conditions(tab: Tab, section: str, username: str) -> list[sa.ColumnElement[bool]]:
    c = cases.c
    if tab is Tab.ROUTED:
        return [c.section == section, c.status == CaseStatus.ROUTED.value]
    if tab is Tab.MINE:
        return [c.section == section, c.status == CaseStatus.CLAIMED.value, c.claimed_by == username]
    if tab is Tab.CLAIMED:
        return [c.section == section, c.status == CaseStatus.CLAIMED.value]
    return [c.decided_by == username, c.decided_at.is_not(None)]


def _filter_conditions(
    f: QueueFilters, today: dt.date, *, sqlite: bool = False
) -> list[sa.ColumnElement[bool]]:
    """The filters. On SQLite, ``column || ''`` keeps the planner on ix_cases_queue: without
    statistics it would take the county or item index instead and read every case of that
    county to find the few of this section and status."""
    c = cases.c

    def plain(column: sa.Column[str]) -> sa.ColumnElement[str]:
        return column.concat("") if sqlite else column

    found: list[sa.ColumnElement[bool]] = []
    if f.county:
        found.append(plain(c.county_code) == f.county)
    if f.township:
        found.append(plain(c.township_code) == f.township)
    if f.item:
        found.append(plain(c.item_code) == f.item)
    if f.due_before:
        found.append(c.due_date <= f.due_before)
    if f.overdue:
        found.append(c.due_date < today)
    return found


def capped_count(conn: Connection, conditions: list[sa.ColumnElement[bool]], cap: int = COUNT_CAP) -> Count:
    """``count(*)`` that stops at ``cap`` (an index-only scan of at most cap + 1 entries)."""
    inner = sa.select(sa.literal(1)).select_from(cases).where(*conditions).limit(cap + 1).subquery()
    value = int(conn.execute(sa.select(sa.func.count()).select_from(inner)).scalar_one())
    return Count(min(value, cap), value > cap)


def _done_page(
    conn: Connection, where: list[sa.ColumnElement[bool]], after: QueueCursor | None, limit: int
) -> tuple[list[DbRow], str | None]:
    """What the reviewer decided, newest first (keyset on decided_at, case_id)."""
    c = cases.c
    keyset: list[sa.ColumnElement[bool]] = []
    if after is not None and after.at is not None:
        keyset = [c.decided_at <= after.at, sa.or_(c.decided_at < after.at, c.case_id < after.case_id)]
    query = sa.select(*_LIST_COLUMNS).where(*where, *keyset)
    rows = list(conn.execute(query.order_by(c.decided_at.desc(), c.case_id.desc()).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], QueueCursor(None, last.case_id, last.decided_at).encode()


def _page(
    conn: Connection, where: list[sa.ColumnElement[bool]], tab: Tab, after: QueueCursor | None, limit: int
) -> tuple[list[DbRow], str | None]:
    """Cases with a due date in (due_date, case_id) order, then those without one by case_id."""
    c = cases.c
    if tab is Tab.DONE:
        return _done_page(conn, where, after, limit)
    rows = []
    if after is None or after.due is not None:
        keyset: list[sa.ColumnElement[bool]] = [c.due_date.is_not(None)]
        if after is not None and after.due is not None:
            keyset += [c.due_date >= after.due, sa.or_(c.due_date > after.due, c.case_id > after.case_id)]
        query = sa.select(*_LIST_COLUMNS).where(*where, *keyset)
        rows = list(conn.execute(query.order_by(c.due_date, c.case_id).limit(limit + 1)))
        if len(rows) > limit:
            last = rows[limit - 1]
            return rows[:limit], QueueCursor(last.due_date, last.case_id).encode()
        after = None
    # Then the cases without a due date (no holiday calendar for their year yet).
    room = limit - len(rows)
    nulls: list[sa.ColumnElement[bool]] = [c.due_date.is_(None)]
    if after is not None:
        nulls.append(c.case_id > after.case_id)
    tail = list(
        conn.execute(sa.select(*_LIST_COLUMNS).where(*where, *nulls).order_by(c.case_id).limit(room + 1))
    )
    rows += tail[:room]
    if len(tail) > room:
        return rows, QueueCursor(None, rows[-1].case_id).encode()
    return rows, None


def queue_page(
    conn: Connection,
    *,
    section: str,
    username: str,
    filters: QueueFilters,
    after: QueueCursor | None,
    now: dt.datetime,
    limit: int = PAGE_SIZE,
) -> QueuePage:
    """One page of a tab of the section's queue, with the counts the page shows."""
    today = beijing_date(now)
    sqlite = conn.dialect.name == "sqlite" and filters.tab is not Tab.DONE
    where = _tab_conditions(filters.tab, section, username) + _filter_conditions(
        filters, today, sqlite=sqlite
    )
    rows, next_cursor = _page(conn, where, filters.tab, after, limit)
    tabs: dict[Tab, Count] = {}
    for tab in (Tab.ROUTED, Tab.MINE, Tab.CLAIMED):
        tabs[tab] = capped_count(conn, _tab_conditions(tab, section, username))
    overdue = capped_count(conn, [*_tab_conditions(Tab.ROUTED, section, username), cases.c.due_date < today])
    matching = tabs[filters.tab] if not filters.active and filters.tab in tabs else capped_count(conn, where)
    return QueuePage(rows, next_cursor, matching, tabs, overdue, today)


# ---- workload ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewerLoad:
    username: str
    display_name: str
    role: str
    holding: int  # claimed cases now
    holding_overdue: int
    decided: int  # decisions in the window


@dataclass(frozen=True)
class SectionLoad:
    waiting: Count  # routed, not yet claimed
    waiting_overdue: Count
    due_soon: Count  # waiting, due within the next three days
    holding: Count  # claimed
    oldest_due: dt.date | None
    reviewers: list[ReviewerLoad]
    since: dt.date


def workload(conn: Connection, section: str, *, now: dt.datetime, days: int = 30) -> SectionLoad:
    """The chief's view: what waits, what each reviewer holds, what each decided lately."""
    c = cases.c
    today = beijing_date(now)
    since = now - dt.timedelta(days=days)
    routed = [c.section == section, c.status == CaseStatus.ROUTED.value]
    claimed = [c.section == section, c.status == CaseStatus.CLAIMED.value]
    overdue = sa.case((c.due_date < today, 1), else_=0)
    held = {
        r.claimed_by: (int(r.n), int(r.late or 0))
        for r in conn.execute(
            sa.select(c.claimed_by, sa.func.count().label("n"), sa.func.sum(overdue).label("late"))
            .where(*claimed)
            .group_by(c.claimed_by)
        )
    }
    people = staff_of_section(conn, section)
    names = [p.username for p in people] + sorted(set(held) - {p.username for p in people} - {None})
    decided: dict[str, int] = {}
    if names:
        decided = {
            r.decided_by: int(r.n)
            for r in conn.execute(
                sa.select(c.decided_by, sa.func.count().label("n"))
                .where(c.decided_by.in_(names), c.decided_at >= since, c.section == section)
                .group_by(c.decided_by)
            )
        }
    shown = {p.username: (p.display_name, p.role) for p in people}
    reviewers = [
        ReviewerLoad(
            name,
            shown.get(name, (name, ""))[0],
            shown.get(name, ("", "（已停用或调离）"))[1],
            held.get(name, (0, 0))[0],
            held.get(name, (0, 0))[1],
            decided.get(name, 0),
        )
        for name in names
    ]
    oldest = conn.execute(
        sa.select(c.due_date).where(*routed, c.due_date.is_not(None)).order_by(c.due_date).limit(1)
    ).scalar()
    return SectionLoad(
        waiting=capped_count(conn, routed),
        waiting_overdue=capped_count(conn, [*routed, c.due_date < today]),
        due_soon=capped_count(
            conn, [*routed, c.due_date >= today, c.due_date <= today + dt.timedelta(days=3)]
        ),
        holding=capped_count(conn, claimed),
        oldest_due=oldest,
        reviewers=reviewers,
        since=beijing_date(since),
    )
