"""``receipts``: completion slips, acceptance receipts and payment receipts.

``kind`` is ``completion`` (办结单), ``acceptance`` (受理回执) or ``payment`` (缴费收据);
``enc`` holds the receipt document (applicant, item, fee decomposition …) sealed with
associated data ``receipts:<number>``. PDFs are rendered from it when printing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from station_client.crypto.keys import DataKey, aad
from station_client.store.codec import iso

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
) -> None:
    db.execute(
        "INSERT INTO receipts (number, case_id, kind, created_at, enc) VALUES (?, ?, ?, ?, ?)",
        [number, case_id, kind, iso(created_at), dek.seal_json(doc, aad("receipts", number))],
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
