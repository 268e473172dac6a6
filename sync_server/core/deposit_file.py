"""The bank's deposit file (存款到账明细) of the city's collection account. Pure.

Format (``docs/bank_files.md``): UTF-8 CSV, a header ``H,SSB-DEP-1,<bank>,<account>``, one
``D`` line per deposit ``D,<bank serial>,<value date>,<payer account>,<payer name>,<amount>,<memo>``
and a trailer ``T,<count>,<total>``. :func:`parse_deposits` reports every problem by line
number and code, so the caller imports all of the file or none of it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from schema.normalize import compact_code, to_half_width
from sync_server.core.bank_files import LineProblem
from sync_server.core.bank_files import date_field as _date
from sync_server.core.bank_files import money_field as _amount

FORMAT = "SSB-DEP-1"
_STATION_IN_MEMO = re.compile(r"(?<!\d)(\d{9}-\d{2})(?!\d)")


@dataclass(frozen=True, slots=True)
class DepositLine:
    line: int
    bank_serial: str
    value_date: dt.date
    payer_account: str
    payer_name: str
    amount: Decimal
    memo: str


@dataclass(frozen=True, slots=True)
class DepositFile:
    bank_name: str
    account: str
    lines: tuple[DepositLine, ...]
    total: Decimal


def station_of(line: DepositLine, accounts: Mapping[str, str], stations: Iterable[str]) -> str | None:
    """The station a deposit came from: its payer account registered for a station, else a
    station code written in the memo (``日结 511102004-00 12月7日``)."""
    by_account = accounts.get(line.payer_account)
    if by_account is not None:
        return by_account
    known = set(stations)
    for code in _STATION_IN_MEMO.findall(to_half_width(line.memo)):
        if code in known:
            return str(code)
    return None


def deposit_file(bank_name: str, account: str, lines: Iterable[DepositLine]) -> str:
    """A deposit file as the bank sends it (for tests and the banks' test kits)."""
    rows = list(lines)
    total = sum((r.amount for r in rows), Decimal("0.00"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["H", FORMAT, bank_name, account])
    writer.writerows(
        ["D", r.bank_serial, r.value_date.isoformat(), r.payer_account, r.payer_name, f"{r.amount:.2f}", r.memo]
        for r in rows
    )  # fmt: skip
    writer.writerow(["T", len(rows), f"{total:.2f}"])
    return out.getvalue()


def parse_deposits(text: str) -> tuple[DepositFile | None, list[LineProblem]]:
    """The file's deposits, and every problem by line (a file with problems imports nothing)."""
    problems: list[LineProblem] = []
    header: list[str] | None = None
    trailer: tuple[int, list[str]] | None = None
    found: list[DepositLine] = []
    serials: set[str] = set()
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        kind = row[0].strip()
        if kind == "H":
            if len(row) < 4 or row[1].strip() != FORMAT:
                problems.append(LineProblem(number, "deposit_file_header_invalid",
                                            f"首行应为 H,{FORMAT},开户银行,收款账号。"))  # fmt: skip
            else:
                header = row
            continue
        if kind == "T":
            trailer = (number, row)
            continue
        if kind != "D" or len(row) < 7:
            problems.append(LineProblem(number, "deposit_line_malformed",
                                        "该行格式不对：应为 D,银行流水号,入账日期,付款账号,付款户名,金额,附言。"))  # fmt: skip
            continue
        serial, day, amount = row[1].strip(), _date(row[2]), _amount(row[5])
        if not serial or day is None or amount is None:
            what = (
                "银行流水号为空"
                if not serial
                else "入账日期应为 2026-12-07"
                if day is None
                else "金额应为正数，精确到分"
            )
            problems.append(LineProblem(number, "deposit_line_malformed", f"该行{what}。"))
        elif serial in serials:
            problems.append(
                LineProblem(number, "deposit_line_duplicate", f"银行流水号 {serial} 在文件中重复出现。")
            )
        else:
            serials.add(serial)
            found.append(DepositLine(number, serial, day, compact_code(row[3]), row[4].strip()[:100], amount,
                                     row[6].strip()[:200]))  # fmt: skip
    if header is None and not any(p.code == "deposit_file_header_invalid" for p in problems):
        problems.insert(
            0, LineProblem(0, "deposit_file_header_invalid", f"文件缺少首行 H,{FORMAT},开户银行,收款账号。")
        )
    total = sum((d.amount for d in found), Decimal("0.00"))
    if trailer is None:
        problems.append(LineProblem(0, "deposit_trailer_mismatch", "文件缺少尾行 T,笔数,合计金额。"))
    elif not problems and (len(trailer[1]) < 3 or trailer[1][1].strip() != str(len(found))
                           or trailer[1][2].strip() != f"{total:.2f}"):  # fmt: skip
        problems.append(LineProblem(trailer[0], "deposit_trailer_mismatch",
                                    f"尾行的笔数或合计金额与明细不符（明细 {len(found)} 笔、{total:.2f} 元）。"))  # fmt: skip
    if problems or header is None:
        return None, problems
    return DepositFile(header[2].strip(), compact_code(header[3]), tuple(found), total), []
