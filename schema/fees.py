"""Fee maths: what a person pays, decomposed by insurance, month, account and payer.

Rounding rule, the same everywhere: each (month, insurance, payer) amount is
``to_fen(base × rate)``; that amount is split into the pooled and personal accounts
with :func:`schema.money.allocate`, so the split sums to it exactly; every total is
the sum of its lines. :class:`Contribution` checks these sums when it is built, so a
contribution that does not add up to the fen cannot exist.

Each month is computed with the base limits and the rate table in force on its first
day (see :mod:`schema.rates` for how records carry forward).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schema.errors import FeeError
from schema.money import allocate, format_yuan, parse_money, to_fen
from schema.normalize import to_half_width
from schema.rates import BaseLimits, RateBook, load_rates
from schema.vocabulary import Account, FeeKind, InsuranceType, label

MAX_MONTHS = 36  # longest span one payment may cover; longer back-payments are split

Payer = Literal["person", "employer", "government"]
_MONTH = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FlexibleWorkerRequest(_Frozen):
    """A flexible worker pays pension (and optionally medical) on a chosen base for a span of months."""

    kind: Literal[FeeKind.FLEXIBLE_WORKER] = FeeKind.FLEXIBLE_WORKER
    base: Annotated[Decimal, Field(gt=0, decimal_places=2)]
    period_start: Annotated[str, Field(pattern=_MONTH)]
    period_end: Annotated[str, Field(pattern=_MONTH)]
    include_medical: bool = False


class ResidentPensionRequest(_Frozen):
    """A resident pays one annual grade of the urban-rural residents' pension."""

    kind: Literal[FeeKind.RESIDENT_PENSION] = FeeKind.RESIDENT_PENSION
    grade: int = Field(gt=0)
    year: int = Field(ge=2000, le=2100)


FeeRequest = Annotated[FlexibleWorkerRequest | ResidentPensionRequest, Field(discriminator="kind")]


class FeeLine(_Frozen):
    """One amount: which insurance and account it belongs to, for which month, paid by whom."""

    insurance: InsuranceType
    account: Account
    month: str | None  # 'YYYY-MM'; None for an annual contribution
    amount: Decimal
    payer: Payer


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, Decimal("0.00"))


_K = TypeVar("_K")


def _totals(pairs: Iterable[tuple[_K, Decimal]]) -> dict[_K, Decimal]:
    out: dict[_K, Decimal] = {}
    for key, amount in pairs:
        out[key] = out.get(key, Decimal("0.00")) + amount
    return out


class _Lines(_Frozen):
    """Totals of a set of lines, grouped the ways receipts and the ledger need."""

    lines: tuple[FeeLine, ...]

    def by_insurance(self) -> dict[InsuranceType, Decimal]:
        return _totals((x.insurance, x.amount) for x in self.lines)

    def by_account(self) -> dict[Account, Decimal]:
        return _totals((x.account, x.amount) for x in self.lines)

    def by_month(self) -> dict[str | None, Decimal]:
        return _totals((x.month, x.amount) for x in self.lines)

    def by_payer(self) -> dict[Payer, Decimal]:
        return _totals((x.payer, x.amount) for x in self.lines)

    def _paid_by(self, payer: Payer) -> Decimal:
        return _sum(x.amount for x in self.lines if x.payer == payer)


class Contribution(_Lines):
    """A computed contribution. ``total`` is everything credited (the sum of the lines);
    ``payer_amount`` is what the person pays at the desk, ``subsidy_amount`` what the
    government adds (residents' pension subsidy); the two sum to ``total``.

    ``base`` is the monthly base chosen (flexible workers) or the grade (residents'
    pension); ``months`` lists the 'YYYY-MM' months covered (empty for an annual grade,
    whose ``year`` is set instead).
    """

    kind: FeeKind
    total: Decimal
    months: tuple[str, ...]
    base: Decimal
    payer_amount: Decimal
    subsidy_amount: Decimal
    year: int | None = None
    rates_version: str = ""

    @model_validator(mode="after")
    def _adds_up(self) -> Self:
        if any(to_fen(x.amount) != x.amount for x in self.lines):
            raise ValueError("every line must be a whole number of fen")
        if (self.payer_amount, self.subsidy_amount) != (self._paid_by("person"), self._paid_by("government")):
            raise ValueError("the lines do not add up to the payer amount and the subsidy")
        total = _sum(x.amount for x in self.lines)
        if not total == self.total == self.payer_amount + self.subsidy_amount:
            raise ValueError("the lines do not add up to the total")
        return self


