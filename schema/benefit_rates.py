"""The rate book's benefit parameters: what pensions and unemployment benefit are computed from.

``RateBook.benefits`` (``schema/data/rates.json``, key ``benefits``) holds, each entry with
its ``source`` and ``confirmed`` flag like every rate-book item (docs/sources.md §3):

* ``pension_base_wages``: 上年度全省在岗职工月平均工资 (the 计发基数) by the year the wage
  was earned; a pension starting in year Y uses the wage of Y − 1, and while that is not
  yet published the latest earlier one is used provisionally (暂按), as bureaus do before
  recalculating;
* ``account_interest``: the national 职工养老保险个人账户记账利率 of each year;
* ``resident_basic_pension``: 城乡居民基础养老金 per month, dated;
* ``unemployment_benefit``: 失业保险金 as a share of the local minimum wage, dated;
* ``transition_coefficient``: 过渡系数 of 过渡性养老金 (Sichuan's still to confirm);
* ``account_months_rule``: how 计发月数 is read for a retirement age with months;
* ``funeral_grants``: 丧葬补助金 per scheme, dated: a fixed amount, or a number of months of
  the 上年度职工月平均工资 (the work-injury one is 6 months by 工伤保险条例 §39).

A book without ``benefits`` (older books) still parses: every series is then empty and a
calculation that needs one raises ``benefit_no_parameter``.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schema.errors import BenefitError
from schema.months import chinese_month

Rate = Annotated[Decimal, Field(ge=0, le=1)]
Yuan = Annotated[Decimal, Field(gt=0)]
FEN = Decimal("0.01")

BENEFIT_ERROR_MESSAGES: dict[str, str] = {
    "benefit_no_parameter": (
        "{when}没有适用的{what}（费率表中尚未载入），无法计算待遇：请联系系统管理员载入包含该参数的费率表后再核定。"
    ),
    "benefit_input_invalid": "计算待遇所需的“{label}”为 {value}，不是有效数值：请核对参保记录和申请表后重新核定。",
    "benefit_age_out_of_table": (
        "退休时年龄为 {age}，不在计发月数表（40–70 周岁）范围内，无法计算个人账户养老金：请核对出生日期和退休年月。"
    ),
    "benefit_unemployment_too_short": (
        "失业前累计缴费 {paid}，不满 1 年，不符合失业保险金领取条件（《社会保险法》第四十五条）：请向申请人说明；"
        "如有其他参保地的缴费记录，请先办理失业保险关系转移后再申领。"
    ),
}
"""Templates; ``{...}`` are filled with the values involved."""


def no_parameter(when: str, what: str, **detail: object) -> BenefitError:
    message = BENEFIT_ERROR_MESSAGES["benefit_no_parameter"].format(when=when, what=what)
    return BenefitError("benefit_no_parameter", message, {"what": what, **detail})


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    confirmed: bool
    source: str
    note: str = ""


class PensionBaseWage(_Entry):
    """上年度全省在岗职工月平均工资 earned in ``wage_year`` (used for pensions starting the next year)."""

    wage_year: int = Field(ge=1990, le=2100)
    amount: Yuan


class AccountInterestRate(_Entry):
    """The personal-account interest rate (记账利率) credited for ``year``."""

    year: int = Field(ge=1990, le=2100)
    rate: Rate


class ResidentBasicPension(_Entry):
    """城乡居民基础养老金 per month from ``effective_from`` until the next entry."""

    effective_from: date
    amount: Yuan


class UnemploymentBenefitRate(_Entry):
    """失业保险金 per month = ``share`` × the local minimum wage (``minimum_wage``, class ``wage_class``)."""

    effective_from: date
    minimum_wage: Yuan
    wage_class: str
    share: Rate


class TransitionCoefficient(_Entry):
    """过渡系数: the share of the indexed wage per 视同缴费 year in 过渡性养老金."""

    rate: Rate


FuneralScheme = Literal["enterprise_pension", "work_injury", "resident_pension"]


class FuneralGrant(_Entry):
    """丧葬补助金 of ``scheme`` for deaths from ``effective_from``: ``amount`` yuan, or
    ``wage_months`` × the monthly wage of the year before the death (``pension_base_wages``)."""

    scheme: FuneralScheme
    effective_from: date
    amount: Yuan | None = None
    wage_months: Annotated[Decimal, Field(gt=0, le=60)] | None = None

    @model_validator(mode="after")
    def _one_measure(self) -> Self:
        if (self.amount is None) == (self.wage_months is None):
            raise ValueError("a funeral grant gives either amount or wage_months")
        return self


class FuneralGrantAmount(BaseModel):
    """The grant for one death, with how it was reached (kept on the payable)."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal
    formula: str
    source: str
    confirmed: bool


class AccountMonthsRule(_Entry):
    """计发月数 for an age with months: the whole-year entry, or interpolated by month."""

    between_ages: Literal["whole_years", "interpolate"]


def _distinct(keys: list[object], what: str) -> None:
    if len(keys) != len(set(keys)):
        raise ValueError(f"two {what} entries for the same year or day")


