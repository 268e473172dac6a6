"""支付计划: build, approve, export and take back the month's payment plan (SQL side).

The rules are pure (``core.payroll`` builds the lines, ``core.bank_files`` writes and reads
the banks' files); this module loads what is due in a few queries, writes the plan in one
statement per table and audits every change. A maker (``finance_maker``) builds, a
different checker (``finance_checker``) approves, export locks the plan and marks what it
pays as paid; a returned bank file puts the failed payments back to be paid again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.months import month_index
from schema.payment_error_codes import PAYMENT_ERROR_CODES
from schema.vocabulary import Role
from sync_server.core import payroll
from sync_server.core.bank_files import BankFile, Payment, bank_file
from sync_server.db.tables import (
    benefits,
    determinations,
    payables,
    payment_plan_lines,
    payment_plans,
    persons,
    staff,
)
from sync_server.errors import ApiError
from sync_server.services import audit, bulk

NO_BANK = "（无开户银行）"


def refuse(code: str, detail: dict[str, Any] | None = None, **values: object) -> ApiError:
    return ApiError(code, PAYMENT_ERROR_CODES[code][1].format(**values), detail or {})


def check_month(month: str) -> str:
    try:
        month_index(month)
    except ValueError:
        raise refuse("payment_plan_month_invalid", {"month": month}) from None
    return month


def require_role(conn: Connection, username: str, *roles: Role) -> None:
    row = conn.execute(sa.select(staff.c.role, staff.c.disabled).where(staff.c.username == username)).first()
    if row is None or row.disabled or row.role not in {r.value for r in roles}:
        code = "payment_plan_not_maker" if roles == (Role.FINANCE_MAKER,) else "payment_plan_not_checker"
        raise refuse(code, {"username": username})


def plan_of(conn: Connection, month: str, *, lock: bool = False) -> Any:
    query = sa.select(payment_plans).where(payment_plans.c.month == month)
    return conn.execute(query.with_for_update() if lock else query).first()


# ---- build --------------------------------------------------------------------------


def _benefits_due(conn: Connection, month: str) -> list[payroll.BenefitDue]:
    certified = (
        sa.select(determinations.c.id_number, sa.func.max(determinations.c.valid_from).label("on"))
        .where(determinations.c.kind == "pension_certification")
        .group_by(determinations.c.id_number)
        .subquery()
    )
    query = (
        sa.select(
            benefits.c.id,
            benefits.c.id_number,
            persons.c.name,
            persons.c.status.label("person_status"),
            benefits.c.kind,
            benefits.c.monthly_amount,
            benefits.c.status,
            benefits.c.start_month,
            benefits.c.end_month,
            benefits.c.paid_through,
            benefits.c.bank_name,
            benefits.c.bank_account,
            benefits.c.county_code,
            certified.c.on,
        )
        .select_from(
            benefits.join(persons, persons.c.id_number == benefits.c.id_number).outerjoin(
                certified, certified.c.id_number == benefits.c.id_number
            )
        )
        .where(
            benefits.c.status.in_(["in_payment", "suspended"]),
            benefits.c.start_month <= month,
            sa.or_(benefits.c.paid_through.is_(None), benefits.c.paid_through < month),
        )
    )
    return [
        payroll.BenefitDue(
            id=r.id,
            id_number=r.id_number,
            name=r.name,
            alive=r.person_status == "alive",
            kind=r.kind,
            monthly_amount=r.monthly_amount,
            status=r.status,
            start_month=r.start_month,
            end_month=r.end_month,
            paid_through=r.paid_through,
            bank_name=r.bank_name,
            bank_account=r.bank_account,
            county=r.county_code,
            certified_on=r.on,
        )
        for r in conn.execute(query)
    ]


def _payables_due(conn: Connection) -> list[payroll.PayableDue]:
    query = sa.select(payables).where(payables.c.status == "open", payables.c.direction == "pay")
    rows = conn.execute(query).all()
    # A payable without its own account is paid into the account the person's benefits use.
    ids = sorted({r.id_number for r in rows if r.id_number and not (r.detail or {}).get("bank_account")})
    accounts: dict[str, tuple[str | None, str]] = {}
    if ids:
        known = sa.select(benefits.c.id_number, benefits.c.bank_name, benefits.c.bank_account).where(
            bulk.in_list(conn, benefits.c.id_number, ids), benefits.c.bank_account.is_not(None)
        )
        accounts = {
            r.id_number: (r.bank_name, r.bank_account) for r in conn.execute(known.order_by(benefits.c.id))
        }
    out = []
    for r in rows:
        detail = r.detail or {}
        own = detail.get("bank_account")
        name, account = (
            (detail.get("bank_name"), own) if own else accounts.get(r.id_number or "", (None, None))
        )
        out.append(
            payroll.PayableDue(
                id=r.id,
                id_number=r.id_number,
                unit_uscc=r.unit_uscc,
                payee_name=r.payee_name,
                kind=r.kind,
                amount=r.amount,
                fund=r.fund,
                county=r.county_code,
                bank_name=name,
                bank_account=account,
            )
        )
    return out


@dataclass(frozen=True)
class BuildResult:
    month: str
    changed: bool
    lines: int
    total: Decimal
    left_out: dict[str, int] = field(default_factory=dict)


def build(conn: Connection, month: str, *, maker: str, now: dt.datetime) -> BuildResult:
    """Build (or rebuild) ``month``'s plan as ``maker``; a rebuild that changes nothing writes nothing."""
    check_month(month)
    require_role(conn, maker, Role.FINANCE_MAKER)
    existing = plan_of(conn, month, lock=True)
    if existing is not None and existing.status != "prepared":
        raise refuse("payment_plan_locked", {"month": month, "status": existing.status}, month=month)
    lines = payroll.plan_lines(month, _benefits_due(conn, month), _payables_due(conn))
    paid = [x for x in lines if x.included]
    total = sum((x.amount for x in paid), Decimal("0.00"))
    result = BuildResult(month, False, len(paid), total, dict(payroll.counts_by_reason(lines)))
    digest = payroll.digest(lines)
    if existing is not None and existing.digest == digest:
        return result
    values = {"status": "prepared", "lines": len(paid), "left_out": len(lines) - len(paid), "total": total,
              "digest": digest, "prepared_by": maker, "prepared_at": now}  # fmt: skip
    if existing is None:
        inserted = conn.execute(sa.insert(payment_plans).values(month=month, **values)).inserted_primary_key
        plan_id = int(inserted[0]) if inserted else 0
    else:
        plan_id = existing.id
        conn.execute(sa.delete(payment_plan_lines).where(payment_plan_lines.c.plan_id == plan_id))
        conn.execute(sa.update(payment_plans).where(payment_plans.c.id == plan_id).values(**values))
    bulk.insert_rows(conn, payment_plan_lines, [_line_row(plan_id, x) for x in lines])
    audit.append(
        conn,
        actor=maker,
        action="payment_plan_built",
        entity="payment_plan",
        entity_id=month,
        at=now,
        detail={"lines": len(paid), "total": f"{total:.2f}", "left_out": result.left_out, "digest": digest},
    )
    return BuildResult(month, True, len(paid), total, result.left_out)