class EmployeeContribution(_Lines):
    """One month of an employee scheme on one base: the employer's and the employee's shares."""

    insurance: InsuranceType
    month: str
    base: Decimal
    risk_class: int | None
    employer_amount: Decimal
    employee_amount: Decimal
    total: Decimal

    @model_validator(mode="after")
    def _adds_up(self) -> Self:
        shares = (self._paid_by("employer"), self._paid_by("person"))
        if shares != (self.employer_amount, self.employee_amount) or sum(shares) != self.total:
            raise ValueError("the lines do not add up to the employer, employee and total amounts")
        return self


# --- periods ------------------------------------------------------------------------


def _month_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def months_in_period(period_start: str, period_end: str) -> tuple[str, ...]:
    """The 'YYYY-MM' months from start to end inclusive.

    FeeError ``fee_period_reversed`` when the start is after the end, and
    ``fee_period_too_long`` beyond :data:`MAX_MONTHS` months.
    """
    first, last = _month_index(period_start), _month_index(period_end)
    period = {"period_start": period_start, "period_end": period_end}
    if first > last:
        raise FeeError(
            "fee_period_reversed",
            f"缴费起始月 {period_start} 晚于截止月 {period_end}，请检查起止月份。",
            period,
        )
    if (count := last - first + 1) > MAX_MONTHS:
        raise FeeError(
            "fee_period_too_long",
            f"缴费期间 {period_start} 至 {period_end} 共 {count} 个月，"
            f"一次最多缴纳 {MAX_MONTHS} 个月，请分次缴纳。",
            {**period, "months": count, "max": MAX_MONTHS},
        )
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(first, last + 1))


def check_desk_months(period_start: str, period_end: str, *, accepted_on: date) -> None:
    """Months the desk may collect for a flexible worker (G12, G14): the acceptance year's only.

    ``accepted_on`` is the acceptance date (the station's today, the server's trusted
    date), never the clock. A month of a later year is refused (``fee_month_after_this_year``);
    a month of a past year is a back-payment (补缴), which is a complex item finished by
    the back office, so it is refused here too (``fee_month_of_past_year``). Months of
    the acceptance year whose limits are not yet published are fine: they use the
    carried-forward limits (see :func:`provisional_months`).
    """
    year = accepted_on.year
    period = {"period_start": period_start, "period_end": period_end, "year": year}
    if int(period_end[:4]) > year:
        raise FeeError(
            "fee_month_after_this_year",
            f"缴费截止月 {period_end} 在 {year} 年以后：窗口只能缴纳本年度（{year} 年）的月份，"
            f"请把截止月改为 {year}-12 或更早，以后的月份到时再缴。",
            {**period, "field": "period_end"},
        )
    if int(period_start[:4]) < year:
        raise FeeError(
            "fee_month_of_past_year",
            f"缴费起始月 {period_start} 属于以往年度：往年月份属于补缴，不能在本事项中缴纳。"
            f"请把起始月改为 {year}-01 或更晚；以往年度的欠缴月份请另行受理补缴业务"
            "（职工补缴社会保险费申请 C011，城乡居民养老保险补缴 C012）。",
            {**period, "field": "period_start"},
        )


