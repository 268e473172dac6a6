"""``counters(name, value)``: the station's own counters (case numbers per day, receipts).

:func:`next_value` must run inside the transaction that uses the number, so a rolled-back
intake gives its number back and numbers stay gap-free per day.
"""

from __future__ import annotations

from sqlite_utils import Database


def next_value(db: Database, name: str) -> int:
    row = db.execute(
        "INSERT INTO counters (name, value) VALUES (?, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
        [name],
    ).fetchone()
    return int(row[0])


def current(db: Database, name: str) -> int:
    row = db.execute("SELECT value FROM counters WHERE name = ?", [name]).fetchone()
    return 0 if row is None else int(row[0])
