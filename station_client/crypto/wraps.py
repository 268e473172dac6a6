"""Wrapping the data key: one wrap per staff password, one for the recovery key.

A wrap is AES-256-GCM of the DEK under a key-encryption key (KEK):

* staff password → scrypt (its own random salt, not the login hash's, so the pulled
  login hash never helps to open a wrap); ``kdf`` records the cost as ``scrypt$15$8$1``
  so it can be raised later without breaking old wraps;
* recovery key (160 random bits, no need to stretch) → HKDF-SHA256 with a salt.

The associated data names the wrap's kind and owner, so a wrap cannot be moved to
another account.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from station_client.crypto.keys import NONCE_BYTES, DataKey, WrongCredential
from station_client.crypto.recovery import recovery_key_bytes

SCRYPT_LOG2_N = 15  # ~100 ms on a station PC; the login hash check costs about as much again
SCRYPT_R = 8
SCRYPT_P = 1
HKDF_KDF = "hkdf-sha256"


@dataclass(frozen=True, slots=True)
class Wrap:
    """One row of ``key_wraps`` (without its id)."""

    kind: str  # "staff" | "recovery"
    username: str | None
    salt: bytes
    kdf: str
    nonce: bytes
    wrapped: bytes


def _aad(kind: str, username: str | None) -> bytes:
    return f"key_wraps:{kind}:{username or ''}".encode()


def _scrypt(password: str, salt: bytes, kdf: str) -> bytes:
    try:
        scheme, log2_n, r, p = kdf.split("$")
        if scheme != "scrypt":
            raise ValueError(kdf)
        return hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=1 << int(log2_n),
            r=int(r),
            p=int(p),
            dklen=32,
            maxmem=128 << 20,
        )
    except ValueError:
        raise WrongCredential("本机保存的密钥参数无法识别：请联系综合业务科。") from None


def _hkdf(secret: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"recovery-wrap").derive(secret)


def _seal(kek: bytes, dek: DataKey, *, kind: str, username: str | None, salt: bytes, kdf: str) -> Wrap:
    nonce = os.urandom(NONCE_BYTES)
    wrapped = AESGCM(kek).encrypt(nonce, dek.raw, _aad(kind, username))
    return Wrap(kind, username, salt, kdf, nonce, wrapped)


def _open(kek: bytes, wrap: Wrap, wrong: str) -> DataKey:
    try:
        return DataKey(AESGCM(kek).decrypt(wrap.nonce, wrap.wrapped, _aad(wrap.kind, wrap.username)))
    except InvalidTag:
        raise WrongCredential(wrong) from None


def wrap_for_password(dek: DataKey, username: str, password: str, *, log2_n: int | None = None) -> Wrap:
    salt = os.urandom(16)
    log2_n = SCRYPT_LOG2_N if log2_n is None else log2_n  # read at call time: tests lower it
    kdf = f"scrypt${log2_n}${SCRYPT_R}${SCRYPT_P}"
    return _seal(_scrypt(password, salt, kdf), dek, kind="staff", username=username, salt=salt, kdf=kdf)


def unwrap_with_password(wrap: Wrap, password: str) -> DataKey:
    return _open(
        _scrypt(password, wrap.salt, wrap.kdf),
        wrap,
        "密码无法解开本机的数据密钥（密码可能已在服务器上重置）。",
    )


def wrap_for_recovery(dek: DataKey, recovery_key: str) -> Wrap:
    salt = os.urandom(16)
    kek = _hkdf(recovery_key_bytes(recovery_key), salt)
    return _seal(kek, dek, kind="recovery", username=None, salt=salt, kdf=HKDF_KDF)


def unwrap_with_recovery(wrap: Wrap, recovery_key: str) -> DataKey:
    return _open(
        _hkdf(recovery_key_bytes(recovery_key), wrap.salt),
        wrap,
        "恢复密钥不正确：请对照注册时打印的恢复密钥逐组核对后重新输入。",
    )
