"""The month's collection plan (征缴计划) in the database, its arrears and the township dues list.

:func:`build_collection_plan` reads every enrolment that may owe the month with its unit and
its latest contribution base (one query), lets ``core.collection_plan`` price it, compares
the result with the stored lines' digests and writes only the difference, with one audit
entry saying what changed. A second run over unchanged records writes nothing (not even an
audit entry: nothing changed). :func:`arrears_on` matches stored plan lines with the
contribution records (``core.arrears``); :func:`township_dues` is the flexible workers of a
township who owe the current month or are in arrears, for reminders at the station.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.rates import RateBook, load_rates
from sync_server.core.arrears import PayerArrears, PlanKey, arrears, unpaid_of
from sync_server.core.collection_plan import (
    DUE_DAY,
    Contributor,
    Plan,
    PlanDiff,
    PlanLine,
    diff_plan,
    month_bounds,
    plan_lines,
)
from sync_server.db.tables import (
    collection_plan_lines,
    collection_plan_locks,
    contribution_records,
    enrolments,
    persons,
    units,
)
from sync_server.errors import ApiError
from sync_server.services import audit
from sync_server.services.bulk import insert_rows

__all__ = [
    "BuildResult",
    "arrears_on",
    "build_collection_plan",
    "dues_of",
    "read_contributors",
    "stored_plan",
    "township_dues",
]

_SAMPLE = 50  # changed keys named in the audit entry; the counts cover the rest


@dataclass(frozen=True, slots=True)
class BuildResult:
    plan: Plan
    diff: PlanDiff

    @property
    def changed(self) -> bool:
        return not self.diff.empty


def read_contributors(conn: Connection, month: str) -> Iterator[Contributor]:
    """Every employee or flexible enrolment active in ``month``, with its unit and latest base."""
    first, last = month_bounds(month)
    e, p, u, r = enrolments.c, persons.c, units.c, contribution_records.c
    latest_base = (
        sa.select(r.base)
        .where(
            r.id_number == e.id_number,
            r.insurance_type == e.insurance_type,
            r.month < month,
            r.base > 0,
            r.source != "refund",
        )
        .order_by(r.month.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.select(
            e.id_number,
            e.insurance_type,
            e.kind,
            e.status,
            e.since,
            e.until,
            e.county_code,
            e.unit_uscc,
            sa.func.coalesce(p.residence_code, p.township_code).label("township"),
            u.county_code.label("unit_county"),
            u.township_code.label("unit_township"),
            u.risk_class,
            u.status.label("unit_status"),
            latest_base.label("latest_base"),
        )
        .join(persons, p.id_number == e.id_number)
        .outerjoin(units, u.uscc == e.unit_uscc)
        .where(e.kind.in_(("employee", "flexible")), e.status == "active", e.since <= last)
        .where(sa.or_(e.until.is_(None), e.until >= first))
    )
    for row in conn.execute(query.execution_options(stream_results=True, yield_per=20000)):
        yield Contributor(
            row.id_number,
            row.insurance_type,
            row.kind,
            row.status,
            row.since,
            row.until,
            row.county_code,
            row.township,
            row.latest_base,
            row.unit_uscc,
            row.unit_county,
            row.unit_township,
            row.risk_class,
            row.unit_status != "closed",
        )


def _stored_digests(conn: Connection, month: str) -> dict[PlanKey, str]:
    c = collection_plan_lines.c
    return {
        (r.month, r.payer_kind, r.payer, r.insurance_type): r.digest
        for r in conn.execute(
            sa.select(c.month, c.payer_kind, c.payer, c.insurance_type, c.digest).where(c.month == month)
        )
    }


def _row(line: PlanLine, now: dt.datetime) -> dict[str, Any]:
    return {
        "month": line.month,
        "payer_kind": line.payer_kind,
        "payer": line.payer,
        "insurance_type": line.insurance,
        "county_code": line.county,
        "township_code": line.township,
        "persons": line.persons,
        "base_total": line.base_total,
        "employer_part": line.employer_part,
        "employee_part": line.employee_part,
        "account_part": line.account_part,
        "amount": line.amount,
        "due_date": line.due_date,
        "digest": line.digest,
        "built_at": now,
    }


def _delete(conn: Connection, keys: Sequence[PlanKey]) -> None:
    c = collection_plan_lines.c
    by_month: dict[str, list[PlanKey]] = {}
    for key in keys:
        by_month.setdefault(key[0], []).append(key)
    for month, group in by_month.items():
        for start in range(0, len(group), 2000):
            chunk = group[start : start + 2000]
            conn.execute(
                sa.delete(collection_plan_lines).where(
                    c.month == month,
                    sa.tuple_(c.payer_kind, c.payer, c.insurance_type).in_([k[1:] for k in chunk]),
                )
            )


def build_collection_plan(
    conn: Connection,
    month: str,
    *,
    actor: str,
    rates: RateBook | None = None,
    due_day: int = DUE_DAY,
    now: dt.datetime | None = None,
) -> BuildResult:
    """Build (or rebuild) ``month``'s plan in the caller's transaction; write only what changed."""
    now = now or dt.datetime.now(dt.UTC)
    locked = conn.execute(
        sa.select(collection_plan_locks.c.locked_by).where(collection_plan_locks.c.month == month)
    ).scalar_one_or_none()
    if locked is not None:  # a checked plan is what the month close and the ledger rely on
        raise ApiError(
            "collection_plan_locked",
            f"{month} 的征缴计划已由 {locked} 锁定，不能重新生成：如记录确有变化，请由基金财务科负责人解锁后再生成。",
            {"month": month, "locked_by": locked},
        )
    plan = plan_lines(month, read_contributors(conn, month), rates or load_rates(), due_day=due_day)
    diff = diff_plan(plan.lines, _stored_digests(conn, month))
    if diff.empty:
        return BuildResult(plan, diff)
    _delete(conn, [x.key for x in diff.changed] + list(diff.removed))
    insert_rows(
        conn, collection_plan_lines, [_row(x, now) for x in (*diff.added, *diff.changed)], binary=True
    )
    audit.append(
        conn,
        actor=actor,
        action="collection_plan_built",
        entity="collection_plan",
        entity_id=month,
        detail={
            "lines": len(plan.lines),
            "total": f"{plan.total:.2f}",
            "added": len(diff.added),
            "changed": len(diff.changed),
            "removed": len(diff.removed),
            "skipped": len(plan.skipped),
            "changed_keys": ["/".join(x.key[1:]) for x in diff.changed[:_SAMPLE]],
            "removed_keys": ["/".join(k[1:]) for k in diff.removed[:_SAMPLE]],
        },
        at=now,
    )
    return BuildResult(plan, diff)


def stored_plan(
    conn: Connection,
    *,
    months: Sequence[str] | None = None,
    payer_kind: str | None = None,
    township: str | None = None,
    due_before: dt.date | None = None,
) -> list[PlanLine]:
    """Stored plan lines, filtered."""
    c = collection_plan_lines.c
    query = sa.select(collection_plan_lines)
    if months is not None:
        query = query.where(c.month.in_(list(months)))
    if payer_kind is not None:
        query = query.where(c.payer_kind == payer_kind)
    if township is not None:
        query = query.where(c.township_code == township)
    if due_before is not None:
        query = query.where(c.due_date < due_before)
    return [
        PlanLine(
            r.month,
            r.payer_kind,
            r.payer,
            r.insurance_type,
            r.county_code,
            r.township_code,
            int(r.persons),
            r.base_total,
            r.employer_part,
            r.employee_part,
            r.account_part,
            r.due_date,
            r.digest,
        )
        for r in conn.execute(query.order_by(c.month, c.payer_kind, c.payer, c.insurance_type))
    ]


def _paid(conn: Connection, lines: Sequence[PlanLine]) -> dict[PlanKey, Decimal]:
    """What the contribution records hold for each line's month, payer and insurance."""
    r = contribution_records.c
    paid: dict[PlanKey, Decimal] = {}
    months = sorted({x.month for x in lines})
    wanted = {x.key for x in lines}
    if not months:
        return paid
    amount = sa.func.sum(r.employer_part + r.personal_part)
    units_paid = (
        sa.select(r.month, r.unit_uscc, r.insurance_type, amount)
        .where(r.month.in_(months), r.unit_uscc.is_not(None))
        .group_by(r.month, r.unit_uscc, r.insurance_type)
    )
    for month, uscc, insurance, total in conn.execute(units_paid):
        if (key := (month, "unit", uscc, insurance)) in wanted:
            paid[key] = total
    people = sorted({x.payer for x in lines if x.payer_kind == "flexible"})
    for start in range(0, len(people), 5000):
        own = (
            sa.select(r.month, r.id_number, r.insurance_type, amount)
            .where(r.month.in_(months), r.unit_uscc.is_(None), r.id_number.in_(people[start : start + 5000]))
            .group_by(r.month, r.id_number, r.insurance_type)
        )
        for month, id_number, insurance, total in conn.execute(own):
            if (key := (month, "flexible", id_number, insurance)) in wanted:
                paid[key] = total
    return paid


