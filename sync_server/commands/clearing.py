"""``sync-server clearing-report``: the period's clearing between counties (征收归属与核算).

Formats: ``table`` (for reading, Chinese columns aligned), ``csv`` (the matrix cells, one
row each, UTF-8 with a BOM so Excel opens it), ``json`` (everything, amounts as strings).
Exit status 1 when the report does not balance (a message on stderr says why), so a
scheduled job notices.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import click

from sync_server.commands.catalog import display_width
from sync_server.commands.common import data_dir_option, format_table, open_database
from sync_server.core.clearing_export import DETAIL_HEADERS, HOLDINGS_TITLE, detail_row
from sync_server.core.clearing_matrix import (
    ClearingReport,
    county_label,
    parse_period,
    vocabulary_label,
)

FORMATS = ("table", "csv", "json")


class Period(click.ParamType[str]):
    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return parse_period(str(value))
        except ValueError:
            self.fail(f"「{value}」不是有效的期间。请按 年-月 输入，如 2026-03（月份 01–12）。", param, ctx)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _right(values: Sequence[str], header: str) -> list[str]:
    """Amounts right-aligned under their header (which may be wider, in Chinese)."""
    width = max([display_width(header), *(len(v) for v in values)])
    return [v.rjust(width) for v in values]


def _matrix(report: ClearingReport) -> str:
    """Totals over insurance types and accounts: rows collect, columns are owed."""
    collecting = sorted({c.collecting for c in report.cells})
    owed = sorted({c.owed for c in report.cells})
    totals: dict[tuple[str, str], Decimal] = {}
    for c in report.cells:
        totals[(c.collecting, c.owed)] = totals.get((c.collecting, c.owed), Decimal(0)) + c.amount
    columns = [
        _right([_money(totals.get((r, o), Decimal(0))) for r in collecting], county_label(o)) for o in owed
    ]
    rows = [[county_label(r), *(col[i] for col in columns)] for i, r in enumerate(collecting)]
    return format_table(["征收＼归属", *(county_label(o) for o in owed)], rows)


def render_table(report: ClearingReport) -> str:
    out = [f"乐山市社会保险费征收归属清算表  期间 {report.period}（分录 {report.entries} 条）", ""]
    if not report.entries:
        return "\n".join([*out, "该期间没有收费分录。"])
    amounts = _right([_money(c.amount) for c in report.cells], "金额（元）")
    cells = [
        [
            county_label(c.collecting),
            county_label(c.owed),
            vocabulary_label(c.insurance_type),
            vocabulary_label(c.account),
            a,
        ]
        for c, a in zip(report.cells, amounts, strict=True)
    ]
    out += [
        "一、征收明细（按险种、账户）",
        format_table(["征收区县", "归属区县", "险种", "账户", "金额（元）"], cells),
        "",
    ]
    out += ["二、征收区县 × 归属区县 合计（元，对角线为本县自收）", _matrix(report), ""]
    cols = [
        _right([_money(p.collected_for_others) for p in report.positions], "代他县征收"),
        _right([_money(p.collected_by_others) for p in report.positions], "他县代本县征收"),
        _right([_money(p.net) for p in report.positions], "净额"),
    ]
    positions = [[county_label(p.county), *(col[i] for col in cols)] for i, p in enumerate(report.positions)]
    out += [
        "三、各区县净额（正数：代他县征收、应划出；负数：他县代收、应划入）",
        format_table(["区县", "代他县征收", "他县代本县征收", "净额"], positions),
        "",
        "四、平衡校验",
        f"  净额合计：{_money(report.net_total)}（应为 0.00）",
        f"  各区县净额与分录余额一致：{'是' if report.positions_match_ledger else '否'}",
        f"  不平衡的分录对：{len(report.unbalanced)}；收付方向不明的分录：{len(report.unknown_sides)}",
        f"  结论：{'平衡' if report.balanced else '不平衡，请核对下列分录'}",
    ]
    out += [
        f"    案件 {u.case_id}：{county_label(u.collecting)}→{county_label(u.owed)} "
        f"{vocabulary_label(u.insurance_type)} {vocabulary_label(u.account)} {u.contribution_month or ''} 差额 {_money(u.total)}"
        for u in report.unbalanced
    ]
    if report.holdings:  # desk money held for nobody yet: no county's income
        out += ["", HOLDINGS_TITLE]
        out += [
            f"  {county_label(h.county)}：暂收款 {_money(h.suspense)} 元，应退款 {_money(h.refund)} 元"
            for h in report.holdings
        ]
    if report.refunds:
        out += ["", "六、应退款明细（不予核准或撤回的业务，所收款项应退还申请人）"]
        out += [
            f"  案件 {r.case_id}：{county_label(r.county)}应退 {_money(r.amount)} 元" for r in report.refunds
        ]
    return "\n".join(out)


def render_csv(report: ClearingReport) -> str:
    """The flat detail table (one row per county pair, insurance and account), for other systems."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(DETAIL_HEADERS)
    for c in report.cells:
        writer.writerow(detail_row(report, c))
    return buffer.getvalue()


