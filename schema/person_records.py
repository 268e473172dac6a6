"""The records of the city's one database (一库), as plain frozen models.

A person's standing is what these rows say: enrolments, contribution records (缴费记录),
the personal account (个人账户), benefits (待遇), one-off payables, social security cards
(社保卡) and transfers (转移接续). The server keeps them in tables of the same names
(``sync_server/db/tables.py``); :class:`PersonRecords` is one person's slice of them.
Years, the average contribution index and the account balance are *derived* from these
rows (``schema.record_derivations``), never typed in.

Money is ``Decimal`` yuan to the fen. Contribution rows may be negative (a refund row
cancels a month), so they use :data:`SignedMoney`; amounts that are paid use ``Money``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
)

from schema.cases import Money, Name
from schema.identifiers import Sex
from schema.vocabulary import InsuranceType

_FROZEN = ConfigDict(frozen=True, extra="forbid")


def _no_float(value: object) -> object:
    if isinstance(value, float):  # a float has already lost the fen
        raise ValueError("money must be a decimal string, not a float")
    return value


SignedMoney = Annotated[Decimal, Field(max_digits=14, decimal_places=2), BeforeValidator(_no_float)]
# A contribution index (缴费指数) and sums of them: four places.
IndexValue = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4), BeforeValidator(_no_float)]
Rate = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=6), BeforeValidator(_no_float)]
Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]  # YYYY-MM
IdNumber = Annotated[str, StringConstraints(pattern=r"^\d{17}[\dX]$")]
UsccText = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")]
County = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]  # 511100 is 市本级
Township = Annotated[str, StringConstraints(pattern=r"^\d{9}$")]
CaseRef = Annotated[str, StringConstraints(max_length=36)]
_Short = Annotated[str, StringConstraints(max_length=200)]


class PersonStatus(StrEnum):
    ALIVE = "alive"  # 正常
    DECEASED = "deceased"  # 已死亡


class UnitStatus(StrEnum):
    ACTIVE = "active"  # 正常
    CLOSED = "closed"  # 已注销


class StopReason(StrEnum):
    """Why an enrolment stopped (停保原因)."""

    LEFT_UNIT = "left_unit"  # 离职（减员）
    RETIRED = "retired"  # 退休
    DECEASED = "deceased"  # 死亡
    TRANSFERRED_OUT = "transferred_out"  # 转出
    UNIT_CLOSED = "unit_closed"  # 单位注销
    OTHER = "other"  # 其他


class ContributionSource(StrEnum):
    DESK = "desk"  # 窗口缴费
    UNIT_DECLARATION = "unit_declaration"  # 单位申报
    BACK_PAYMENT = "back_payment"  # 补缴
    REFUND = "refund"  # 退费（负数行）
    TRANSFER_IN = "transfer_in"  # 转入
    FUND_PAID = "fund_paid"  # 基金代缴（失业保险基金为领金人员缴纳）


class BenefitKind(StrEnum):
    EMPLOYEE_PENSION = "employee_pension"  # 职工基本养老金
    RESIDENT_PENSION = "resident_pension"  # 城乡居民养老金
    UNEMPLOYMENT_BENEFIT = "unemployment_benefit"  # 失业保险金
    DISABILITY_ALLOWANCE = "disability_allowance"  # 伤残津贴
    SURVIVOR_PENSION = "survivor_pension"  # 供养亲属抚恤金
    ILLNESS_DISABILITY_ALLOWANCE = "illness_disability_allowance"  # 病残津贴
    NURSING_ALLOWANCE = "nursing_allowance"  # 生活护理费
    SURVIVOR_ALLOWANCE = "survivor_allowance"  # 遗属待遇（企业职工养老保险）


class BenefitStatus(StrEnum):
    IN_PAYMENT = "in_payment"  # 发放中
    SUSPENDED = "suspended"  # 暂停
    ENDED = "ended"  # 终止


class PayableKind(StrEnum):
    FUNERAL_GRANT = "funeral_grant"  # 丧葬补助金
    SURVIVOR_LUMP_SUM = "survivor_lump_sum"  # 一次性抚恤金
    WORK_INJURY_LUMP_SUM = "work_injury_lump_sum"  # 一次性工亡补助金
    DISABILITY_LUMP_SUM = "disability_lump_sum"  # 一次性伤残补助金
    ACCOUNT_REFUND = "account_refund"  # 个人账户余额退还
    FEE_REFUND = "fee_refund"  # 退费（应退款）
    OVERPAYMENT_RECOVERY = "overpayment_recovery"  # 多发待遇追回
    CLAIM_PAYMENT = "claim_payment"  # 费用报销、补助（一次性支付）


class PayableDirection(StrEnum):
    PAY = "pay"  # 应付
    RECOVER = "recover"  # 应追回


class PayableStatus(StrEnum):
    OPEN = "open"  # 未结清
    PAID = "paid"  # 已结清
    CANCELLED = "cancelled"  # 已取消


class CardStatus(StrEnum):
    APPLIED = "applied"  # 申领
    IN_PRODUCTION = "in_production"  # 制卡中
    ACTIVE = "active"  # 已启用
    TEMP_LOST = "temp_lost"  # 临时挂失
    LOST = "lost"  # 正式挂失
    CANCELLED = "cancelled"  # 已注销


class TransferDirection(StrEnum):
    IN = "in"  # 转入
    OUT = "out"  # 转出


# The word people see for each value, one table per vocabulary ("active" is 正常 for a unit
# and 已启用 for a card).
_LABELS: dict[type[StrEnum], dict[str, str]] = {
    PersonStatus: {"alive": "正常", "deceased": "已死亡"},
    UnitStatus: {"active": "正常", "closed": "已注销"},
    StopReason: {
        "left_unit": "离职减员",
        "retired": "退休",
        "deceased": "死亡",
        "transferred_out": "转出",
        "unit_closed": "单位注销",
        "other": "其他",
    },
    ContributionSource: {
        "desk": "窗口缴费",
        "unit_declaration": "单位申报",
        "back_payment": "补缴",
        "refund": "退费",
        "transfer_in": "转入",
        "fund_paid": "基金代缴",
    },
    BenefitKind: {
        "employee_pension": "职工基本养老金",
        "resident_pension": "城乡居民养老金",
        "unemployment_benefit": "失业保险金",
        "disability_allowance": "伤残津贴",
        "survivor_pension": "供养亲属抚恤金",
        "illness_disability_allowance": "病残津贴",
        "nursing_allowance": "生活护理费",
        "survivor_allowance": "遗属待遇",
    },
    BenefitStatus: {"in_payment": "发放中", "suspended": "暂停", "ended": "终止"},
    PayableKind: {
        "funeral_grant": "丧葬补助金",
        "survivor_lump_sum": "一次性抚恤金",
        "work_injury_lump_sum": "一次性工亡补助金",
        "disability_lump_sum": "一次性伤残补助金",
        "account_refund": "个人账户余额退还",
        "fee_refund": "退费",
        "overpayment_recovery": "多发待遇追回",
        "claim_payment": "费用报销或补助",
    },
    PayableDirection: {"pay": "应付", "recover": "应追回"},
    PayableStatus: {"open": "未结清", "paid": "已结清", "cancelled": "已取消"},
    CardStatus: {
        "applied": "申领",
        "in_production": "制卡中",
        "active": "已启用",
        "temp_lost": "临时挂失",
        "lost": "正式挂失",
        "cancelled": "已注销",
    },
    TransferDirection: {"in": "转入", "out": "转出"},
}


def record_label(value: StrEnum) -> str:
    """The Chinese word for a record value (``record_label(CardStatus.ACTIVE)`` → 已启用)."""
    return _LABELS[type(value)][value.value]


class RegistryPerson(BaseModel):
    model_config = _FROZEN

    id_number: IdNumber
    name: Name
    sex: Sex
    birth_date: date
    township: Township | None = None  # 户籍
    residence: Township | None = None  # 经常居住地
    phone: str | None = None
    address: _Short | None = None
    status: PersonStatus = PersonStatus.ALIVE
    death_date: date | None = None
    version: int = Field(default=1, ge=1)


class RegistryUnit(BaseModel):
    model_config = _FROZEN

    uscc: UsccText
    name: Name
    county: County  # 511100: 市本级
    township: Township | None = None
    risk_class: int | None = Field(default=None, ge=1, le=8)  # 工伤保险行业风险类别
    status: UnitStatus = UnitStatus.ACTIVE
    closed_on: date | None = None
    version: int = Field(default=1, ge=1)


class Enrolment(BaseModel):
    model_config = _FROZEN

    insurance: InsuranceType
    county: County  # 参保地
    kind: Literal["employee", "flexible", "resident", "retired"]
    status: Literal["active", "suspended", "stopped"]
    unit_uscc: UsccText | None = None
    since: date
    until: date | None = None
    stop_reason: StopReason | None = None
    version: int = Field(default=1, ge=1)


class PersonChange(BaseModel):
    """One changed field of a person, with the old value kept (C008's 关键信息变更)."""

    model_config = _FROZEN

    id_number: IdNumber
    field: Annotated[str, StringConstraints(max_length=32)]
    old_value: str | None
    new_value: str | None
    case_id: CaseRef | None = None
    source: Literal["desk", "review", "import", "demo"]
    at: AwareDatetime


class ContributionMonth(BaseModel):
    """One contribution record: a person × month × insurance, split as the rate book says."""

    model_config = _FROZEN

    id_number: IdNumber
    insurance: InsuranceType
    month: Month
    base: SignedMoney  # 缴费基数
    employer_part: SignedMoney  # 单位缴费
    personal_part: SignedMoney  # 个人缴费
    account_part: SignedMoney  # 记入个人账户
    source: ContributionSource
    case_id: CaseRef | None = None
    county: County
    unit_uscc: UsccText | None = None


class ContributionYearSummary(BaseModel):
    """An archived year: the same figures the year's monthly rows give (record_derivations)."""

    model_config = _FROZEN

    id_number: IdNumber
    insurance: InsuranceType
    year: int = Field(ge=1950, le=2200)
    months: int = Field(ge=0, le=12)
    base_sum: SignedMoney
    employer_sum: SignedMoney
    personal_sum: SignedMoney
    account_sum: SignedMoney
    index_sum: IndexValue
    county: County


class AccountYear(BaseModel):
    """A year of the personal account: closing = opening + credited + interest."""

    model_config = _FROZEN

    id_number: IdNumber
    insurance: InsuranceType
    year: int = Field(ge=1950, le=2200)
    opening: SignedMoney
    credited: SignedMoney
    interest: SignedMoney
    rate: Rate  # 记账利率 of the year
    closing: SignedMoney


class Benefit(BaseModel):
    model_config = _FROZEN

    id: int | None = None  # None until written
    id_number: IdNumber
    kind: BenefitKind
    monthly_amount: Money
    calculation: dict[str, JsonValue]  # inputs and steps, so a reviewer sees how it came about
    start_month: Month
    end_month: Month | None = None
    status: BenefitStatus = BenefitStatus.IN_PAYMENT
    status_reason: _Short | None = None
    paid_through: Month | None = None  # the last month already paid out
    bank_name: _Short | None = None
    bank_account: Annotated[str, StringConstraints(pattern=r"^\d{8,32}$")] | None = None
    county: County
    case_id: CaseRef | None = None
    version: int = Field(default=1, ge=1)


class Payable(BaseModel):
    model_config = _FROZEN

    id: int | None = None
    id_number: IdNumber | None = None
    unit_uscc: UsccText | None = None
    payee_name: Name
    kind: PayableKind
    amount: Money
    direction: PayableDirection
    status: PayableStatus = PayableStatus.OPEN
    case_id: CaseRef | None = None
    county: County
    fund: Annotated[str, StringConstraints(max_length=24)]  # an InsuranceType, or "suspense"
    detail: dict[str, JsonValue] = Field(default_factory=dict)
    created_at: AwareDatetime | None = None
    settled_at: AwareDatetime | None = None


class CardEvent(BaseModel):
    model_config = _FROZEN

    status: CardStatus
    at: AwareDatetime
    case_id: CaseRef | None = None


class Card(BaseModel):
    model_config = _FROZEN

    id: int | None = None
    id_number: IdNumber
    card_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{6,20}$")] | None = None
    status: CardStatus
    bank_name: _Short | None = None
    history: tuple[CardEvent, ...] = ()
    version: int = Field(default=1, ge=1)


class Transfer(BaseModel):
    model_config = _FROZEN

    id: int | None = None
    id_number: IdNumber
    direction: TransferDirection
    insurance: InsuranceType
    region_from: _Short
    region_to: _Short
    months: int = Field(ge=0)
    pooled_amount: Money  # 统筹基金
    account_amount: Money  # 个人账户
    county: County
    case_id: CaseRef | None = None
    at: AwareDatetime


class Determination(BaseModel):
    """A decision a bureau keeps as a record (工伤认定, 劳动能力鉴定, 备案, 视同缴费年限…):
    of a person or of a unit, with its result and how long it holds."""

    model_config = _FROZEN

    id: int | None = None
    id_number: IdNumber | None = None
    unit_uscc: UsccText | None = None
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,32}$")]  # see DETERMINATION_KINDS
    item_code: Annotated[str, StringConstraints(pattern=r"^(C\d{3}|G\d{2})$")]
    result: dict[str, JsonValue] = Field(default_factory=dict)
    valid_from: date
    valid_until: date | None = None
    county: County
    case_id: CaseRef | None = None
    created_at: AwareDatetime | None = None


class PersonRecords(BaseModel):
    """One person's slice of the one database: what effects read and the person page shows."""

    model_config = _FROZEN

    person: RegistryPerson
    enrolments: tuple[Enrolment, ...] = ()
    contributions: tuple[ContributionMonth, ...] = ()
    year_summaries: tuple[ContributionYearSummary, ...] = ()
    accounts: tuple[AccountYear, ...] = ()
    benefits: tuple[Benefit, ...] = ()
    payables: tuple[Payable, ...] = ()
    cards: tuple[Card, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    changes: tuple[PersonChange, ...] = ()
    determinations: tuple[Determination, ...] = ()

    def enrolment(self, insurance: InsuranceType) -> Enrolment | None:
        return next((e for e in self.enrolments if e.insurance == insurance), None)

    def current_benefit(self, kind: BenefitKind) -> Benefit | None:
        """The benefit of this kind not yet ended (at most one at a time)."""
        return next((b for b in self.benefits if b.kind == kind and b.status != BenefitStatus.ENDED), None)

    def current_card(self) -> Card | None:
        """The card not cancelled, if any (a new card may be applied for once it is)."""
        return next((c for c in reversed(self.cards) if c.status != CardStatus.CANCELLED), None)