def provisional_months(months: Iterable[str], rates: RateBook) -> tuple[str, ...]:
    """The months computed on carried-forward limits (their year's limits not yet published):
    the receipt marks them 暂按上年度基数."""
    firsts = ((m, date.fromisoformat(f"{m}-01")) for m in months)
    return tuple(m for m, on in firsts if rates.base_limits(on).carried_forward(on))


# --- requests from form values -------------------------------------------------------

_LABELS = {
    "base": "缴费基数",
    "period_start": "缴费起始月",
    "period_end": "缴费截止月",
    "grade": "缴费档次",
    "year": "缴费年度",
}
_MONTH_TEXT = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))")


def _field(values: Mapping[str, object], name: str) -> str:
    """A required form value as half-width text (FeeError ``fee_field_missing`` when blank)."""
    value = values.get(name)
    text = "" if value is None or isinstance(value, bool) else to_half_width(str(value)).strip()
    if not text:
        raise FeeError("fee_field_missing", f"请填写{_LABELS[name]}。", {"field": name})
    return text


def _month(values: Mapping[str, object], name: str) -> str:
    text = _field(values, name)
    match = _MONTH_TEXT.fullmatch(text)
    if match is None or not 1 <= int(match[2] or match[3]) <= 12:
        raise FeeError(
            "fee_period_invalid",
            f"{_LABELS[name]}“{text}”格式不对，请按 2025-01 的格式输入年月。",
            {"field": name, "value": text},
        )
    return f"{match[1]}-{int(match[2] or match[3]):02d}"


def _whole(values: Mapping[str, object], name: str, suffix: str, example: int) -> int:
    text = _field(values, name)
    digits = text.removesuffix(suffix).strip()
    if not (digits.isascii() and digits.isdigit()) or (name == "year" and not 2000 <= int(digits) <= 2100):
        raise FeeError(
            "fee_field_invalid",
            f"{_LABELS[name]}“{text}”无法识别，请输入整数，例如 {example}。",
            {"field": name, "value": text},
        )
    return int(digits)


_REQUEST_FIELDS = {
    FeeKind.RESIDENT_PENSION: ("grade", "year"),
    FeeKind.FLEXIBLE_WORKER: ("base", "period_start", "period_end", "include_medical"),
}
_REQUESTS: dict[tuple[object, ...], FeeRequest] = {}
_MAX_REQUESTS = 4096
_KEYABLE = frozenset({str, int, bool, type(None)})


def fee_request_from_form(kind: FeeKind, values: Mapping[str, object]) -> FeeRequest:
    """:func:`_request_from_form`, remembered: applicants choose among a few bases, periods
    and grades. Only what was built is kept (a FeeError is raised afresh each time)."""
    fields = tuple(values.get(name) for name in _REQUEST_FIELDS.get(kind, ()))
    if not fields or any(type(v) not in _KEYABLE for v in fields):
        return _request_from_form(kind, values)
    key = (kind, *fields, *(type(v) for v in fields))  # the type too: True == 1 must not share
    hit = _REQUESTS.get(key)
    if hit is None:
        hit = _request_from_form(kind, values)
        if len(_REQUESTS) >= _MAX_REQUESTS:
            _REQUESTS.clear()
        _REQUESTS[key] = hit
    return hit


def _request_from_form(kind: FeeKind, values: Mapping[str, object]) -> FeeRequest:
    """Build a fee request from form values named ``base, period_start, period_end,
    include_medical`` (flexible workers) or ``grade, year`` (residents' pension).

    Values may be what the clerk typed (full-width digits, '2025年1月', '1,529.20 元');
    every problem is a FeeError, with the field's name in ``detail['field']`` where it
    is about one field. Period order and length are checked here already; base limits
    and grades need the rate book and are checked by :func:`compute_fee`.
    """
    if kind is FeeKind.RESIDENT_PENSION:
        grade = _whole(values, "grade", "元", 300)
        return ResidentPensionRequest(grade=grade, year=_whole(values, "year", "年", 2025))
    base = parse_money(_field(values, "base"))
    if base == 0:
        raise FeeError(
            "fee_field_invalid", "缴费基数不能为 0，请输入缴费基数。", {"field": "base", "value": "0"}
        )
    start, end = _month(values, "period_start"), _month(values, "period_end")
    months_in_period(start, end)
    medical = values.get("include_medical", False)
    if isinstance(medical, str):
        medical = medical.strip().lower() in {"1", "true", "yes", "on", "是"}
    return FlexibleWorkerRequest(base=base, period_start=start, period_end=end, include_medical=bool(medical))


