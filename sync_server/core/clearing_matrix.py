"""Clearing between counties (征收归属与核算): who collected whose money in a period. Pure.

A party is a county or 市本级 (511100, the city bureau's own units: a party like any
county, owed what the stations collect for it). Ledger entries come in pairs (``core.ledger``): ``collected`` (+amount) at the collecting
county against the owed county, and ``owed`` (−amount) at the owed county against the
collector. From them:

* the **matrix**: for each collecting county × owed county × insurance type × account,
  the amount collected (the diagonal is what a county collected for itself);
* each county's **net position**: collected for others − collected by others for it.
  Positive: the county holds other counties' money and pays it out; negative: it is owed;
* the **checks**: the net positions sum to zero; each county's own ledger balance (the sum
  of all its entries, computed without the matrix) equals its net position; every pair
  sums to zero. A report that fails a check names what is wrong.

Desk money nobody owns yet sits in suspense (``core.suspense``: sides ``held``,
``suspense``, ``refund`` at the collecting county): a complex item's fee until its
decision, a conflict case's until it is resolved, and what is owed back after a rejection
or a withdrawal. It is no county's income: it stays out of the matrix and the net
positions and is reported per county as ``holdings``, the refunds also case by case
(``refunds``: what each collecting county must pay back to whom).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from schema.divisions import party_name
from schema.vocabulary import Account, InsuranceType, labels
from sync_server.core.suspense import HELD, HOLDING_SIDES, REFUND, SUSPENSE

ZERO = Decimal("0.00")
_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def parse_period(text: str) -> str:
    """``YYYY-MM`` (month 01–12); ValueError otherwise."""
    value = text.strip()
    if not _PERIOD.fullmatch(value):
        raise ValueError(value)
    return value


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``ledger_entries`` row."""

    case_id: str
    county_code: str
    counterparty_county: str
    insurance_type: str
    account: str
    side: str  # collected | owed
    amount: Decimal
    contribution_month: str | None = None


@dataclass(frozen=True, slots=True)
class Cell:
    collecting: str
    owed: str
    insurance_type: str
    account: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Position:
    county: str
    collected_for_others: Decimal
    collected_by_others: Decimal
    ledger_balance: Decimal  # the sum of the county's own entries: must equal net

    @property
    def net(self) -> Decimal:
        return self.collected_for_others - self.collected_by_others


@dataclass(frozen=True, slots=True)
class Holding:
    """Desk money a county holds for nobody yet: 暂收款 (conflict cases) and 应退款 (refunds due)."""

    county: str
    suspense: Decimal
    refund: Decimal


@dataclass(frozen=True, slots=True)
class RefundDue:
    """应退款 of one case made in the period: the collecting county pays it back."""

    case_id: str
    county: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class UnbalancedPair:
    """Entries of one case, pair of counties, insurance type, account and month not summing to zero."""

    case_id: str
    collecting: str
    owed: str
    insurance_type: str
    account: str
    contribution_month: str | None
    total: Decimal


@dataclass(frozen=True)
class ClearingReport:
    period: str
    entries: int
    cells: tuple[Cell, ...]
    positions: tuple[Position, ...]
    unbalanced: tuple[UnbalancedPair, ...]
    unknown_sides: tuple[str, ...]  # case ids with an entry whose side is neither collected nor owed
    # 暂收款 and 应退款 per collecting county (core.suspense): held, never any county's income
    holdings: tuple[Holding, ...] = ()
    refunds: tuple[RefundDue, ...] = ()  # the refunds payable of the period, case by case

    @property
    def net_total(self) -> Decimal:
        return sum((p.net for p in self.positions), ZERO)

    @property
    def positions_match_ledger(self) -> bool:
        return all(p.net == p.ledger_balance for p in self.positions)

    @property
    def balanced(self) -> bool:
        return (
            self.net_total == ZERO
            and self.positions_match_ledger
            and not self.unbalanced
            and not self.unknown_sides
        )


def _pair_key(e: Entry) -> tuple[str, str, str, str, str, str | None]:
    collecting, owed = (
        (e.county_code, e.counterparty_county)
        if e.side != "owed"  # collected, or a holding side (core.suspense) at the collector
        else (e.counterparty_county, e.county_code)
    )
    return (e.case_id, collecting, owed, e.insurance_type, e.account, e.contribution_month)


def clearing_report(period: str, entries: Iterable[Entry]) -> ClearingReport:
    """The matrix, positions and checks over one period's ledger entries."""
    cells: dict[tuple[str, str, str, str], Decimal] = defaultdict(lambda: ZERO)
    balance: dict[str, Decimal] = defaultdict(lambda: ZERO)
    pairs: dict[tuple[str, str, str, str, str, str | None], Decimal] = defaultdict(lambda: ZERO)
    unknown: set[str] = set()
    held: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    refunds: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    count = 0
    for e in entries:
        count += 1
        balance[e.county_code] += e.amount
        balance.setdefault(e.counterparty_county, ZERO)
        if e.side in HOLDING_SIDES:  # balanced within the county, never income: its own line
            pairs[_pair_key(e)] += e.amount
            if e.side != HELD:
                held[(e.county_code, e.side)] -= e.amount
            if e.side == REFUND:
                refunds[(e.case_id, e.county_code)] -= e.amount
            continue
        if e.side not in ("collected", "owed"):
            unknown.add(e.case_id)
            continue
        pairs[_pair_key(e)] += e.amount
        if e.side == "collected":
            cells[(e.county_code, e.counterparty_county, e.insurance_type, e.account)] += e.amount
    for_others: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_others: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for (collecting, owed, _, _), amount in cells.items():
        if collecting != owed:
            for_others[collecting] += amount
            by_others[owed] += amount
    return ClearingReport(
        period=period,
        entries=count,
        cells=tuple(Cell(*key, amount) for key, amount in sorted(cells.items())),
        positions=tuple(
            Position(county, for_others[county], by_others[county], balance[county])
            for county in sorted(balance)
        ),
        unbalanced=tuple(
            sorted(
                (UnbalancedPair(*key, total) for key, total in pairs.items() if total != 0),
                key=lambda u: (
                    u.case_id,
                    u.collecting,
                    u.owed,
                    u.insurance_type,
                    u.account,
                    u.contribution_month or "",
                ),
            )
        ),
        unknown_sides=tuple(sorted(unknown)),
        holdings=tuple(
            Holding(county, held[(county, SUSPENSE)], held[(county, REFUND)])
            for county in sorted({c for c, _ in held})
            if held[(county, SUSPENSE)] or held[(county, REFUND)]
        ),
        refunds=tuple(
            RefundDue(case, county, amount) for (case, county), amount in sorted(refunds.items()) if amount
        ),
    )


_WORDS: dict[str, str] = {**labels(InsuranceType), **labels(Account)}


def county_label(code: str) -> str:
    """区县 name for a county code, 市本级 for the city's 511100 (the code itself when unknown)."""
    return party_name(code)


def vocabulary_label(value: str) -> str:
    """险种 / 账户 label (the value itself when the vocabulary has no word for it)."""
    return _WORDS.get(value, value)
