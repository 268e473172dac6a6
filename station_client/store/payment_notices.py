"""``payment_notices``: 缴费通知单 issued at the desk (store migration 9).

One row per payment reference (``schema.payment_reference``, 22 digits); ``enc`` holds the
notice document (the payload sent to the city plus what the paper prints: item name,
masked ID, the station) sealed with associated data ``payment_notices:<reference>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from station_client.crypto.keys import DataKey, aad
from station_client.store.codec import iso


@dataclass(frozen=True, slots=True)
class NoticeRow:
    reference: str
    issued_at: datetime
    clerk: str
    op_id: str


def insert(
    db: Database,
    dek: DataKey,
    *,
    reference: str,
    issued_at: datetime,
    clerk: str,
    op_id: str,
    doc: dict[str, Any],
) -> None:
    """Record a notice (inside the caller's transaction)."""
    db.execute(
        "INSERT INTO payment_notices (reference, issued_at, clerk, op_id, enc) VALUES (?, ?, ?, ?, ?)",
        [reference, iso(issued_at), clerk, op_id, dek.seal_json(doc, aad("payment_notices", reference))],
    )


def read(db: Database, dek: DataKey, reference: str) -> dict[str, Any] | None:
    row = db.execute("SELECT enc FROM payment_notices WHERE reference = ?", [reference]).fetchone()
    if row is None:
        return None
    doc: dict[str, Any] = dek.open_json(row[0], aad("payment_notices", reference))
    return doc


def recent(db: Database, limit: int = 20) -> list[NoticeRow]:
    rows = db.execute(
        "SELECT reference, issued_at, clerk, op_id FROM payment_notices ORDER BY issued_at DESC, reference DESC "
        "LIMIT ?",
        [limit],
    ).fetchall()
    return [NoticeRow(str(r[0]), datetime.fromisoformat(r[1]), str(r[2]), str(r[3])) for r in rows]