# --- computing -----------------------------------------------------------------------


def _check_base(base: Decimal, limits: BaseLimits, on: date) -> None:
    if limits.lower <= base <= limits.upper:
        return
    low, high, year = format_yuan(limits.lower), format_yuan(limits.upper), limits.year
    side = f"低于 {year} 年度下限 {low}" if base < limits.lower else f"高于 {year} 年度上限 {high}"
    pending = f"（{on.year} 年度基数尚未公布，暂按 {year} 年度执行）" if limits.carried_forward(on) else ""
    raise FeeError(
        "fee_base_out_of_range",
        f"缴费基数 {format_yuan(base)} 元{side} 元{pending}，请在 {low} 至 {high} 元之间选择。",
        {
            "base": str(to_fen(base)),
            "lower": str(to_fen(limits.lower)),
            "upper": str(to_fen(limits.upper)),
            "year": year,
            "month": f"{on:%Y-%m}",
        },
    )


def _charge(
    base: Decimal,
    rate: Decimal,
    personal: Decimal,
    *,
    insurance: InsuranceType,
    month: str | None,
    payer: Payer,
) -> list[FeeLine]:
    """``to_fen(base × rate)``, split personal : pooled as ``personal : rate − personal``.

    A zero-weight account gets no line: largest-remainder never gives it a fen.
    """
    if rate == 0:
        return []
    parts = allocate(to_fen(base * rate), [personal, rate - personal])
    weights = (personal, rate - personal)
    return [
        FeeLine(insurance=insurance, account=account, month=month, amount=part, payer=payer)
        for account, part, weight in zip((Account.PERSONAL, Account.POOLED), parts, weights, strict=True)
        if weight > 0
    ]


def _flexible(request: FlexibleWorkerRequest, rates: RateBook) -> Contribution:
    months = months_in_period(request.period_start, request.period_end)
    lines: list[FeeLine] = []
    for month in months:
        on = date.fromisoformat(f"{month}-01")
        limits = rates.base_limits(on)
        _check_base(request.base, limits, on)
        table = rates.in_force(on)
        pension, medical = table.flexible_pension, table.flexible_medical
        lines += _charge(
            request.base,
            pension.rate,
            pension.personal,
            insurance=InsuranceType.ENTERPRISE_PENSION,
            month=month,
            payer="person",
        )
        if request.include_medical:
            base = limits.average_wage if medical.base == "average_wage" else request.base
            lines += _charge(
                base,
                medical.rate,
                medical.personal,
                insurance=InsuranceType.EMPLOYEE_MEDICAL,
                month=month,
                payer="person",
            )
    total = _sum(x.amount for x in lines)
    return Contribution(
        kind=FeeKind.FLEXIBLE_WORKER,
        total=total,
        lines=tuple(lines),
        months=months,
        base=to_fen(request.base),
        payer_amount=total,
        subsidy_amount=Decimal("0.00"),
        rates_version=rates.version,
    )


