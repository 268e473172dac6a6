"""The month's statistics as tables: one sheet per subject, the same rows in CSV. Pure.

Every sheet lists each county's townships, the county's subtotal (小计) after them and the
city total (全市合计) last. Money is written as ``Decimal`` yuan (Excel shows it with two
decimals); a missing collection plan reads 未编制, never 0. The CSV is the long form (one
row per place, subject, item and figure) that other systems load, UTF-8 with a BOM so
Excel opens it. The workbook is built in memory with openpyxl and returned as bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from schema.divisions import load_divisions, party_name
from schema.person_records import BenefitKind, PayableKind, record_label
from schema.vocabulary import InsuranceType, labels
from sync_server.core.statistics import Line, MonthlyReport

NOT_PLANNED = "未编制"
SOURCES = {"payment_plan": "支付计划（已支付）", "in_payment": "在发待遇（支付计划未编制）"}
Cell = str | int | Decimal


def insurance_label(code: str) -> str:
    return labels(InsuranceType).get(code, code)


def benefit_label(code: str) -> str:
    """A benefit kind, or a one-off payable's kind (the payment plan pays both)."""
    for vocabulary in (BenefitKind, PayableKind):
        try:
            return record_label(vocabulary(code))
        except ValueError:
            continue
    return code


def township_label(line: Line) -> str:
    if line.township is None:
        return "全市合计" if not line.county else "小计"
    if not line.township:
        return "区县本级及其他"
    found = load_divisions().find(line.township)
    return found.name if found else line.township


def county_label(line: Line) -> str:
    return party_name(line.county) if line.county else "全市"


def ordered_lines(report: MonthlyReport) -> Iterator[Line]:
    """Townships, then their county's subtotal; the city total last."""
    for county in report.counties:
        yield from county.townships
        yield county.subtotal
    yield report.total


def _planned(line: Line, report: MonthlyReport, key: str | None) -> Cell:
    if not report.planned:
        return NOT_PLANNED
    return line.planned_total if key is None else line.planned.get(key, Decimal("0.00"))


Sheet = tuple[str, list[str], Callable[[Line], list[Cell]]]


def sheets(report: MonthlyReport) -> list[Sheet]:
    """(title, headers, the figures of one line) for each subject."""
    ins, kinds = report.insurances, report.benefit_kinds
    zero = Decimal("0.00")
    return [
        (
            "参保人数",
            [f"{insurance_label(i)}{h}" for i in ins for h in ("参保人数", "本月新增", "本月减少")],
            lambda x: [v for i in ins for v in (x.enrolled.get(i, 0), x.new.get(i, 0), x.stopped.get(i, 0))],
        ),
        (
            "基金征缴",
            [*(f"{insurance_label(i)}{h}" for i in ins for h in ("实征（元）", "计划（元）")), "实征合计（元）", "计划合计（元）"],
            lambda x: [
                *(v for i in ins for v in (x.collected.get(i, zero), _planned(x, report, i))),
                x.collected_total,
                _planned(x, report, None),
            ],
        ),
        (
            "待遇支付",
            [*(f"{benefit_label(k)}{h}" for k in kinds for h in ("人数", "金额（元）")), "金额合计（元）"],
            lambda x: [
                *(v for k in kinds for v in (x.beneficiaries.get(k, 0), x.benefits.get(k, zero))),
                x.benefits_total,
            ],
        ),
        ("业务办理", ["受理件数", "办结件数", "逾期件数"], lambda x: [x.accepted, x.finished, x.overdue]),
    ]  # fmt: skip


def workbook_bytes(report: MonthlyReport) -> bytes:
    book = Workbook()
    bold = Font(bold=True)
    first = True
    for title, headers, figures in sheets(report):
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title
        sheet.append([f"乐山市社会保险统计月报  {report.month}  {title}"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append(["区县", "乡镇（街道）", *headers])
        for cell in sheet[2]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, horizontal="center")
        for line in ordered_lines(report):
            sheet.append([county_label(line), township_label(line), *figures(line)])
            if line.township is None:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = 16
        for index in range(3, len(headers) + 3):
            sheet.column_dimensions[get_column_letter(index)].width = 16
        sheet.freeze_panes = "C3"
    notes = book.create_sheet("说明")
    for text in (
        f"统计月份：{report.month}",
        "参保人数：月末最后一日在保的人数；本月新增、减少：参保起止日在本月。",
        "基金征缴实征：本月记账的收费分录（征收方），按征收区县和受理服务站所在乡镇；与基金账一致。",
        "计划：" + ("本月征缴计划。" if report.planned else "本月征缴计划尚未编制（显示“未编制”）。"),
        f"待遇支付口径：{SOURCES.get(report.benefit_source, report.benefit_source)}。",
        "业务办理：本月受理、本月办结；逾期为本月超期办结或月末仍超期未办结的件数。",
    ):
        notes.append([text])
    notes.column_dimensions["A"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CSV_HEADERS = ("统计月份", "区县代码", "区县", "乡镇代码", "乡镇（街道）", "统计表", "指标", "数值")


def csv_text(report: MonthlyReport) -> str:
    """The long form; write it as ``utf-8-sig`` so Excel reads the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for title, headers, figures in sheets(report):
        for line in ordered_lines(report):
            code = "合计" if line.township is None else line.township
            for header, value in zip(headers, figures(line), strict=True):
                shown = f"{value:.2f}" if isinstance(value, Decimal) else str(value)
                writer.writerow(
                    [report.month, line.county or "全市", county_label(line), code, township_label(line),
                     title, header, shown]
                )  # fmt: skip
    return buffer.getvalue()
