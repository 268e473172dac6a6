"""The station's own phone and address, as the city registered them, for its printed documents.

The city sets them (``sync-server station contact``) and sends them down as a ``station``
change (:class:`schema.records.StationRecord`, in the feed and among a snapshot's reference
data). They are public, so the record is kept in plain ``meta`` (``station_record``); a
record with a lower version than the one held is ignored. Documents print
:data:`NOT_REGISTERED` in place of what the city has not set yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from schema.protocol import Change, ChangeKind
from schema.records import StationRecord
from station_client.store import meta

META_KEY = "station_record"
NOT_REGISTERED = {"phone": "（未登记电话）", "address": "（未登记地址）"}


@dataclass(frozen=True, slots=True)
class StationContact:
    phone: str | None = None
    address: str | None = None

    @property
    def phone_text(self) -> str:
        return self.phone or NOT_REGISTERED["phone"]

    @property
    def address_text(self) -> str:
        return self.address or NOT_REGISTERED["address"]


def apply_change(db: Database, change: Change) -> bool:
    """Keep a pulled ``station`` change (inside the page's transaction); True when it was newer."""
    if change.kind is not ChangeKind.STATION:
        return False
    record = StationRecord.model_validate(change.data)
    held = meta.get_json(db, META_KEY)
    if held is not None and int(held.get("version", 0)) > record.version:
        return False
    meta.put_json(db, META_KEY, record.model_dump(mode="json"))
    return True


def contact(db: Database) -> StationContact:
    """What the documents print (empty before the city's record has arrived)."""
    held = meta.get_json(db, META_KEY)
    if not held:
        return StationContact()
    record = StationRecord.model_validate(held)
    return StationContact(record.phone, record.address)
