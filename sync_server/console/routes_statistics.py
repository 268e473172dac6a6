"""统计月报: the month's statistics for supervisors and the fund's finance staff.

``/console/statistics?month=YYYY-MM`` shows the figures (charts by county, the tables by
county and township); ``/console/statistics.xlsx`` and ``.csv`` download the same report,
built on demand (``core.statistics_export``). Read-only: nothing here changes state.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from schema.divisions import party_name
from schema.vocabulary import Role
from sync_server.console.security import PREFIX, ConsoleRoute, ConsoleUser, now_utc, require
from sync_server.console.templating import render
from sync_server.core.clearing_matrix import parse_period
from sync_server.core.clock import beijing_date
from sync_server.core.date_text import iso_month
from sync_server.core.statistics import MonthlyReport
from sync_server.core.statistics_export import (
    SOURCES,
    county_label,
    csv_text,
    ordered_lines,
    sheets,
    township_label,
    workbook_bytes,
)
from sync_server.core.svg_charts import PALETTE, Series, bar_chart, number
from sync_server.services.reports.statistics import month_statistics

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
READERS = (Role.SUPERVISOR, Role.FINANCE_MAKER, Role.FINANCE_CHECKER)
Reader = Annotated[ConsoleUser, Depends(require(*READERS))]
chart = functools.partial(bar_chart, label_size=14, value_size=14)  # no chart text under 14 px


def _month(text: str) -> tuple[str, list[str]]:
    this_month = beijing_date(now_utc()).strftime("%Y-%m")
    try:
        return parse_period(iso_month(text) or this_month), []  # 2026年3月 or 2026-03
    except ValueError:
        return this_month, [f"“{text}”不是有效的月份（应为 2026-03），已显示本月。"]


def _money(value: float | None) -> str:
    return number(value, 2)


def charts(report: MonthlyReport) -> list[str]:
    subtotals = [c.subtotal for c in report.counties]
    names = [party_name(line.county) for line in subtotals]
    collected = Series("实征", [float(s.collected_total) for s in subtotals], PALETTE[0])
    plan = [Series("计划", [float(s.planned_total) for s in subtotals], PALETTE[1])] if report.planned else []
    return [
        chart("各区县月末参保人次", names,
                  [Series("参保人次", [sum(s.enrolled.values()) for s in subtotals], PALETTE[0])],
                  chart_id="enrolled"),
        chart("各区县本月参保增减", names,
                  [Series("新增", [sum(s.new.values()) for s in subtotals], PALETTE[2]),
                   Series("减少", [sum(s.stopped.values()) for s in subtotals], PALETTE[3])],
                  chart_id="changes"),
        chart("各区县基金征缴（元）" + ("" if report.planned else "：本月征缴计划未编制"), names,
                  [collected, *plan], fmt=_money, chart_id="collected"),
        chart("各区县待遇支付（元）", names,
                  [Series("待遇金额", [float(s.benefits_total) for s in subtotals], PALETTE[2])],
                  fmt=_money, chart_id="benefits"),
        chart("各区县业务办理（件）", names,
                  [Series("受理", [s.accepted for s in subtotals], PALETTE[0]),
                   Series("办结", [s.finished for s in subtotals], PALETTE[2]),
                   Series("逾期", [s.overdue for s in subtotals], PALETTE[3])],
                  chart_id="cases"),
    ]  # fmt: skip


def _shown(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def tables(report: MonthlyReport) -> list[dict[str, object]]:
    """Each subject's table as text cells, the same rows as the workbook's sheet."""
    out: list[dict[str, object]] = []
    for title, headers, figures in sheets(report):
        rows = [
            {
                "county": county_label(line),
                "township": township_label(line),
                "total": line.township is None,
                "cells": [_shown(v) for v in figures(line)],
            }
            for line in ordered_lines(report)
        ]
        out.append({"title": title, "headers": headers, "rows": rows})
    return out


@router.get(f"{PREFIX}/statistics")
def statistics_page(request: Request, user: Reader, month: str = "") -> Response:
    chosen, notes = _month(month)
    with request.app.state.db.read() as conn:
        report = month_statistics(conn, chosen)
    return render(
        request,
        "console/statistics.html",
        {
            "report": report,
            "notes": notes,
            "charts": charts(report),
            "tables": tables(report),
            "source": SOURCES.get(report.benefit_source, report.benefit_source),
        },
    )


def _download(data: bytes, chosen: str, suffix: str, media_type: str) -> Response:
    name = quote(f"统计月报-{chosen}.{suffix}")
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename=statistics-{chosen}.{suffix}; filename*=UTF-8''{name}"
        },
    )


@router.get(f"{PREFIX}/statistics.xlsx")
def statistics_workbook(request: Request, user: Reader, month: str = "") -> Response:
    chosen, _ = _month(month)
    with request.app.state.db.read() as conn:
        report = month_statistics(conn, chosen)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(workbook_bytes(report), chosen, "xlsx", media)


@router.get(f"{PREFIX}/statistics.csv")
def statistics_csv(request: Request, user: Reader, month: str = "") -> Response:
    chosen, _ = _month(month)
    with request.app.state.db.read() as conn:
        report = month_statistics(conn, chosen)
    return _download(csv_text(report).encode("utf-8-sig"), chosen, "csv", "text/csv; charset=utf-8")
