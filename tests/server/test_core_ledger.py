"""Ledger pairs: every posting pair sums to zero, whatever the lines and counties (pure, Hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from schema.fees import FeeLine, compute_fee, fee_request_from_form
from schema.rates import load_rates
from schema.vocabulary import Account, FeeKind, InsuranceType
from sync_server.core.ledger import post_fee

COUNTIES = [
    "511102",
    "511111",
    "511112",
    "511113",
    "511123",
    "511124",
    "511126",
    "511129",
    "511132",
    "511133",
    "511181",
]
AT = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 2026-12-01 in Beijing

lines = st.builds(
    FeeLine,
    insurance=st.sampled_from(list(InsuranceType)),
    account=st.sampled_from(list(Account)),
    month=st.one_of(st.none(), st.sampled_from(["2026-01", "2026-02", "2026-03"])),
    amount=st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False),
    payer=st.sampled_from(["person", "person", "government"]),
)


@given(st.lists(lines, max_size=30), st.sampled_from(COUNTIES), st.sampled_from(COUNTIES), st.booleans())
def test_every_pair_sums_to_zero_and_matches_what_was_paid(
    fee_lines: list[FeeLine], collecting: str, owed: str, reverse: bool
) -> None:
    postings = post_fee(
        fee_lines, collecting_county=collecting, owed_county=owed, posted_at=AT, reverse=reverse
    )
    assert len(postings) % 2 == 0
    for collected, debt in zip(postings[::2], postings[1::2], strict=True):
        assert (collected.side, debt.side) == ("collected", "owed")
        assert collected.amount + debt.amount == 0
        assert (collected.county_code, collected.counterparty_county) == (collected.county_code, owed)
        assert (debt.county_code, debt.counterparty_county) == (owed, collecting)
        key = (collected.insurance_type, collected.account, collected.contribution_month)
        assert key == (debt.insurance_type, debt.account, debt.contribution_month)
    assert {p.period for p in postings} <= {"2026-12"}
    paid = sum((x.amount for x in fee_lines if x.payer == "person"), Decimal(0))
    collected_total = sum((p.amount for p in postings if p.side == "collected"), Decimal(0))
    assert collected_total == (-paid if reverse else paid)
    assert sum((p.amount for p in postings), Decimal(0)) == 0


def test_a_flexible_workers_quarter_posts_per_insurance_account_and_month() -> None:
    request = fee_request_from_form(
        FeeKind.FLEXIBLE_WORKER,
        {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True},
    )
    contribution = compute_fee(request, load_rates())
    postings = post_fee(contribution.lines, collecting_county="511102", owed_county="511123", posted_at=AT)
    collected = [p for p in postings if p.side == "collected"]
    assert sum(p.amount for p in collected) == contribution.payer_amount
    assert len({(p.insurance_type, p.account, p.contribution_month) for p in collected}) == len(collected)


def test_subsidy_is_not_posted_as_collected() -> None:
    contribution = compute_fee(
        fee_request_from_form(FeeKind.RESIDENT_PENSION, {"grade": "500", "year": "2025"}), load_rates()
    )
    postings = post_fee(contribution.lines, collecting_county="511102", owed_county="511102", posted_at=AT)
    assert sum(p.amount for p in postings if p.side == "collected") == contribution.payer_amount
    assert contribution.subsidy_amount > 0
