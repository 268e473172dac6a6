"""``township_dues``: the township's 催缴名单, one sealed TownshipDuesRecord a township.

``enc`` is the record's JSON sealed with associated data ``township_dues:<code>``; only
the township code (public) and the version are in the clear. A list is applied by
version: a later (or equal) one replaces the held one whole.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from schema.records import TownshipDuesRecord
from station_client.crypto.keys import DataKey, aad


def _aad(township: str) -> bytes:
    return aad("township_dues", township)


def put(db: Database, dek: DataKey, record: TownshipDuesRecord) -> bool:
    """Store the list unless a newer one is held; True when stored."""
    blob = dek.seal(record.model_dump_json().encode("utf-8"), _aad(record.township))
    cursor = db.execute(
        """INSERT INTO township_dues (township_code, version, enc) VALUES (?, ?, ?)
        ON CONFLICT (township_code) DO UPDATE SET version = excluded.version, enc = excluded.enc
        WHERE excluded.version >= township_dues.version""",
        [record.township, record.version, blob],
    )
    return cursor.rowcount > 0


def get(db: Database, dek: DataKey, township: str) -> TownshipDuesRecord | None:
    row = db.execute("SELECT enc FROM township_dues WHERE township_code = ?", [township]).fetchone()
    if row is None:
        return None
    return TownshipDuesRecord.model_validate(json.loads(dek.open(row[0], _aad(township))))


def clear(db: Database) -> None:
    db.execute("DELETE FROM township_dues")