def _line_row(plan_id: int, x: payroll.PlanLine) -> dict[str, Any]:
    return {
        "plan_id": plan_id, "source": x.source, "source_id": x.source_id, "id_number": x.id_number,
        "payee_name": x.payee_name, "kind": x.kind, "county_code": x.county, "first_month": x.first_month,
        "last_month": x.last_month, "amount": x.amount, "bank_name": x.bank_name, "bank_account": x.bank_account,
        "reason": x.reason, "status": "planned" if x.included else "left_out", "returned_reason": None,
    }  # fmt: skip


# ---- approve and export -------------------------------------------------------------


def approve(conn: Connection, month: str, *, checker: str, now: dt.datetime) -> None:
    """The checker approves the maker's plan; the maker may not approve their own."""
    check_month(month)
    require_role(conn, checker, Role.FINANCE_CHECKER)
    plan = plan_of(conn, month, lock=True)
    if plan is None:
        raise refuse("payment_plan_missing", {"month": month}, month=month)
    if plan.prepared_by == checker:
        raise refuse("payment_plan_checker_is_maker", {"month": month, "maker": plan.prepared_by})
    if plan.status != "prepared":
        raise refuse("payment_plan_locked", {"month": month, "status": plan.status}, month=month)
    conn.execute(
        sa.update(payment_plans)
        .where(payment_plans.c.id == plan.id)
        .values(status="approved", approved_by=checker, approved_at=now)
    )
    audit.append(
        conn,
        actor=checker,
        action="payment_plan_approved",
        entity="payment_plan",
        entity_id=month,
        at=now,
        detail={"maker": plan.prepared_by, "lines": plan.lines, "total": f"{plan.total:.2f}"},
    )


