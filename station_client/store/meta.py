"""``meta(key, value)``: the station's settings and sync bookkeeping, one text value a key.

Keys (docs/station.md): station_id, station_code, township_code, county_code, server_url,
server_cert_sha256, pull_cursor, last_success_at, last_error (JSON), clock_offset_seconds,
catalog_version, next_seq; plus enrolled_at and public_key written at enrolment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

STATION_ID = "station_id"
STATION_CODE = "station_code"
TOWNSHIP_CODE = "township_code"
COUNTY_CODE = "county_code"
SERVER_URL = "server_url"
SERVER_CERT_SHA256 = "server_cert_sha256"
PULL_CURSOR = "pull_cursor"
LAST_SUCCESS_AT = "last_success_at"
LAST_ERROR = "last_error"
CLOCK_OFFSET_SECONDS = "clock_offset_seconds"
CATALOG_VERSION = "catalog_version"
NEXT_SEQ = "next_seq"
ENROLLED_AT = "enrolled_at"
PUBLIC_KEY = "public_key"
# a store restored from a backup (services/backup.py): the outbox rows the copy held, and the
# city's last_seq for this station learnt at re-enrolment (sync/outbox_rows.next_seq)
RESTORED_MAX_LOCAL_ID = "restored_max_local_id"
SERVER_SEQ_FLOOR = "server_seq_floor"


def get(db: Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return default if row is None or row[0] is None else str(row[0])


def put(db: Database, key: str, value: str | None) -> None:
    """Write one key (inside the caller's transaction when one is open)."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def put_many(db: Database, values: Mapping[str, str | None]) -> None:
    with db.atomic():
        for key, value in values.items():
            put(db, key, value)


def get_json(db: Database, key: str) -> Any:
    text = get(db, key)
    return None if text is None else json.loads(text)


def put_json(db: Database, key: str, value: Any) -> None:
    put(db, key, None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True))


def all_(db: Database) -> dict[str, str | None]:
    return {str(k): v for k, v in db.execute("SELECT key, value FROM meta ORDER BY key").fetchall()}


def station_id(db: Database) -> str | None:
    """The enrolled station's id, or None before enrolment."""
    return get(db, STATION_ID)
