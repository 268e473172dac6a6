"""The clearing report as one CSV file for finance (UTF-8 with a BOM, so Excel opens it). Pure.

Three sections, each introduced by a title row and its own header row:

1. 征收明细: one row per collecting county × owed county × insurance type × account, the
   same columns as ``sync-server clearing-report --format csv``;
2. 区县汇总矩阵: totals over insurance types and accounts (rows collect, columns are owed);
3. 各区县及市本级净额: what each party (a county or 市本级) collected for others, what others collected for it, the
   net (positive: pays out; negative: is owed), and a 合计 row whose net is 0.00 when
   the counties balance, followed by the result of every balance check;
5. 暂收款与应退款 (only when there are any): desk money no county owns yet, per collecting
   county (a complex item's fee before its decision, a conflict case's, refunds owed);
6. 应退款明细 (only when there are any): each refund payable of the period, case by case.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sync_server.core.clearing_matrix import ZERO, Cell, ClearingReport, county_label, vocabulary_label

DETAIL_HEADERS = (
    "期间",
    "征收区县代码",
    "征收区县",
    "归属区县代码",
    "归属区县",
    "险种代码",
    "险种",
    "账户代码",
    "账户",
    "金额（元）",
)
POSITION_HEADERS = (
    "区县代码",
    "区县",
    "代他县征收（元）",
    "他县代本县征收（元）",
    "净额（元）",
    "本县分录余额（元）",
)
TOTAL_LABEL = "合计"
HOLDING_HEADERS = ("区县代码", "区县", "暂收款（元）", "应退款（元）")
HOLDINGS_TITLE = (
    "五、暂收款与应退款（待审核决定或数据冲突处理的业务所收款项、应退还申请人的款项，不计入任何区县收入）"
)
REFUND_HEADERS = ("案件标识", "退款区县代码", "退款区县", "应退款（元）")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def matrix_totals(report: ClearingReport) -> tuple[list[str], list[str], dict[tuple[str, str], Decimal]]:
    """Collecting counties, owed counties, and the totals of each pair."""
    collecting = sorted({c.collecting for c in report.cells})
    owed = sorted({c.owed for c in report.cells})
    totals: dict[tuple[str, str], Decimal] = {}
    for c in report.cells:
        totals[(c.collecting, c.owed)] = totals.get((c.collecting, c.owed), ZERO) + c.amount
    return collecting, owed, totals


def detail_row(report: ClearingReport, c: Cell) -> list[str]:
    """One line of the detail table (DETAIL_HEADERS): shared by the console's CSV and the CLI's."""
    return [
        report.period,
        c.collecting,
        county_label(c.collecting),
        c.owed,
        county_label(c.owed),
        c.insurance_type,
        vocabulary_label(c.insurance_type),
        c.account,
        vocabulary_label(c.account),
        _money(c.amount),
    ]


def clearing_csv(report: ClearingReport) -> bytes:
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\r\n")
    w.writerow([f"乐山市社会保险费征收归属清算表（期间 {report.period}，分录 {report.entries} 条）"])
    w.writerow(["一、征收明细"])
    w.writerow(DETAIL_HEADERS)
    for c in report.cells:
        w.writerow(detail_row(report, c))
    w.writerow([])
    w.writerow(["二、区县汇总矩阵（行：征收区县，列：归属区县，对角线为本县自收）"])
    collecting, owed, totals = matrix_totals(report)
    w.writerow(["征收＼归属", *(county_label(o) for o in owed)])
    for r in collecting:
        w.writerow([county_label(r), *(_money(totals.get((r, o), ZERO)) for o in owed)])
    w.writerow([])
    w.writerow(["三、各区县及市本级净额（正数：代他方征收、应划出；负数：他方代收、应划入）"])
    w.writerow(POSITION_HEADERS)
    for p in report.positions:
        w.writerow(
            [
                p.county,
                county_label(p.county),
                _money(p.collected_for_others),
                _money(p.collected_by_others),
                _money(p.net),
                _money(p.ledger_balance),
            ]
        )
    for_others = sum((p.collected_for_others for p in report.positions), ZERO)
    by_others = sum((p.collected_by_others for p in report.positions), ZERO)
    balances = sum((p.ledger_balance for p in report.positions), ZERO)
    w.writerow(
        ["", TOTAL_LABEL, _money(for_others), _money(by_others), _money(report.net_total), _money(balances)]
    )
    w.writerow([])
    w.writerow(["四、平衡校验"])
    w.writerow(["净额合计为零", "是" if report.net_total == ZERO else "否"])
    w.writerow(["各区县净额与分录余额一致", "是" if report.positions_match_ledger else "否"])
    w.writerow(["不平衡的分录对", str(len(report.unbalanced))])
    w.writerow(["收付方向不明的分录", str(len(report.unknown_sides))])
    w.writerow(["结论", "平衡" if report.balanced else "不平衡"])
    if report.holdings:  # desk money held by the collector for nobody yet: no county's income
        w.writerow([])
        w.writerow([HOLDINGS_TITLE])
        w.writerow(HOLDING_HEADERS)
        for h in report.holdings:
            w.writerow([h.county, county_label(h.county), _money(h.suspense), _money(h.refund)])
    if report.refunds:  # what each county pays back, to whom: finance pays these out
        w.writerow([])
        w.writerow(["六、应退款明细（不予核准或撤回的业务，所收款项应退还申请人）"])
        w.writerow(REFUND_HEADERS)
        for due in report.refunds:
            w.writerow([due.case_id, due.county, county_label(due.county), _money(due.amount)])
    return buffer.getvalue().encode("utf-8-sig")
