"""The supervisors' dashboard: the period's cases read once, summarised by the pure core.

:func:`dashboard` streams one small row per case accepted in the period (``ix_cases_accepted_at``)
into :func:`core.dashboard_stats.summarise`, grouped by county, township, station, clerk or
参保地 (the party a case is attributed to: a county or 市本级, which has no stations of its
own and so only shows there), and adds each station's sync state (last push and pull) from ``stations``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.divisions import load_divisions, party_name
from schema.lifecycle import CaseEvent
from schema.workdays import working_days_between
from sync_server.core.clock import beijing_date
from sync_server.core.dashboard_stats import CaseFact, Summary, period_bounds, summarise
from sync_server.db.tables import case_events, cases, staff, stations
from sync_server.services.finance import deposits


class GroupBy(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    STATION = "station"
    CLERK = "clerk"
    PARTY = "party"

    @property
    def label(self) -> str:
        return {
            "county": "区县",
            "township": "乡镇（街道）",
            "station": "服务站",
            "clerk": "柜员",
            "party": "参保地（区县、市本级）",
        }[self.value]


@dataclass(frozen=True)
class StationSync:
    station_id: str
    name: str
    county: str
    status: str
    last_push_at: dt.datetime | None
    last_pull_at: dt.datetime | None
    lag_median_hours: float | None
    lag_p90_hours: float | None
    cases: int
    # 日结存款对账 (services/finance/deposits): closes still without their deposit, deposits
    # from the station no close accounts for; part of each station's assessment.
    closes_waiting: int = 0
    closes_waiting_amount: Decimal = Decimal("0.00")
    closes_waiting_days: int = 0
    deposits_open: int = 0


@dataclass(frozen=True)
class Dashboard:
    start: dt.date
    end: dt.date
    group_by: GroupBy
    county: str | None
    summary: Summary
    labels: dict[str, str]
    stations: list[StationSync]


def _group_column(group_by: GroupBy) -> sa.ColumnElement[str]:
    c = cases.c
    if group_by is GroupBy.COUNTY:
        return c.county_code
    if group_by is GroupBy.TOWNSHIP:
        return c.township_code
    if group_by is GroupBy.STATION:
        return c.station_id
    if group_by is GroupBy.PARTY:  # cases accepted before attribution was stored: the station's county
        return sa.func.coalesce(c.registration_county, c.county_code)
    return c.station_id + sa.literal("/") + c.clerk


def case_facts(
    conn: Connection, start: dt.date, end: dt.date, group_by: GroupBy, county: str | None = None
) -> Iterator[CaseFact]:
    """One fact per case accepted from ``start`` to ``end`` (Beijing dates, inclusive)."""
    c = cases.c
    low, high = period_bounds(start, end)
    returned = (
        sa.exists()
        .where(
            case_events.c.case_id == c.case_id, case_events.c.event == CaseEvent.RETURN_FOR_SUPPLEMENT.value
        )
        .correlate(cases)
    )
    query = sa.select(
        _group_column(group_by).label("g"),
        c.station_id,
        c.tier,
        c.status,
        c.accepted_at,
        c.received_at,
        c.completed_at,
        c.due_date,
        sa.case((c.tier == "complex", returned), else_=sa.false()).label("returned"),
    ).where(c.accepted_at >= low, c.accepted_at < high)
    if county:
        query = query.where(c.county_code == county)
    for r in conn.execute(query.execution_options(yield_per=5000)):
        yield CaseFact(
            r.g,
            r.station_id,
            r.tier,
            r.status,
            r.accepted_at,
            r.received_at,
            r.completed_at,
            r.due_date,
            bool(r.returned),
        )


def _labels(conn: Connection, group_by: GroupBy, keys: list[str]) -> dict[str, str]:
    divisions = load_divisions()
    if group_by is GroupBy.PARTY:
        return {k: party_name(k) for k in keys}
    if group_by in (GroupBy.COUNTY, GroupBy.TOWNSHIP):
        found = {k: divisions.find(k) for k in keys}
        out = {}
        for key, d in found.items():
            if d is None:
                out[key] = key
            elif group_by is GroupBy.TOWNSHIP:
                out[key] = f"{divisions.county_of(d.code).name}·{d.name}"
            else:
                out[key] = d.name
        return out
    names = dict(conn.execute(sa.select(stations.c.id, stations.c.name)).all())
    if group_by is GroupBy.STATION:
        return {k: names.get(k, k) for k in keys}
    clerks = dict(
        conn.execute(sa.select(staff.c.username, staff.c.display_name)).all()  # a clerk since moved on too
    )
    out = {}
    for key in keys:
        station_id, _, clerk = key.partition("/")
        out[key] = f"{clerks.get(clerk, clerk)}（{names.get(station_id, station_id)}）"
    return out


def _station_sync(
    conn: Connection, by_station: Summary, county: str | None, now: dt.datetime
) -> list[StationSync]:
    lag = {g.group: g for g in by_station.groups}
    waiting, unmatched = deposits.station_figures(conn, now=now), deposits.open_deposit_counts(conn)
    query = sa.select(stations).order_by(stations.c.id)
    if county:
        query = query.where(stations.c.county_code == county)
    divisions = load_divisions()
    out = []
    for s in conn.execute(query):
        g, w = lag.get(s.id), waiting.get(s.id)
        out.append(
            StationSync(
                s.id,
                s.name,
                divisions.name_of(s.county_code),
                s.status,
                s.last_push_at,
                s.last_pull_at,
                g.lag_median_hours if g else None,
                g.lag_p90_hours if g else None,
                g.accepted if g else 0,
                w.open_closes if w else 0,
                w.open_amount if w else Decimal("0.00"),
                w.oldest_days if w else 0,
                unmatched[s.id],
            )
        )
    return out


@functools.lru_cache(maxsize=65_536)
def _wd(a: dt.date, b: dt.date) -> int:
    """Working days between two dates; a period holds few distinct pairs, each counted once."""
    return working_days_between(a, b)


def dashboard(
    conn: Connection,
    *,
    start: dt.date,
    end: dt.date,
    group_by: GroupBy,
    now: dt.datetime,
    county: str | None = None,
) -> Dashboard:
    today = beijing_date(now)
    facts = list(case_facts(conn, start, end, group_by, county))
    summary = summarise(facts, today=today, working_days=_wd)
    by_station = summarise(facts, today=today, working_days=_wd, key=lambda f: f.station)
    labels = _labels(conn, group_by, [g.group for g in summary.groups])
    return Dashboard(
        start, end, group_by, county, summary, labels, _station_sync(conn, by_station, county, now)
    )
