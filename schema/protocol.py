"""The sync wire protocol between a station and the city server (docs/design.md §3–§5).

* **Push** (``PushBatch`` → ``PushResponse``): the station sends its oldest pending
  operations, numbered 1, 2, 3 … per station without gaps. The server keys each by
  (station, ``op_id``): the same key with the same :func:`operation_digest` is a duplicate
  and gets the original result; the same key with another digest is ``op_conflict``. A
  business rejection is a per-operation ``OpResult`` inside a successful response.
* **Pull** (``PullRequest`` → ``PullPage``): changes after an opaque, commit-ordered cursor.
* **Enrolment** binds the station's Ed25519 public key to the station; every push and pull
  is then signed (:func:`sign_request`, :func:`verify_request`). With a CSR it also gets
  the document-signing certificate for its PDF receipts (``DocumentCertificate``).
* **Attachments** travel on their own resumable path, addressed by SHA-256, in chunks.

Models are frozen and refuse unknown fields, so a typo is an error, not a silent drop.
Size limits are written into the models; the server should check ``batch_too_large`` and
``body_too_large`` before parsing so the station gets those codes rather than
``request_invalid``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Annotated, Any, Literal, Self
from uuid import UUID, uuid5

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    TypeAdapter,
    field_validator,
    model_validator,
)

from schema.cases import (
    ALLOWED_MEDIA_TYPES,  # noqa: F401  (re-exported: the attachment limits live with AttachmentRef)
    MAX_ATTACHMENT_BYTES,
    AttachmentRef,
    CasePayload,
    MaterialCode,
    Name,
    Sha256Hex,
    StationId,
    Username,
)
from schema.daily_close import DailyClosePayload
from schema.fees import FlexibleWorkerRequest
from schema.lifecycle import CaseStatus
from schema.payment_reference import PaymentReferenceError, parse_reference
from schema.receipt_numbers import StockRef

MAX_BATCH_OPERATIONS = 500
MAX_BODY_BYTES = 8 * 1024 * 1024  # a request body as sent (gzip or not)
MAX_UNCOMPRESSED_BODY_BYTES = 32 * 1024 * 1024  # after decoding: bounds a zip bomb
DEFAULT_PULL_LIMIT = 200
MAX_PULL_LIMIT = 5000  # a 200,000-person slice in about 40 pages (120 requests a minute per station)
CHUNK_SIZE = 256 * 1024
MAX_CLOCK_SKEW_SECONDS = 300

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_Text = Annotated[str, StringConstraints(max_length=2000)]
_County = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
_Township = Annotated[str, StringConstraints(pattern=r"^\d{9}$")]


# ── operations ──────────────────────────────────────────────────────────────────────────


class OperationKind(StrEnum):
    CASE_ACCEPT = "case_accept"  # a general case completed or a complex case accepted
    CASE_SUPPLEMENT = "case_supplement"  # 补正 of a returned case
    CASE_WITHDRAW = "case_withdraw"
    DECISION_HANDED_OVER = "decision_handed_over"  # the clerk gave the decision to the applicant
    STAFF_PASSWORD = "staff_password"  # noqa: S105  (a kind name) a clerk changed their password here
    DAILY_CLOSE = "daily_close"  # 日结: the desk's cash counted against the day's receipts
    RECEIPT_VOID = "receipt_void"  # a 缴费收据 voided at the desk, a second staff member witnessing
    PAYMENT_NOTICE = "payment_notice"  # 缴费通知单 issued at the desk: paid at the bank, not in cash


class SupplementPayload(BaseModel):
    model_config = _FROZEN

    case_id: UUID
    based_on_version: int = Field(ge=1)  # version of the return decision being answered
    clerk: Username
    form_changes: dict[str, JsonValue] = Field(default_factory=dict)
    materials_provided: tuple[MaterialCode, ...] = ()
    attachments: tuple[AttachmentRef, ...] = ()
    note: _Text = ""


class WithdrawPayload(BaseModel):
    model_config = _FROZEN

    clerk: Username
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class HandoverPayload(BaseModel):
    model_config = _FROZEN

    clerk: Username
    decision: Literal[CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.RETURNED]
    decision_version: int = Field(ge=1)  # the DecisionRecord.version handed over
    handed_over_at: AwareDatetime
    recipient: Name  # who collected it: the applicant or an agent
    note: _Text = ""


# A password change is about an account, not a case: its ``case_id`` is the account's own
# fixed id, so the station's outbox keeps one clerk's changes in order like a case's.
_STAFF_SUBJECTS = UUID("5f0c1e4e-2b7a-4c55-9a53-3f1d6a0b7c21")


def staff_subject_id(username: str) -> UUID:
    """The ``case_id`` a :class:`StaffPasswordOp` of ``username`` carries."""
    return uuid5(_STAFF_SUBJECTS, username)


class StaffPasswordPayload(BaseModel):
    """The new password's hash (never the password): the station checked the old one offline."""

    model_config = _FROZEN

    username: Username
    password_hash: Annotated[
        str, StringConstraints(pattern=r"^scrypt\$\d+\$\d+\$\d+\$\S{16,}$", max_length=200)
    ]
    based_on_version: int = Field(ge=1)  # the account version the station held: a reset since wins


