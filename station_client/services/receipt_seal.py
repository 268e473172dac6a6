"""The verification value printed in a receipt's QR code, and the station's name on paper.

The value is the station's Ed25519 signature over the case (or receipt) number, UTF-8,
in unpadded base64url. Anyone holding the station's public key (the city server binds
it at enrolment) can check that a paper receipt came from this station:
:func:`verify` does. The QR code holds ``SSB1|<number>|<value>``.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlite_utils import Database

from schema.divisions import StationCode, load_divisions
from schema.errors import ContractError
from station_client.crypto import station_key
from station_client.crypto.keys import DataKey
from station_client.services.errors import ServiceError
from station_client.store import keys

QR_PREFIX = "SSB1"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def sign_number(db: Database, dek: DataKey, number: str) -> str:
    """The station's signature over ``number`` (base64url); ServiceError when the key is missing."""
    raw = keys.get_secret(db, dek, station_key.SECRET_NAME)
    if raw is None:
        raise ServiceError(
            "station_key_missing",
            "本机没有服务站密钥，回执无法加盖电子签章：请联系综合业务科重新注册本服务站。",
        )
    return _b64url(station_key.from_private_bytes(raw).sign(number.encode("utf-8")))


def qr_payload(number: str, value: str) -> str:
    return f"{QR_PREFIX}|{number}|{value}"


def verify(public_key_b64: str, number: str, value: str) -> bool:
    """True when ``value`` is the signature over ``number`` by the key given (standard base64)."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        key.verify(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), number.encode("utf-8"))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def station_name(station_code: str) -> str:
    """``乐山市市中区大佛街道社保所`` or ``…大佛街道第03社区服务点``; the code itself when unknown."""
    try:
        code = StationCode.parse(station_code)
        place = load_divisions().full_name(code.township_code)
    except ContractError:
        return station_code
    return f"{place}社保所" if code.is_township_station else f"{place}第{code.point:02d}社区服务点"
