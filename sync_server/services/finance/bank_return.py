"""A bank's returned file (退票文件): the payments it could not credit go back to payable.

All of the file or, on any bad line, none: ``core.bank_files.parse_returned`` reports each
problem by line and code. A returned benefit line moves the benefit's ``paid_through`` back
before its months, so the next plan pays them again; a returned payable opens again.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.months import add_months
from schema.vocabulary import Role
from sync_server.core.bank_files import LineProblem, parse_returned
from sync_server.db.tables import benefits, payables, payment_plan_lines
from sync_server.services import audit, bulk
from sync_server.services.finance.payment import check_month, plan_of, refuse, require_role


@dataclass(frozen=True)
class ReturnResult:
    month: str
    returned: int
    total: Decimal


def _file_ids(text: str) -> list[int]:
    ids = []
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if len(row) > 1 and row[0].strip() == "R" and row[1].strip().isdigit():
            ids.append(int(row[1].strip()))
    return ids


def import_returned(conn: Connection, month: str, text: str, *, by: str, now: dt.datetime) -> ReturnResult:
    """Take back the payments a bank could not credit: all of the file or, on any bad line, none."""
    check_month(month)
    require_role(conn, by, Role.FINANCE_CHECKER, Role.FINANCE_MAKER)
    plan = plan_of(conn, month, lock=True)
    if plan is None:
        raise refuse("payment_plan_missing", {"month": month}, month=month)
    if plan.status != "exported":
        raise refuse("payment_plan_not_exported", {"month": month}, month=month)
    lines = payment_plan_lines
    ids = _file_ids(text)
    known: dict[int, tuple[str, Decimal, str]] = {}
    if ids:
        query = sa.select(lines.c.id, lines.c.bank_account, lines.c.amount, lines.c.status).where(
            lines.c.plan_id == plan.id, bulk.in_list(conn, lines.c.id, ids)
        )
        known = {r.id: (r.bank_account or "", r.amount, r.status) for r in conn.execute(query)}
    found, problems = parse_returned(text, month, known)
    if problems:
        raise refuse(
            "bank_return_invalid", {"problems": [_problem(p) for p in problems]}, count=len(problems)
        )
    _put_back(conn, plan.id, found, now)
    total = sum((r.amount for r in found), Decimal("0.00"))
    audit.append(
        conn,
        actor=by,
        action="bank_return_imported",
        entity="payment_plan",
        entity_id=month,
        at=now,
        detail={
            "returned": len(found),
            "total": f"{total:.2f}",
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        },
    )
    return ReturnResult(month, len(found), total)


def _problem(p: LineProblem) -> dict[str, object]:
    return {"line": p.line, "code": p.code, "message": p.message}


def _put_back(conn: Connection, plan_id: int, found: Sequence[Any], now: dt.datetime) -> None:
    lines = payment_plan_lines
    reasons = {r.line_id: r.reason for r in found}
    rows = conn.execute(
        sa.select(lines.c.id, lines.c.source, lines.c.source_id, lines.c.first_month)
        .where(lines.c.plan_id == plan_id, bulk.in_list(conn, lines.c.id, list(reasons)))
    ).all()  # fmt: skip
    for r in rows:
        conn.execute(
            sa.update(lines)
            .where(lines.c.id == r.id)
            .values(status="returned", returned_reason=reasons[r.id])
        )
        if r.source == "benefit":  # the months are due again: the next plan pays them
            before = add_months(r.first_month, -1)
            conn.execute(
                sa.update(benefits)
                .where(benefits.c.id == r.source_id, benefits.c.paid_through >= r.first_month)
                .values(paid_through=before)
            )
        else:
            conn.execute(
                sa.update(payables).where(payables.c.id == r.source_id).values(status="open", settled_at=None)
            )
