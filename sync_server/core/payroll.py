"""The month's payment plan (支付计划), built from what is due. Pure.

Monthly benefits in payment pay every month from the month after ``paid_through`` (or from
their start) to the plan's month, so months a returned bank file put back are paid again;
open one-off payables (direction ``pay``) pay once. A benefit is left out, with the reason,
when its person is not alive, when it is suspended, when a pension's drawer has no 资格认证
(G24) in the 12 months before the plan's month (a pension granted within those 12 months
counts: the grant checked the person), or when there is no bank account to pay into.
Payables are paid to their payee (a funeral grant's person is, by nature, deceased).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from schema.months import month_at, month_index

# The pensions whose drawers are certified each year (养老保险待遇领取资格认证).
CERTIFIED_KINDS = frozenset({"employee_pension", "resident_pension"})
CERTIFICATION_MONTHS = 12

REASONS: dict[str, str] = {
    "deceased": "参保人已死亡，不再发放",
    "suspended": "待遇已暂停发放",
    "no_certification": "12 个月内未进行领取资格认证（G24），请通知本人认证后恢复发放",
    "no_bank_account": "没有发放银行账户，请办理 G25 变更银行账户后发放",
}


@dataclass(frozen=True)
class BenefitDue:
    """A benefit row as the plan needs it."""

    id: int
    id_number: str
    name: str
    alive: bool
    kind: str
    monthly_amount: Decimal
    status: str  # in_payment | suspended
    start_month: str
    end_month: str | None
    paid_through: str | None
    bank_name: str | None
    bank_account: str | None
    county: str
    certified_on: dt.date | None  # the latest G24 certification


@dataclass(frozen=True)
class PayableDue:
    """An open payable (direction pay) as the plan needs it."""

    id: int
    id_number: str | None
    unit_uscc: str | None
    payee_name: str
    kind: str
    amount: Decimal
    fund: str
    county: str
    bank_name: str | None
    bank_account: str | None


@dataclass(frozen=True)
class PlanLine:
    source: str  # benefit | payable
    source_id: int
    id_number: str | None
    payee_name: str
    kind: str
    county: str
    first_month: str | None  # benefit lines: the months paid
    last_month: str | None
    amount: Decimal
    bank_name: str | None
    bank_account: str | None
    reason: str | None  # None: paid; else a key of REASONS

    @property
    def included(self) -> bool:
        return self.reason is None


def _certified(b: BenefitDue, month: str) -> bool:
    if b.kind not in CERTIFIED_KINDS:
        return True
    since = month_index(month) - CERTIFICATION_MONTHS
    if month_index(b.start_month) > since:
        return True
    return b.certified_on is not None and b.certified_on.year * 12 + b.certified_on.month - 1 > since


def benefit_line(b: BenefitDue, month: str) -> PlanLine | None:
    """The benefit's line of ``month``'s plan, or None when nothing is due."""
    first = max(month_index(b.start_month), month_index(b.paid_through) + 1 if b.paid_through else 0)
    last = min(month_index(month), month_index(b.end_month) if b.end_month else month_index(month))
    if first > last:
        return None
    reason = (
        "deceased" if not b.alive
        else "suspended" if b.status != "in_payment"
        else "no_certification" if not _certified(b, month)
        else "no_bank_account" if not b.bank_account
        else None
    )  # fmt: skip
    return PlanLine(
        source="benefit", source_id=b.id, id_number=b.id_number, payee_name=b.name, kind=b.kind,
        county=b.county, first_month=month_at(first), last_month=month_at(last),
        amount=b.monthly_amount * (last - first + 1), bank_name=b.bank_name, bank_account=b.bank_account,
        reason=reason,
    )  # fmt: skip


def payable_line(p: PayableDue) -> PlanLine:
    return PlanLine(
        source="payable", source_id=p.id, id_number=p.id_number, payee_name=p.payee_name, kind=p.kind,
        county=p.county, first_month=None, last_month=None, amount=p.amount, bank_name=p.bank_name,
        bank_account=p.bank_account, reason=None if p.bank_account else "no_bank_account",
    )  # fmt: skip


def plan_lines(month: str, benefits: Iterable[BenefitDue], payables: Iterable[PayableDue]) -> list[PlanLine]:
    """Every line of ``month``'s plan, paid or left out, in a stable order."""
    lines = [line for b in benefits if (line := benefit_line(b, month)) is not None]
    lines += [payable_line(p) for p in payables]
    return sorted(lines, key=lambda x: (x.county, x.kind, x.source, x.source_id))


def digest(lines: Iterable[PlanLine]) -> str:
    """What the plan pays and leaves out, as one hash: a rebuild that changes nothing keeps it."""
    h = hashlib.sha256()
    for x in lines:
        fields = (x.source, x.source_id, x.id_number, x.payee_name, x.kind, x.county, x.first_month,
                  x.last_month, f"{x.amount:.2f}", x.bank_name, x.bank_account, x.reason)  # fmt: skip
        h.update("\x1f".join("" if v is None else str(v) for v in fields).encode() + b"\x1e")
    return h.hexdigest()


@dataclass(frozen=True)
class Subtotal:
    county: str
    kind: str
    count: int
    amount: Decimal
    left_out: int


def subtotals(lines: Iterable[PlanLine]) -> list[Subtotal]:
    """Per county and kind: lines paid, their amount, and lines left out."""
    paid: dict[tuple[str, str], int] = {}
    amount: dict[tuple[str, str], Decimal] = {}
    left: dict[tuple[str, str], int] = {}
    for x in lines:
        key = (x.county, x.kind)
        paid.setdefault(key, 0), left.setdefault(key, 0), amount.setdefault(key, Decimal("0.00"))
        if x.included:
            paid[key] += 1
            amount[key] += x.amount
        else:
            left[key] += 1
    return [Subtotal(c, k, paid[(c, k)], amount[(c, k)], left[(c, k)]) for c, k in sorted(paid)]


def counts_by_reason(lines: Iterable[PlanLine]) -> Mapping[str, int]:
    out: dict[str, int] = {}
    for x in lines:
        if x.reason is not None:
            out[x.reason] = out.get(x.reason, 0) + 1
    return out
