"""Month close (月结) rules: which month a posting is booked in, each fund's trial balance
(试算平衡) and why a month may not be closed. Pure.

A closed month is locked: an event of a closed month (a late settlement, a returned bank
file) is booked in the first month after it that is still open, keeping its own month
as ``event_period``. A month may be closed once it has ended (Beijing), when every fund's
debits equal its credits in every county, and when the plans of the month (征缴计划,
支付计划) are locked.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from decimal import Decimal

from sync_server.core.journal import ACCOUNT_LABELS, FUND_LABELS, ZERO, Fund, JournalAccount


def next_month(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def booking_period(event_period: str, closed: Set[str]) -> str:
    """The month an event of ``event_period`` is booked in: its own, or the first open one after."""
    period = event_period
    while period in closed:
        period = next_month(period)
    return period


@dataclass(frozen=True, slots=True)
class AccountTotals:
    account: JournalAccount
    debit: Decimal
    credit: Decimal

    @property
    def label(self) -> str:
        return ACCOUNT_LABELS[self.account]


@dataclass(frozen=True, slots=True)
class FundBalance:
    """One fund's trial balance for the month: per account, the month's debit and credit totals."""

    fund: Fund
    accounts: tuple[AccountTotals, ...]
    unbalanced_counties: tuple[str, ...] = ()  # counties whose own debits and credits differ

    @property
    def label(self) -> str:
        return FUND_LABELS[self.fund]

    @property
    def debit(self) -> Decimal:
        return sum((a.debit for a in self.accounts), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((a.credit for a in self.accounts), ZERO)

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit and not self.unbalanced_counties


Totals = tuple[str, str, str, Decimal, Decimal]  # fund, county, account, debit, credit


def trial_balance(totals: Iterable[Totals]) -> list[FundBalance]:
    """Each fund's trial balance from the month's totals per fund, county and account."""
    per_account: dict[Fund, dict[JournalAccount, tuple[Decimal, Decimal]]] = {}
    per_county: dict[tuple[Fund, str], Decimal] = {}
    for fund_text, county, account_text, debit, credit in totals:
        fund, account = Fund(fund_text), JournalAccount(account_text)
        d, c = per_account.setdefault(fund, {}).get(account, (ZERO, ZERO))
        per_account[fund][account] = (d + debit, c + credit)
        per_county[(fund, county)] = per_county.get((fund, county), ZERO) + debit - credit
    out = []
    for fund in Fund:  # every fund, in the book's order, even when it had no movement
        accounts = per_account.get(fund, {})
        rows = tuple(AccountTotals(a, *accounts[a]) for a in JournalAccount if a in accounts)
        off = tuple(sorted(county for (f, county), net in per_county.items() if f is fund and net != 0))
        out.append(FundBalance(fund, rows, off))
    return out


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str
    detail: dict[str, object] = field(default_factory=dict)


def close_refusal(
    period: str,
    *,
    today_period: str,
    closed: Set[str],
    balances: Iterable[FundBalance],
    unlocked_plans: Iterable[str],
) -> Refusal | None:
    """Why ``period`` may not be closed now, or None when it may."""
    if period in closed:
        return Refusal("month_already_closed", f"{period} 已经月结，不能重复月结；之后的入账记到下一个未结月份。",
                       {"month": period})  # fmt: skip
    if period >= today_period:
        return Refusal("month_not_ended", f"{period} 尚未结束，不能月结：请在下月再办理。", {"month": period})
    unbalanced = [b for b in balances if not b.balanced]
    if unbalanced:
        names = "、".join(b.label for b in unbalanced)
        detail: dict[str, object] = {
            "month": period,
            "funds": [{"fund": b.fund.value, "debit": f"{b.debit:.2f}", "credit": f"{b.credit:.2f}",
                       "counties": list(b.unbalanced_counties)} for b in unbalanced],
        }  # fmt: skip
        return Refusal("month_not_balanced", f"{period} 试算不平衡（{names}借贷不等），不能月结：请联系系统管理员核查分录。",
                       detail)  # fmt: skip
    plans = list(unlocked_plans)
    if plans:
        return Refusal("month_plan_unlocked", f"{period} 的{'、'.join(plans)}尚未锁定，不能月结：请先复核并锁定计划。",
                       {"month": period, "plans": plans})  # fmt: skip
    return None
