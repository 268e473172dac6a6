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


# ── the rules for a password a person chooses (console and station alike) ─────────────────

MIN_PASSWORD_LENGTH = 10

PASSWORD_ERROR_MESSAGES: dict[str, str] = {
    "password_mismatch": "两次输入的新密码不一致：请重新输入两遍相同的新密码。",
    "password_too_short": f"新密码至少 {MIN_PASSWORD_LENGTH} 位：请换一个更长的密码。",
    "password_needs_letter_and_digit": "新密码须同时包含字母和数字：请重新设置。",
    "password_contains_username": "新密码不能包含用户名：请重新设置。",
    "password_unchanged": "新密码不能与当前密码相同：请换一个新密码。",
    "password_change_required": (
        "本账号使用的是综合业务科发放的一次性密码，须先修改密码才能办理业务："
        "请在工作站窗口登录后按提示修改，或运行 station-client passwd。"
    ),
}


def password_problem(username: str, new: str, repeat: str, *, current: str | None = None) -> str | None:
    """The code of the first rule ``new`` breaks (see :data:`PASSWORD_ERROR_MESSAGES`); None when acceptable."""
    if new != repeat:
        return "password_mismatch"
    if len(new) < MIN_PASSWORD_LENGTH:
        return "password_too_short"
    if not any(c.isdigit() for c in new) or not any(c.isalpha() for c in new):
        return "password_needs_letter_and_digit"
    if username.lower() in new.lower():
        return "password_contains_username"
    if current is not None and new == current:
        return "password_unchanged"
    return None
