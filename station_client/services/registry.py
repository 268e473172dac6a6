"""The township's registry slice: find a person by ID number or name; apply a record.

Look-up by ID number goes through the keyed index (``persons.key_hmac``), one B-tree
probe and one decryption, however large the slice. Search by name matches the exact
cleaned name (``persons.name_hmac``): no partial matches, since the names are encrypted.
Records are applied by version (an older one never overwrites a newer one); a pulled
page's persons are applied together by ``sync.pull``.
"""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from schema.identifiers import parse_resident_id
from schema.records import PersonRecord
from station_client.crypto.keys import DataKey
from station_client.store import registry as store


def find_by_id(db: Database, dek: DataKey, raw_id: str, *, today: date) -> PersonRecord | None:
    """The person with this ID number (as typed: full-width, 15 digits …), or None.

    Raises schema's IdentifierError (Chinese message) when the number is invalid.
    """
    return store.get_person(db, dek, parse_resident_id(raw_id, today=today).number)


def find_by_name(db: Database, dek: DataKey, name: str, *, limit: int = 50) -> list[PersonRecord]:
    return store.find_by_name(db, dek, name, limit=limit)


def apply_person(db: Database, dek: DataKey, record: PersonRecord) -> bool:
    """Insert or update by version; True when the slice changed."""
    return store.upsert_person(db, dek, record)


def version_of(db: Database, dek: DataKey, id_number: str) -> int | None:
    """The local PersonRecord version (a registry-changing case's ``base_version``)."""
    return store.person_version(db, dek, id_number)
