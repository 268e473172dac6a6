"""The month's statistics (统计月报) read from the one database (see ``core.statistics``).

Grouped reads, one per subject, each answered by an index or one pass over its table:

* enrolments per 参保地 county, the person's township (户籍) and insurance type;
* contributions collected: the ledger's ``collected`` entries of the posting month, counted
  at the county the money belongs to (参保地, the entry's counterparty) and the township of
  the station that took it, so they compare with the plan and tie out with the ledger;
* planned: the month's collection plan (``collection_plan_lines``) when it was built;
* benefits paid per kind (amount and persons): the lines the month's payment plan sent to the
  banks once it was exported (locked), less those the banks returned; before that, the
  month's benefits in payment;
* cases: one small fact per case accepted or finished in the month, or open past its due date.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.person_records import BenefitKind, PayableKind
from schema.vocabulary import InsuranceType
from sync_server.core.dashboard_stats import period_bounds
from sync_server.core.statistics import (
    Amount,
    CaseFact,
    EnrolmentCount,
    MonthlyReport,
    month_days,
    monthly_report,
)
from sync_server.db.tables import (
    benefits,
    cases,
    collection_plan_lines,
    enrolments,
    ledger_entries,
    payment_plan_lines,
    payment_plans,
    persons,
)

PAID_STATES = ("in_payment", "ended")  # a benefit ended later was still paid in the month
PLAN_PAID, LINE_PAID = "exported", "sent"  # services.finance.payment: exported = sent to the banks


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def enrolment_counts(conn: Connection, month: str) -> Iterator[EnrolmentCount]:
    """Covered on the month's last day (``until`` after it), started and stopped in the month."""
    first, last = month_days(month)
    e, p = enrolments.c, persons.c
    query = (
        sa.select(
            e.county_code,
            p.township_code,
            e.insurance_type,
            _count(sa.or_(e.until.is_(None), e.until > last)),
            _count(e.since >= first),
            _count(sa.and_(e.until.is_not(None), e.until <= last)),
        )
        .select_from(enrolments.outerjoin(persons, p.id_number == e.id_number))
        .where(e.since <= last, sa.or_(e.until.is_(None), e.until >= first))
        .group_by(e.county_code, p.township_code, e.insurance_type)
    )
    for county, township, insurance, enrolled, new, stopped in conn.execute(query):
        yield EnrolmentCount(county, township, insurance, int(enrolled), int(new), int(stopped))


def collected(conn: Connection, month: str) -> Iterator[Amount]:
    e, c = ledger_entries.c, cases.c
    query = (
        sa.select(e.counterparty_county, c.township_code, e.insurance_type, sa.func.sum(e.amount))
        .select_from(ledger_entries.outerjoin(cases, c.case_id == e.case_id))
        .where(e.period == month, e.side == "collected")
        .group_by(e.counterparty_county, c.township_code, e.insurance_type)
    )
    for county, township, insurance, amount in conn.execute(query):
        yield Amount(county, township, insurance, Decimal(amount))


def planned(conn: Connection, month: str) -> list[Amount] | None:
    """The collection plan's amounts, or None when no plan was built for the month (未编制)."""
    p = collection_plan_lines.c
    query = (
        sa.select(p.county_code, p.township_code, p.insurance_type, sa.func.sum(p.amount))
        .where(p.month == month)
        .group_by(p.county_code, p.township_code, p.insurance_type)
    )
    rows = [
        Amount(county, township, ins, Decimal(amount))
        for county, township, ins, amount in conn.execute(query)
    ]
    return rows or None


def benefits_in_payment(conn: Connection, month: str) -> Iterator[Amount]:
    b, p = benefits.c, persons.c
    query = (
        sa.select(
            b.county_code, p.township_code, b.kind, sa.func.sum(b.monthly_amount), sa.func.count(sa.distinct(b.id_number))
        )
        .select_from(benefits.outerjoin(persons, p.id_number == b.id_number))
        .where(
            b.status.in_(PAID_STATES),
            b.start_month <= month,
            sa.or_(b.end_month.is_(None), b.end_month >= month),
        )
        .group_by(b.county_code, p.township_code, b.kind)
    )  # fmt: skip
    for county, township, kind, amount, count in conn.execute(query):
        yield Amount(county, township, kind, Decimal(amount), int(count))


def paid_by_plan(conn: Connection, month: str) -> list[Amount] | None:
    """What the month's exported payment plan paid (lines ``sent``), or None before export."""
    plan, lines, p = payment_plans.c, payment_plan_lines.c, persons.c
    plan_id = conn.execute(
        sa.select(plan.id).where(plan.month == month, plan.status == PLAN_PAID)
    ).scalar_one_or_none()
    if plan_id is None:
        return None
    query = (
        sa.select(lines.county_code, p.township_code, lines.kind, sa.func.sum(lines.amount),
                  sa.func.count(sa.distinct(lines.id_number)))
        .select_from(payment_plan_lines.outerjoin(persons, p.id_number == lines.id_number))
        .where(lines.plan_id == plan_id, lines.status == LINE_PAID)
        .group_by(lines.county_code, p.township_code, lines.kind)
    )  # fmt: skip
    return [Amount(c, t, kind, Decimal(a), int(n)) for c, t, kind, a, n in conn.execute(query)]


def case_facts(conn: Connection, month: str) -> Iterator[CaseFact]:
    first, last = month_days(month)
    low, high = period_bounds(first, last)
    c = cases.c
    query = sa.select(c.county_code, c.township_code, c.accepted_at, c.completed_at, c.due_date).where(
        sa.or_(
            sa.and_(c.accepted_at >= low, c.accepted_at < high),
            sa.and_(c.completed_at >= low, c.completed_at < high),
            sa.and_(
                c.due_date < last,
                c.accepted_at < high,
                sa.or_(c.completed_at.is_(None), c.completed_at >= high),
            ),
        )
    )
    for row in conn.execute(query.execution_options(yield_per=5000)):
        yield CaseFact(*row)


def month_statistics(conn: Connection, month: str) -> MonthlyReport:
    paid = paid_by_plan(conn, month)
    return monthly_report(
        month,
        enrolments=enrolment_counts(conn, month),
        collected=collected(conn, month),
        planned=planned(conn, month),
        benefits=benefits_in_payment(conn, month) if paid is None else paid,
        benefit_source="in_payment" if paid is None else "payment_plan",
        cases=case_facts(conn, month),
        insurance_order=[i.value for i in InsuranceType],
        benefit_order=[*(k.value for k in BenefitKind), *(k.value for k in PayableKind)],
    )
