"""Journal entries of money the fund owes, pays and recovers: payables and payment-plan
lines. Pure (the accounts and the ledger's own rows are in :mod:`.journal`).

A payable posts twice: once when it arises (``payable``, in the month it was created)
and once when it is settled (``payable_paid``, in the month of ``settled_at``), or
reversed if it is cancelled (``payable_cancelled``):

* a one-off payment (丧葬补助金, 一次性抚恤金, 报销…): 借 统筹基金 (个人账户 for a personal-account
  refund) / 贷 应付款 when granted; 借 应付款 / 贷 银行存款 when paid;
* a refund of contributions paid elsewhere (C013 退费, fund = the insurance): 借 统筹基金 /
  贷 应退款, then 借 应退款 / 贷 银行存款; a refund of desk money (fund ``suspense``) arose in
  the ledger already (its ``refund`` side), so only its payment posts, per insurance line;
* a recovery of an overpaid benefit (多发待遇追回): 借 应收追回款 / 贷 统筹基金 when found;
  借 银行存款 / 贷 应收追回款 when the money comes back.

A line of an exported payment plan (支付计划) posts when the bank file goes out
(``payment``): a monthly benefit 借 统筹基金 / 贷 银行存款, a payable paid through the plan
its settlement (借 应付款 / 贷 银行存款). A line the bank returns (failed account) reverses
that (``payment_returned``): the money is back in the bank, and a payable is owed again.
So a payable paid through a plan settles by its plan line; ``payable_paid`` is only for
payables settled outside a plan (a recovery coming in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sync_server.core.journal import (
    JournalAccount,
    JournalEntry,
    JournalLine,
    fund_of,
    fund_of_benefit,
    transfer,
)

SUSPENSE_FUND = "suspense"
A = JournalAccount


@dataclass(frozen=True, slots=True)
class Payable:
    """The columns of a ``payables`` row that posting needs."""

    id: int
    kind: str
    direction: str  # pay | recover
    fund: str  # an insurance type, or "suspense" (a refund of desk money)
    county_code: str
    amount: Decimal
    detail: Mapping[str, Any]

    @classmethod
    def of(cls, row: Mapping[Any, Any]) -> Payable:
        return cls(int(row["id"]), str(row["kind"]), str(row["direction"]), str(row["fund"]),
                   str(row["county_code"]), Decimal(row["amount"]), row.get("detail") or {})  # fmt: skip


def _arising_lines(p: Payable) -> tuple[JournalLine, ...]:
    if p.direction == "recover":
        return transfer(fund_of(p.fund), p.county_code, A.RECOVERY_RECEIVABLE, A.POOLED, p.amount)
    if p.fund == SUSPENSE_FUND:
        return ()  # the ledger's refund side is the liability already
    fund_account = A.PERSONAL if p.kind == "account_refund" else A.POOLED
    owed = A.REFUND_PAYABLE if p.kind == "fee_refund" else A.BENEFIT_PAYABLE
    return transfer(fund_of(p.fund), p.county_code, fund_account, owed, p.amount)


def _settling_lines(p: Payable) -> tuple[JournalLine, ...]:
    if p.direction == "recover":
        return transfer(fund_of(p.fund), p.county_code, A.BANK, A.RECOVERY_RECEIVABLE, p.amount)
    if p.fund == SUSPENSE_FUND:  # per insurance line of the refunded desk money
        lines: tuple[JournalLine, ...] = ()
        for line in p.detail.get("lines", []):
            fund = fund_of(str(line["insurance_type"]))
            lines += transfer(fund, p.county_code, A.REFUND_PAYABLE, A.BANK, Decimal(str(line["amount"])))
        return lines
    owed = A.REFUND_PAYABLE if p.kind == "fee_refund" else A.BENEFIT_PAYABLE
    return transfer(fund_of(p.fund), p.county_code, owed, A.BANK, p.amount)


def payable_arising(p: Payable, period: str) -> JournalEntry | None:
    """The entry when the payable arises (None when the ledger booked it already)."""
    lines = _arising_lines(p)
    return (
        JournalEntry("payable", str(p.id), period, f"{_what(p)}（应付/应收第 {p.id} 号）", lines)
        if lines
        else None
    )


def payable_settled(p: Payable, period: str) -> JournalEntry | None:
    """The entry when the payable is paid out or the recovery comes in."""
    lines = _settling_lines(p)
    return (
        JournalEntry("payable_paid", str(p.id), period, f"{_what(p)}结清（第 {p.id} 号）", lines)
        if lines
        else None
    )


def payable_cancelled(p: Payable, period: str) -> JournalEntry | None:
    """The reversal of the arising entry when a payable is cancelled before settlement."""
    lines = tuple(JournalLine(x.fund, x.county_code, x.account, x.credit, x.debit) for x in _arising_lines(p))
    return (
        JournalEntry("payable_cancelled", str(p.id), period, f"{_what(p)}取消（第 {p.id} 号）", lines)
        if lines
        else None
    )


def _what(p: Payable) -> str:
    return (
        "多发待遇追回" if p.direction == "recover" else ("退费" if p.kind == "fee_refund" else "一次性支付")
    )


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One line of an exported payment plan: a monthly benefit of one person in one county
    (``benefit_kind``), or a payable paid through the plan (``payable``)."""

    id: int
    county_code: str
    amount: Decimal
    benefit_kind: str | None = None
    payable: Payable | None = None


def _paying_lines(line: PaymentLine) -> tuple[JournalLine, ...]:
    if line.payable is not None:
        return _settling_lines(line.payable)
    fund = fund_of_benefit(str(line.benefit_kind))
    return transfer(fund, line.county_code, A.POOLED, A.BANK, line.amount)


def payment_sent(line: PaymentLine, period: str) -> JournalEntry:
    """The plan paid the line (its bank file was exported)."""
    return JournalEntry(
        "payment", str(line.id), period, f"支付计划发放（明细第 {line.id} 号）", _paying_lines(line)
    )


def payment_returned(line: PaymentLine, period: str) -> JournalEntry:
    """The bank returned the line (failed account): the payment is undone."""
    lines = tuple(
        JournalLine(x.fund, x.county_code, x.account, x.credit, x.debit) for x in _paying_lines(line)
    )
    return JournalEntry(
        "payment_returned", str(line.id), period, f"银行退回（支付计划明细第 {line.id} 号）", lines
    )
