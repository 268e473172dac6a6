"""The journal's pure rules: ledger rows, payables and plan lines as balanced entries,
booking periods, trial balances and the refusals of a month close (hand-computed)."""

from __future__ import annotations

from decimal import Decimal

from sync_server.core.journal import (
    Fund,
    JournalAccount,
    JournalLine,
    from_ledger_row,
    fund_of,
    fund_of_benefit,
)
from sync_server.core.journal_close import booking_period, close_refusal, next_month, trial_balance
from sync_server.core.journal_payments import (
    Payable,
    PaymentLine,
    payable_arising,
    payable_cancelled,
    payable_settled,
    payment_returned,
    payment_sent,
)

D = Decimal
A = JournalAccount
Z = D("0.00")


def _ledger(side: str, amount: str, *, county: str = "511102", account: str = "pooled") -> dict[str, object]:
    return {"id": 7, "case_id": "c1", "period": "2026-03", "county_code": county, "counterparty_county": "511100",
            "insurance_type": "enterprise_pension", "account": account, "side": side, "amount": D(amount)}  # fmt: skip


def _pairs(lines: tuple[JournalLine, ...]) -> set[tuple[str, str, str, Decimal, Decimal]]:
    return {(x.fund.value, x.county_code, x.account.value, x.debit, x.credit) for x in lines}


def test_funds_follow_the_insurance_and_the_benefit() -> None:
    assert fund_of("institution_pension") is Fund.PENSION
    assert fund_of("maternity") is Fund.MEDICAL
    assert fund_of("resident_pension") is Fund.RESIDENT_PENSION
    assert fund_of_benefit("nursing_allowance") is Fund.WORK_INJURY
    assert fund_of_benefit("illness_disability_allowance") is Fund.PENSION


def test_collected_at_the_desk_is_cash_owed_on_to_the_other_county() -> None:
    entry = from_ledger_row(_ledger("collected", "1529.20"))
    assert entry is not None and entry.source_kind == "ledger" and entry.source_id == "7"
    assert entry.event_period == "2026-03"
    assert _pairs(entry.lines) == {
        ("pension", "511102", "bank", D("1529.20"), Z),
        ("pension", "511102", "interco", Z, D("1529.20")),
    }
    assert entry.balanced()


def test_owed_credits_the_fund_account_and_a_reversal_swaps_sides() -> None:
    owed = from_ledger_row(_ledger("owed", "-300.00", county="511100", account="personal"))
    assert owed is not None
    assert _pairs(owed.lines) == {
        ("pension", "511100", "interco", D("300.00"), Z),
        ("pension", "511100", "personal", Z, D("300.00")),
    }
    reversed_owed = from_ledger_row(_ledger("owed", "300.00", county="511100", account="personal"))
    assert reversed_owed is not None
    assert _pairs(reversed_owed.lines) == {
        ("pension", "511100", "interco", Z, D("300.00")),
        ("pension", "511100", "personal", D("300.00"), Z),
    }


def test_suspense_and_refund_sides_map_to_their_holding_accounts() -> None:
    suspense = from_ledger_row(_ledger("suspense", "-80.00"))
    refund = from_ledger_row(_ledger("refund", "-80.00"))
    assert suspense is not None and refund is not None
    assert ("pension", "511102", "suspense", Z, D("80.00")) in _pairs(suspense.lines)
    assert ("pension", "511102", "refund_payable", Z, D("80.00")) in _pairs(refund.lines)
    assert from_ledger_row(_ledger("held", "0.00")) is None


def _payable(**kw: object) -> Payable:
    base: dict[str, object] = {"id": 5, "kind": "funeral_grant", "direction": "pay", "fund": "enterprise_pension",
                               "county_code": "511123", "amount": D("6000.00"), "detail": {}}  # fmt: skip
    return Payable.of(base | kw)


def test_a_one_off_payment_arises_against_the_fund_and_is_paid_from_the_bank() -> None:
    p = _payable()
    arising, paid = payable_arising(p, "2026-03"), payable_settled(p, "2026-04")
    assert arising is not None and paid is not None
    assert _pairs(arising.lines) == {
        ("pension", "511123", "pooled", D("6000.00"), Z),
        ("pension", "511123", "benefit_payable", Z, D("6000.00")),
    }
    assert _pairs(paid.lines) == {
        ("pension", "511123", "benefit_payable", D("6000.00"), Z),
        ("pension", "511123", "bank", Z, D("6000.00")),
    }
    assert (paid.source_kind, paid.event_period) == ("payable_paid", "2026-04")
    cancelled = payable_cancelled(p, "2026-04")
    assert cancelled is not None and _pairs(cancelled.lines) == {
        ("pension", "511123", "pooled", Z, D("6000.00")),
        ("pension", "511123", "benefit_payable", D("6000.00"), Z),
    }


