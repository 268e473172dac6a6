"""The bank's confirmation file of payment notices paid (缴费确认文件), and what each line does. Pure.

Format (``docs/bank_files.md``): UTF-8 CSV, a header ``H,SSB-NOTICE-1,<bank>``, one ``C`` line
per payment ``C,<bank serial>,<payment reference>,<amount>,<paid date>,<payer name>`` and a
trailer ``T,<count>,<total>``. A malformed file imports nothing (:func:`parse_confirmations`
reports every problem by line). A well-formed line whose money pays no notice (unknown
reference, wrong amount, paid twice, cancelled) is kept as a problem for 基金财务 to settle
with the bank (:func:`verdict`); the others pay their notice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from schema.payment_error_codes import PAYMENT_ERROR_CODES
from schema.payment_reference import PaymentReferenceError, parse_reference
from sync_server.core.bank_files import LineProblem
from sync_server.core.bank_files import date_field as _date
from sync_server.core.bank_files import money_field as _amount

FORMAT = "SSB-NOTICE-1"


@dataclass(frozen=True, slots=True)
class Confirmation:
    line: int
    bank_serial: str
    reference: str  # as the bank echoed it
    amount: Decimal
    paid_on: dt.date
    payer_name: str


@dataclass(frozen=True, slots=True)
class ConfirmationFile:
    bank_name: str
    lines: tuple[Confirmation, ...]
    total: Decimal


@dataclass(frozen=True, slots=True)
class NoticeState:
    """A notice as the table holds it, for :func:`verdict`."""

    reference: str
    amount: Decimal
    status: str  # issued | paid | cancelled
    paid_by_serial: str | None  # the bank serial that paid it


def reference_digits(text: str) -> str | None:
    """The reference's 22 digits when it is well formed and its check digit holds."""
    try:
        return parse_reference(text).digits
    except PaymentReferenceError:
        return None


def verdict(line: Confirmation, notice: NoticeState | None) -> tuple[str, str] | None:
    """None when the line pays the notice; else (code, message) of why the money paid nothing."""
    if notice is None:
        code = "notice_reference_unknown"
    elif notice.status == "cancelled":
        code = "notice_cancelled"
    elif notice.status == "paid":
        code = "notice_already_paid"
    elif line.amount != notice.amount:
        return "notice_amount_mismatch", f"到账 {line.amount:.2f} 元，通知单金额 {notice.amount:.2f} 元：该笔款项未入账，请联系银行核对或办理退款。"  # fmt: skip
    else:
        return None
    return code, PAYMENT_ERROR_CODES[code][1]


def confirmation_file(bank_name: str, lines: Iterable[Confirmation]) -> str:
    """A confirmation file as the bank sends it (for tests and the banks' test kits)."""
    rows = list(lines)
    total = sum((r.amount for r in rows), Decimal("0.00"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["H", FORMAT, bank_name])
    writer.writerows(
        ["C", r.bank_serial, r.reference, f"{r.amount:.2f}", r.paid_on.isoformat(), r.payer_name]
        for r in rows
    )
    writer.writerow(["T", len(rows), f"{total:.2f}"])
    return out.getvalue()


def parse_confirmations(text: str) -> tuple[ConfirmationFile | None, list[LineProblem]]:
    problems: list[LineProblem] = []
    bank: str | None = None
    trailer: tuple[int, list[str]] | None = None
    found: list[Confirmation] = []
    serials: set[str] = set()
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        kind = row[0].strip()
        if kind == "H":
            if len(row) < 3 or row[1].strip() != FORMAT or not row[2].strip():
                problems.append(
                    LineProblem(number, "notice_file_header_invalid", f"首行应为 H,{FORMAT},银行名称。")
                )
            else:
                bank = row[2].strip()
            continue
        if kind == "T":
            trailer = (number, row)
            continue
        amount = _amount(row[3]) if len(row) >= 6 else None
        paid_on = _date(row[4]) if len(row) >= 6 else None
        if kind != "C" or len(row) < 6 or not row[1].strip() or amount is None or paid_on is None:
            problems.append(LineProblem(number, "notice_line_malformed",
                                        "该行格式不对：应为 C,银行流水号,缴费参考号,金额（正数，精确到分）,缴费日期（2026-12-07）,缴费人。"))  # fmt: skip
            continue
        serial = row[1].strip()
        if serial in serials:
            problems.append(
                LineProblem(number, "notice_line_malformed", f"银行流水号 {serial} 在文件中重复出现。")
            )
            continue
        serials.add(serial)
        found.append(Confirmation(number, serial, row[2].strip()[:40], amount, paid_on, row[5].strip()[:100]))
    if bank is None and not any(p.code == "notice_file_header_invalid" for p in problems):
        problems.insert(
            0, LineProblem(0, "notice_file_header_invalid", f"文件缺少首行 H,{FORMAT},银行名称。")
        )
    total = sum((c.amount for c in found), Decimal("0.00"))
    if trailer is None:
        problems.append(LineProblem(0, "notice_trailer_mismatch", "文件缺少尾行 T,笔数,合计金额。"))
    elif not problems and (len(trailer[1]) < 3 or trailer[1][1].strip() != str(len(found))
                           or trailer[1][2].strip() != f"{total:.2f}"):  # fmt: skip
        problems.append(LineProblem(trailer[0], "notice_trailer_mismatch",
                                    f"尾行的笔数或合计金额与明细不符（明细 {len(found)} 笔、{total:.2f} 元）。"))  # fmt: skip
    if problems or bank is None:
        return None, problems
    return ConfirmationFile(bank, tuple(found), total), []