def arrears_on(
    conn: Connection, on: dt.date, *, payer_kind: str | None = None, township: str | None = None
) -> list[PayerArrears]:
    """Every payer whose planned months due before ``on`` are not paid in full, with late fees to ``on``."""
    lines = stored_plan(conn, payer_kind=payer_kind, township=township, due_before=on)
    return arrears(lines, _paid(conn, lines), on)


@dataclass(frozen=True, slots=True)
class Due:
    """A flexible worker of the township who owes: the month not yet due, and arrears."""

    id_number: str
    name: str
    current_month: str | None  # planned, not yet paid, not yet overdue
    current_amount: Decimal
    due_date: dt.date | None
    arrears_months: tuple[str, ...]
    arrears_amount: Decimal
    late_fee: Decimal


def township_dues(conn: Connection, township: str, on: dt.date) -> list[Due]:
    """The township's flexible workers due (the plan month whose due date has not passed, unpaid)
    or in arrears on ``on``, by ID number."""
    lines = stored_plan(conn, payer_kind="flexible", township=township)
    return dues_of(conn, lines, on)


def dues_of(conn: Connection, lines: Sequence[PlanLine], on: dt.date) -> list[Due]:
    """The payers of these flexible plan lines who owe on ``on`` (current month or arrears)."""
    paid = _paid(conn, lines)
    owing = {a.payer: a for a in arrears(lines, paid, on)}
    current: dict[str, list[tuple[PlanLine, Decimal]]] = {}
    for line in lines:
        if on <= line.due_date and (unpaid := unpaid_of(line, paid)[1]) > 0:
            current.setdefault(line.payer, []).append((line, unpaid))
    keys = sorted(set(owing) | set(current))
    names: dict[str, str] = {}
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        query = sa.select(persons.c.id_number, persons.c.name).where(persons.c.id_number.in_(chunk))
        names.update({str(r.id_number): str(r.name) for r in conn.execute(query)})
    out = []
    zero = Decimal("0.00")
    for key in keys:
        now_due, late = current.get(key, []), owing.get(key)
        out.append(
            Due(
                key,
                names.get(key, ""),
                min((x.month for x, _ in now_due), default=None),
                sum((u for _, u in now_due), zero),
                min((x.due_date for x, _ in now_due), default=None),
                late.months if late else (),
                late.unpaid if late else zero,
                late.late_fees if late else zero,
            )
        )
    return out
