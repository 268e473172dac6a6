"""Typed records that travel down to stations inside pull ``Change.data``.

``CHANGE_RECORDS`` maps each record-bearing ``ChangeKind`` to its model, so a station can
validate what it applies (``CHANGE_RECORDS[change.kind].model_validate(change.data)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from schema.cases import Name, StationId, Username
from schema.lifecycle import CaseStatus
from schema.protocol import ChangeKind
from schema.receipt_numbers import ReceiptRange, first_overlap
from schema.vocabulary import InsuranceType, Role, Section

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_Text = Annotated[str, StringConstraints(max_length=2000)]
_County = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
_Township = Annotated[str, StringConstraints(pattern=r"^\d{9}$")]


class DecisionRecord(BaseModel):
    model_config = _FROZEN

    case_id: UUID
    case_number: str
    status: Literal[CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.RETURNED]
    reason: _Text = ""  # required in practice for reject and return; what to supplement
    decided_at: AwareDatetime
    decided_by: Username
    section: Section
    version: int = Field(ge=1)


class ConflictNote(BaseModel):
    """A case sent to 综合业务科 because its registry change met newer data, and the outcome."""

    model_config = _FROZEN

    reason: Annotated[str, StringConstraints(max_length=40)]  # stale_version | row_missing | row_exists
    resolution: Literal["server", "station"] | None = None  # None: still open
    resolved_at: AwareDatetime | None = None
    refund: bool = False  # the desk money goes back to the applicant (the change was not made)


class CaseStatusRecord(BaseModel):
    model_config = _FROZEN

    case_id: UUID
    case_number: str
    status: CaseStatus
    section: Section | None = None
    due_date: date | None = None  # from the acceptance date the server trusts
    due_provisional: bool = False  # counted on the provisional holiday calendar: show 暂定
    version: int = Field(ge=1)
    conflict: ConflictNote | None = None  # set while in conflict handling and once it is resolved


class StaffAccount(BaseModel):
    model_config = _FROZEN

    username: Username
    display_name: Name
    role: Role
    station_id: StationId | None = None
    # schema.passwords' self-describing "scrypt$…" string; the pattern refuses a bare password.
    password_hash: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+\$\S{16,}$")]
    disabled: bool = False
    version: int = Field(ge=1)
    # A one-time password (new account, reset): the station makes the clerk change it at login.
    must_change_password: bool = False


class EnrolmentRecord(BaseModel):
    model_config = _FROZEN

    insurance: InsuranceType
    county: _County  # 参保地
    status: Literal["active", "suspended", "stopped"]  # 正常参保 / 暂停缴费 / 终止参保
    since: date
    unit_uscc: str | None = None
    version: int = Field(ge=1)


_Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]  # YYYY-MM


class BenefitRecord(BaseModel):
    """A monthly benefit as the desk needs it (G06/G24): what, how much, whether it is paid."""

    model_config = _FROZEN

    kind: Annotated[str, StringConstraints(max_length=32)]  # e.g. employee_pension
    monthly_amount: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
    status: Literal["in_payment", "suspended", "ended"]  # 发放中 / 暂停 / 终止
    start_month: _Month
    end_month: _Month | None = None  # the last month paid, once ended


class LastContribution(BaseModel):
    """The latest month paid for one insurance (net of refunds). An archived year without
    its months says the year only (``month`` = ``YYYY``)."""

    model_config = _FROZEN

    insurance: InsuranceType
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$")]


CardState = Literal["applied", "in_production", "active", "temp_lost", "lost", "cancelled"]


class PersonRecord(BaseModel):
    """A person of the township's slice: the registry row, and the records the desk needs.

    ``version`` is the registry row's version (what a registry-changing case is based on);
    ``records_version`` counts changes of the carried records (benefits, card, contributions,
    status), so a payment at the desk never makes a later change of the person stale.
    Stations keep the record with the higher :attr:`slice_version`.
    """

    model_config = _FROZEN

    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dX]$")]
    name: Name
    sex: Literal["M", "F"]
    birth_date: date
    township: _Township
    phone: str | None = None
    address: _Text | None = None
    version: int = Field(ge=1)
    enrolments: tuple[EnrolmentRecord, ...] = ()
    residence: _Township | None = None  # 经常居住地, apart from the 户籍 (township)
    status: Literal["alive", "deceased"] = "alive"
    death_date: date | None = None
    benefits: tuple[BenefitRecord, ...] = ()
    card_status: CardState | None = None  # the latest card's; None: no card on record
    last_contributions: tuple[LastContribution, ...] = ()
    records_version: int = Field(default=0, ge=0)
    # 稽核 (docs/fraud_checks.md): the desk warns while a case about the person is open, and
    # when another department reported a death the city has not yet recorded.
    audit_case_open: bool = False
    death_reported: date | None = None

    @property
    def slice_version(self) -> int:
        """Grows with every change of the row or of its records (both counters only grow)."""
        return self.version + self.records_version


class UnitRecord(BaseModel):
    model_config = _FROZEN

    uscc: str
    name: Name
    county: _County
    township: _Township | None = None
    address: _Text | None = None
    phone: str | None = None
    version: int = Field(ge=1)


_Fen = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class DueRecord(BaseModel):
    """A flexible worker of the township who owes (for the station's 催缴名单)."""

    model_config = _FROZEN

    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dX]$")]
    name: Name
    current_month: _Month | None = None  # planned, unpaid, its due date not yet passed
    current_amount: _Fen = Decimal("0.00")
    due_date: date | None = None
    arrears_months: tuple[_Month, ...] = ()
    arrears_amount: _Fen = Decimal("0.00")
    late_fee: _Fen = Decimal("0.00")  # 滞纳金 computed to ``TownshipDuesRecord.as_of``


