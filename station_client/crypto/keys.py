"""The data key (DEK) and what it does: seal and open fields, compute the keyed index.

Every personal field and scan is sealed with AES-256-GCM under the DEK. The associated
data names the table and row (``b"cases:<case_id>"``) so a blob copied into another row
fails to open. A sealed blob is ``0x01 | 12-byte nonce | ciphertext+tag``; the leading
format byte leaves room for a later key rotation.

Look-ups by ID number use ``HMAC-SHA256(index_key, normalised ID number)`` with
``index_key = HKDF-SHA256(DEK, info=b"index")``: equal numbers give equal hex digests, so
an SQLite index finds a person without decrypting the slice, and the digest reveals
nothing without the DEK.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_V1 = b"\x01"


class CryptoError(Exception):
    """Base of the station's crypto errors; ``message`` is Chinese, for the clerk.

    The stable ``code`` is per class (the command line prints it with the message).
    """

    code = "crypto_failed"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.detail: dict[str, object] = {}


class WrongCredential(CryptoError):
    """A password or recovery key that does not open its wrap."""

    code = "credential_wrong"


class DecryptionFailed(CryptoError):
    """A sealed blob did not authenticate (tampered, moved to another row, or another key)."""

    code = "data_undecryptable"


def _hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


class DataKey:
    """The DEK in memory. Never written to disk in the clear; ``repr`` hides it."""

    __slots__ = ("_aead", "_index_key", "_index_mac", "_raw")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        self._raw = raw
        self._aead = AESGCM(raw)
        self._index_key = _hkdf(raw, b"index")
        # copied for each value: the key is set up once, not per look-up
        self._index_mac = hmac.new(self._index_key, digestmod=hashlib.sha256)

    @classmethod
    def generate(cls) -> DataKey:
        return cls(AESGCM.generate_key(bit_length=256))

    @property
    def raw(self) -> bytes:
        """The key bytes, for wrapping only."""
        return self._raw

    def __repr__(self) -> str:
        return "DataKey(<hidden>)"

    # -- sealing -------------------------------------------------------------------------

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def seal_many(self, items: Sequence[tuple[bytes, bytes]]) -> list[bytes]:
        """:meth:`seal` of each (plaintext, associated data): the same blobs, the nonces drawn
        from the OS in one read (a pulled page's thousands of persons)."""
        nonces = os.urandom(NONCE_BYTES * len(items))
        encrypt = self._aead.encrypt
        out = []
        for i, (plaintext, aad) in enumerate(items):
            nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
            out.append(FORMAT_V1 + nonce + encrypt(nonce, plaintext, aad))
        return out

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT_V1:
            raise DecryptionFailed("加密数据格式不正确，可能已损坏：请联系综合业务科检查本机数据。")
        try:
            return self._aead.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
        except InvalidTag:
            raise DecryptionFailed(
                "加密数据无法解密（数据损坏或密钥不符）：请联系综合业务科检查本机数据。"
            ) from None

    def seal_json(self, value: Any, aad: bytes) -> bytes:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return self.seal(text.encode("utf-8"), aad)

    def open_json(self, blob: bytes, aad: bytes) -> Any:
        return json.loads(self.open(blob, aad).decode("utf-8"))

    # -- keyed index ---------------------------------------------------------------------

    def index(self, value: str) -> str:
        """Hex HMAC-SHA256 of an already-normalised value (an 18-digit ID number, a USCC)."""
        mac = self._index_mac.copy()
        mac.update(value.encode("utf-8"))
        return mac.hexdigest()

    def name_index(self, name: str) -> str:
        """Keyed digest of an exact (cleaned) name; domain-separated from ID numbers."""
        return self.index("name\x1f" + name)


def aad(table: str, key: str) -> bytes:
    """Associated data binding a blob to its table and row."""
    return f"{table}:{key}".encode()
