"""``receipts``: completion slips, acceptance receipts and payment receipts; their stock and voids.

``kind`` is ``completion`` (办结单), ``acceptance`` (受理回执) or ``payment`` (缴费收据);
``enc`` holds the receipt document (applicant, item, fee decomposition …) sealed with
associated data ``receipts:<number>``. PDFs are rendered from it when printing.

A payment receipt also holds the number it took from the station's receipt stock
(``stock_series``, ``stock_number``; store v7, unique together, so a number is used once).
``receipt_ranges`` holds the ranges the city allocated (public numbers); ``receipt_voids``
the receipts voided, the reason sealed in ``enc`` (``receipt_voids:<number>``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from schema.receipt_numbers import ReceiptRange, StockRef
from station_client.crypto.keys import DataKey, aad
from station_client.store.codec import iso, parse_instant

COMPLETION = "completion"
ACCEPTANCE = "acceptance"
PAYMENT = "payment"


def insert(
    db: Database,
    dek: DataKey,
    *,
    number: str,
    case_id: str,
    kind: str,
    created_at: datetime,
    doc: dict[str, Any],
    stock: StockRef | None = None,
) -> None:
    db.execute(
        "INSERT INTO receipts (number, case_id, kind, created_at, enc, stock_series, stock_number) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            number,
            case_id,
            kind,
            iso(created_at),
            dek.seal_json(doc, aad("receipts", number)),
            stock.series if stock else None,
            stock.number if stock else None,
        ],
    )


def get(db: Database, dek: DataKey, number: str) -> dict[str, Any] | None:
    row = db.execute("SELECT enc FROM receipts WHERE number = ?", [number]).fetchone()
    if row is None:
        return None
    doc: dict[str, Any] = dek.open_json(row[0], aad("receipts", number))
    return doc


def for_case(db: Database, case_id: str) -> list[tuple[str, str]]:
    """(number, kind) of a case's receipts, oldest first."""
    rows = db.execute(
        "SELECT number, kind FROM receipts WHERE case_id = ? ORDER BY created_at, number", [case_id]
    ).fetchall()
    return [(str(n), str(k)) for n, k in rows]


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    number: str
    case_id: str
    kind: str
    created_at: datetime
    stock: StockRef | None


_ROW = "number, case_id, kind, created_at, stock_series, stock_number"


def _row(values: Sequence[Any]) -> ReceiptRow:
    number, case_id, kind, created_at, series, stock_number = values
    stock = None if stock_number is None else StockRef(series=series, number=int(stock_number))
    at = parse_instant(created_at)
    assert at is not None
    return ReceiptRow(str(number), str(case_id), str(kind), at, stock)


def row(db: Database, number: str) -> ReceiptRow | None:
    found = db.execute(f"SELECT {_ROW} FROM receipts WHERE number = ?", [number]).fetchone()  # noqa: S608  (constant)
    return None if found is None else _row(found)


def payments_between(db: Database, start: datetime, end: datetime) -> list[ReceiptRow]:
    """Payment receipts created in [start, end), oldest first."""
    rows = db.execute(
        f"SELECT {_ROW} FROM receipts WHERE kind = ? AND created_at >= ? AND created_at < ? "  # noqa: S608
        "ORDER BY created_at, number",
        [PAYMENT, iso(start), iso(end)],
    ).fetchall()
    return [_row(r) for r in rows]


# ── the stock ───────────────────────────────────────────────────────────────────────


def ranges(db: Database) -> list[ReceiptRange]:
    rows = db.execute(
        "SELECT range_id, series, first, last, allocated_at FROM receipt_ranges ORDER BY range_id"
    )
    return [
        ReceiptRange(
            range_id=int(i), series=s, first=int(f), last=int(la), allocated_at=datetime.fromisoformat(at)
        )
        for i, s, f, la, at in rows.fetchall()
    ]


def replace_ranges(db: Database, allocated: Iterable[ReceiptRange]) -> None:
    """Hold exactly ``allocated`` (the city's whole list for this station)."""
    db.execute("DELETE FROM receipt_ranges")
    db.conn.executemany(
        "INSERT INTO receipt_ranges (range_id, series, first, last, allocated_at) VALUES (?, ?, ?, ?, ?)",
        [(r.range_id, r.series, r.first, r.last, iso(r.allocated_at)) for r in allocated],
    )


def last_used(db: Database, held: Iterable[ReceiptRange]) -> dict[int, int]:
    """The highest number a receipt holds in each range (ranges with none are absent)."""
    out: dict[int, int] = {}
    for r in held:
        top = db.execute(
            "SELECT max(stock_number) FROM receipts WHERE stock_series = ? AND stock_number BETWEEN ? AND ?",
            [r.series, r.first, r.last],
        ).fetchone()[0]
        if top is not None:
            out[r.range_id] = int(top)
    return out


def used_numbers(db: Database) -> list[tuple[str, int]]:
    rows = db.execute("SELECT stock_series, stock_number FROM receipts WHERE stock_number IS NOT NULL")
    return [(str(s), int(n)) for s, n in rows.fetchall()]


# ── voids ───────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class VoidRow:
    number: str
    voided_at: datetime
    voided_by: str
    witness: str
    replaced_by: str | None
    op_id: str
    reason: str


def insert_void(
    db: Database,
    dek: DataKey,
    *,
    number: str,
    voided_at: datetime,
    voided_by: str,
    witness: str,
    replaced_by: str | None,
    op_id: str,
    reason: str,
) -> None:
    db.execute(
        "INSERT INTO receipt_voids (number, voided_at, voided_by, witness, replaced_by, op_id, enc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            number,
            iso(voided_at),
            voided_by,
            witness,
            replaced_by,
            op_id,
            dek.seal_json({"reason": reason}, aad("receipt_voids", number)),
        ],
    )


def _void(dek: DataKey, values: Sequence[Any]) -> VoidRow:
    number, at, by, witness, replaced_by, op_id, enc = values
    voided_at = parse_instant(at)
    assert voided_at is not None
    reason = str(dek.open_json(enc, aad("receipt_voids", number)).get("reason", ""))
    return VoidRow(str(number), voided_at, str(by), str(witness), replaced_by, str(op_id), reason)


_VOID = "number, voided_at, voided_by, witness, replaced_by, op_id, enc"


def void_of(db: Database, dek: DataKey, number: str) -> VoidRow | None:
    found = db.execute(f"SELECT {_VOID} FROM receipt_voids WHERE number = ?", [number]).fetchone()  # noqa: S608
    return None if found is None else _void(dek, found)


def voids_between(db: Database, dek: DataKey, start: datetime, end: datetime) -> list[VoidRow]:
    """Voids made in [start, end), oldest first."""
    rows = db.execute(
        f"SELECT {_VOID} FROM receipt_voids WHERE voided_at >= ? AND voided_at < ? ORDER BY voided_at",  # noqa: S608
        [iso(start), iso(end)],
    ).fetchall()
    return [_void(dek, r) for r in rows]


def voided_numbers(db: Database, numbers: Iterable[str]) -> set[str]:
    """Which of these receipt numbers are voided."""
    wanted = list(dict.fromkeys(numbers))
    out: set[str] = set()
    for i in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[i : i + 500]
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(f"SELECT number FROM receipt_voids WHERE number IN ({marks})", chunk)  # noqa: S608
        out |= {str(n) for (n,) in rows.fetchall()}
    return out
