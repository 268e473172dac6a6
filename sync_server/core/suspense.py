"""Desk money nobody owns yet: held in suspense (暂收款) until the case is decided. Pure.

Two kinds of case take money at the desk before anything is done: a complex item that
collects a fee (C012 城乡居民养老保险补缴) waits for the back office's decision, and a
conflict case waits for 综合业务科. Their fee is nobody's income yet. Instead of the
``collected``/``owed`` pairs of :mod:`.ledger`, its lines post at the collecting county
(counterparty: the owed county, where the money goes once the case stands) on three
sides of their own:

* ``held`` (+amount): the cash the collecting county holds for the case;
* ``suspense`` (−amount): 暂收款, what it holds belongs to no county yet;
* ``refund`` (−amount): 应退款, what it holds is owed back to the applicant.

Every posting here is balanced line by line (and within the one county), so county
balances, net positions and the clearing matrix never see suspense as income, and the
city's totals still net to zero. A resolution moves what is in suspense with balanced
entries: to the counties (the ordinary pairs; the months paid become contribution
records, ``core.contribution_rows``) or to a refund payable. Money follows the decision:
approval → the counties; rejection or withdrawal → a refund payable (应退款); a return
for supplement leaves it where it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal

from schema.lifecycle import CaseEvent
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


Destination = Literal["counties", "refund", "decision"]


def held_until_decision(tier: str) -> bool:
    """Whether a case's desk fee waits in suspense from its arrival: a complex item is not
    done until the back office decides, so its money is nobody's income before that."""
    return Tier(tier) is Tier.COMPLEX


def goes_to(tier: str, choice: str) -> Destination:
    """Where a conflict case's suspense goes when 综合业务科 resolves the conflict (``choice``:
    ``server`` keeps the registry's version, ``station`` takes the change). A complex case
    goes (back) to review: its money waits for the decision. A general item kept at the
    registry's version was not done: its money is owed back; taking the change finishes it:
    the money is the counties'."""
    if held_until_decision(tier):
        return "decision"
    return "refund" if choice == "server" else "counties"


def on_decision(event: CaseEvent) -> Literal["counties", "refund"] | None:
    """Where a complex case's suspense goes with the step taken on it: approval posts it to
    the counties, a rejection or a withdrawal makes it a refund payable to the applicant,
    anything else (a return for supplement, a claim) leaves it in suspense."""
    if event is CaseEvent.APPROVE:
        return "counties"
    if event in (CaseEvent.REJECT, CaseEvent.WITHDRAW):
        return "refund"
    return None


def release(
    rows: Iterable[Mapping[str, Any]],
    *,
    to: Literal["counties", "refund"],
    posted_at: dt.datetime,
) -> list[Row]:
    """Balanced entries moving a case's suspense on.

    ``counties``: out of suspense into the ordinary pairs (collected at the collecting
    county for the owed county); ``refund``: into a refund payable (应退款), the cash stays
    held by the collecting county until it is paid back to the applicant.
    """
    period = posting_period(posted_at)
    out: list[Row] = []
    for key, amount in sorted(in_suspense(rows).items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        out.append(_row(period, key, SUSPENSE, amount))
        if to == "refund":
            out.append(_row(period, key, REFUND, -amount))
            continue
        out.append(_row(period, key, HELD, -amount))
        county, owed, insurance, account, month = key
        out.append(_row(period, key, "collected", amount))
        out.append(_row(period, (owed, county, insurance, account, month), "owed", -amount))
    return out


def refund_payable(
    moved: Iterable[Mapping[str, Any]], *, case_id: str, id_number: str | None, payee: str, at: dt.datetime
) -> Row | None:
    """The payable line (``payables``, kind ``fee_refund``) of the refund a release made:
    what the collecting county owes back to the applicant (None when nothing was refunded)."""
    refunds = [r for r in moved if r["side"] == REFUND]
    if not refunds:
        return None
    return {
        "id_number": id_number, "unit_uscc": None, "payee_name": payee, "kind": "fee_refund",
        "amount": -sum((Decimal(r["amount"]) for r in refunds), ZERO), "direction": "pay", "status": "open",
        "case_id": case_id, "county_code": refunds[0]["county_code"], "fund": SUSPENSE,
        "detail": {"lines": [{"insurance_type": r["insurance_type"], "account": r["account"],
                              "month": r["contribution_month"], "amount": str(-Decimal(r["amount"]))}
                             for r in refunds]},
        "created_at": at, "settled_at": None,
    }  # fmt: skip
