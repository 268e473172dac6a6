"""Signed station requests: Ed25519 over method, path, body digest, timestamp and nonce.

Pure functions, independent of any HTTP library: the station signs with its private key,
the server verifies with the public key bound at enrolment. Nonce reuse is checked by the
server's storage, not here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from schema.api_errors import API_ERROR_MESSAGES, ApiErrorCode
from schema.errors import ContractError
from schema.protocol import MAX_CLOCK_SKEW_SECONDS

HEADER_STATION_ID = "X-Station-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_CONTENT_SHA256 = "X-Content-SHA256"
HEADER_SIGNATURE = "X-Signature"
SIGNED_HEADERS = (HEADER_STATION_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_CONTENT_SHA256, HEADER_SIGNATURE)
_SCHEME = "LSSB-ED25519-1"


class AuthError(ContractError):
    """A signed request failed verification (auth_unsigned, auth_bad_signature, auth_clock_skew)."""


def _auth_error(code: ApiErrorCode, **detail: Any) -> AuthError:
    return AuthError(code, API_ERROR_MESSAGES[code], detail)


def canonical_request(  # noqa: PLR0917  (the brief's signature: every field is signed)
    method: str, path_with_query: str, body_sha256_hex: str, timestamp: int, nonce: str, station_id: str
) -> bytes:
    """The bytes a station signs: one field a line, so no field can run into the next."""
    fields = [
        _SCHEME,
        method.upper(),
        path_with_query,
        body_sha256_hex.lower(),
        str(timestamp),
        nonce,
        station_id,
    ]
    if any("\n" in f for f in fields):
        raise ValueError("a signed field contains a newline")
    return "\n".join(fields).encode()


def sign_request(
    private_key: Ed25519PrivateKey,
    method: str,
    path_with_query: str,
    body: bytes,
    station_id: str,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The five headers that sign a request (the clock and nonce are injectable for tests)."""
    ts = int(time.time()) if timestamp is None else timestamp
    nonce = secrets.token_urlsafe(18) if nonce is None else nonce
    body_hash = hashlib.sha256(body).hexdigest()
    signature = private_key.sign(canonical_request(method, path_with_query, body_hash, ts, nonce, station_id))
    return {
        HEADER_STATION_ID: station_id,
        HEADER_TIMESTAMP: str(ts),
        HEADER_NONCE: nonce,
        HEADER_CONTENT_SHA256: body_hash,
        HEADER_SIGNATURE: base64.b64encode(signature).decode(),
    }


def verify_request(
    public_key_bytes: bytes,
    headers: Mapping[str, str],
    method: str,
    path_with_query: str,
    body: bytes,
    *,
    now: float | None = None,
    max_skew: int = MAX_CLOCK_SKEW_SECONDS,
) -> None:
    """Raise :class:`AuthError` unless the request is signed by this key, now.

    The signature is checked before the clock, so only an authentic station learns that
    its clock is wrong. Nonce reuse is the caller's to check, against its storage.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    missing = [h for h in SIGNED_HEADERS if h.lower() not in lowered]
    if missing:
        raise _auth_error("auth_unsigned", missing=missing)
    station_id, raw_ts, nonce, claimed_hash, raw_sig = (lowered[h.lower()] for h in SIGNED_HEADERS)
    if hashlib.sha256(body).hexdigest() != claimed_hash.lower():
        raise _auth_error("auth_bad_signature", reason="body")
    try:
        timestamp = int(raw_ts)
        signature = base64.b64decode(raw_sig, validate=True)
        message = canonical_request(method, path_with_query, claimed_hash, timestamp, nonce, station_id)
        Ed25519PublicKey.from_public_bytes(public_key_bytes).verify(signature, message)
    except (ValueError, InvalidSignature):  # binascii.Error is a ValueError
        raise _auth_error("auth_bad_signature", reason="signature") from None
    clock = time.time() if now is None else now
    if abs(clock - timestamp) > max_skew:
        raise _auth_error("auth_clock_skew", server_time=int(clock), station_time=timestamp, allowed=max_skew)
