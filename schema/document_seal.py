"""The seal on a printed document: what its QR code signs, and how anyone checks it.

A station prints three kinds of document (办结单, 受理回执, 缴费收据). Its QR code is a URL on
the city server, ``https://<server>/v/<code>``, where ``code`` is the unpadded base64url of
a 25-byte body and the station's Ed25519 signature over ``b"SSB2" + body`` (89 bytes, 119
characters; with the server's address a version-8 QR code at level M, 30 mm wide on
the receipt)::

    offset size
    0      1    format version (2)
    1      1    kind: 1 办结单, 2 受理回执, 3 缴费收据
    2      4    township code of the station (9 digits)
    6      1    service point (00 the township station, 01..99 community points)
    7      2    the number's day, days since 2000-01-01 (Beijing)
    9      2    the document's daily counter
    11     2    the case's daily counter, high bit set for a general item (marker W)
    13     4    item code, ASCII, space padded (G09, C012)
    17     4    amount in fen (the money collected, on a 缴费收据; else 0)
    21     4    issued at, Unix seconds (the document's 办理时间, the signing time that counts)

So the page shows what was signed (kind, number, case number, station, item, date,
amount) and nothing else needs to be trusted. Codes printed before this format,
``SSB1|<number>|<signature over the number>``, stay verifiable (:class:`LegacySeal`): they
carry no time, so the date in their number counts, as the end of that day.

Revocation: a station's key answers for the documents it signed until the key ended (the
station was revoked, or re-enrolled with a new key). A document signed at or after that
moment fails; one signed before stays genuine. The signing time is the station's claim,
so a thief holding the key could backdate: the page's case status (from the city's own
records) is the cross-check.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field

from schema.cases import GENERAL_MARKER, CaseNumberError, parse_case_number
from schema.errors import ContractError
from schema.normalize import to_half_width
from schema.vocabulary import Tier

VERSION = 2
DOMAIN = b"SSB2"  # signed before the body: never a valid SSB1 message (those are digits)
LEGACY_PREFIX = "SSB1"
VERIFY_PATH = "/v/"
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
_EPOCH_DAY = dt.date(2000, 1, 1)
_BODY = struct.Struct(">BBIBHHH4sII")
BODY_SIZE = _BODY.size  # 25
SIGNATURE_SIZE = 64
_CASE_GENERAL_BIT = 0x8000
_PAYMENT_MARKER = "F"
_MAX_FEN = 2**32 - 1
_FEN = Decimal("0.01")
_CODE = re.compile(r"[A-Za-z0-9_-]{100,140}")

SEAL_ERROR_MESSAGES: dict[str, str] = {
    "seal_unreadable": "无法识别该核验码：请对准二维码重新扫描，或核对输入的内容是否完整。",
    "seal_out_of_range": "该文件的内容超出核验码能容纳的范围（金额或日期异常），无法签章：请联系综合业务科。",
}


class SealError(ContractError):
    """A code that is not a seal, or a document a seal cannot hold."""


def _error(code: str, **detail: object) -> SealError:
    return SealError(code, SEAL_ERROR_MESSAGES[code], dict(detail))


class DocumentKind(StrEnum):
    """The printed documents; values are the station's receipt kinds."""

    COMPLETION = "completion"
    ACCEPTANCE = "acceptance"
    PAYMENT = "payment"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    DocumentKind.COMPLETION: "社会保险业务办结单",
    DocumentKind.ACCEPTANCE: "社会保险业务受理回执",
    DocumentKind.PAYMENT: "社会保险费缴费收据",
}
_KIND_BYTES = {DocumentKind.COMPLETION: 1, DocumentKind.ACCEPTANCE: 2, DocumentKind.PAYMENT: 3}
_KINDS_BY_BYTE = {v: k for k, v in _KIND_BYTES.items()}


@dataclass(frozen=True, slots=True)
class SealedDocument:
    """What a seal signs: everything the verification page shows of the paper."""

    kind: DocumentKind
    number: str  # the number printed on it (a 缴费收据 has its own, ``…-F0003``)
    case_number: str  # the case it belongs to
    item_code: str
    amount: Decimal  # yuan, to the fen; 0 when the document states no money
    issued_at: dt.datetime  # aware; whole seconds are signed

    @property
    def station_id(self) -> str:
        return parse_case_number(self.case_number).station_code

    @property
    def issued_day(self) -> dt.date:
        return self.issued_at.astimezone(BEIJING).date()


