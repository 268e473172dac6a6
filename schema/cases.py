"""A case as it travels from the station to the server.

The station builds a :class:`CasePayload` when the clerk finishes a general item or accepts
a complex one; the same model is the payload of the ``case_accept`` operation. Values are
normalised (full-width digits, stray spaces) before they are checked, never rejected for
that. Only the wire format is checked here: check digits, catalog rules and fee maths
belong to their own modules, and the server runs them again on what it receives.

Money is a :data:`Money`: a ``Decimal`` in yuan with at most two places (fen), written as
a JSON *string* and refused as a float, so no amount ever passes through binary floating
point.

Case numbers need no coordination (docs/design.md §4): station code + acceptance date + the
station's own daily counter::

    511102004-00-20261126-0007     complex item, acceptance receipt (受理回执)
    511102004-00-20261126-W0007    general item, completion slip (办结单); W = 完结

The station code is the 9-digit township (street) division code and a 2-digit service
point number: ``00`` the township station itself, ``01``-``99`` its community points.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, NamedTuple, Self, get_args
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    model_validator,
)

from schema.errors import ContractError
from schema.fees import Contribution, FeeLine
from schema.normalize import clean_text, compact_code, to_half_width
from schema.receipt_numbers import StockRef
from schema.vocabulary import ApplicantKind, FeeKind, Tier

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MediaType = Literal["image/jpeg", "image/png", "application/pdf"]
ALLOWED_MEDIA_TYPES: frozenset[str] = frozenset(get_args(MediaType))
GENERAL_MARKER = "W"  # in a case number's counter part: a general item finished at the desk
MAX_DAILY_COUNTER = 9999

_STATION_CODE = r"\d{9}-\d{2}"
_CASE_NUMBER = re.compile(
    rf"^(?P<station>{_STATION_CODE})-(?P<day>\d{{8}})-(?P<marker>W?)(?P<counter>\d{{4}})$"
)


class CaseNumberError(ContractError):
    """A case number or station code is malformed."""


class CaseNumber(NamedTuple):
    station_code: str
    day: date
    counter: int
    tier: Tier


def _number_error(text: str) -> CaseNumberError:
    return CaseNumberError(
        "case_number_invalid",
        f"案件编号「{text}」格式不正确，应为“服务站编码-日期-序号”，"
        "如 511102004-00-20261126-0007。请核对回执上的编号。",
        {"value": text},
    )


def case_number(station_code: str, day: date, counter: int, *, tier: Tier = Tier.COMPLEX) -> str:
    """The human-readable number printed on the receipt or completion slip."""
    if not re.fullmatch(_STATION_CODE, station_code):
        raise CaseNumberError(
            "station_code_invalid",
            f"服务站编码「{station_code}」格式不正确，"
            "应为 9 位乡镇（街道）代码加 2 位网点号，如 511102004-00。",
            {"value": station_code},
        )
    if not 1 <= counter <= MAX_DAILY_COUNTER:
        raise CaseNumberError(
            "case_counter_out_of_range",
            f"当日序号 {counter} 超出范围（1–{MAX_DAILY_COUNTER}）。请联系综合业务科。",
            {"counter": counter},
        )
    marker = GENERAL_MARKER if tier is Tier.GENERAL else ""
    return f"{station_code}-{day:%Y%m%d}-{marker}{counter:04d}"


def parse_case_number(text: str) -> CaseNumber:
    """Split a case number typed or scanned back into its parts (full-width digits are fine)."""
    cleaned = to_half_width(text).strip().upper()
    match = _CASE_NUMBER.match(cleaned)
    if match is None or int(match["counter"]) == 0:
        raise _number_error(text)
    digits = match["day"]
    try:  # as strptime("%Y%m%d") on eight digits, without its locale look-ups
        day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise _number_error(text) from None
    tier = Tier.GENERAL if match["marker"] else Tier.COMPLEX
    return CaseNumber(match["station"], day, int(match["counter"]), tier)


def _canonical_case_number(text: str) -> str:
    try:
        parts = parse_case_number(text)
    except CaseNumberError as exc:  # pydantic reports ValueError as a validation error
        raise ValueError(exc.message) from None
    if text.isascii() and _CASE_NUMBER.fullmatch(text) and parts.day.year >= 1000:
        return text  # already in its canonical spelling (the station's own numbers always are)
    return case_number(parts.station_code, parts.day, parts.counter, tier=parts.tier)


def _no_float(value: Any) -> Any:
    # 0.1 + 0.2 is not 0.3: a float on the wire is a client bug, not an amount.
    if isinstance(value, float):
        raise ValueError("money must be a decimal string, not a float")
    return value


# Constraints before the float check: pydantic-core then applies them natively (not in Python).
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2), BeforeValidator(_no_float)]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]
StationId = Annotated[str, StringConstraints(pattern=r"^\d{9}-\d{2}$")]  # schema.divisions.StationCode
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
CodeText = Annotated[str, BeforeValidator(lambda v: compact_code(v) if isinstance(v, str) else v)]
Name = Annotated[
    str,
    BeforeValidator(lambda v: clean_text(v) if isinstance(v, str) else v),
    Field(min_length=1, max_length=100),
]
ItemCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{2,4}$")]
MaterialCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,32}$")]
CaseNumberText = Annotated[str, AfterValidator(_canonical_case_number)]

# Shapes only; check characters are verified by schema.identifiers.
_ID_NUMBER = r"^\d{17}[\dX]$"
_USCC = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Applicant(BaseModel):
    """The person or unit the case is for. A person has an ID number, a unit a USCC."""

    model_config = _FROZEN

    kind: ApplicantKind
    name: Name
    id_number: Annotated[CodeText, StringConstraints(pattern=_ID_NUMBER)] | None = None
    uscc: Annotated[CodeText, StringConstraints(pattern=_USCC)] | None = None
    phone: Annotated[CodeText, StringConstraints(pattern=r"^\+?\d{7,15}$")] | None = None

    @model_validator(mode="after")
    def _one_identifier(self) -> Self:
        if self.kind is ApplicantKind.PERSON and (self.id_number is None or self.uscc is not None):
            raise ValueError("a person applicant has id_number and no uscc")
        if self.kind is ApplicantKind.UNIT and (self.uscc is None or self.id_number is not None):
            raise ValueError("a unit applicant has uscc and no id_number")
        return self


class AttachmentRef(BaseModel):
    """A scanned material, addressed by content; the bytes travel on the attachment path."""

    model_config = _FROZEN

    sha256: Sha256Hex
    size: int = Field(gt=0, le=MAX_ATTACHMENT_BYTES)
    media_type: MediaType
    filename: str = Field(min_length=1, max_length=255, pattern=r"^[^/\\\x00-\x1f]+$")
    material_code: MaterialCode


class FeeLineWire(FeeLine):
    """A :class:`schema.fees.FeeLine` on the wire: the amount a decimal string, to the fen."""

    amount: Money


class FeeSummary(BaseModel):
    """A fee as the station computed it; the server recomputes it and must get the same lines.

    ``total`` is everything credited, government subsidy lines included, as in
    :class:`schema.fees.Contribution`; :attr:`collected` is what the applicant paid.
    """

    model_config = _FROZEN

    kind: FeeKind
    total: Money
    lines: tuple[FeeLineWire, ...] = Field(min_length=1)
    rates_version: str = ""  # lets op_fee_mismatch say which rate table the station used

    @model_validator(mode="after")
    def _lines_add_up(self) -> Self:
        if sum((line.amount for line in self.lines), Decimal(0)) != self.total:
            raise ValueError("fee lines do not add up to the total")
        return self

    @property
    def collected(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.payer == "person"), Decimal("0.00"))

    @classmethod
    def of(cls, contribution: Contribution) -> FeeSummary:
        lines = tuple(FeeLineWire.model_validate(line.model_dump()) for line in contribution.lines)
        return cls(
            kind=contribution.kind,
            total=contribution.total,
            lines=lines,
            rates_version=contribution.rates_version,
        )


class BaseEnrolment(BaseModel):
    """One enrolment as the station held it (the shape of ``schema.records.EnrolmentRecord``)."""

    model_config = _FROZEN

    insurance: Annotated[str, StringConstraints(max_length=32)]
    county: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    status: Annotated[str, StringConstraints(max_length=16)]
    since: date
    unit_uscc: str | None = None
    version: int = Field(ge=1)


class BaseRecord(BaseModel):
    """The registry values the station checked a registry-changing form against: the rows the
    item changes (its catalog ``registry_fields``), in ``schema.records.PersonRecord``'s field
    names. The console's conflict page shows it as what the station started from; nothing
    beyond those rows (no benefits, cards, contributions) travels.

    The person's fields are None when the item changes only enrolments; ``enrolments`` holds
    the held enrolments of the insurances the item changes (one it lacks: left out)."""

    model_config = _FROZEN

    version: int = Field(ge=1)  # the person row's version: the case's base_version
    id_number: Annotated[CodeText, StringConstraints(pattern=_ID_NUMBER)] | None = None
    name: Name | None = None
    sex: Literal["M", "F"] | None = None
    birth_date: date | None = None
    township: Annotated[str, StringConstraints(pattern=r"^\d{9}$")] | None = None
    phone: str | None = None  # as unconstrained as PersonRecord.phone: never refuse what the slice holds
    address: Annotated[str, StringConstraints(max_length=2000)] | None = None
    residence: Annotated[str, StringConstraints(pattern=r"^\d{9}$")] | None = None
    enrolments: tuple[BaseEnrolment, ...] = ()


class CasePayload(BaseModel):
    """Everything the station knows about a case when the clerk finishes or accepts it."""

    model_config = _FROZEN

    case_id: UUID  # client-generated
    case_number: CaseNumberText
    item_code: ItemCode
    tier: Tier
    station_id: StationId
    clerk: Username
    applicant: Applicant
    form: dict[str, JsonValue] = Field(default_factory=dict)  # normalised values; money as strings
    materials_provided: tuple[MaterialCode, ...] = ()
    attachments: tuple[AttachmentRef, ...] = ()
    fee: FeeSummary | None = None
    accepted_at: AwareDatetime  # station clock: the server records its own beside it
    # Complex items only (承诺时限). Counted with schema.workdays.due, as the server counts its
    # due date; provisional (暂定) when it reaches a year whose holiday notice is not loaded.
    promised_date: date | None = None
    promised_provisional: bool = False
    unverified_applicant: bool = False  # accepted offline without a registry match
    base_version: int | None = Field(default=None, ge=0)  # registry row version a change is based on
    # What the station held at base_version (None: no registry row, or an older station that did
    # not send it). None is left out of the operation digest, so older operations keep theirs.
    base_record: BaseRecord | None = None
    # The 票据号码 of the payment receipt issued with the case (None: nothing collected, or an
    # older station): the city keeps the highest per station and series, so a PC restored from
    # a backup never issues one again. Left out of the digest when None, as base_record.
    receipt_stock: StockRef | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # case_number is canonical by now, so its marker is read without parsing it again
        match = _CASE_NUMBER.fullmatch(self.case_number)
        marked = (
            (Tier.GENERAL if match["marker"] else Tier.COMPLEX)
            if match
            else parse_case_number(self.case_number).tier
        )
        if marked is not self.tier:
            raise ValueError("the case number's marker does not match the tier")
        if self.tier is Tier.GENERAL and self.promised_date is not None:
            raise ValueError("a general case is finished at once and has no promised_date")
        if self.promised_date is not None and self.promised_date < self.accepted_at.date():
            raise ValueError("promised_date is before the acceptance date")
        if self.base_record is not None and self.base_record.version != self.base_version:
            raise ValueError("base_record is not the version the case is based on")
        return self