class ReceiptVoidPayload(BaseModel):
    """A payment receipt voided (作废): its stock number stays used, the paper is void.

    The clerk at the desk and a second staff member of the station (``witness``, who typed
    their own password there) are both named; ``reissued`` is the replacement receipt's
    number when the same payment got a new receipt at once."""

    model_config = _FROZEN

    receipt_number: Annotated[str, StringConstraints(min_length=1, max_length=40)]  # the station's own
    stock: StockRef
    amount: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
    clerk: Username
    witness: Username
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    voided_at: AwareDatetime
    reissued: StockRef | None = None

    @model_validator(mode="after")
    def _two_people(self) -> Self:
        if self.witness == self.clerk:
            raise ValueError("the witness of a void is another staff member than the clerk")
        return self


class _OperationBase(BaseModel):
    model_config = _FROZEN

    op_id: UUID  # client-generated
    station_id: StationId
    seq: int = Field(ge=1)
    case_id: UUID
    created_at: AwareDatetime  # station clock

    @model_validator(mode="after")
    def _payload_names_this_case(self) -> Self:
        payload = getattr(self, "payload", None)
        if getattr(payload, "case_id", self.case_id) != self.case_id:
            raise ValueError("payload.case_id differs from the operation's case_id")
        if getattr(payload, "station_id", self.station_id) != self.station_id:
            raise ValueError("payload.station_id differs from the operation's station_id")
        return self


class CaseAcceptOp(_OperationBase):
    kind: Literal[OperationKind.CASE_ACCEPT] = OperationKind.CASE_ACCEPT
    payload: CasePayload


class CaseSupplementOp(_OperationBase):
    kind: Literal[OperationKind.CASE_SUPPLEMENT] = OperationKind.CASE_SUPPLEMENT
    payload: SupplementPayload


class CaseWithdrawOp(_OperationBase):
    kind: Literal[OperationKind.CASE_WITHDRAW] = OperationKind.CASE_WITHDRAW
    payload: WithdrawPayload


class DecisionHandoverOp(_OperationBase):
    kind: Literal[OperationKind.DECISION_HANDED_OVER] = OperationKind.DECISION_HANDED_OVER
    payload: HandoverPayload


class StaffPasswordOp(_OperationBase):
    kind: Literal[OperationKind.STAFF_PASSWORD] = OperationKind.STAFF_PASSWORD
    payload: StaffPasswordPayload

    @model_validator(mode="after")
    def _names_the_account(self) -> Self:
        if self.case_id != staff_subject_id(self.payload.username):
            raise ValueError("case_id of a staff_password operation is staff_subject_id(username)")
        return self