@dataclass(frozen=True, slots=True)
class Seal:
    document: SealedDocument
    signature: bytes

    @property
    def station_id(self) -> str:
        return self.document.station_id

    @property
    def number(self) -> str:
        return self.document.number

    @property
    def signed_at(self) -> dt.datetime:
        return self.document.issued_at

    @property
    def message(self) -> bytes:
        return message(self.document)

    @property
    def code(self) -> str:
        return _b64url(body(self.document) + self.signature)


@dataclass(frozen=True, slots=True)
class LegacySeal:
    """``SSB1|<number>|<signature>``: the number alone was signed."""

    number: str
    signature: bytes

    @property
    def station_id(self) -> str:
        return _split_number(self.number)[0]

    @property
    def signed_at(self) -> dt.datetime:
        """The end of the day in the number (the latest moment it can have been signed)."""
        day = _split_number(self.number)[1]
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), BEIJING) - dt.timedelta(seconds=1)

    @property
    def message(self) -> bytes:
        return self.number.encode("utf-8")


# ---- encoding ---------------------------------------------------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _split_number(number: str) -> tuple[str, dt.date, str, int]:
    """(station code, day, marker, counter) of a case or receipt number."""
    match = re.fullmatch(r"(\d{9}-\d{2})-(\d{8})-([WF]?)(\d{4})", number)
    if match is None:
        raise _error("seal_unreadable", number=number)
    day = dt.datetime.strptime(match[2], "%Y%m%d").date()
    return match[1], day, match[3], int(match[4])


def body(document: SealedDocument) -> bytes:
    """The 25 signed bytes (see the module's table)."""
    station, day, _marker, counter = _split_number(document.number)
    case = parse_case_number(document.case_number)
    if case.station_code != station:
        raise _error("seal_out_of_range", field="case_number")
    fen = int((document.amount * 100).to_integral_value())
    days = (day - _EPOCH_DAY).days
    seconds = int(document.issued_at.timestamp())
    item = document.item_code.encode("ascii")
    if not (0 <= fen <= _MAX_FEN and 0 <= days < 2**16 and 0 <= seconds < 2**32 and len(item) <= 4):
        raise _error("seal_out_of_range", amount=str(document.amount), day=day.isoformat())
    case_counter = case.counter | (_CASE_GENERAL_BIT if case.tier is Tier.GENERAL else 0)
    township, point = station.split("-")
    return _BODY.pack(
        VERSION,
        _KIND_BYTES[document.kind],
        int(township),
        int(point),
        days,
        counter,
        case_counter,
        item.ljust(4, b" "),
        fen,
        seconds,
    )


def message(document: SealedDocument) -> bytes:
    """What the station signs: the domain, then the body."""
    return DOMAIN + body(document)


def _document(raw: bytes) -> SealedDocument:
    version, kind_byte, township, point, days, counter, case_counter, item, fen, seconds = _BODY.unpack(raw)
    kind = _KINDS_BY_BYTE.get(kind_byte)
    if version != VERSION or kind is None or not 1 <= counter <= 9999:
        raise _error("seal_unreadable")
    day = _EPOCH_DAY + dt.timedelta(days=days)
    station = f"{township:09d}-{point:02d}"
    general = bool(case_counter & _CASE_GENERAL_BIT)
    case_no = case_counter & ~_CASE_GENERAL_BIT
    case_number = f"{station}-{day:%Y%m%d}-{GENERAL_MARKER if general else ''}{case_no:04d}"
    marker = {DocumentKind.PAYMENT: _PAYMENT_MARKER, DocumentKind.COMPLETION: GENERAL_MARKER}.get(kind, "")
    number = f"{station}-{day:%Y%m%d}-{marker}{counter:04d}"
    if kind is not DocumentKind.PAYMENT and number != case_number:
        raise _error("seal_unreadable")
    try:
        parse_case_number(case_number)
        item_code = item.decode("ascii").strip()
    except (CaseNumberError, UnicodeDecodeError):
        raise _error("seal_unreadable") from None
    issued = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return SealedDocument(kind, number, case_number, item_code, (Decimal(fen) / 100).quantize(_FEN), issued)


