"""Desk money as contribution records, where suspense goes with each step, and the
ledger-vs-records check: pure, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from schema.fees import FlexibleWorkerRequest, ResidentPensionRequest, compute_fee
from schema.lifecycle import CaseEvent
from schema.rates import load_rates
from sync_server.core.contribution_rows import Paid, contribution_rows
from sync_server.core.ledger_check import CaseMoney, check_case, check_ledger
from sync_server.core.suspense import goes_to, held_until_decision, on_decision

AT = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
RATES = load_rates()


def test_a_flexible_workers_quarter_becomes_its_months_per_insurance() -> None:
    fee = compute_fee(FlexibleWorkerRequest(base=Decimal("5000"), period_start="2026-01", period_end="2026-03",
                                            include_medical=False), RATES)  # fmt: skip
    rows = contribution_rows(
        fee.lines, Paid("P", "511102", "desk", "c1", fee.base), rates=RATES, recorded_at=AT
    )
    assert [r["month"] for r in rows] == ["2026-01", "2026-02", "2026-03"]
    # 20 % of 5000 = 1000.00 paid by the worker each month, 8 % of 5000 = 400.00 to the account
    assert {(r["personal_part"], r["account_part"], r["employer_part"]) for r in rows} == {
        (Decimal("1000.00"), Decimal("400.00"), Decimal("0.00"))
    }
    assert sum(r["personal_part"] for r in rows) == fee.payer_amount  # type: ignore[misc]


def test_an_annual_grade_becomes_twelve_months_that_sum_exactly() -> None:
    fee = compute_fee(ResidentPensionRequest(grade=500, year=2025), RATES)
    paid = Paid("P", "511102", "back_payment", "c2", Decimal("500.00"), year=2025)
    rows = contribution_rows(fee.lines, paid, rates=RATES, recorded_at=AT)
    assert [r["month"] for r in rows] == [f"2025-{m:02d}" for m in range(1, 13)]
    # 500.00 / 12 = 41.666…: 8 × 41.67 + 4 × 41.66 = 333.36 + 166.64 = 500.00
    assert [r["personal_part"] for r in rows].count(Decimal("41.67")) == 8
    assert sum(r["personal_part"] for r in rows) == Decimal("500.00")  # type: ignore[misc]
    assert sum(r["account_part"] for r in rows) == fee.total  # type: ignore[misc]  # with the subsidy


def test_money_follows_the_step_taken() -> None:
    assert [on_decision(e) for e in (CaseEvent.APPROVE, CaseEvent.REJECT, CaseEvent.WITHDRAW)] == [
        "counties", "refund", "refund",
    ]  # fmt: skip
    assert on_decision(CaseEvent.RETURN_FOR_SUPPLEMENT) is None and on_decision(CaseEvent.CLAIM) is None
    assert held_until_decision("complex") and not held_until_decision("general")
    assert (goes_to("complex", "server"), goes_to("complex", "station")) == ("decision", "decision")
    assert (goes_to("general", "server"), goes_to("general", "station")) == ("refund", "counties")


def _approved(**overrides: object) -> CaseMoney:
    paid = Decimal("500.00")
    base: dict[str, object] = {
        "case_id": "c1", "case_number": "N1", "item_code": "C012", "status": "approved", "collects_fee": True,
        "ledger": {("collected", "resident_pension"): paid, ("owed", "resident_pension"): -paid,
                   ("held", "resident_pension"): Decimal(0), ("suspense", "resident_pension"): Decimal(0)},
        "records": {"resident_pension": paid},
    }  # fmt: skip
    return CaseMoney(**{**base, **overrides})  # type: ignore[arg-type]


def test_an_approved_case_whose_records_match_agrees() -> None:
    check = check_ledger([_approved()])
    assert check.agrees and (check.cases, check.collected, check.recorded) == (1, 500, 500)


def test_each_disagreement_is_named_in_chinese() -> None:
    assert [d.code for d in check_case(_approved(records={"resident_pension": Decimal("458.33")}))] == [
        "records_disagree"
    ]
    [before] = check_case(_approved(status="routed"))
    assert before.code == "income_before_decision" and "待认领" in before.message and "N1" in before.message
    held = {("held", "resident_pension"): Decimal(500), ("suspense", "resident_pension"): Decimal(-500)}
    [stuck] = check_case(_approved(status="rejected", ledger=held, records={}))
    assert stuck.code == "suspense_after_decision" and "暂收款 500.00 元" in stuck.message
    refund = {("held", "resident_pension"): Decimal(500), ("refund", "resident_pension"): Decimal(-500)}
    [missing] = check_case(_approved(status="rejected", ledger=refund, records={}))
    assert missing.code == "refund_disagrees" and "应退款记录 0.00 元" in missing.message
    assert (
        check_case(_approved(status="rejected", ledger=refund, records={}, refund_payable=Decimal(500))) == []
    )
    lone = {("collected", "resident_pension"): Decimal(500)}
    assert [d.code for d in check_case(_approved(ledger=lone))] == ["ledger_unbalanced"]
    c013 = _approved(item_code="C013", collects_fee=False, ledger={}, records={"unemployment": Decimal(-90)})
    assert check_case(c013) == []  # a refund of money paid elsewhere: no desk money to compare
