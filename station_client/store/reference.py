"""``reference(kind, version, digest, data)``: catalog, rates and divisions as the server
serves them. ``data`` is the JSON text; ``digest`` lets the station prove what it holds.
Reference data is public, so it is stored in the clear.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

CATALOG = "catalog"
RATES = "rates"
DIVISIONS = "divisions"
WORKDAYS = "workdays"
STATION_KEYS = "station_keys"  # every station's public keys, to check their documents offline


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    kind: str
    version: str
    digest: str
    data: str


def put(db: Database, kind: str, version: str, digest: str, data: str) -> None:
    db.execute(
        "INSERT INTO reference (kind, version, digest, data) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (kind) DO UPDATE SET version = excluded.version, digest = excluded.digest, "
        "data = excluded.data",
        [kind, version, digest, data],
    )


def get(db: Database, kind: str) -> ReferenceRow | None:
    row = db.execute("SELECT kind, version, digest, data FROM reference WHERE kind = ?", [kind]).fetchone()
    return None if row is None else ReferenceRow(*(str(v) for v in row))


def version(db: Database, kind: str) -> str | None:
    row = db.execute("SELECT version FROM reference WHERE kind = ?", [kind]).fetchone()
    return None if row is None else str(row[0])


def clear(db: Database) -> None:
    """Drop all reference data (a start-over order); the built-in data applies until the next pull."""
    db.execute("DELETE FROM reference")