def test_a_recovery_is_a_receivable_that_the_bank_collects() -> None:
    p = _payable(
        kind="overpayment_recovery", direction="recover", fund="resident_pension", amount=D("1234.56")
    )
    arising, settled = payable_arising(p, "2026-03"), payable_settled(p, "2026-03")
    assert arising is not None and settled is not None
    assert _pairs(arising.lines) == {
        ("resident_pension", "511123", "recovery_receivable", D("1234.56"), Z),
        ("resident_pension", "511123", "pooled", Z, D("1234.56")),
    }
    assert _pairs(settled.lines) == {
        ("resident_pension", "511123", "bank", D("1234.56"), Z),
        ("resident_pension", "511123", "recovery_receivable", Z, D("1234.56")),
    }


def test_a_refund_of_desk_money_arose_in_the_ledger_and_pays_per_insurance_line() -> None:
    lines = [{"insurance_type": "enterprise_pension", "account": "pooled", "month": "2026-01", "amount": "100.00"},
             {"insurance_type": "employee_medical", "account": "pooled", "month": "2026-01", "amount": "40.50"}]  # fmt: skip
    p = _payable(kind="fee_refund", fund="suspense", amount=D("140.50"), detail={"lines": lines})
    assert payable_arising(p, "2026-03") is None
    paid = payable_settled(p, "2026-03")
    assert paid is not None and paid.balanced()
    assert _pairs(paid.lines) == {
        ("pension", "511123", "refund_payable", D("100.00"), Z),
        ("pension", "511123", "bank", Z, D("100.00")),
        ("medical", "511123", "refund_payable", D("40.50"), Z),
        ("medical", "511123", "bank", Z, D("40.50")),
    }


def test_a_plan_line_pays_from_the_fund_and_a_returned_line_comes_back() -> None:
    line = PaymentLine(11, "511102", D("2100.35"), benefit_kind="unemployment_benefit")
    sent, back = payment_sent(line, "2026-03"), payment_returned(line, "2026-03")
    assert _pairs(sent.lines) == {
        ("unemployment", "511102", "pooled", D("2100.35"), Z),
        ("unemployment", "511102", "bank", Z, D("2100.35")),
    }
    assert _pairs(back.lines) == {
        ("unemployment", "511102", "pooled", Z, D("2100.35")),
        ("unemployment", "511102", "bank", D("2100.35"), Z),
    }
    via_payable = payment_sent(PaymentLine(12, "511123", D("6000.00"), payable=_payable()), "2026-03")
    assert ("pension", "511123", "benefit_payable", D("6000.00"), Z) in _pairs(via_payable.lines)


def test_a_closed_month_books_in_the_next_open_one() -> None:
    assert next_month("2026-12") == "2027-01"
    assert booking_period("2026-03", set()) == "2026-03"
    assert booking_period("2026-03", {"2026-03", "2026-04"}) == "2026-05"
    assert booking_period("2026-03", {"2026-04"}) == "2026-03"


def test_trial_balance_totals_each_account_and_finds_an_unbalanced_county() -> None:
    balances = trial_balance([
        ("pension", "511102", "bank", D("100.00"), Z),
        ("pension", "511102", "interco", Z, D("100.00")),
        ("pension", "511100", "interco", D("100.00"), Z),
        ("pension", "511100", "pooled", Z, D("100.00")),
        ("medical", "511102", "bank", D("10.00"), Z),
        ("medical", "511100", "pooled", Z, D("10.00")),
    ])  # fmt: skip
    by_fund = {b.fund: b for b in balances}
    assert len(balances) == len(Fund)
    pension = by_fund[Fund.PENSION]
    assert (pension.debit, pension.credit, pension.balanced) == (D("200.00"), D("200.00"), True)
    assert [(a.account, a.debit, a.credit) for a in pension.accounts] == [
        (A.BANK, D("100.00"), Z), (A.POOLED, Z, D("100.00")), (A.INTERCO, D("100.00"), D("100.00"))
    ]  # fmt: skip
    medical = by_fund[Fund.MEDICAL]  # totals agree, but each county on its own does not
    assert medical.debit == medical.credit and not medical.balanced
    assert medical.unbalanced_counties == ("511100", "511102")
    assert by_fund[Fund.WORK_INJURY].balanced and by_fund[Fund.WORK_INJURY].accounts == ()


def test_close_refusals_in_order() -> None:
    ok = trial_balance([])
    off = trial_balance([("pension", "511102", "bank", D("1.00"), Z)])
    assert (
        close_refusal("2026-03", closed=set(), balances=ok, today_period="2026-04", unlocked_plans=[]) is None
    )
    refused = close_refusal(
        "2026-03", closed={"2026-03"}, balances=ok, today_period="2026-04", unlocked_plans=[]
    )
    assert refused is not None and refused.code == "month_already_closed"
    refused = close_refusal("2026-04", closed=set(), balances=ok, today_period="2026-04", unlocked_plans=[])
    assert refused is not None and refused.code == "month_not_ended"
    refused = close_refusal("2026-03", closed=set(), balances=off, today_period="2026-04", unlocked_plans=[])
    assert refused is not None and refused.code == "month_not_balanced"
    assert refused.detail["funds"] == [
        {"fund": "pension", "debit": "1.00", "credit": "0.00", "counties": ["511102"]}
    ]
    refused = close_refusal(
        "2026-03", closed=set(), balances=ok, today_period="2026-04", unlocked_plans=["支付计划"]
    )
    assert refused is not None and refused.code == "month_plan_unlocked" and "支付计划" in refused.message
