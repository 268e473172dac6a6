"""The journal entry of a paid 缴费通知单: money the bank put straight into the fund. Pure.

A notice paid through the bank or 税务 never passes a desk, so it has no ledger pair
(collected at one county, owed at another) and no 内部往来: the money lands in the fund's
收入户 and belongs to the notice's county (the person's flexible-worker 参保地). One entry
per notice (source ``bank_notice``, the reference), booked in the month the bank paid it:
银行存款 debited, each fee line's fund account (统筹基金 / 个人账户) credited, by fund.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from schema.fees import Contribution
from sync_server.core.journal import ZERO, Fund, JournalAccount, JournalEntry, JournalLine, fund_of

SOURCE_KIND = "bank_notice"


def from_paid_notice(
    reference: str, county_code: str, paid_on: dt.date, fee: Mapping[str, Any]
) -> JournalEntry:
    """The entry of one paid notice (``fee``: the stored :class:`schema.fees.Contribution`)."""
    contribution = Contribution.model_validate(fee)
    credits: dict[tuple[Fund, JournalAccount], Decimal] = {}
    for line in contribution.lines:
        if line.payer != "person":  # a subsidy line is not money the bank received
            continue
        key = (fund_of(line.insurance.value), JournalAccount(line.account.value))
        credits[key] = credits.get(key, ZERO) + line.amount
    lines: list[JournalLine] = []
    for fund in sorted({f for f, _ in credits}, key=lambda f: f.value):
        total = sum((v for (f, _), v in credits.items() if f == fund), ZERO)
        lines.append(JournalLine(fund, county_code, JournalAccount.BANK, total, ZERO))
        lines += [
            JournalLine(fund, county_code, account, ZERO, amount)
            for (f, account), amount in sorted(credits.items(), key=lambda kv: kv[0][1].value)
            if f == fund and amount
        ]
    memo = f"银行缴费 缴费通知单 {reference}（{contribution.months[0] if contribution.months else ''}起）"
    return JournalEntry(SOURCE_KIND, reference, f"{paid_on:%Y-%m}", memo, tuple(lines))