class BenefitRates(BaseModel):
    """The benefit parameters of a rate book (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pension_base_wages: tuple[PensionBaseWage, ...] = ()
    account_interest: tuple[AccountInterestRate, ...] = ()
    resident_basic_pension: tuple[ResidentBasicPension, ...] = ()
    unemployment_benefit: tuple[UnemploymentBenefitRate, ...] = ()
    transition_coefficient: TransitionCoefficient | None = None
    account_months_rule: AccountMonthsRule | None = None
    funeral_grants: tuple[FuneralGrant, ...] = ()

    @model_validator(mode="after")
    def _one_entry_per_key(self) -> Self:
        _distinct([w.wage_year for w in self.pension_base_wages], "pension_base_wages")
        _distinct([r.year for r in self.account_interest], "account_interest")
        _distinct([r.effective_from for r in self.resident_basic_pension], "resident_basic_pension")
        _distinct([r.effective_from for r in self.unemployment_benefit], "unemployment_benefit")
        _distinct([(g.scheme, g.effective_from) for g in self.funeral_grants], "funeral_grants")
        return self

    def pension_base_wage(self, start_year: int) -> tuple[PensionBaseWage, bool]:
        """The 计发基数 for a pension starting in ``start_year`` and whether it is provisional
        (the wage of ``start_year − 1`` is not loaded, so the latest earlier one stands in)."""
        earlier = [w for w in self.pension_base_wages if w.wage_year <= start_year - 1]
        if not earlier:
            raise no_parameter(
                f"{start_year} 年", "上年度全省在岗职工月平均工资（计发基数）", year=start_year
            )
        found = max(earlier, key=lambda w: w.wage_year)
        return found, found.wage_year != start_year - 1

    def interest_rate(self, year: int) -> AccountInterestRate:
        """The 记账利率 of ``year`` (no carrying forward: each year's rate is published)."""
        found = next((r for r in self.account_interest if r.year == year), None)
        if found is None:
            raise no_parameter(f"{year} 年", "个人账户记账利率", year=year)
        return found

    def resident_basic(self, on: date) -> ResidentBasicPension:
        started = [r for r in self.resident_basic_pension if r.effective_from <= on]
        if not started:
            raise no_parameter(chinese_month(f"{on:%Y-%m}"), "城乡居民基础养老金标准", date=on.isoformat())
        return max(started, key=lambda r: r.effective_from)

    def unemployment(self, on: date) -> UnemploymentBenefitRate:
        started = [r for r in self.unemployment_benefit if r.effective_from <= on]
        if not started:
            raise no_parameter(chinese_month(f"{on:%Y-%m}"), "失业保险金标准", date=on.isoformat())
        return max(started, key=lambda r: r.effective_from)

    def transition(self) -> TransitionCoefficient:
        if self.transition_coefficient is None:
            raise no_parameter("费率表中", "过渡系数")
        return self.transition_coefficient

    def months_rule(self) -> AccountMonthsRule:
        if self.account_months_rule is None:
            raise no_parameter("费率表中", "计发月数取值规则")
        return self.account_months_rule

    def funeral_grant(self, scheme: FuneralScheme, died_on: date) -> FuneralGrantAmount:
        """丧葬补助金 of ``scheme`` for a death on ``died_on`` (yuan to the fen, half up)."""
        started = [g for g in self.funeral_grants if g.scheme == scheme and g.effective_from <= died_on]
        if not started:
            raise no_parameter(
                chinese_month(f"{died_on:%Y-%m}"), "丧葬补助金标准", scheme=scheme, date=died_on.isoformat()
            )
        entry = max(started, key=lambda g: g.effective_from)
        if entry.amount is not None:
            return FuneralGrantAmount(
                amount=entry.amount.quantize(FEN, ROUND_HALF_UP),
                formula=f"定额 {entry.amount} 元",
                source=entry.source,
                confirmed=entry.confirmed,
            )
        assert entry.wage_months is not None  # _one_measure
        wage, provisional = self.pension_base_wage(died_on.year)
        amount = (wage.amount * entry.wage_months).quantize(FEN, ROUND_HALF_UP)
        note = "（暂按已公布的最近年度）" if provisional else ""
        return FuneralGrantAmount(
            amount=amount,
            formula=f"{wage.wage_year} 年职工月平均工资 {wage.amount} 元{note} × {entry.wage_months} 个月 = {amount} 元",
            source=entry.source,
            confirmed=entry.confirmed and wage.confirmed and not provisional,
        )

    def unconfirmed(self) -> list[str]:
        """Dotted paths (``benefits.…``) of the entries still marked ``confirmed: false``."""
        found = [
            f"benefits.pension_base_wages.{w.wage_year}" for w in self.pension_base_wages if not w.confirmed
        ]
        found += [f"benefits.account_interest.{r.year}" for r in self.account_interest if not r.confirmed]
        found += [
            f"benefits.resident_basic_pension.{r.effective_from.isoformat()}"
            for r in self.resident_basic_pension
            if not r.confirmed
        ]
        found += [
            f"benefits.unemployment_benefit.{r.effective_from.isoformat()}"
            for r in self.unemployment_benefit
            if not r.confirmed
        ]
        found += [
            f"benefits.funeral_grants.{g.scheme}.{g.effective_from.isoformat()}"
            for g in self.funeral_grants
            if not g.confirmed
        ]
        for name in ("transition_coefficient", "account_months_rule"):
            entry = getattr(self, name)
            if entry is not None and not entry.confirmed:
                found.append(f"benefits.{name}")
        return found
