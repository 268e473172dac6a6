"""``persons``: the township's registry slice, one encrypted PersonRecord a row.

``key_hmac`` = ``DataKey.index(id_number)`` (primary key, so a look-up by ID number is
one B-tree probe); ``name_hmac`` = ``DataKey.name_index(name)`` for exact-name search;
``enc`` = the PersonRecord JSON sealed with associated data ``persons:<key_hmac>``.
``version`` is the record's ``slice_version`` (the registry row and the records it carries):
:func:`upsert_person` applies by it, an older record never overwrites a newer one.
``registry_version`` (store v5) is the registry row's own version, what a case that changes
the row is based on (:func:`person_version`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlite_utils import Database

from schema.normalize import clean_text
from schema.records import PersonRecord
from station_client.crypto.keys import DataKey, aad


def _aad(key_hmac: str) -> bytes:
    return aad("persons", key_hmac)


def upsert_person(db: Database, dek: DataKey, record: PersonRecord) -> bool:
    """Insert or update by version; True when the row changed."""
    key = dek.index(record.id_number)
    blob = dek.seal(record.model_dump_json().encode("utf-8"), _aad(key))
    cursor = db.execute(
        """INSERT INTO persons (key_hmac, township_code, version, registry_version, name_hmac, enc)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (key_hmac) DO UPDATE SET township_code = excluded.township_code,
            version = excluded.version, registry_version = excluded.registry_version,
            name_hmac = excluded.name_hmac, enc = excluded.enc
        WHERE excluded.version > persons.version""",
        [
            key,
            record.township,
            record.slice_version,
            record.version,
            dek.name_index(clean_text(record.name)),
            blob,
        ],
    )
    return cursor.rowcount > 0


def delete_person(db: Database, dek: DataKey, id_number: str) -> None:
    db.execute("DELETE FROM persons WHERE key_hmac = ?", [dek.index(id_number)])


def _open(dek: DataKey, key: str, blob: bytes) -> PersonRecord:
    return PersonRecord.model_validate(json.loads(dek.open(blob, _aad(key))))


def get_person(db: Database, dek: DataKey, id_number: str) -> PersonRecord | None:
    """The person with this normalised 18-digit ID number, or None."""
    key = dek.index(id_number)
    row = db.execute("SELECT enc FROM persons WHERE key_hmac = ?", [key]).fetchone()
    return None if row is None else _open(dek, key, row[0])


def person_version(db: Database, dek: DataKey, id_number: str) -> int | None:
    """The registry row's version: what a case changing the row is based on."""
    row = db.execute(
        "SELECT registry_version FROM persons WHERE key_hmac = ?", [dek.index(id_number)]
    ).fetchone()
    return None if row is None else int(row[0])


def slice_version(db: Database, dek: DataKey, id_number: str) -> int | None:
    """The version of the record held (registry row and carried records): what pulls compare."""
    row = db.execute("SELECT version FROM persons WHERE key_hmac = ?", [dek.index(id_number)]).fetchone()
    return None if row is None else int(row[0])


def find_by_name(db: Database, dek: DataKey, name: str, *, limit: int = 50) -> list[PersonRecord]:
    """Persons whose name is exactly ``name`` (after cleaning), at most ``limit``."""
    rows = db.execute(
        "SELECT key_hmac, enc FROM persons WHERE name_hmac = ? LIMIT ?",
        [dek.name_index(clean_text(name)), limit],
    ).fetchall()
    return [_open(dek, str(k), blob) for k, blob in rows]


def each_person(db: Database, dek: DataKey) -> Iterator[PersonRecord]:
    """Every person of the slice, opened one by one (a search by part of a name or its pinyin)."""
    for key, blob in db.execute("SELECT key_hmac, enc FROM persons ORDER BY rowid"):
        yield _open(dek, str(key), blob)


def count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM persons").fetchone()[0])


def versions(db: Database) -> list[tuple[str, int]]:
    """(key_hmac, version) of every row. Note: the server's registry digest is over ID
    numbers, which the station does not hold in the clear; see services.registry."""
    return [(str(k), int(v)) for k, v in db.execute("SELECT key_hmac, version FROM persons").fetchall()]


def clear(db: Database) -> None:
    db.execute("DELETE FROM persons")
