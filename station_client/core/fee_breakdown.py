"""A fee's decomposition as receipts and the clerk's screen show it.

Built from the :class:`schema.cases.FeeSummary` that travels with the case, so what is
printed is exactly what was sent. Every group is a sum of the same lines, so each
grouping adds up to the total to the fen (schema.fees guarantees the lines do).
Amounts are decimal strings with two places.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from schema.cases import FeeLineWire, FeeSummary
from schema.vocabulary import label

_PAYER_LABELS = {"person": "个人缴纳", "employer": "单位缴纳", "government": "政府补贴"}


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _group(lines: Iterable[FeeLineWire], key: Callable[[FeeLineWire], str]) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[key(line)] = totals.get(key(line), Decimal("0.00")) + line.amount
    return {k: _money(v) for k, v in totals.items()}


def breakdown(fee: FeeSummary) -> dict[str, Any]:
    """JSON-ready decomposition: lines, totals by insurance / account / month / payer."""
    lines = fee.lines
    return {
        "kind": fee.kind.value,
        "kind_label": label(fee.kind),
        "rates_version": fee.rates_version,
        "total": _money(fee.total),
        "collected": _money(fee.collected),
        "subsidy": _money(fee.total - fee.collected),
        "lines": [
            {
                "insurance": line.insurance.value,
                "insurance_label": label(line.insurance),
                "account": line.account.value,
                "account_label": label(line.account),
                "month": line.month,
                "payer": line.payer,
                "payer_label": _PAYER_LABELS[line.payer],
                "amount": _money(line.amount),
            }
            for line in lines
        ],
        "by_insurance": _group(lines, lambda x: label(x.insurance)),
        "by_account": _group(lines, lambda x: label(x.account)),
        "by_month": _group(lines, lambda x: x.month or "全年"),
        "by_payer": _group(lines, lambda x: _PAYER_LABELS[x.payer]),
    }
