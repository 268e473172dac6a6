"""Desk money of a conflict case: held in suspense (暂收款) until 综合业务科 resolves it. Pure.

A conflict case's registry change has not been made, so the fee the applicant paid is
nobody's income yet. Instead of the ``collected``/``owed`` pairs of :mod:`.ledger`, its
lines post at the collecting county (counterparty: the owed county, where the money
goes once the case stands) on three sides of their own:

* ``held`` (+amount): the cash the collecting county holds for the case;
* ``suspense`` (−amount): 暂收款, what it holds belongs to no county yet;
* ``refund`` (−amount): 应退款, what it holds is owed back to the applicant.

Every posting here is balanced line by line (and within the one county), so county
balances, net positions and the clearing matrix never see suspense as income, and the
city's totals still net to zero. A resolution moves what is in suspense with balanced
entries: to the counties (the ordinary pairs) or to a refund payable; a withdrawal hands
it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal

from schema.vocabulary import Tier
from sync_server.core.clock import posting_period
from sync_server.core.ledger import Posting

HELD, SUSPENSE, REFUND = "held", "suspense", "refund"
HOLDING_SIDES = frozenset({HELD, SUSPENSE, REFUND})
ZERO = Decimal("0.00")

Key = tuple[str, str, str, str, str | None]  # county, counterparty, insurance type, account, month
Row = dict[str, Any]


def _row(period: str, key: Key, side: str, amount: Decimal) -> Row:
    county, counterparty, insurance, account, month = key
    return {
        "period": period,
        "county_code": county,
        "counterparty_county": counterparty,
        "insurance_type": insurance,
        "account": account,
        "side": side,
        "amount": amount,
        "contribution_month": month,
    }


def hold(postings: Iterable[Posting]) -> list[Row]:
    """The suspense pairs that take the place of a fee's ``collected``/``owed`` pairs."""
    out: list[Row] = []
    for p in postings:
        if p.side != "collected":
            continue
        key = (p.county_code, p.counterparty_county, p.insurance_type, p.account, p.contribution_month)
        out += [_row(p.period, key, HELD, p.amount), _row(p.period, key, SUSPENSE, -p.amount)]
    return out


def in_suspense(rows: Iterable[Mapping[str, Any]]) -> dict[Key, Decimal]:
    """What a case still has in suspense, per line (positive amounts), from its ledger rows."""
    open_: dict[Key, Decimal] = {}
    for r in rows:
        if r["side"] != SUSPENSE:
            continue
        key = (r["county_code"], r["counterparty_county"], r["insurance_type"], r["account"],
               r["contribution_month"])  # fmt: skip
        open_[key] = open_.get(key, ZERO) - Decimal(r["amount"])
    return {k: v for k, v in open_.items() if v != 0}


def goes_to(tier: str, choice: str) -> Literal["counties", "refund"]:
    """Where a conflict case's suspense goes when 综合业务科 resolves the conflict (``choice``:
    ``server`` keeps the registry's version, ``station`` takes the change). A general item
    kept at the registry's version was not done: its money is owed back. Otherwise the case
    stands (or goes on to review) and its money is the counties'."""
    return "refund" if Tier(tier) is Tier.GENERAL and choice == "server" else "counties"


def release(
    rows: Iterable[Mapping[str, Any]],
    *,
    to: Literal["counties", "refund", "applicant"],
    posted_at: dt.datetime,
) -> list[Row]:
    """Balanced entries moving a case's suspense on.

    ``counties``: out of suspense into the ordinary pairs (collected at the collecting
    county for the owed county); ``refund``: into a refund payable, the cash stays held;
    ``applicant``: handed back at the desk (a withdrawal), nothing held any more.
    """
    period = posting_period(posted_at)
    out: list[Row] = []
    for key, amount in sorted(in_suspense(rows).items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        out.append(_row(period, key, SUSPENSE, amount))
        if to == "refund":
            out.append(_row(period, key, REFUND, -amount))
            continue
        out.append(_row(period, key, HELD, -amount))
        if to == "counties":
            county, owed, insurance, account, month = key
            out.append(_row(period, key, "collected", amount))
            out.append(_row(period, (owed, county, insurance, account, month), "owed", -amount))
    return out
