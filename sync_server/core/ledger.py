"""Ledger postings for fees collected at a desk (征收归属与核算).

Every fee line the applicant paid becomes a pair of entries:

* ``collected`` (+amount) at the collecting county (the station's), against the owed county;
* ``owed`` (-amount) at the owed county (the registration county, or 市本级 511100), against
  the collector.

Each pair sums to zero, so the clearing report balances by construction. Lines are
grouped per insurance type, account and contribution month first. Government subsidy
lines (residents' pension) are credited by the treasury, not taken in at the desk, so
they are not postings of the station's county. The period is the posting month in Beijing.
A reversal (a withdrawn case whose money is handed back) posts the same pairs negated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from schema.fees import FeeLine
from sync_server.core.clock import posting_period

Side = Literal["collected", "owed"]
ZERO = Decimal("0.00")
ONE = Decimal(1)  # post_fee's sign: ``amount * ONE`` is what it posts (the context's rounding)


@dataclass(frozen=True, slots=True)
class Posting:
    period: str
    county_code: str
    counterparty_county: str
    insurance_type: str
    account: str
    side: Side
    amount: Decimal
    contribution_month: str | None

    def row(self) -> dict[str, object]:
        return {
            "period": self.period,
            "county_code": self.county_code,
            "counterparty_county": self.counterparty_county,
            "insurance_type": self.insurance_type,
            "account": self.account,
            "side": self.side,
            "amount": self.amount,
            "contribution_month": self.contribution_month,
        }


def _grouped(lines: Iterable[FeeLine]) -> dict[tuple[str, str, str | None], Decimal]:
    totals: dict[tuple[str, str, str | None], Decimal] = {}
    for line in lines:
        if line.payer != "person":
            continue
        # ``_value_`` is what ``.value`` answers, without the enum property's call per line.
        key = (line.insurance._value_, line.account._value_, line.month)
        totals[key] = totals.get(key, ZERO) + line.amount
    return totals


def post_fee(
    lines: Iterable[FeeLine],
    *,
    collecting_county: str,
    owed_county: str,
    posted_at: dt.datetime,
    reverse: bool = False,
) -> list[Posting]:
    """The pairs for one case's fee lines (empty when nothing was paid at the desk)."""
    period = posting_period(posted_at)
    sign = Decimal(-1) if reverse else Decimal(1)
    postings: list[Posting] = []
    for (insurance, account, month), amount in _grouped(lines).items():
        if amount == 0:
            continue
        signed = amount * sign
        postings.append(
            Posting(period, collecting_county, owed_county, insurance, account, "collected", signed, month)
        )
        postings.append(
            Posting(period, owed_county, collecting_county, insurance, account, "owed", -signed, month)
        )
    return postings


def fee_rows(
    lines: Iterable[FeeLine], *, collecting_county: str, owed_county: str, posted_at: dt.datetime
) -> list[dict[str, object]]:
    """``[p.row() for p in post_fee(...)]`` without the :class:`Posting` objects: a push
    posts thousands of fees, and the rows are all it stores."""
    period = posting_period(posted_at)
    rows: list[dict[str, object]] = []
    for (insurance, account, month), amount in _grouped(lines).items():
        if amount == 0:
            continue
        signed = amount * ONE
        rows.append({"period": period, "county_code": collecting_county, "counterparty_county": owed_county,
                     "insurance_type": insurance, "account": account, "side": "collected", "amount": signed,
                     "contribution_month": month})  # fmt: skip
        rows.append({"period": period, "county_code": owed_county, "counterparty_county": collecting_county,
                     "insurance_type": insurance, "account": account, "side": "owed", "amount": -signed,
                     "contribution_month": month})  # fmt: skip
    return rows
