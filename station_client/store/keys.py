"""``key_wraps`` and ``secrets``: the wrapped data key and the station's sealed secrets.

``key_wraps`` holds one row per (kind, username): kind ``staff`` for each staff password
that has unlocked this PC, kind ``recovery`` (username NULL) for the recovery key.
``secrets(name, nonce, blob)`` holds values sealed under the DEK (the Ed25519 private key
as ``station_ed25519``); ``nonce`` and ``blob`` are the AES-GCM nonce and ciphertext.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlite_utils import Database

from station_client.crypto.keys import NONCE_BYTES, DataKey, DecryptionFailed
from station_client.crypto.wraps import Wrap

_WRAP_COLUMNS = "kind, username, salt, kdf, nonce, wrapped"


def put_wrap(db: Database, wrap: Wrap) -> None:
    """Insert or replace the wrap of (kind, username)."""
    with db.atomic():
        db.execute(
            "DELETE FROM key_wraps WHERE kind = ? AND coalesce(username, '') = coalesce(?, '')",
            [wrap.kind, wrap.username],
        )
        db.execute(
            f"INSERT INTO key_wraps ({_WRAP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",  # noqa: S608  (constant column names)
            [wrap.kind, wrap.username, wrap.salt, wrap.kdf, wrap.nonce, wrap.wrapped],
        )


def get_wrap(db: Database, kind: str, username: str | None = None) -> Wrap | None:
    row = db.execute(
        f"SELECT {_WRAP_COLUMNS} FROM key_wraps WHERE kind = ? AND coalesce(username, '') = coalesce(?, '')",  # noqa: S608  (constant column names)
        [kind, username],
    ).fetchone()
    return None if row is None else Wrap(*row)


def has_any_wrap(db: Database) -> bool:
    return db.execute("SELECT 1 FROM key_wraps LIMIT 1").fetchone() is not None


def _secret_aad(name: str) -> bytes:
    return f"secrets:{name}".encode()


def put_secret(db: Database, dek: DataKey, name: str, value: bytes) -> None:
    nonce = os.urandom(NONCE_BYTES)
    blob = AESGCM(dek.raw).encrypt(nonce, value, _secret_aad(name))
    db.execute(
        "INSERT INTO secrets (name, nonce, blob) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET nonce = excluded.nonce, blob = excluded.blob",
        [name, nonce, blob],
    )


def get_secret(db: Database, dek: DataKey, name: str) -> bytes | None:
    row = db.execute("SELECT nonce, blob FROM secrets WHERE name = ?", [name]).fetchone()
    if row is None:
        return None
    try:
        return AESGCM(dek.raw).decrypt(row[0], row[1], _secret_aad(name))
    except InvalidTag:
        raise DecryptionFailed("本机保存的密钥无法解密：请联系综合业务科重新注册本服务站。") from None
