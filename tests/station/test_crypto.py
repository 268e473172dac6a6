"""Encryption at rest: sealing, wraps, the recovery key, the keyed index, and a copied
database file that reveals no personal data."""

from __future__ import annotations

import re

import pytest

from station_client.core.intake_rules import ApplicantInput
from station_client.crypto import station_key
from station_client.crypto.keys import DataKey, DecryptionFailed, WrongCredential, aad
from station_client.crypto.recovery import generate_recovery_key, recovery_key_bytes
from station_client.crypto.wraps import (
    unwrap_with_password,
    unwrap_with_recovery,
    wrap_for_password,
    wrap_for_recovery,
)
from station_client.services.intake import IntakeRequest, Scan, intake
from station_client.store import keys, open_store, registry
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, UNKNOWN_ID, StationHome


def test_a_sealed_field_opens_only_with_its_key_and_its_row():
    dek = DataKey.generate()
    blob = dek.seal("王建国".encode(), aad("cases", "c1"))
    assert dek.open(blob, aad("cases", "c1")).decode() == "王建国"
    with pytest.raises(DecryptionFailed):
        dek.open(blob, aad("cases", "c2"))  # moved to another row
    with pytest.raises(DecryptionFailed):
        DataKey.generate().open(blob, aad("cases", "c1"))  # another station's key
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionFailed):
        dek.open(tampered, aad("cases", "c1"))
    assert dek.seal(b"x", b"a") != dek.seal(b"x", b"a")  # a fresh nonce every time


def test_a_password_wrap_opens_with_the_password_only():
    dek = DataKey.generate()
    wrap = wrap_for_password(dek, "clerk1", "Zhang-Desk-2026")
    assert wrap.kdf.startswith("scrypt$") and len(wrap.salt) == 16
    assert unwrap_with_password(wrap, "Zhang-Desk-2026").raw == dek.raw
    with pytest.raises(WrongCredential):
        unwrap_with_password(wrap, "zhang-desk-2026")
    stolen = type(wrap)("staff", "clerk2", wrap.salt, wrap.kdf, wrap.nonce, wrap.wrapped)
    with pytest.raises(WrongCredential):  # a wrap moved to another account does not open
        unwrap_with_password(stolen, "Zhang-Desk-2026")


def test_the_recovery_key_is_8_groups_of_4_and_forgives_typing():
    key = generate_recovery_key()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){7}", key)
    typed = "  " + key.lower().replace("-", " ") + " "
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in key)
    assert recovery_key_bytes(typed) == recovery_key_bytes(key) == recovery_key_bytes(full_width)
    with pytest.raises(WrongCredential, match="8 组"):
        recovery_key_bytes("ABCD-EFGH")


def test_the_recovery_key_unlocks_the_data_key():
    dek, key = DataKey.generate(), generate_recovery_key()
    wrap = wrap_for_recovery(dek, key)
    assert unwrap_with_recovery(wrap, key.lower()).raw == dek.raw
    with pytest.raises(WrongCredential, match="恢复密钥不正确"):
        unwrap_with_recovery(wrap, generate_recovery_key())


def test_the_keyed_index_is_stable_per_key_and_differs_between_keys():
    a, b = DataKey.generate(), DataKey.generate()
    assert a.index(KNOWN_ID) == a.index(KNOWN_ID) != b.index(KNOWN_ID)
    assert a.index(KNOWN_ID) != a.index(UNKNOWN_ID)
    assert a.name_index(KNOWN_NAME) != a.index(KNOWN_NAME)  # names and numbers are kept apart
    assert "hidden" in repr(a) and a.raw.hex() not in repr(a)


def test_the_station_key_is_stored_sealed(station_home: StationHome):
    db, dek = station_home.db, station_home.dek
    raw = keys.get_secret(db, dek, station_key.SECRET_NAME)
    assert raw is not None and len(raw) == 32
    assert station_key.public_key_b64(station_key.from_private_bytes(raw))  # a usable Ed25519 key
    stored = db.execute("SELECT blob FROM secrets").fetchone()[0]
    assert raw not in stored
    with pytest.raises(DecryptionFailed):
        keys.get_secret(db, DataKey.generate(), station_key.SECRET_NAME)


PHONE = "13912345678"
ADDRESS = "乐山市市中区大佛街道滨江路1号"
SCAN_MARKER = b"SCAN-OF-AN-ID-CARD-" * 40


def _needles() -> list[bytes]:
    return [
        KNOWN_NAME.encode("utf-8"),
        KNOWN_ID.encode(),
        KNOWN_ID[:17].encode(),
        PHONE.encode(),
        ADDRESS.encode("utf-8"),
        SCAN_MARKER[:40],
        KNOWN_NAME.encode("utf-16-le"),
    ]


def test_a_copied_database_reveals_no_name_id_number_phone_or_scan(station_home: StationHome, session):
    intake(
        session,
        IntakeRequest(
            "G14",
            ApplicantInput(KNOWN_NAME, KNOWN_ID, phone=PHONE),
            {"base": "5000", "period_start": "2026-01", "period_end": "2026-03"},
            scans=[Scan("id_card", "image/jpeg", SCAN_MARKER)],
        ),
        now=NOW,
    )
    db_file = station_home.paths.db
    wal = db_file.with_name(db_file.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the fresh writes are still in the WAL
    for path in (db_file, wal):
        raw = path.read_bytes()
        for needle in _needles():
            assert needle not in raw, (path.name, needle)
    station_home.db.close()  # checkpoint everything into station.db, then look again
    raw = db_file.read_bytes()
    assert all(needle not in raw for needle in _needles())
    # …and with the key, everything is there.
    again = open_store(station_home.paths.home)
    assert registry.get_person(again, station_home.dek, KNOWN_ID).address == ADDRESS  # type: ignore[union-attr]
    again.close()
