"""Automatic posting (财务入账与分解): the fund's double-entry journal, built from the money
events the system already records. Pure.

Nobody keys an entry by hand. Each *source* (one ledger row, one payable's recognition or
settlement, one payment-plan line paid or returned) becomes exactly one entry, and every
entry balances within one fund and one county (借方合计 = 贷方合计), so each fund's trial
balance balances by construction and a month that does not shows tampering or a bug.

Funds (基金): 养老 (企业职工、机关事业单位), 居保 (城乡居民养老), 失业, 工伤, 医疗 (职工、
城乡居民医疗和生育). Counties are the six-digit codes, 市本级 is 511100. Accounts:

* ``bank`` 银行存款 — money held (a desk's takings, payments out, recoveries in);
* ``pooled`` 统筹基金 / ``personal`` 个人账户 — the fund itself: contributions credit it,
  benefits and one-off payments debit it;
* ``interco`` 内部往来 — what one county holds for another: a ledger row posts its own
  account against it, so the pair of a fee (collected at the desk's county, owed at the
  registration county) leaves the collecting county owing the owed county; when both are
  one county the two legs cancel. A county's 内部往来 balance is its clearing position;
* ``suspense`` 暂收款, ``refund_payable`` 应退款 — desk money not yet anyone's, and money
  owed back (the ledger's ``suspense`` and ``refund`` sides);
* ``benefit_payable`` 应付款 — one-off payments granted and not yet paid;
* ``recovery_receivable`` 应收追回款 — overpaid benefits to be recovered.

Ledger rows map one to one: ``collected``/``held`` → bank, ``owed`` → the row's fund
account, ``suspense`` → 暂收款, ``refund`` → 应退款; a positive amount is a debit, a negative
one a credit, against 内部往来 in the same county.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from schema.person_records import BenefitKind
from schema.vocabulary import InsuranceType
from sync_server.core.effects.benefits import BENEFIT_FUND

ZERO = Decimal("0.00")


class Fund(StrEnum):
    PENSION = "pension"  # 企业职工/机关事业单位基本养老保险基金
    RESIDENT_PENSION = "resident_pension"  # 城乡居民基本养老保险基金（居保）
    UNEMPLOYMENT = "unemployment"  # 失业保险基金
    WORK_INJURY = "work_injury"  # 工伤保险基金
    MEDICAL = "medical"  # 医疗保险基金（含生育）


class JournalAccount(StrEnum):
    BANK = "bank"
    POOLED = "pooled"
    PERSONAL = "personal"
    INTERCO = "interco"
    SUSPENSE = "suspense"
    REFUND_PAYABLE = "refund_payable"
    BENEFIT_PAYABLE = "benefit_payable"
    RECOVERY_RECEIVABLE = "recovery_receivable"


FUND_LABELS: dict[Fund, str] = {
    Fund.PENSION: "养老保险基金",
    Fund.RESIDENT_PENSION: "城乡居民养老保险基金（居保）",
    Fund.UNEMPLOYMENT: "失业保险基金",
    Fund.WORK_INJURY: "工伤保险基金",
    Fund.MEDICAL: "医疗保险基金",
}
ACCOUNT_LABELS: dict[JournalAccount, str] = {
    JournalAccount.BANK: "银行存款",
    JournalAccount.POOLED: "统筹基金",
    JournalAccount.PERSONAL: "个人账户",
    JournalAccount.INTERCO: "内部往来",
    JournalAccount.SUSPENSE: "暂收款",
    JournalAccount.REFUND_PAYABLE: "应退款",
    JournalAccount.BENEFIT_PAYABLE: "应付款",
    JournalAccount.RECOVERY_RECEIVABLE: "应收追回款",
}

FUND_OF_INSURANCE: dict[InsuranceType, Fund] = {
    InsuranceType.ENTERPRISE_PENSION: Fund.PENSION,
    InsuranceType.INSTITUTION_PENSION: Fund.PENSION,
    InsuranceType.RESIDENT_PENSION: Fund.RESIDENT_PENSION,
    InsuranceType.UNEMPLOYMENT: Fund.UNEMPLOYMENT,
    InsuranceType.WORK_INJURY: Fund.WORK_INJURY,
    InsuranceType.EMPLOYEE_MEDICAL: Fund.MEDICAL,
    InsuranceType.RESIDENT_MEDICAL: Fund.MEDICAL,
    InsuranceType.MATERNITY: Fund.MEDICAL,  # 生育保险与职工医保合并实施
}

_LEDGER_ACCOUNT: dict[str, JournalAccount] = {
    "collected": JournalAccount.BANK,
    "held": JournalAccount.BANK,
    "suspense": JournalAccount.SUSPENSE,
    "refund": JournalAccount.REFUND_PAYABLE,
}


def fund_of(insurance_type: str) -> Fund:
    return FUND_OF_INSURANCE[InsuranceType(insurance_type)]


def fund_of_benefit(kind: str) -> Fund:
    return FUND_OF_INSURANCE[BENEFIT_FUND[BenefitKind(kind)]]


@dataclass(frozen=True, slots=True)
class JournalLine:
    fund: Fund
    county_code: str
    account: JournalAccount
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One source's entry; ``event_period`` is the month the event happened in (the month
    it is booked in may be later when that month is closed, see ``core.journal_close``)."""

    source_kind: str
    source_id: str
    event_period: str
    memo: str
    lines: tuple[JournalLine, ...]

    def balanced(self) -> bool:
        """Debits equal credits within every fund and county of the entry."""
        net: dict[tuple[Fund, str], Decimal] = {}
        for line in self.lines:
            key = (line.fund, line.county_code)
            net[key] = net.get(key, ZERO) + line.debit - line.credit
        return all(v == 0 for v in net.values())


def transfer(
    fund: Fund, county: str, debit: JournalAccount, credit: JournalAccount, amount: Decimal
) -> tuple[JournalLine, ...]:
    """Two lines moving ``amount`` from ``credit`` to ``debit``; a negative amount (a
    reversal) swaps the sides so no line carries a negative figure."""
    if amount < 0:
        debit, credit, amount = credit, debit, -amount
    return (JournalLine(fund, county, debit, amount, ZERO), JournalLine(fund, county, credit, ZERO, amount))


def from_ledger_row(row: Mapping[Any, Any]) -> JournalEntry | None:
    """The entry of one ``ledger_entries`` row (None for a zero amount)."""
    amount = Decimal(row["amount"])
    if amount == 0:
        return None
    side = str(row["side"])
    own = _LEDGER_ACCOUNT.get(side) or JournalAccount(str(row["account"]))  # owed → pooled/personal
    lines = transfer(
        fund_of(str(row["insurance_type"])), str(row["county_code"]), own, JournalAccount.INTERCO, amount
    )
    memo = f"收费分录 {side}（案件 {row['case_id']}，对方 {row['counterparty_county']}）"
    return JournalEntry("ledger", str(row["id"]), str(row["period"]), memo, lines)
