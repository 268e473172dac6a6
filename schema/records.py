"""Typed records that travel down to stations inside pull ``Change.data``.

``CHANGE_RECORDS`` maps each record-bearing ``ChangeKind`` to its model, so a station can
validate what it applies (``CHANGE_RECORDS[change.kind].model_validate(change.data)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from schema.cases import Name, StationId, Username
from schema.lifecycle import CaseStatus
from schema.protocol import ChangeKind
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


class PersonRecord(BaseModel):
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


class UnitRecord(BaseModel):
    model_config = _FROZEN

    uscc: str
    name: Name
    county: _County
    township: _Township | None = None
    address: _Text | None = None
    phone: str | None = None
    version: int = Field(ge=1)


CHANGE_RECORDS: Mapping[ChangeKind, type[BaseModel]] = {
    ChangeKind.DECISION: DecisionRecord,
    ChangeKind.CASE_STATUS: CaseStatusRecord,
    ChangeKind.STAFF: StaffAccount,
    ChangeKind.PERSON: PersonRecord,
    ChangeKind.UNIT: UnitRecord,
}
