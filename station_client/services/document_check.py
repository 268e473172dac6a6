"""核验 at the desk: is a printed document genuine? Checked offline, with the keys the
station holds.

The station always knows its own key (its private key is in the store). Other stations'
public keys, with when each ended (revocation or replacement), come down the reference
feed (``station_keys``); until the first such pull the desk can check only its own
documents. For its own cases the station also says where the case stands now, from its
store; for another station's it cannot (that needs the city's page).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlite_utils import Database

from schema import document_seal
from schema.document_seal import LegacySeal, Seal, StationKey, Verification
from schema.public_case import PublicStatus, public_status
from station_client.crypto.keys import DataKey
from station_client.services import receipt_seal, reference
from station_client.services.errors import ServiceError
from station_client.store import cases, meta


@dataclass(frozen=True, slots=True)
class DeskVerification:
    seal: Seal | LegacySeal
    verification: Verification
    own_station: bool  # the document is this station's
    keys_known: bool  # the city's list of station keys has been pulled
    status: PublicStatus | None  # the case as this station's store holds it (own cases only)
    due_date: str | None


def _own_key(db: Database, dek: DataKey, station_id: str) -> StationKey | None:
    try:
        key = receipt_seal.signing_key(db, dek)
    except ServiceError:  # not enrolled: nothing of its own to check
        return None
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return StationKey(station_id=station_id, public_key=base64.b64encode(raw).decode("ascii"))


def known_keys(db: Database, dek: DataKey) -> tuple[list[StationKey], bool]:
    """The keys the desk can check with, and whether the city's list is among them."""
    pulled = reference.station_keys(db)
    keys = list(pulled.keys) if pulled is not None else []
    station_id = meta.station_id(db)
    if station_id is not None:
        own = _own_key(db, dek, station_id)
        # the city's entry for the same key says more (when it ended), so it wins
        if own is not None and all(k.public_key != own.public_key for k in keys):
            keys.append(own)
    return keys, pulled is not None


def check(db: Database, dek: DataKey, text: str) -> DeskVerification:
    """Check what the scanner typed (``…/v/<code>``, a bare code, or an old ``SSB1|…``).

    SealError ``seal_unreadable`` when it is not a seal.
    """
    seal = document_seal.parse(text)
    keys, keys_known = known_keys(db, dek)
    verification = document_seal.verify(seal, keys)
    own = seal.station_id == meta.station_id(db)
    status: PublicStatus | None = None
    due: str | None = None
    if own and verification.verdict.genuine:
        number = seal.document.case_number if isinstance(seal, Seal) else seal.number
        row = cases.find_by_number(db, number)
        if row is not None:
            status = public_status(row.status)
            due = row.due_date.isoformat() if row.due_date else None
    return DeskVerification(seal, verification, own, keys_known, status, due)
