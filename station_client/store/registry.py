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
from collections.abc import Iterable, Iterator, Mapping, Sequence

from sqlite_utils import Database

from schema.normalize import clean_text
from schema.records import PersonRecord
from station_client.crypto.keys import DataKey, aad


def _aad(key_hmac: str) -> bytes:
    return aad("persons", key_hmac)


_UPSERT = """INSERT INTO persons (key_hmac, township_code, version, registry_version, name_hmac, enc)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (key_hmac) DO UPDATE SET township_code = excluded.township_code,
        version = excluded.version, registry_version = excluded.registry_version,
        name_hmac = excluded.name_hmac, enc = excluded.enc
    WHERE excluded.version > persons.version"""
# A row held with the same township and name: only the versions and the blob change, and
# leaving ``name_hmac`` out of the SET spares SQLite rewriting its index entry (a pulled
# page's 5,000 updates then write a third fewer pages).
_REFRESH = """UPDATE persons SET version = ?, registry_version = ?, enc = ?
    WHERE key_hmac = ? AND version < ?"""
_LOOKUP_CHUNK = 500  # keys per IN list, well inside SQLite's bound on parameters

SealedPerson = tuple[str, str, int, int, str, bytes]  # the persons row, in column order
HeldPerson = tuple[int, str | None, str]  # a row held: version, township_code, name_hmac


def sealed_many(dek: DataKey, records: Sequence[tuple[str, PersonRecord]]) -> list[SealedPerson]:
    """The row of each (keyed index ``dek.index(record.id_number)``, record), sealed together."""
    dump = PersonRecord.__pydantic_serializer__.to_json  # model_dump_json's bytes, without the str
    blobs = dek.seal_many([(dump(record), _aad(key)) for key, record in records])
    return [
        # the record's name is cleaned already (schema.cases.Name), as name_index wants it
        (key, record.township, record.slice_version, record.version, dek.name_index(record.name), blob)
        for (key, record), blob in zip(records, blobs, strict=True)
    ]


def upsert_person(db: Database, dek: DataKey, record: PersonRecord) -> bool:
    """Insert or update by version; True when the row changed."""
    (row,) = sealed_many(dek, [(dek.index(record.id_number), record)])
    cursor = db.execute(_UPSERT, list(row))
    return cursor.rowcount > 0


def upsert_many(
    db: Database, rows: Sequence[SealedPerson], held: Mapping[str, HeldPerson] | None = None
) -> None:
    """Insert or update each row by version, in two statement runs (a pulled page's persons).

    ``held``: the rows as they stand (:func:`held_rows`), for the keys still held: a row whose
    township and name stay is updated without touching the name's index.
    """
    held = held or {}
    same, other = [], []
    for row in rows:
        now = held.get(row[0])
        if now is not None and now[1:] == (row[1], row[4]):
            same.append((row[2], row[3], row[5], row[0], row[2]))
        else:
            other.append(row)
    db.conn.executemany(_REFRESH, same)
    db.conn.executemany(_UPSERT, other)


def delete_many(db: Database, keys: Iterable[str]) -> None:
    """Delete the rows of these keyed indexes."""
    db.conn.executemany("DELETE FROM persons WHERE key_hmac = ?", [(k,) for k in keys])


def held_rows(db: Database, keys: Sequence[str]) -> dict[str, HeldPerson]:
    """{key_hmac: (version, township, name_hmac)} of the rows held among ``keys``: one query a
    few hundred keys."""
    out: dict[str, HeldPerson] = {}
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = keys[start : start + _LOOKUP_CHUNK]
        marks = ", ".join("?" * len(chunk))
        query = f"SELECT key_hmac, version, township_code, name_hmac FROM persons WHERE key_hmac IN ({marks})"  # noqa: S608 - marks only
        out.update((str(k), (int(v), t, str(n))) for k, v, t, n in db.execute(query, list(chunk)).fetchall())
    return out


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
