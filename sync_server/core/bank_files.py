"""Bank files of a payment plan (代发文件) and the banks' returned files (退票文件). Pure.

The format is documented in ``docs/bank_files.md``: UTF-8 CSV, one file per bank, a header
line ``H``, one ``D`` line per payment and a trailer ``T`` with the count and the total.
A returned file lists the payments the bank could not credit (``R`` lines) and a trailer;
:func:`parse_returned` checks every line and reports each problem by line number and code,
so a caller imports all of it or none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

FORMAT = "SSB-PAY-1"


@dataclass(frozen=True)
class Payment:
    line_id: int
    payee_name: str
    id_number: str
    bank_account: str
    amount: Decimal
    county: str
    kind: str
    memo: str


@dataclass(frozen=True)
class BankFile:
    bank_name: str
    text: str
    count: int
    total: Decimal


def _csv(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def bank_file(month: str, plan_id: int, bank_name: str, payments: list[Payment]) -> BankFile:
    """One bank's file: header, one line per payment, a trailer with count and total."""
    total = sum((p.amount for p in payments), Decimal("0.00"))
    rows: list[list[object]] = [["H", FORMAT, month, plan_id, bank_name]]
    rows += [
        [
            "D",
            p.line_id,
            p.payee_name,
            p.id_number,
            p.bank_account,
            f"{p.amount:.2f}",
            p.county,
            p.kind,
            p.memo,
        ]
        for p in payments
    ]
    rows.append(["T", month, bank_name, len(payments), f"{total:.2f}"])
    return BankFile(bank_name, _csv(rows), len(payments), total)


@dataclass(frozen=True)
class Returned:
    line_id: int
    bank_account: str
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class LineProblem:
    line: int  # 1-based line number in the file
    code: str
    message: str


def returned_file(month: str, bank_name: str, lines: list[Returned]) -> str:
    """A returned file as a bank sends it (used by tests and by banks' test kits)."""
    total = sum((r.amount for r in lines), Decimal("0.00"))
    rows: list[list[object]] = [["R", r.line_id, r.bank_account, f"{r.amount:.2f}", r.reason] for r in lines]
    rows.append(["T", month, bank_name, len(lines), f"{total:.2f}"])
    return _csv(rows)


def money_field(text: str) -> Decimal | None:
    """A bank file's amount: positive, at most two decimals; None otherwise (every bank file)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value == value.quantize(Decimal("0.01")) and value > 0 else None


def date_field(text: str) -> dt.date | None:
    """A bank file's ISO date (YYYY-MM-DD); None when it is not one."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_returned(
    text: str, month: str, sent: Mapping[int, tuple[str, Decimal, str]]
) -> tuple[list[Returned], list[LineProblem]]:
    """The returned payments, and every problem by line. ``sent``: line id → (bank account,
    amount, status) of the plan's paid lines (status ``sent`` can be returned)."""
    found: list[Returned] = []
    problems: list[LineProblem] = []
    trailer: tuple[int, list[str]] | None = None
    seen: set[int] = set()
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        kind = row[0].strip()
        if kind == "T":
            trailer = (number, row)
            continue
        if kind != "R" or len(row) < 5:
            problems.append(
                LineProblem(
                    number,
                    "bank_return_line_malformed",
                    "该行格式不对：应为 R,明细序号,银行账号,金额,退票原因。",
                )
            )
            continue
        try:
            line_id = int(row[1].strip())
        except ValueError:
            problems.append(LineProblem(number, "bank_return_line_malformed", "明细序号不是整数。"))
            continue
        amount = money_field(row[3])
        known = sent.get(line_id)
        if known is None:
            problems.append(
                LineProblem(
                    number, "bank_return_line_unknown", f"明细序号 {line_id} 不在 {month} 的支付计划中。"
                )
            )
        elif line_id in seen:
            problems.append(
                LineProblem(number, "bank_return_line_duplicate", f"明细序号 {line_id} 在文件中重复出现。")
            )
        elif known[2] != "sent":
            problems.append(
                LineProblem(
                    number, "bank_return_line_not_sent", f"明细序号 {line_id} 未发出或已退回过，不能再退。"
                )
            )
        elif row[2].strip() != known[0]:
            problems.append(
                LineProblem(
                    number, "bank_return_account_mismatch", f"明细序号 {line_id} 的银行账号与代发文件不一致。"
                )
            )
        elif amount is None or amount != known[1]:
            problems.append(
                LineProblem(
                    number,
                    "bank_return_amount_mismatch",
                    f"明细序号 {line_id} 的金额与代发文件（{known[1]:.2f}）不一致。",
                )
            )
        else:
            seen.add(line_id)
            found.append(Returned(line_id, known[0], known[1], row[4].strip()[:200] or "银行退回"))
    problems += _trailer_problems(trailer, month, found, problems)
    return found, problems


def _trailer_problems(
    trailer: tuple[int, list[str]] | None, month: str, found: list[Returned], problems: list[LineProblem]
) -> list[LineProblem]:
    if trailer is None:
        return [
            LineProblem(0, "bank_return_trailer_missing", "文件缺少尾行 T（月份、银行、笔数、合计金额）。")
        ]
    number, row = trailer
    total = sum((r.amount for r in found), Decimal("0.00"))
    if len(row) < 5 or row[1].strip() != month:
        return [LineProblem(number, "bank_return_trailer_mismatch", f"尾行的月份应为 {month}。")]
    if not problems and (row[3].strip() != str(len(found)) or row[4].strip() != f"{total:.2f}"):
        return [LineProblem(number, "bank_return_trailer_mismatch",
                            f"尾行的笔数或合计金额与明细不符（明细 {len(found)} 笔、{total:.2f} 元）。")]  # fmt: skip
    return []