# A day's closes are about the station's cash, not a case: their ``case_id`` is the day's
# fixed id, so the outbox keeps a day's 日结 and 补充日结 in order like a case's operations.
_CLOSE_SUBJECTS = UUID("0b6f7c3e-5a41-4e0c-8d2b-9e1f4a7d2c63")


def close_subject_id(station_id: str, business_day: date) -> UUID:
    """The ``case_id`` a :class:`DailyCloseOp` of that station and day carries."""
    return uuid5(_CLOSE_SUBJECTS, f"{station_id}:{business_day.isoformat()}")


class DailyCloseOp(_OperationBase):
    kind: Literal[OperationKind.DAILY_CLOSE] = OperationKind.DAILY_CLOSE
    payload: DailyClosePayload

    @model_validator(mode="after")
    def _names_the_day(self) -> Self:
        if self.case_id != close_subject_id(self.station_id, self.payload.business_day):
            raise ValueError("case_id of a daily_close operation is close_subject_id(station, day)")
        return self


class ReceiptVoidOp(_OperationBase):
    """``case_id`` is the receipt's case: the void goes after the case's own operations."""

    kind: Literal[OperationKind.RECEIPT_VOID] = OperationKind.RECEIPT_VOID
    payload: ReceiptVoidPayload


# A desk's 缴费通知单 is money to come, not a case: its ``case_id`` is fixed by its reference.
_NOTICE_SUBJECTS = UUID("6d3f1c8a-2b7e-4f95-a0c4-51e8d9b37f12")


def notice_subject_id(reference: str) -> UUID:
    """The ``case_id`` a :class:`PaymentNoticeOp` of that payment reference carries."""
    return uuid5(_NOTICE_SUBJECTS, reference)


class PaymentNoticePayload(BaseModel):
    """A 缴费通知单 the station issued offline (``schema.payment_reference``: the issuer is
    the station, the serial its own counter of the day). The city recomputes the fee from
    ``request`` and takes the notice only when it gets ``amount`` too."""

    model_config = _FROZEN

    reference: Annotated[str, StringConstraints(pattern=r"^\d{22}$")]
    item_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]\d{2,3}$")]
    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dX]$")]
    name: Name
    request: FlexibleWorkerRequest
    months: tuple[Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")], ...] = Field(min_length=1)
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]  # what the person pays
    clerk: Username
    issued_at: AwareDatetime
    valid_until: date

    @field_validator("reference")
    @classmethod
    def _checked(cls, value: str) -> str:
        try:
            parse_reference(value)
        except PaymentReferenceError as exc:
            raise ValueError(str(exc)) from None
        return value


class PaymentNoticeOp(_OperationBase):
    kind: Literal[OperationKind.PAYMENT_NOTICE] = OperationKind.PAYMENT_NOTICE
    payload: PaymentNoticePayload

    @model_validator(mode="after")
    def _names_the_notice(self) -> Self:
        if self.case_id != notice_subject_id(self.payload.reference):
            raise ValueError("case_id of a payment_notice operation is notice_subject_id(reference)")
        if self.payload.reference[:11] != self.station_id.replace("-", ""):
            raise ValueError("a station issues payment references under its own code only")
        return self


Operation = Annotated[
    CaseAcceptOp
    | CaseSupplementOp
    | CaseWithdrawOp
    | DecisionHandoverOp
    | StaffPasswordOp
    | DailyCloseOp
    | ReceiptVoidOp
    | PaymentNoticeOp,
    Field(discriminator="kind"),
]
# Parses an operation of any kind, e.g. one stored as JSON in the station's outbox.
OPERATION_ADAPTER: TypeAdapter[Operation] = TypeAdapter(Operation)


_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None)})
_DECIMALS: dict[Decimal, str] = {}  # amounts repeat: 400.00 is "400" every time
_MAX_DECIMALS = 4096