def export(conn: Connection, month: str, *, by: str, now: dt.datetime) -> list[BankFile]:
    """The approved plan's bank files, one per bank. The first export locks the plan and marks
    what it pays as paid (benefits' ``paid_through``, payables settled); later ones repeat the files."""
    check_month(month)
    require_role(conn, by, Role.FINANCE_CHECKER, Role.FINANCE_MAKER)
    plan = plan_of(conn, month, lock=True)
    if plan is None:
        raise refuse("payment_plan_missing", {"month": month}, month=month)
    if plan.status == "prepared":
        raise refuse("payment_plan_not_approved", {"month": month}, month=month)
    if plan.status == "approved":
        _mark_sent(conn, plan.id, now)
        conn.execute(
            sa.update(payment_plans)
            .where(payment_plans.c.id == plan.id)
            .values(status="exported", exported_by=by, exported_at=now)
        )
    files = _files(conn, plan, month)
    audit.append(
        conn,
        actor=by,
        action="payment_plan_exported",
        entity="payment_plan",
        entity_id=month,
        at=now,
        detail={
            "files": [
                {
                    "bank": f.bank_name,
                    "count": f.count,
                    "total": f"{f.total:.2f}",
                    "sha256": hashlib.sha256(f.text.encode()).hexdigest(),
                }
                for f in files
            ]
        },
    )
    return files


def _mark_sent(conn: Connection, plan_id: int, now: dt.datetime) -> None:
    lines = payment_plan_lines
    mine = sa.and_(lines.c.plan_id == plan_id, lines.c.status == "planned")
    # UPDATE … FROM joins each benefit to its line once (a correlated look-up per benefit was
    # quadratic: hours for the 1,000,000-person demo's 280,000 lines)
    conn.execute(
        sa.update(benefits)
        .where(mine, lines.c.source == "benefit", lines.c.source_id == benefits.c.id)
        .values(paid_through=lines.c.last_month)
    )
    payable_ids = sa.select(lines.c.source_id).where(mine, lines.c.source == "payable")
    conn.execute(
        sa.update(payables)
        .where(payables.c.id.in_(payable_ids), payables.c.status == "open")
        .values(status="paid", settled_at=now)
    )
    conn.execute(sa.update(lines).where(mine).values(status="sent"))


def _files(conn: Connection, plan: Any, month: str) -> list[BankFile]:
    lines = payment_plan_lines
    query = (
        sa.select(lines)
        .where(lines.c.plan_id == plan.id, lines.c.status.in_(["sent", "returned"]))
        .order_by(lines.c.bank_name, lines.c.id)
    )
    by_bank: dict[str, list[Payment]] = {}
    for r in conn.execute(query):
        memo = (
            f"{r.first_month}至{r.last_month}" if r.first_month and r.first_month != r.last_month else month
        )
        by_bank.setdefault(r.bank_name or NO_BANK, []).append(
            Payment(
                r.id,
                r.payee_name,
                r.id_number or "",
                r.bank_account or "",
                r.amount,
                r.county_code,
                r.kind,
                memo,
            )
        )
    return [bank_file(month, plan.id, bank, payments) for bank, payments in sorted(by_bank.items())]


# ---- the console's view --------------------------------------------------------------


@dataclass(frozen=True)
class PlanView:
    month: str
    status: str
    prepared_by: str
    approved_by: str | None
    lines: int
    left_out: int
    total: Decimal
    groups: list[dict[str, Any]]  # per county, kind and line status: count and amount
    reasons: dict[str, int]


def plan_view(conn: Connection, month: str) -> PlanView | None:
    """``month``'s plan for the 基金财务 page, or None when it is not built."""
    plan = plan_of(conn, month)
    if plan is None:
        return None
    lines = payment_plan_lines
    query = (
        sa.select(lines.c.county_code, lines.c.kind, lines.c.status, lines.c.reason,
                  sa.func.count().label("n"), sa.func.sum(lines.c.amount).label("amount"))
        .where(lines.c.plan_id == plan.id)
        .group_by(lines.c.county_code, lines.c.kind, lines.c.status, lines.c.reason)
        .order_by(lines.c.county_code, lines.c.kind, lines.c.status)
    )  # fmt: skip
    groups: list[dict[str, Any]] = []
    reasons: dict[str, int] = {}
    for r in conn.execute(query):
        groups.append(
            {"county": r.county_code, "kind": r.kind, "status": r.status, "count": r.n, "amount": r.amount}
        )
        if r.reason:
            reasons[r.reason] = reasons.get(r.reason, 0) + int(r.n)
    return PlanView(month, plan.status, plan.prepared_by, plan.approved_by, plan.lines, plan.left_out, plan.total,
                    groups, reasons)  # fmt: skip


def exported_files(conn: Connection, month: str) -> list[BankFile]:
    """The bank files of an exported plan, as exported (read only)."""
    plan = plan_of(conn, month)
    if plan is None or plan.status != "exported":
        raise refuse("payment_plan_not_exported", {"month": month}, month=month)
    return _files(conn, plan, month)
