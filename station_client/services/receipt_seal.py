"""The seal printed in a receipt's QR code, and the station's name on paper.

:func:`document_qr` is what the QR code holds now: ``<server>/v/<code>``, the station's
Ed25519 seal over what the paper states (kind, number, case number, item, amount, issue
time; ``schema.document_seal``). A phone opens the city's verification page with it; the
station's 核验 screen checks it offline (``services.document_check``).

Older receipts hold ``SSB1|<number>|<value>``, the signature over the number alone
(:func:`sign_number`, :func:`qr_payload`, :func:`verify`); they stay verifiable.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlite_utils import Database

from schema import document_seal
from schema.public_case import station_title
from station_client.crypto import station_key
from station_client.crypto.keys import DataKey
from station_client.services.errors import ServiceError
from station_client.store import keys, meta

QR_PREFIX = "SSB1"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def signing_key(db: Database, dek: DataKey) -> Ed25519PrivateKey:
    """The station's key; ServiceError ``station_key_missing`` when the store has none."""
    raw = keys.get_secret(db, dek, station_key.SECRET_NAME)
    if raw is None:
        raise ServiceError(
            "station_key_missing",
            "本机没有服务站密钥，回执无法加盖电子签章：请联系综合业务科重新注册本服务站。",
        )
    return station_key.from_private_bytes(raw)


def sign_number(db: Database, dek: DataKey, number: str) -> str:
    """The station's signature over ``number`` (base64url); ServiceError when the key is missing."""
    return _b64url(signing_key(db, dek).sign(number.encode("utf-8")))


def sealed_document(kind: str, doc: Mapping[str, Any]) -> document_seal.SealedDocument:
    """What the seal of a receipt document (``services.receipts``) signs: the money only on a
    缴费收据, the document's 办理时间 as its signing time."""
    document_kind = document_seal.DocumentKind(kind)
    fee = doc.get("fee") or {}
    amount = (
        Decimal(str(fee.get("collected", "0")))
        if document_kind is document_seal.DocumentKind.PAYMENT
        else Decimal(0)
    )
    return document_seal.SealedDocument(
        kind=document_kind,
        number=str(doc.get("receipt_number") or doc["case_number"]),
        case_number=str(doc["case_number"]),
        item_code=str(doc["item_code"]),
        amount=amount,
        issued_at=dt.datetime.fromisoformat(str(doc["issued_at"])),
    )


def document_qr(db: Database, dek: DataKey, kind: str, doc: Mapping[str, Any]) -> str:
    """The QR code's text for a receipt document: ``<server>/v/<code>`` (the server this
    station syncs with serves the verification page)."""
    seal = document_seal.sign(signing_key(db, dek), sealed_document(kind, doc))
    return document_seal.url(meta.get(db, meta.SERVER_URL) or "", seal)


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
    """``乐山市市中区大佛街道社保所`` or ``…大佛街道第03社区服务点``; the code itself when unknown
    (the city's verification page names stations the same way)."""
    return station_title(station_code)