def _canonical(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _CONVERTERS[kind] = _converter_for(kind)
    return convert(value)


def _dict(value: dict[Any, Any]) -> dict[str, Any]:
    # None is left out so an optional field added later keeps old digests valid.
    # _canonical inlined: this loop is most of a digest's work.
    out: dict[str, Any] = {}
    for k, v in value.items():
        if v is None:
            continue
        kind = type(v)
        if kind in _PLAIN:
            out[k if type(k) is str else str(k)] = v
            continue
        convert = _CONVERTERS.get(kind)
        if convert is None:
            convert = _CONVERTERS[kind] = _converter_for(kind)
        out[k if type(k) is str else str(k)] = convert(v)
    return out


def _list(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [v if type(v) in _PLAIN else _canonical(v) for v in value]


def _model(value: BaseModel) -> Any:
    return _canonical(value.model_dump(mode="python"))


def _enum(value: Enum) -> Any:
    return value._value_  # what .value returns, without the property's overhead


def _decimal(value: Decimal) -> str:
    text = _DECIMALS.get(value)  # equal values (1.5, 1.50) have one canonical text
    if text is None:
        text = "0" if value.is_zero() else format(value.normalize(), "f")  # 1.50 == 1.5
        if len(_DECIMALS) >= _MAX_DECIMALS:
            _DECIMALS.clear()
        _DECIMALS[value] = text
    return text


def _datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()


def _same(value: Any) -> Any:
    return value


def _converter_for(kind: type) -> Callable[[Any], Any]:
    """What :func:`_canonical` does with values of ``kind``, decided once per type (the first
    matching rule wins, in this order)."""
    rules: tuple[tuple[type | tuple[type, ...], Callable[[Any], Any]], ...] = (
        (BaseModel, _model),
        (dict, _dict),
        ((list, tuple), _list),
        (Enum, _enum),
        (Decimal, _decimal),
        (datetime, _datetime),
        ((date, UUID), str),
    )
    return next((convert for base, convert in rules if issubclass(kind, base)), _same)


_CONVERTERS: dict[type, Callable[[Any], Any]] = {}


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8; Decimals as plain strings, instants in UTC."""
    return json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def operation_digest(op: Operation) -> str:
    """SHA-256 hex of the operation's canonical JSON: equal digests mean the same operation."""
    return hashlib.sha256(canonical_json(op)).hexdigest()


# ── push ────────────────────────────────────────────────────────────────────────────────


class PushBatch(BaseModel):
    model_config = _FROZEN

    station_id: StationId
    # The station's clock when it sent the batch. With each case's accepted_at (same clock)
    # it tells the server how long ago the case was accepted, whatever the clock's error.
    sent_at: AwareDatetime
    operations: tuple[Operation, ...] = Field(min_length=1, max_length=MAX_BATCH_OPERATIONS)


class OpStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # seen before with the same digest: the original result again
    REJECTED = "rejected"  # a business rule refused it; the station sets it aside
    CONFLICT = "conflict"  # seen before with another digest (code op_conflict)


class OpResult(BaseModel):
    """The server's answer for one operation.

    ``duplicate`` answers an operation seen before with the same digest; it repeats the
    original answer in ``original_status`` (applied or rejected) and, for a rejection, its
    code and message, so a station that lost the first response still sets it aside.
    """

    model_config = _FROZEN

    op_id: UUID
    seq: int = Field(ge=1)
    status: OpStatus
    original_status: OpStatus | None = None  # duplicate only: what the first answer was
    code: str | None = None  # an api_errors.OP_RESULT_CODES member when rejected/conflict
    message: str | None = None  # Chinese, for the clerk
    case_id: UUID | None = None
    case_status: CaseStatus | None = None
    server_received_at: AwareDatetime
    detail: dict[str, JsonValue] = Field(default_factory=dict)

    @property
    def outcome(self) -> OpStatus:
        """applied, rejected or conflict: a duplicate counts as its original answer."""
        return (
            self.original_status
            if self.status is OpStatus.DUPLICATE and self.original_status
            else self.status
        )

    @model_validator(mode="after")
    def _code_when_refused(self) -> Self:
        if self.status is OpStatus.DUPLICATE:
            if self.original_status not in (OpStatus.APPLIED, OpStatus.REJECTED):
                raise ValueError("a duplicate carries its original status: applied or rejected")
        elif self.original_status is not None:
            raise ValueError("original_status belongs to duplicates only")
        refused = self.outcome in (OpStatus.REJECTED, OpStatus.CONFLICT)
        if refused != (self.code is not None) or (refused and not self.message):
            raise ValueError("rejected and conflict results carry a code and message; others none")
        return self


class PushResponse(BaseModel):
    model_config = _FROZEN

    results: tuple[OpResult, ...]
    station_last_seq: int = Field(ge=0)  # highest seq the server holds for this station, gap-free


# ── pull ────────────────────────────────────────────────────────────────────────────────

# Opaque to the station, which stores it and sends it back. Commit-ordered: the server
# encodes (xid, id) on PostgreSQL and serves only changes from transactions older than
# every one still running; on SQLite writers are serialised, so the id alone is enough.
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_.:=-]+$")]

# A page with more after it names its ``next_cursor`` in this response header too, so the
# station can ask for the next page as soon as this one arrives, before reading it (the
# server builds one page while the station applies the one before). The body stays the
# authority: a station whose parsed page says otherwise asks again from the body's cursor.
NEXT_CURSOR_HEADER = "SSB-Next-Cursor"


class PullRequest(BaseModel):
    model_config = _FROZEN

    cursor: Cursor | None = None  # None: from the beginning
    limit: int = Field(default=DEFAULT_PULL_LIMIT, ge=1, le=MAX_PULL_LIMIT)


class ChangeKind(StrEnum):
    DECISION = "decision"  # DecisionRecord: a decision on one of the station's cases
    CASE_STATUS = "case_status"  # CaseStatusRecord
    CATALOG = "catalog"  # reference data, shaped by schema.catalog
    RATES = "rates"
    DIVISIONS = "divisions"
    WORKDAYS = "workdays"  # loaded holiday schedules, shaped as schema.workdays.WorkdayOverrides
    STAFF = "staff"  # StaffAccount of this station
    PERSON = "person"  # PersonRecord in the station's township
    UNIT = "unit"  # UnitRecord
    TOWNSHIP_DUES = "township_dues"  # TownshipDuesRecord: flexible workers due or in arrears
    STATION = "station"  # StationRecord: the receiving station's own name and public contact
    STATION_KEYS = "station_keys"  # schema.document_seal.StationKeysRecord: every station's keys
    RECEIPT_STOCK = "receipt_stock"  # ReceiptStockRecord: the receiving station's 票据号段
    AUDIT_CHECKPOINT = "audit_checkpoint"  # schema.audit_checkpoint.SignedCheckpoint: the city's audit head
    START_OVER = "start_over"  # drop reference data and pull again from cursor None


class Change(BaseModel):
    model_config = _FROZEN

    kind: ChangeKind
    key: Annotated[str, StringConstraints(min_length=1, max_length=200)]  # case id, username …
    version: int = Field(ge=0)
    data: dict[str, JsonValue] = Field(default_factory=dict)  # the record's JSON dump
    deleted: bool = False


class StationDigest(BaseModel):
    """What the server holds for the station; equal on both sides means in step."""

    model_config = _FROZEN

    catalog_version: str
    catalog_digest: Sha256Hex
    rates_digest: Sha256Hex
    staff_digest: Sha256Hex  # schema.registry_digest over (username, version)
    registry_count: int = Field(ge=0)
    registry_digest: Sha256Hex  # schema.registry_digest over person and unit (key, version)


class PullPage(BaseModel):
    model_config = _FROZEN

    changes: tuple[Change, ...]
    next_cursor: Cursor | None
    has_more: bool
    start_over: bool = False  # the cursor is unusable (e.g. compacted): pull again from None
    digest: StationDigest | None = None  # on the last page: compare, start over if different
    # On the last page: the highest seq the server holds for the station. Below what the
    # station saw acknowledged means the server was restored from a backup: resend the rest.
    station_last_seq: int | None = Field(default=None, ge=0)


# ── enrolment and attachments ───────────────────────────────────────────────────────────

# A PEM certificate or certificate signing request; its content is the server's to check.
PemText = Annotated[
    str, StringConstraints(min_length=64, max_length=8192, pattern=r"^-----BEGIN [A-Z ]+-----")
]


class DocumentCertificateRequest(BaseModel):
    """A station asks for its document-signing certificate (the signature on its PDF receipts):
    a CSR over its ECDSA P-256 key, signed by that key; the city writes the name itself."""

    model_config = _FROZEN

    csr: PemText


class DocumentCertificate(BaseModel):
    """The station's document-signing certificate and the city document CA that issued it."""

    model_config = _FROZEN

    certificate: PemText
    ca: PemText


class EnrolRequest(BaseModel):
    model_config = _FROZEN

    enrolment_code: Annotated[str, StringConstraints(min_length=6, max_length=64, strip_whitespace=True)]
    public_key: str  # Ed25519 raw 32 bytes, standard base64
    station_name: Name | None = None
    client_version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    document_csr: PemText | None = None  # for the document-signing certificate (older clients: none)

    @field_validator("public_key")
    @classmethod
    def _raw_ed25519(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except binascii.Error:
            raise ValueError("public_key is not base64") from None
        if len(raw) != 32:
            raise ValueError("public_key must be 32 raw Ed25519 bytes")
        return value

    def public_key_bytes(self) -> bytes:
        return base64.b64decode(self.public_key)


class IssuedStock(BaseModel):
    """A payment receipt number the city knows a station issued, with its case."""

    model_config = _FROZEN

    case_id: UUID
    case_number: str
    status: CaseStatus
    stock: StockRef
    applicant_name: str | None = None  # who paid: the desk finds the paper receipt by it too


class EnrolResponse(BaseModel):
    model_config = _FROZEN

    station_id: StationId
    station_code: Annotated[str, StringConstraints(pattern=r"^\d{9}-\d{2}$")]
    division_code: _Township
    catalog_version: str
    server_cert_sha256: Sha256Hex  # the station pins it (with the city CA)
    document_certificate: DocumentCertificate | None = None  # when the request carried a CSR
    # The station's last_seq before this enrolment: a PC restored from a backup numbers its new
    # operations after it (re-enrolment keeps the station's sequence). None from older servers.
    last_seq: int | None = Field(default=None, ge=0)
    # The highest 票据号码 the city knows this station issued, per series, and the receipts
    # behind them: a restored PC moves its stock past them and lists the ones it lacks.
    # None (left out) when there are none: older clients refuse a field they do not know.
    receipt_stock_used: tuple[StockRef, ...] | None = None
    receipts_issued: tuple[IssuedStock, ...] | None = None


class AttachmentStatus(BaseModel):
    """How much of an attachment the server holds: the station resumes from received_bytes."""

    model_config = _FROZEN

    sha256: Sha256Hex
    size: int = Field(gt=0, le=MAX_ATTACHMENT_BYTES)
    received_bytes: int = Field(ge=0)
    complete: bool

    @model_validator(mode="after")
    def _within_size(self) -> Self:
        if self.received_bytes > self.size or self.complete != (self.received_bytes == self.size):
            raise ValueError("received_bytes must be <= size, and complete exactly when equal")
        return self
