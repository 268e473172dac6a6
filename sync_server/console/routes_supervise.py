"""Supervisors (监管考核): the dashboard of a chosen period, and the county clearing with its CSV."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from schema.divisions import load_divisions
from schema.vocabulary import Role
from sync_server.console.security import PREFIX, ConsoleRoute, ConsoleUser, now_utc, require
from sync_server.console.templating import render
from sync_server.core import svg_charts
from sync_server.core.clearing_export import clearing_csv, matrix_totals
from sync_server.core.clearing_matrix import county_label, parse_period, vocabulary_label
from sync_server.core.clock import beijing_date
from sync_server.core.dashboard_stats import GroupStats
from sync_server.core.dashboard_stats import parse_period as parse_dates
from sync_server.core.date_text import iso_day, iso_month
from sync_server.core.svg_charts import PALETTE, Series, bar_chart
from sync_server.services.reports.clearing import clearing_for_period
from sync_server.services.reports.dashboard import Dashboard, GroupBy, dashboard

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Supervisor = Annotated[ConsoleUser, Depends(require(Role.SUPERVISOR))]
CHART_ROWS = 15


def charts(data: Dashboard) -> list[str]:
    """The dashboard's charts (the busiest groups first), each a self-contained SVG."""
    shown: list[GroupStats] = data.summary.groups[:CHART_ROWS]
    names = [data.labels.get(g.group, g.group) for g in shown]
    by = data.group_by.label
    lag_rows = sorted(
        (s for s in data.stations if s.lag_median_hours is not None), key=lambda s: -(s.lag_median_hours or 0)
    )[:CHART_ROWS]
    return [
        bar_chart(
            f"受理量（按{by}）",
            names,
            [
                Series("前台办结", [g.general for g in shown], PALETTE[2]),
                Series("后台办理", [g.complex for g in shown], PALETTE[0]),
            ],
            stacked=True,
            chart_id="accepted",
        ),
        bar_chart(
            "前台办结率", names, [Series("前台办结率", [g.front_desk_share for g in shown], PALETTE[2])],
            fmt=svg_charts.percent, chart_id="front",
        ),
        bar_chart(
            "后台办结用时中位数（工作日）", names,
            [Series("中位数", [g.median_days for g in shown], PALETTE[0])],
            fmt=lambda v: svg_charts.number(v, 1), chart_id="median",
        ),
        bar_chart(
            "逾期件数", names, [Series("逾期", [g.overdue for g in shown], PALETTE[3])], chart_id="overdue"
        ),
        bar_chart(
            "退回补正率与驳回率",
            names,
            [
                Series("退回补正率", [g.return_rate for g in shown], PALETTE[1]),
                Series("驳回率", [g.rejection_rate for g in shown], PALETTE[3]),
            ],
            fmt=svg_charts.percent,
            chart_id="rates",
        ),
        bar_chart(
            "各服务站同步延迟（受理到上报，中位数）",
            [s.name for s in lag_rows],
            [Series("中位数", [s.lag_median_hours for s in lag_rows], PALETTE[1])],
            fmt=lambda v: "—" if v is None else f"{v:.1f} 小时",
            chart_id="lag",
        ),
    ]  # fmt: skip


@router.get(f"{PREFIX}/dashboard")
def dashboard_page(
    request: Request,
    user: Supervisor,
    *,
    start: str = "",
    end: str = "",
    group: str = "county",
    county: str = "",
) -> Response:
    now = now_utc()
    today = beijing_date(now)
    first, last, notes = parse_dates(iso_day(start), iso_day(end), today)  # 2026年3月1日 or ISO
    try:
        group_by = GroupBy(group)
    except ValueError:
        group_by = GroupBy.COUNTY
        notes.append("未知的统计口径，已按区县统计。")
    divisions = load_divisions()
    chosen = county if county in {c.code for c in divisions.counties()} else None
    with request.app.state.db.read() as conn:
        data = dashboard(conn, start=first, end=last, group_by=group_by, now=now, county=chosen)
    presets = {
        "本月": (today.replace(day=1), today),
        "上月": ((today.replace(day=1) - dt.timedelta(days=1)).replace(day=1), today.replace(day=1) - dt.timedelta(days=1)),
        "近 30 天": (today - dt.timedelta(days=29), today),
        "本年": (today.replace(month=1, day=1), today),
    }  # fmt: skip
    return render(
        request,
        "console/dashboard.html",
        {
            "data": data,
            "charts": charts(data),
            "notes": notes,
            "groups": list(GroupBy),
            "counties": divisions.counties(),
            "presets": presets,
        },
    )


def _period(text: str) -> tuple[str, list[str]]:
    today = beijing_date(now_utc())
    try:
        return parse_period(iso_month(text) or today.strftime("%Y-%m")), []  # 2026年3月 or 2026-03
    except ValueError:
        return today.strftime("%Y-%m"), [f"“{text}”不是有效的期间（应为 2026-03），已显示本月。"]


@router.get(f"{PREFIX}/clearing")
def clearing_page(request: Request, user: Supervisor, period: str = "") -> Response:
    chosen, notes = _period(period)
    with request.app.state.db.read() as conn:
        report = clearing_for_period(conn, chosen)
    collecting, owed, totals = matrix_totals(report)
    return render(
        request,
        "console/clearing.html",
        {
            "report": report,
            "notes": notes,
            "collecting": collecting,
            "owed": owed,
            "totals": totals,
            "county_label": county_label,
            "word": vocabulary_label,
        },
    )


@router.get(f"{PREFIX}/clearing.csv")
def clearing_download(request: Request, user: Supervisor, period: str = "") -> Response:
    chosen, _ = _period(period)
    with request.app.state.db.read() as conn:
        report = clearing_for_period(conn, chosen)
    filename = f"clearing-{chosen}.csv"
    return Response(
        clearing_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename={filename}; filename*=UTF-8''%E6%B8%85%E7%AE%97%E8%A1%A8-{chosen}.csv",
            "X-Clearing-Balanced": "true" if report.balanced else "false",
        },
    )
