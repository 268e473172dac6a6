"""Envelope encryption at rest (docs/station.md "Encryption at rest").

    keys.py     DataKey: the station's 256-bit data key; AES-256-GCM sealing with
                associated data; the HKDF-derived keyed index (HMAC-SHA256)
    wraps.py    the data key wrapped by a staff password (scrypt) or by the recovery key
    recovery.py the recovery key: 8 groups of 4 base32 characters, printed once
    station_key.py  the station's Ed25519 signing key (raw bytes, sealed in ``secrets``)

Errors: :class:`CryptoError` (base) → :class:`WrongCredential` (a password or recovery
key that does not open a wrap) and :class:`DecryptionFailed` (a blob that does not
authenticate: tampered, swapped between rows, or sealed under another data key).
"""

from __future__ import annotations

from station_client.crypto.keys import CryptoError, DataKey, DecryptionFailed, WrongCredential

__all__ = ["CryptoError", "DataKey", "DecryptionFailed", "WrongCredential"]
