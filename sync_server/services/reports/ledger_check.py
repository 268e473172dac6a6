"""The ledger-vs-records check over the database (see ``core.ledger_check``).

Three grouped reads (ledger entries per case, side and insurance type; contribution
records per case and insurance type; refund payables per case) and the cases they name,
then the pure check. Only records and payables that come from a case take part: unit
declarations and the archive have no desk money behind them, and a refund of money paid
elsewhere (C013 退费: a payable on the insurance's fund) is not desk money either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.catalog import load_catalog
from sync_server.core import suspense
from sync_server.core.ledger_check import ZERO, CaseMoney, LedgerCheck, check_ledger
from sync_server.db.tables import cases, contribution_records, ledger_entries, payables

REFUND_KIND = "fee_refund"


def ledger_check(conn: Connection) -> LedgerCheck:
    e, r, p, c = ledger_entries.c, contribution_records.c, payables.c, cases.c
    ledger: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    for case_id, side, insurance, amount in conn.execute(
        sa.select(e.case_id, e.side, e.insurance_type, sa.func.sum(e.amount)).group_by(
            e.case_id, e.side, e.insurance_type
        )
    ):
        ledger[case_id][(side, insurance)] = Decimal(amount)
    records: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for case_id, insurance, amount in conn.execute(
        sa.select(r.case_id, r.insurance_type, sa.func.sum(r.employer_part + r.personal_part))
        .where(r.case_id.is_not(None))
        .group_by(r.case_id, r.insurance_type)
    ):
        records[case_id][insurance] = Decimal(amount)
    refunds: dict[str, Decimal] = {
        case_id: Decimal(amount)
        for case_id, amount in conn.execute(
            sa.select(p.case_id, sa.func.sum(p.amount))
            .where(
                p.kind == REFUND_KIND,
                p.fund == suspense.SUSPENSE,
                p.status != "cancelled",
                p.case_id.is_not(None),
            )
            .group_by(p.case_id)
        )
    }
    named = sorted(set(ledger) | set(records) | set(refunds))
    catalog = load_catalog()
    fee_items = {item.code for item in catalog.items if item.fee_kind is not None}
    known: dict[str, tuple[str, str, str]] = {}
    for start in range(0, len(named), 5000):
        chunk = named[start : start + 5000]
        for case_id, number, item, status in conn.execute(
            sa.select(c.case_id, c.case_number, c.item_code, c.status).where(c.case_id.in_(chunk))
        ):
            known[case_id] = (number, item, status)

    def each() -> Iterator[CaseMoney]:
        for case_id in named:
            number, item, status = known.get(case_id, ("（未知案件）", "", ""))
            yield CaseMoney(case_id, number, item, status, item in fee_items, ledger.get(case_id, {}),
                            records.get(case_id, {}), refunds.get(case_id, ZERO))  # fmt: skip

    return check_ledger(each())
