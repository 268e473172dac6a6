"""Supervision statistics: the pure core (medians, overdue, rates, periods), the SVG charts,
and the service over real pushed and decided cases on both backends."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from schema.lifecycle import Actor, CaseEvent
from schema.vocabulary import Role, Section
from schema.workdays import working_days_between
from sync_server.core import svg_charts
from sync_server.core.dashboard_stats import (
    CaseFact,
    median,
    parse_period,
    percentile,
    period_bounds,
    summarise,
)
from sync_server.db.engine import Database
from sync_server.db.tables import cases
from sync_server.services.reports import dashboard
from sync_server.services.review import decide as review
from tests.support.console_kit import add_account, case_row, console_client, push_case
from tests.support.factories import accept_op, add_person, enrolled_station, push

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing


def fact(group: str = "g", tier: str = "complex", status: str = "approved", *, done_days: float | None = 3,
         due: dt.date | None = dt.date(2026, 3, 6), lag_hours: float = 1, returned: bool = False) -> CaseFact:  # fmt: skip
    completed = T0 + dt.timedelta(days=done_days) if done_days is not None else None
    return CaseFact(
        group, "st", tier, status, T0, T0 + dt.timedelta(hours=lag_hours), completed, due, returned
    )


def test_median_and_percentile() -> None:
    assert median([]) is None and median([3.0]) == 3.0 and median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert percentile([5.0, 1.0, 4.0, 2.0, 3.0], 0.9) == 5.0 and percentile([1.0, 2.0], 0.5) == 1.0


def test_a_group_summary_counts_what_supervisors_assess() -> None:
    facts = [
        fact(tier="general", status="completed", done_days=0, due=None, lag_hours=0.5),
        fact(tier="general", status="completed", done_days=0, due=None, lag_hours=0.5),
        fact(status="approved", done_days=2),  # Wed: on time
        fact(status="approved", done_days=7),  # next Mon: after the Friday due date
        fact(status="rejected", done_days=4),
        fact(
            status="routed", done_days=None, due=dt.date(2026, 3, 5), returned=True
        ),  # open, past due on the 10th
        fact(status="claimed", done_days=None, due=dt.date(2026, 3, 20)),
        fact(status="withdrawn", done_days=None, due=dt.date(2026, 3, 3)),  # withdrawn: never overdue
    ]
    summary = summarise(facts, today=dt.date(2026, 3, 10), working_days=working_days_between)
    (g,) = summary.groups
    assert (g.accepted, g.general, g.complex, g.finished, g.rejected, g.returned, g.overdue) == (
        8,
        2,
        6,
        3,
        1,
        1,
        2,
    )
    assert g.front_desk_share == 0.25 and g.rejection_rate == 1 / 3 and g.return_rate == 1 / 6
    assert g.completion_days == [2.0, 5.0, 4.0] and g.median_days == 4.0
    assert g.lag_median_hours == 1.0 and summary.total.accepted == 8


def test_groups_are_ordered_by_volume_and_the_period_is_checked() -> None:
    summary = summarise(
        [fact("b"), fact("a"), fact("b")], today=dt.date(2026, 3, 10), working_days=working_days_between
    )
    assert [g.group for g in summary.groups] == ["b", "a"]
    today = dt.date(2026, 3, 15)
    assert parse_period(None, None, today)[:2] == (dt.date(2026, 3, 1), today)
    start, end, notes = parse_period("2026-03-10", "2026-03-01", today)
    assert (start, end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 10)) and notes
    assert parse_period("nonsense", "", today)[2] == ["日期格式应为 2026-03-01，已改为本月。"]
    low, high = period_bounds(dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    assert (low.hour, (high - low).days) == (16, 1)  # Beijing midnight is 16:00 UTC the day before


def test_charts_are_well_formed_accessible_svg() -> None:
    svg = svg_charts.bar_chart(
        "受理量（按区县）",
        ["市中区", "犍为县<script>"],
        [svg_charts.Series("前台办结", [3, 1]), svg_charts.Series("后台办理", [2, None], "#e08a1e")],
        stacked=True,
        chart_id="t",
    )
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "t-t t-d"
    assert "<script>" not in svg and "犍为县&lt;script&gt;" in svg
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert len(root.findall("s:rect", ns)) == 2 + 3  # two legend keys, three non-empty bars
    desc = root.find("s:desc", ns)
    assert desc is not None and "市中区：前台办结 3，后台办理 2" in (desc.text or "")
    empty = ET.fromstring(svg_charts.bar_chart("空", [], [svg_charts.Series("x", [])]))
    assert "所选期间没有数据" in ET.tostring(empty, encoding="unicode")
    assert svg_charts.percent(0.256) == "25.6%" and svg_charts.number(None) == "—"


def test_the_dashboard_over_pushed_and_decided_cases(db: Database, tmp_path: Path) -> None:
    client = console_client(db, tmp_path)
    dafo, yujin = enrolled_station(db), enrolled_station(db, township="511123100")
    add_account(db, "review.a", Role.REVIEWER, section="pension")
    add_account(db, "clerk.dafo.1", Role.CLERK, station_id=dafo.id, name="李娟")
    ids = [push_case(client, dafo, clerk="clerk.dafo.1") for _ in range(3)] + [push_case(client, yujin)]
    assert push(client, dafo, [accept_op(dafo, "G02"), accept_op(dafo, "G14")]).status_code == 200
    actor = Actor.reviewer("review.a", Section.PENSION)
    now = dt.datetime.now(UTC)
    # the retiring applicant is insured here, so the approval has an enrolment to stop
    add_person(db, case_row(db, ids[0]).applicant_key, enrolled={"enterprise_pension": "511102"})
    with db.write() as conn:
        for case_id, event in zip(
            ids[:3], (CaseEvent.APPROVE, CaseEvent.REJECT, CaseEvent.RETURN_FOR_SUPPLEMENT), strict=True
        ):
            review.claim(conn, case_id, actor=actor, now=now)
            review.decide(conn, case_id, event, actor=actor, now=now, reason="理由", missing=["id_card"] if event is CaseEvent.RETURN_FOR_SUPPLEMENT else [])  # fmt: skip
    today = now.date()
    with db.read() as conn:
        by_county = dashboard.dashboard(
            conn, start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1), group_by=dashboard.GroupBy.COUNTY, now=now
        )  # fmt: skip
        by_clerk = dashboard.dashboard(
            conn, start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1), group_by=dashboard.GroupBy.CLERK, now=now
        )  # fmt: skip
        total = conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one()
    assert by_county.summary.total.accepted == total == 6
    shizhong = next(g for g in by_county.summary.groups if g.group == "511102")
    assert (shizhong.accepted, shizhong.general, shizhong.finished, shizhong.rejected, shizhong.returned) == (
        5,
        2,
        2,
        1,
        1,
    )
    assert by_county.labels["511102"] == "市中区" and by_county.labels["511123"] == "犍为县"
    assert by_clerk.labels[f"{dafo.id}/clerk.dafo.1"] == f"李娟（测试服务站 {dafo.id}）"
    lag = {s.station_id: s for s in by_county.stations}
    assert lag[dafo.id].cases == 5 and lag[dafo.id].lag_median_hours is not None
    assert Decimal(str(lag[dafo.id].lag_median_hours)) < 1


def test_the_dashboard_page_draws_its_charts(db: Database, tmp_path: Path) -> None:
    from tests.support.console_kit import logged_in

    client = console_client(db, tmp_path)
    station = enrolled_station(db)
    push_case(client, station)
    add_account(db, "supervisor", Role.SUPERVISOR)
    logged_in(client, "supervisor")
    for group in ("county", "township", "station", "clerk", "bogus"):
        page = client.get(
            "/console/dashboard", params={"group": group, "start": "2020-01-01", "end": "2099-12-31"}
        )
        assert page.status_code == 200, page.text
        assert page.text.count("<svg") == 6 and "受理量" in page.text
    assert "统计期间最长 366 天" in page.text and "未知的统计口径" in page.text