def report_document(report: ClearingReport) -> dict[str, Any]:
    """The report as JSON-ready data; amounts as strings so no float touches them."""
    return {
        "period": report.period,
        "entries": report.entries,
        "balanced": report.balanced,
        "net_total": f"{report.net_total:.2f}",
        "cells": [
            {
                "collecting_county": c.collecting,
                "collecting_name": county_label(c.collecting),
                "owed_county": c.owed,
                "owed_name": county_label(c.owed),
                "insurance_type": c.insurance_type,
                "insurance_label": vocabulary_label(c.insurance_type),
                "account": c.account,
                "account_label": vocabulary_label(c.account),
                "amount": f"{c.amount:.2f}",
            }
            for c in report.cells
        ],
        "positions": [
            {
                "county": p.county,
                "name": county_label(p.county),
                "collected_for_others": f"{p.collected_for_others:.2f}",
                "collected_by_others": f"{p.collected_by_others:.2f}",
                "net": f"{p.net:.2f}",
                "ledger_balance": f"{p.ledger_balance:.2f}",
            }
            for p in report.positions
        ],
        "unbalanced_pairs": [
            {
                "case_id": u.case_id,
                "collecting_county": u.collecting,
                "owed_county": u.owed,
                "insurance_type": u.insurance_type,
                "account": u.account,
                "contribution_month": u.contribution_month,
                "total": f"{u.total:.2f}",
            }
            for u in report.unbalanced
        ],
        "unknown_side_cases": list(report.unknown_sides),
    }


def render(report: ClearingReport, fmt: str) -> bytes:
    if fmt == "csv":
        return render_csv(report).encode("utf-8-sig")
    if fmt == "json":
        return (json.dumps(report_document(report), ensure_ascii=False, indent=1) + "\n").encode()
    return (render_table(report) + "\n").encode()


@click.command("clearing-report")
@data_dir_option
@click.option("--period", required=True, type=Period(), help="清算期间（记账月份），如 2026-03。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="输出格式：table 表格、csv（Excel 可直接打开）、json。",
)
def clearing_report(data_dir: str | None, period: str, fmt: str) -> None:
    """各区县社保费代收代付清算表：征收区县 × 归属区县，按险种、账户，并校验平衡。"""
    from sync_server.services.reports.clearing import clearing_for_period

    with open_database(data_dir) as (_settings, db), db.read() as conn:
        report = clearing_for_period(conn, period)
    click.echo(render(report, fmt), nl=False)  # bytes: written as they are (the CSV's BOM)
    if not report.balanced:
        click.echo(
            f"清算不平衡（期间 {report.period}）：净额合计 {_money(report.net_total)}，"
            f"不平衡的分录对 {len(report.unbalanced)} 个。请核对上述分录后联系基金财务科。",
            err=True,
        )
        raise click.exceptions.Exit(1)
