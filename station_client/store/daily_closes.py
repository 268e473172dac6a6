"""``daily_closes`` and ``daily_close_receipts``: the desk's 日结 (store migration 8).

A close row per business day and part (1 = 日结, 2… = 补充日结); ``enc`` holds the close
document (the payload sent to the city plus what the 日结单 prints: each receipt's case
number, item and masked applicant) sealed with associated data ``daily_closes:<close_id>``.
``daily_close_receipts`` maps each payment receipt number to the close that covered it:
a receipt is in at most one close, and a closed receipt cannot be voided.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from station_client.crypto.keys import DataKey, aad
from station_client.store.codec import iso, parse_instant


@dataclass(frozen=True)
class CloseRow:
    close_id: str
    business_day: date
    part: int
    clerk: str
    closed_at: datetime
    op_id: str


def insert(
    db: Database,
    dek: DataKey,
    *,
    close_id: str,
    business_day: date,
    part: int,
    clerk: str,
    closed_at: datetime,
    op_id: str,
    numbers: Iterable[str],
    doc: dict[str, Any],
) -> None:
    """Record a close and the receipts it covers (inside the caller's transaction)."""
    db.execute(
        "INSERT INTO daily_closes (close_id, business_day, part, clerk, closed_at, op_id, enc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            close_id,
            business_day.isoformat(),
            part,
            clerk,
            iso(closed_at),
            op_id,
            dek.seal_json(doc, aad("daily_closes", close_id)),
        ],
    )
    for number in numbers:
        db.execute("INSERT INTO daily_close_receipts (number, close_id) VALUES (?, ?)", [number, close_id])


def _row(values: Any) -> CloseRow:
    close_id, day, part, clerk, closed_at, op_id = values
    at = parse_instant(closed_at)
    assert at is not None  # NOT NULL column
    return CloseRow(str(close_id), date.fromisoformat(day), int(part), str(clerk), at, str(op_id))


_COLUMNS = "close_id, business_day, part, clerk, closed_at, op_id"


def of_day(db: Database, business_day: date) -> list[CloseRow]:
    """The day's closes, part 1 first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM daily_closes WHERE business_day = ? ORDER BY part",  # noqa: S608  (constant)
        [business_day.isoformat()],
    ).fetchall()
    return [_row(r) for r in rows]


def recent(db: Database, limit: int = 20) -> list[CloseRow]:
    """The latest closes, newest first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM daily_closes ORDER BY business_day DESC, part DESC LIMIT ?",  # noqa: S608
        [limit],
    ).fetchall()
    return [_row(r) for r in rows]


def read(db: Database, dek: DataKey, close_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT enc FROM daily_closes WHERE close_id = ?", [close_id]).fetchone()
    if row is None:
        return None
    doc: dict[str, Any] = dek.open_json(row[0], aad("daily_closes", close_id))
    return doc


def closed_close_id(db: Database, number: str) -> str | None:
    """The close that covered receipt ``number``; None while it is in no close."""
    row = db.execute("SELECT close_id FROM daily_close_receipts WHERE number = ?", [number]).fetchone()
    return None if row is None else str(row[0])


def unclosed_payments_before(db: Database, end: datetime) -> list[datetime]:
    """When each payment receipt created before ``end`` that no close covered was created."""
    rows = db.execute(
        "SELECT r.created_at FROM receipts r LEFT JOIN daily_close_receipts c ON c.number = r.number "
        "WHERE r.kind = 'payment' AND c.number IS NULL AND r.created_at < ?",
        [iso(end)],
    ).fetchall()
    return [datetime.fromisoformat(r[0]) for r in rows]


def closed_numbers(db: Database, numbers: Iterable[str]) -> set[str]:
    """Those of ``numbers`` some close already covers."""
    wanted = list(numbers)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = db.execute(
            f"SELECT number FROM daily_close_receipts WHERE number IN ({marks})",  # noqa: S608  (placeholders)
            chunk,
        ).fetchall()
        found.update(str(r[0]) for r in rows)
    return found
