"""The ledger and the contribution records agree (账实相符). Pure.

Desk money is written twice: in ``ledger_entries`` (whose money it is) and, once it is
the counties', in ``contribution_records`` (the months it paid for). Each case that took
money is checked on its own, from sums the caller reads per case:

* ``ledger_unbalanced``: the case's entries do not sum to zero;
* ``records_disagree``: per insurance type, what reached the counties (side ``collected``)
  differs from the employer and personal parts of the case's contribution records;
* ``income_before_decision``: money reached the counties while the case is not finished
  (before its approval, or rejected, withdrawn, in conflict): it belongs in suspense or
  in a refund payable;
* ``suspense_after_decision``: a finished case still holds money in suspense (暂收款);
* ``refund_disagrees``: the refund side (应退款) differs from the case's refund payable;
* ``ledger_without_fee``: an item that collects no fee at the desk has ledger entries.

Every finding says, in Chinese, what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from schema.lifecycle import CaseStatus
from schema.vocabulary import InsuranceType, labels
from sync_server.core.suspense import REFUND, SUSPENSE

ZERO = Decimal("0.00")
INCOME_ALLOWED = frozenset({CaseStatus.COMPLETED.value, CaseStatus.APPROVED.value})
FINISHED = frozenset({*INCOME_ALLOWED, CaseStatus.REJECTED.value, CaseStatus.WITHDRAWN.value})
WHAT_TO_DO = "请核对该案件的分录、缴费记录和应退款记录，查明原因后由系统管理员更正。"
_INSURANCE = labels(InsuranceType)
STATUS_LABELS = {s.value: s.label for s in CaseStatus}


@dataclass(frozen=True)
class CaseMoney:
    """One case's money as the tables hold it, summed per case."""

    case_id: str
    case_number: str
    item_code: str
    status: str
    collects_fee: bool  # the item takes money at the desk (catalog ``fee_kind``)
    ledger: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)  # (side, insurance) → sum
    records: Mapping[str, Decimal] = field(default_factory=dict)  # insurance → employer + personal parts
    refund_payable: Decimal = ZERO  # payables of kind fee_refund, not cancelled


@dataclass(frozen=True)
class Discrepancy:
    case_id: str
    case_number: str
    code: str
    message: str


@dataclass(frozen=True)
class LedgerCheck:
    cases: int
    collected: Decimal  # reached the counties, all cases
    recorded: Decimal  # employer + personal parts of the cases' contribution records
    discrepancies: tuple[Discrepancy, ...]

    @property
    def agrees(self) -> bool:
        return not self.discrepancies


def _side(money: CaseMoney, side: str) -> Decimal:
    return sum((v for (s, _), v in money.ledger.items() if s == side), ZERO)


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


def check_case(money: CaseMoney) -> list[Discrepancy]:
    """What is wrong with one case's money (empty when the ledger and the records agree)."""
    found: list[tuple[str, str]] = []  # (code, what is wrong)

    total = sum(money.ledger.values(), ZERO)
    if total != 0:
        found.append(("ledger_unbalanced", f"分录合计为 {_yuan(total)}，应为 0"))
    if money.ledger and not money.collects_fee:
        found.append(("ledger_without_fee", f"事项 {money.item_code} 不在窗口收费，却有收费分录"))
    collected = {ins: v for (side, ins), v in money.ledger.items() if side == "collected" and v != 0}
    for insurance in sorted(set(collected) | {k for k, v in money.records.items() if v != 0}):
        posted, recorded = collected.get(insurance, ZERO), money.records.get(insurance, ZERO)
        if posted != recorded and money.collects_fee:
            name = _INSURANCE.get(insurance, insurance)
            text = f"{name}入账 {_yuan(posted)}，缴费记录 {_yuan(recorded)}，两者不符"
            found.append(("records_disagree", text))
    income = sum(collected.values(), ZERO)
    if income != 0 and money.status not in INCOME_ALLOWED:
        state = STATUS_LABELS.get(money.status, money.status)
        found.append(
            ("income_before_decision", f"案件状态为「{state}」，款项 {_yuan(income)} 却已记入区县收入")
        )
    held = -_side(money, SUSPENSE)
    if held != 0 and money.status in FINISHED:
        found.append(("suspense_after_decision", f"案件已办结，仍有暂收款 {_yuan(held)} 未转出"))
    refund = -_side(money, REFUND)
    if refund != money.refund_payable:
        text = f"应退款分录 {_yuan(refund)}，应退款记录 {_yuan(money.refund_payable)}，两者不符"
        found.append(("refund_disagrees", text))
    return [
        Discrepancy(money.case_id, money.case_number, code, f"案件 {money.case_number}：{text}。{WHAT_TO_DO}")
        for code, text in found
    ]


def check_ledger(cases: Iterable[CaseMoney]) -> LedgerCheck:
    """Every case's findings, with the totals the command prints."""
    count, collected, recorded = 0, ZERO, ZERO
    found: list[Discrepancy] = []
    for money in cases:
        count += 1
        collected += _side(money, "collected")
        recorded += sum(money.records.values(), ZERO) if money.collects_fee else ZERO
        found += check_case(money)
    return LedgerCheck(count, collected, recorded, tuple(found))
