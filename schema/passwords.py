"""Staff password hashes, shared by the server (which issues accounts) and the stations
(which verify logins offline from the hashes they pull).

Format: ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>``, self-describing so the
cost can be raised later without breaking stored hashes. scrypt is memory-hard, which
matters because a stolen station PC holds these hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

_LOG2_N = 14  # n = 16384: ~50 ms and 16 MiB per check on a station PC
_R = 8
_P = 1
_DKLEN = 32


def hash_password(password: str, *, salt: bytes | None = None, log2_n: int = _LOG2_N) -> str:
    """Hash a password for storage. A fresh random salt is used unless one is given."""
    salt = os.urandom(16) if salt is None else salt
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=1 << log2_n, r=_R, p=_P, dklen=_DKLEN, maxmem=64 << 20
    )
    return "$".join(
        [
            "scrypt",
            str(log2_n),
            str(_R),
            str(_P),
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for a wrong password or a malformed hash."""
    try:
        scheme, log2_n, r, p, salt_b64, hash_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(hash_b64)
        digest = hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=1 << int(log2_n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=64 << 20,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I


def generate_password(length: int = 12) -> str:
    """A random one-time password that is easy to read aloud and type (no look-alike characters)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
