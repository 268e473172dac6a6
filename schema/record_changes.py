"""What a finished item does to the records: typed changes, produced pure, written once.

The effect functions (one per catalog item's declared effect) read a person's
:class:`~schema.person_records.PersonRecords` and return a tuple of these changes; the
server's records writer (``sync_server/services/records/write.py``) applies them in the
transaction that finishes the case, with a :class:`ChangeContext` saying which case, who
and when. An effect never writes, and the writer never decides: a return or rejection
simply produces no changes.

A benefit is addressed by person and kind (at most one of a kind is not yet ended); a
card by person (the one card not cancelled).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from schema.cases import Money, Name
from schema.person_records import (
    AccountYear,
    Benefit,
    BenefitKind,
    CardStatus,
    ContributionMonth,
    County,
    Determination,
    IdNumber,
    Month,
    Payable,
    StopReason,
    Township,
    Transfer,
    UsccText,
)
from schema.vocabulary import InsuranceType

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_Reason = Annotated[str, StringConstraints(max_length=200)]

# The person fields a change may touch (persons table columns), and the words for them.
PERSON_FIELDS: dict[str, str] = {
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "township_code": "户籍所在地",
    "residence_code": "经常居住地",
    "phone": "联系电话",
    "address": "联系地址",
    "status": "人员状态",
    "death_date": "死亡日期",
}
PersonField = Literal[
    "name", "sex", "birth_date", "township_code", "residence_code", "phone", "address", "status", "death_date"
]


class ChangeContext(BaseModel):
    """Where a batch of changes comes from; stamped on every row the writer touches."""

    model_config = _FROZEN

    case_id: Annotated[str, StringConstraints(max_length=36)] | None
    source: Literal["desk", "review", "import", "demo"]  # desk: general item on arrival
    actor: Annotated[str, StringConstraints(max_length=64)]
    at: AwareDatetime


class PersonChanged(BaseModel):
    """One field of a person set to a new value (text; dates as ISO); the old one is kept."""

    model_config = _FROZEN
    change: Literal["person_changed"] = "person_changed"
    id_number: IdNumber
    field: PersonField
    value: str | None


class EnrolmentStarted(BaseModel):
    """Start (or restart) an insurance for a person; an existing stopped row is reopened."""

    model_config = _FROZEN
    change: Literal["enrolment_started"] = "enrolment_started"
    id_number: IdNumber
    insurance: InsuranceType
    county: County
    kind: Literal["employee", "flexible", "resident", "retired"]
    unit_uscc: UsccText | None = None
    since: date


class EnrolmentStopped(BaseModel):
    model_config = _FROZEN
    change: Literal["enrolment_stopped"] = "enrolment_stopped"
    id_number: IdNumber
    insurance: InsuranceType
    until: date
    reason: StopReason


class EnrolmentSuspended(BaseModel):
    """暂停缴费 (active → suspended) or its end (``resumed=True``: suspended → active)."""

    model_config = _FROZEN
    change: Literal["enrolment_suspended"] = "enrolment_suspended"
    id_number: IdNumber
    insurance: InsuranceType
    resumed: bool = False


class ContributionsWritten(BaseModel):
    """Contribution records to add (a refund is rows with negative parts)."""

    model_config = _FROZEN
    change: Literal["contributions_written"] = "contributions_written"
    rows: tuple[ContributionMonth, ...] = Field(min_length=1)


class AccountYearsWritten(BaseModel):
    """Yearly account statements to insert or replace (person × insurance × year)."""

    model_config = _FROZEN
    change: Literal["account_years_written"] = "account_years_written"
    rows: tuple[AccountYear, ...] = Field(min_length=1)


class BenefitGranted(BaseModel):
    model_config = _FROZEN
    change: Literal["benefit_granted"] = "benefit_granted"
    benefit: Benefit


class BenefitEnded(BaseModel):
    """终止: the last month paid is ``end_month`` (e.g. the month of death)."""

    model_config = _FROZEN
    change: Literal["benefit_ended"] = "benefit_ended"
    id_number: IdNumber
    kind: BenefitKind
    end_month: Month
    reason: _Reason


class BenefitSuspended(BaseModel):
    """暂停 (``resumed=False``) or 恢复 (``resumed=True``) a benefit in payment."""

    model_config = _FROZEN
    change: Literal["benefit_suspended"] = "benefit_suspended"
    id_number: IdNumber
    kind: BenefitKind
    reason: _Reason
    resumed: bool = False


class BenefitAdjusted(BaseModel):
    """A benefit not ended gets a new monthly amount from ``from_month``; the calculation
    behind it (with the previous amount) replaces the old one."""

    model_config = _FROZEN
    change: Literal["benefit_adjusted"] = "benefit_adjusted"
    id_number: IdNumber
    kind: BenefitKind
    monthly_amount: Money
    from_month: Month
    calculation: dict[str, JsonValue]


class DeterminationRecorded(BaseModel):
    """A determination (认定、鉴定、备案结论) kept in the records."""

    model_config = _FROZEN
    change: Literal["determination_recorded"] = "determination_recorded"
    determination: Determination


class BankAccountChanged(BaseModel):
    """G25: the account every benefit of the person is paid into."""

    model_config = _FROZEN
    change: Literal["bank_account_changed"] = "bank_account_changed"
    id_number: IdNumber
    bank_name: _Reason
    bank_account: Annotated[str, StringConstraints(pattern=r"^\d{8,32}$")]


class PayableCreated(BaseModel):
    model_config = _FROZEN
    change: Literal["payable_created"] = "payable_created"
    payable: Payable


class CardStatusChanged(BaseModel):
    """A card's new status; ``applied`` opens a new card when none is current."""

    model_config = _FROZEN
    change: Literal["card_status_changed"] = "card_status_changed"
    id_number: IdNumber
    status: CardStatus
    card_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{6,20}$")] | None = None
    bank_name: _Reason | None = None


class TransferRecorded(BaseModel):
    model_config = _FROZEN
    change: Literal["transfer_recorded"] = "transfer_recorded"
    transfer: Transfer


class UnitOpened(BaseModel):
    model_config = _FROZEN
    change: Literal["unit_opened"] = "unit_opened"
    uscc: UsccText
    name: Name
    county: County
    township: Township | None = None
    risk_class: int | None = Field(default=None, ge=1, le=8)


class UnitClosed(BaseModel):
    model_config = _FROZEN
    change: Literal["unit_closed"] = "unit_closed"
    uscc: UsccText
    closed_on: date


RecordChange = Annotated[
    PersonChanged
    | EnrolmentStarted
    | EnrolmentStopped
    | EnrolmentSuspended
    | ContributionsWritten
    | AccountYearsWritten
    | BenefitGranted
    | BenefitEnded
    | BenefitSuspended
    | BenefitAdjusted
    | DeterminationRecorded
    | BankAccountChanged
    | PayableCreated
    | CardStatusChanged
    | TransferRecorded
    | UnitOpened
    | UnitClosed,
    Field(discriminator="change"),
]


class RecordChanges(BaseModel):
    """A list of changes as JSON (for the case page's preview and the audit detail)."""

    model_config = _FROZEN
    changes: tuple[RecordChange, ...] = ()
