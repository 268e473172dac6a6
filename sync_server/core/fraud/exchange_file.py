"""The files other departments send (部门数据交换), read row by row. Pure.

Each source has one small CSV format (UTF-8, a header line, comma-separated; docs/fraud_checks.md):
卫健's death certificates and 公安's household cancellations share ``death``; 民政 sends
``cremation`` and ``marriage``; 司法 sends ``prison``. A row that cannot be read is reported
with its line number and a code and left out; the rest is imported (a department's file is
never refused for a few bad rows: the deaths in it matter more than the typos).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from enum import StrEnum

from schema.errors import IdentifierError
from schema.fraud_error_codes import FRAUD_ERROR_CODES
from schema.identifiers import parse_resident_id
from schema.normalize import clean_text, compact_code


class ExchangeSource(StrEnum):
    DEATH = "death"  # 卫健 死亡医学证明, 公安 户籍注销（死亡）
    CREMATION = "cremation"  # 民政 火化记录
    PRISON = "prison"  # 司法 服刑人员
    MARRIAGE = "marriage"  # 民政 婚姻登记


SOURCE_LABELS: dict[ExchangeSource, str] = {
    ExchangeSource.DEATH: "死亡登记（卫健、公安）",
    ExchangeSource.CREMATION: "火化记录（民政）",
    ExchangeSource.PRISON: "服刑人员（司法）",
    ExchangeSource.MARRIAGE: "婚姻登记（民政）",
}

# The header each source's file begins with: ID number, name, the event's date, then extras.
HEADERS: dict[ExchangeSource, tuple[str, ...]] = {
    ExchangeSource.DEATH: ("公民身份号码", "姓名", "死亡日期", "证明编号", "报送单位"),
    ExchangeSource.CREMATION: ("公民身份号码", "姓名", "火化日期", "殡仪馆"),
    ExchangeSource.PRISON: ("公民身份号码", "姓名", "收监日期", "刑期截止日期", "监所"),
    ExchangeSource.MARRIAGE: ("公民身份号码", "姓名", "登记日期", "登记类型", "配偶公民身份号码"),
}
_MARRIAGE_KINDS = {"结婚": "married", "离婚": "divorced"}


class ExchangeFileError(Exception):
    """The whole file cannot be read (not a row of it)."""

    def __init__(self, code: str, detail: dict[str, object] | None = None) -> None:
        self.code = code
        self.message = FRAUD_ERROR_CODES[code][1]
        self.detail = detail or {}
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class ExchangeRow:
    line: int  # the file's line number (the header is line 1)
    id_number: str
    name: str
    event_date: dt.date
    until: dt.date | None = None  # prison: the sentence's end
    other_id_number: str | None = None  # marriage: the spouse
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    code: str
    message: str
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExchangeFile:
    source: ExchangeSource
    sha256: str
    rows: tuple[ExchangeRow, ...]
    problems: tuple[RowProblem, ...]

    @property
    def rows_total(self) -> int:
        return len(self.rows) + len(self.problems)


class _Bad(Exception):
    def __init__(self, code: str, **detail: str) -> None:
        self.code = code
        self.detail = detail


def file_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _id(raw: str, today: dt.date) -> str:
    try:
        return parse_resident_id(raw, today=today).number
    except IdentifierError as exc:
        raise _Bad("exchange_row_id_invalid", id_code=exc.code, value=raw.strip()) from None


def _date(raw: str, today: dt.date, *, future_ok: bool = False) -> dt.date:
    text = compact_code(raw).replace("/", "-").replace(".", "-")
    try:
        day = dt.date.fromisoformat(text) if "-" in text else dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise _Bad("exchange_row_date_invalid", value=raw.strip()) from None
    if day > today and not future_ok:
        raise _Bad("exchange_row_date_future", value=day.isoformat())
    return day


def _row(source: ExchangeSource, line: int, cells: list[str], today: dt.date) -> ExchangeRow:
    header = HEADERS[source]
    if len(cells) != len(header):
        raise _Bad("exchange_row_columns", expected=str(len(header)), found=str(len(cells)))
    id_number = _id(cells[0], today)
    name = clean_text(cells[1])
    if not name:
        raise _Bad("exchange_row_name_missing")
    event_date = _date(cells[2], today)
    extras = {header[i]: clean_text(cells[i]) for i in range(3, len(header))}
    until: dt.date | None = None
    other: str | None = None
    if source is ExchangeSource.PRISON and extras["刑期截止日期"]:
        until = _date(extras["刑期截止日期"], today, future_ok=True)  # a sentence ends later
    if source is ExchangeSource.MARRIAGE:
        if extras["登记类型"] not in _MARRIAGE_KINDS:
            raise _Bad("exchange_row_kind_invalid", value=extras["登记类型"])
        other = _id(extras["配偶公民身份号码"], today)
    return ExchangeRow(line, id_number, name, event_date, until, other, extras)


def _problem(line: int, bad: _Bad) -> RowProblem:
    return RowProblem(line, bad.code, FRAUD_ERROR_CODES[bad.code][1], dict(bad.detail))


def read_exchange_file(source: ExchangeSource, content: bytes, *, today: dt.date) -> ExchangeFile:
    """Every row of a department's file: the valid ones, and each bad one with its line and
    code. Raises :class:`ExchangeFileError` when the file itself cannot be read."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExchangeFileError("exchange_file_unreadable") from None
    lines = list(csv.reader(io.StringIO(text)))
    header = tuple(clean_text(cell) for cell in lines[0]) if lines else ()
    if header != HEADERS[source]:
        raise ExchangeFileError("exchange_file_header", {"expected": "，".join(HEADERS[source])})
    rows: list[ExchangeRow] = []
    problems: list[RowProblem] = []
    seen: set[tuple[str, dt.date]] = set()
    for line, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line (often the last) is not a row
        try:
            row = _row(source, line, cells, today)
        except _Bad as bad:
            problems.append(_problem(line, bad))
            continue
        key = (row.id_number, row.event_date)
        if key in seen:
            problems.append(_problem(line, _Bad("exchange_row_duplicate", id_number=row.id_number)))
            continue
        seen.add(key)
        rows.append(row)
    if not rows and not problems:
        raise ExchangeFileError("exchange_file_empty")
    return ExchangeFile(source, file_sha256(content), tuple(rows), tuple(problems))
