"""The station's Ed25519 signing key: generated at enrolment, kept sealed under the DEK.

Only the raw 32-byte private key is stored (in ``secrets`` as ``station_ed25519``); the
public key goes to the server in base64 at enrolment.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

SECRET_NAME = "station_ed25519"  # noqa: S105  (a row name, not a secret)


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def from_private_bytes(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    """The raw 32-byte public key in standard base64, as EnrolRequest wants it."""
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")
