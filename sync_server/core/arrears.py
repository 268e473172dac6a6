"""Arrears (欠费) and late fees (滞纳金): the plan matched against what was paid. Pure.

A plan line is **in arrears** on a day after its due date (``core.collection_plan.due_date``)
when what was paid for its month, payer and insurance is less than what it plans; the
unpaid rest is the arrears. Paid means the contribution records of that month: for a unit,
its employer and employee parts of the insurance; for a flexible worker, his own rows of the
insurance (refund rows count negative).

**Late fee** (社会保险法 §86: 自欠缴之日起，按日加收万分之五的滞纳金): 0.05 % of the unpaid
amount for each day from the day after the due date up to and including the day it is
computed for, ``to_fen`` half up once on the total (not per day), so 1,000.00 unpaid for 17
days is 1000 × 0.0005 × 17 = 8.50. On or before the due date there is no fee.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from schema.money import to_fen
from sync_server.core.collection_plan import ZERO, PlanLine

LATE_FEE_DAILY_RATE = Decimal("0.0005")  # 万分之五 per day, 社会保险法 §86

PlanKey = tuple[str, str, str, str]  # (month, payer_kind, payer, insurance)


def days_overdue(due: dt.date, on: dt.date) -> int:
    """Whole days in arrears on ``on``: from the day after ``due`` to ``on``, both counted."""
    return max((on - due).days, 0)


def late_fee(
    unpaid: Decimal, due: dt.date, on: dt.date, daily_rate: Decimal = LATE_FEE_DAILY_RATE
) -> Decimal:
    """The late fee on ``unpaid`` owed since ``due``, computed for the day ``on``, in fen."""
    if unpaid <= 0:
        return ZERO
    return to_fen(unpaid * daily_rate * days_overdue(due, on))


@dataclass(frozen=True, slots=True)
class Arrear:
    """One plan line not paid in full by its due date."""

    line: PlanLine
    paid: Decimal
    unpaid: Decimal
    days: int
    late_fee: Decimal


@dataclass(frozen=True, slots=True)
class PayerArrears:
    """A payer's arrears over every month: the months, what is unpaid and the late fees."""

    payer_kind: str
    payer: str
    items: tuple[Arrear, ...]

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(sorted({a.line.month for a in self.items}))

    @property
    def unpaid(self) -> Decimal:
        return sum((a.unpaid for a in self.items), ZERO)

    @property
    def late_fees(self) -> Decimal:
        return sum((a.late_fee for a in self.items), ZERO)


def unpaid_of(line: PlanLine, paid: Mapping[PlanKey, Decimal]) -> tuple[Decimal, Decimal]:
    """(paid, unpaid) of one line; an overpayment leaves nothing unpaid (it is not arrears)."""
    got = paid.get(line.key, ZERO)
    return got, max(line.amount - got, ZERO)


def arrears(lines: Iterable[PlanLine], paid: Mapping[PlanKey, Decimal], on: dt.date) -> list[PayerArrears]:
    """Every payer in arrears on ``on``, by payer, each with its months in order."""
    found: dict[tuple[str, str], list[Arrear]] = {}
    for line in lines:
        if on <= line.due_date:
            continue
        got, unpaid = unpaid_of(line, paid)
        if unpaid <= 0:
            continue
        item = Arrear(line, got, unpaid, days_overdue(line.due_date, on), late_fee(unpaid, line.due_date, on))
        found.setdefault((line.payer_kind, line.payer), []).append(item)
    return [
        PayerArrears(kind, payer, tuple(sorted(items, key=lambda a: (a.line.month, a.line.insurance))))
        for (kind, payer), items in sorted(found.items())
    ]