def _resident(request: ResidentPensionRequest, rates: RateBook) -> Contribution:
    scheme = rates.in_force(date(request.year, 1, 1)).resident_pension
    grade = scheme.grade(request.grade)
    if grade is None:
        allowed = "、".join(str(a) for a in scheme.amounts)
        raise FeeError(
            "fee_grade_unknown",
            f"缴费档次 {request.grade} 元不在 {request.year} 年度的档次表中，"
            f"请从以下档次中选择：{allowed} 元。",
            {"grade": request.grade, "year": request.year, "allowed": list(scheme.amounts)},
        )
    own, subsidy = to_fen(grade.amount), to_fen(grade.subsidy)
    lines = [
        FeeLine(
            insurance=InsuranceType.RESIDENT_PENSION,
            account=Account.PERSONAL,
            month=None,
            amount=amount,
            payer=payer,
        )
        for amount, payer in ((own, "person"), (subsidy, "government"))
        if amount > 0
    ]
    return Contribution(
        kind=FeeKind.RESIDENT_PENSION,
        total=own + subsidy,
        lines=tuple(lines),
        months=(),
        base=own,
        payer_amount=own,
        subsidy_amount=subsidy,
        year=request.year,
        rates_version=rates.version,
    )


def compute_fee(request: FeeRequest, rates: RateBook) -> Contribution:
    """Compute a contribution with the rate book given (pass ``load_rates()`` for the shipped one)."""
    if isinstance(request, FlexibleWorkerRequest):
        return _flexible(request, rates)
    return _resident(request, rates)


def employee_contribution(
    base: Decimal,
    insurance: InsuranceType,
    risk_class: int | None = None,
    *,
    on: date,
    rates: RateBook | None = None,
) -> EmployeeContribution:
    """One month (the month of ``on``) of an employee scheme: the employer's and the employee's shares.

    ``risk_class`` (1..8) is required for work injury and refused for other schemes.
    The base must lie within the limits in force on ``on``: bringing a wage outside
    them to the limit is the declaring employer's step, so it is refused, not clamped.
    """
    rates = rates or load_rates()
    table = rates.in_force(on)
    if to_fen(base) != base:
        raise FeeError(
            "money_too_many_decimals",
            f"缴费基数 {base} 超过两位小数，金额最多精确到分，请核对后重新输入。",
            {"text": str(base)},
        )
    _check_base(base, rates.base_limits(on), on)
    if insurance is InsuranceType.WORK_INJURY:
        if risk_class not in table.work_injury.classes:
            given = "未选择行业风险类别" if risk_class is None else f"“{risk_class}”不是有效的行业风险类别"
            raise FeeError(
                "fee_risk_class_invalid",
                f"{given}：工伤保险按单位的行业风险类别（1 至 8 类）缴费，请选择单位的行业风险类别。",
                {"risk_class": risk_class, "allowed": sorted(table.work_injury.classes)},
            )
        zero = Decimal(0)
        employer, employee = (table.work_injury.classes[risk_class], zero), (zero, zero)
    else:
        if risk_class is not None:
            raise FeeError(
                "fee_risk_class_invalid",
                f"行业风险类别只用于工伤保险，{label(insurance)}不按风险类别缴费，请不要填写。",
                {"risk_class": risk_class, "insurance": insurance.value},
            )
        if (scheme := table.employee.get(insurance)) is None:
            merged = "（生育保险已并入职工基本医疗保险）" if insurance is InsuranceType.MATERNITY else ""
            raise FeeError(
                "fee_insurance_unsupported",
                f"费率表中没有{label(insurance)}的职工缴费费率{merged}，请选择其他险种或联系系统管理员。",
                {"insurance": insurance.value},
            )
        employer = (scheme.employer, scheme.employer_personal)
        employee = (scheme.employee, scheme.employee_personal)
    month = f"{on:%Y-%m}"
    lines = _charge(base, *employer, insurance=insurance, month=month, payer="employer")
    lines += _charge(base, *employee, insurance=insurance, month=month, payer="person")
    employer_amount = _sum(x.amount for x in lines if x.payer == "employer")
    employee_amount = _sum(x.amount for x in lines if x.payer == "person")
    return EmployeeContribution(
        insurance=insurance,
        month=month,
        base=to_fen(base),
        risk_class=risk_class,
        lines=tuple(lines),
        employer_amount=employer_amount,
        employee_amount=employee_amount,
        total=employer_amount + employee_amount,
    )