def sign(key: Ed25519PrivateKey, document: SealedDocument) -> Seal:
    """The station's seal over ``document`` (its ``code`` goes into the URL)."""
    whole = dt.datetime.fromtimestamp(int(document.issued_at.timestamp()), dt.UTC)
    signed = SealedDocument(
        document.kind,
        document.number,
        document.case_number,
        document.item_code,
        document.amount,
        whole,
    )
    return Seal(signed, key.sign(message(signed)))


def decode(code: str) -> Seal:
    """The seal in a code (SealError ``seal_unreadable`` when it is not one)."""
    try:
        raw = _unb64url(code)
    except (binascii.Error, ValueError):
        raise _error("seal_unreadable") from None
    if len(raw) != BODY_SIZE + SIGNATURE_SIZE:
        raise _error("seal_unreadable")
    return Seal(_document(raw[:BODY_SIZE]), raw[BODY_SIZE:])


def url(base: str, seal: Seal) -> str:
    """``https://<server>/v/<code>``: what the QR code holds."""
    return f"{base.rstrip('/')}{VERIFY_PATH}{seal.code}"


def parse(text: str) -> Seal | LegacySeal:
    """What a scanner typed or a person pasted: a URL with ``/v/<code>``, a bare code, or an
    old ``SSB1|<number>|<signature>``. SealError ``seal_unreadable`` otherwise."""
    cleaned = "".join(to_half_width(text).split())
    if cleaned.upper().startswith(LEGACY_PREFIX + "|"):
        parts = cleaned.split("|")
        if len(parts) != 3:
            raise _error("seal_unreadable")
        number = parts[1].upper()
        try:
            _split_number(number)
            signature = _unb64url(parts[2])
        except (binascii.Error, ValueError):
            raise _error("seal_unreadable") from None
        if len(signature) != SIGNATURE_SIZE:
            raise _error("seal_unreadable")
        return LegacySeal(number, signature)
    code = cleaned.rsplit(VERIFY_PATH, 1)[-1] if VERIFY_PATH in cleaned else cleaned
    code = code.split("?", 1)[0].split("#", 1)[0]
    if not _CODE.fullmatch(code):
        raise _error("seal_unreadable")
    return decode(code)


# ---- the keys that answer for a station's documents ------------------------------------


class StationKey(BaseModel):
    """One key a station has held, and until when it answers for the station's documents."""

    model_config = ConfigDict(frozen=True)

    station_id: str
    public_key: str  # raw 32 bytes, standard base64 (as at enrolment)
    valid_from: dt.datetime | None = None  # enrolment
    valid_until: dt.datetime | None = None  # revocation or replacement; None while in use
    ended_by: Literal["revoked", "replaced"] | None = None


class StationKeysRecord(BaseModel):
    """Every enrolled station's keys, as the reference feed carries them (``station_keys``)."""

    model_config = ConfigDict(frozen=True)

    version: int = Field(ge=0)
    keys: tuple[StationKey, ...] = ()


class Verdict(StrEnum):
    GENUINE = "genuine"  # 真实有效
    FORGED = "forged"  # the signature does not check: altered, or not from this system
    REVOKED = "revoked"  # signed after the station was revoked
    REPLACED = "replaced"  # signed with a key after the station had a new one
    UNKNOWN_STATION = "unknown_station"  # no key of that station is known here

    @property
    def genuine(self) -> bool:
        return self is Verdict.GENUINE


@dataclass(frozen=True, slots=True)
class Verification:
    verdict: Verdict
    key_ended_at: dt.datetime | None = None  # for REVOKED and REPLACED: since when


def _checks(public_key_b64: str, signature: bytes, signed: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64)).verify(signature, signed)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def verify(seal: Seal | LegacySeal, keys: Sequence[StationKey]) -> Verification:
    """Check ``seal`` against the keys known for its station (others are ignored)."""
    own = [k for k in keys if k.station_id == seal.station_id]
    if not own:
        return Verification(Verdict.UNKNOWN_STATION)
    signed = seal.message
    matching = [k for k in own if _checks(k.public_key, seal.signature, signed)]
    if not matching:
        return Verification(Verdict.FORGED)
    for key in matching:
        if key.valid_until is None or seal.signed_at < key.valid_until:
            return Verification(Verdict.GENUINE)
    ended = max(matching, key=lambda k: k.valid_until or dt.datetime.max.replace(tzinfo=dt.UTC))
    verdict = Verdict.REVOKED if ended.ended_by == "revoked" else Verdict.REPLACED
    return Verification(verdict, ended.valid_until)