# A township list's version is the seconds since this moment at which the city built it, so
# versions only grow and the station can tell the build time from the version alone.
DUES_VERSION_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def dues_version(built_at: datetime) -> int:
    """The version of a township list built at ``built_at`` (always ≥ 1)."""
    return max(int((built_at - DUES_VERSION_EPOCH).total_seconds()), 1)


def dues_built_at(version: int) -> datetime:
    """When the city built the list of ``version`` (UTC)."""
    return DUES_VERSION_EPOCH + timedelta(seconds=version)


class TownshipDuesRecord(BaseModel):
    """The whole list of one township, sent again (whole) whenever it is refreshed; stations
    keep the record with the higher (or equal) version."""

    model_config = _FROZEN

    township: _Township
    as_of: date  # the day the amounts and late fees are computed for
    version: int = Field(ge=1)
    items: tuple[DueRecord, ...] = ()


class StationRecord(BaseModel):
    """The receiving station as the city registered it: printed on its documents. ``phone``
    and ``address`` are None until the city sets them (``sync-server station contact``)."""

    model_config = _FROZEN

    station_id: StationId
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    phone: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    address: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    version: int = Field(ge=0)


class ReceiptStockRecord(BaseModel):
    """Every receipt range the city allocated to the receiving station, in allocation order
    (``schema.receipt_numbers``); sent whole after each allocation. ``version`` is the newest
    range's id (0: none yet), so a station keeps the record with the higher version."""

    model_config = _FROZEN

    station_id: StationId
    ranges: tuple[ReceiptRange, ...] = ()
    version: int = Field(ge=0)

    @model_validator(mode="after")
    def _apart(self) -> Self:
        if first_overlap(self.ranges) is not None:
            raise ValueError("receipt ranges of one series overlap")
        return self


CHANGE_RECORDS: Mapping[ChangeKind, type[BaseModel]] = {
    ChangeKind.DECISION: DecisionRecord,
    ChangeKind.CASE_STATUS: CaseStatusRecord,
    ChangeKind.STAFF: StaffAccount,
    ChangeKind.PERSON: PersonRecord,
    ChangeKind.UNIT: UnitRecord,
    ChangeKind.TOWNSHIP_DUES: TownshipDuesRecord,
    ChangeKind.STATION: StationRecord,
    ChangeKind.RECEIPT_STOCK: ReceiptStockRecord,
}
