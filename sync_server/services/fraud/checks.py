"""The anti-fraud checks over the database: find the persons worth a look with a few
queries, load their records, let ``core.fraud.findings`` decide, then write the
suspensions (through the records writer, so the stations hear of them) and open a 稽核
case per new finding, audited, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.months import month_of
from schema.person_records import BenefitKind, BenefitStatus, PersonRecords
from schema.record_changes import ChangeContext
from sync_server.core.fraud.findings import (
    AccountHolder,
    ExchangeFact,
    Finding,
    person_findings,
    shared_account_findings,
    suspensions,
)
from sync_server.db.tables import benefits, determinations, exchange_events, fraud_cases, persons
from sync_server.services import audit
from sync_server.services.bulk import in_list
from sync_server.services.feed import person_slice
from sync_server.services.records.load import load_person_records
from sync_server.services.records.write import write_record_changes

_CHUNK = 1000
_PENSIONS = [BenefitKind.EMPLOYEE_PENSION.value, BenefitKind.RESIDENT_PENSION.value]
_IN_PAYMENT = BenefitStatus.IN_PAYMENT.value
CERTIFICATION_KIND = "pension_certification"  # G24's determination (core.effects.determinations)


@dataclass(frozen=True, slots=True)
class CheckResult:
    persons_checked: int = 0
    suspended: int = 0  # benefits suspended
    cases_opened: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)  # new findings per kind


def _year_before(today: dt.date) -> dt.date:
    return dt.date(today.year - 1, today.month, min(today.day, 28))


def _candidates(conn: Connection, today: dt.date) -> set[str]:
    """Everyone a check could find something about (the monthly run)."""
    b, e, p, d = benefits.c, exchange_events.c, persons.c, determinations.c
    paid = sa.select(b.id_number).where(b.status == _IN_PAYMENT)
    found: set[str] = set()
    queries = [
        paid.join_from(benefits, exchange_events, e.id_number == b.id_number).where(
            e.source.in_(["death", "cremation", "prison"])
        ),
        paid.join_from(benefits, persons, p.id_number == b.id_number).where(p.status == "deceased"),
        sa.select(b.id_number)
        .where(b.kind.in_(_PENSIONS), b.status != BenefitStatus.ENDED.value)
        .group_by(b.id_number)
        .having(sa.func.count(sa.distinct(b.kind)) > 1),
        paid.where(b.kind == BenefitKind.UNEMPLOYMENT_BENEFIT.value),
        paid.where(
            b.kind.in_(_PENSIONS),
            b.start_month < month_of(_year_before(today)),
            ~sa.exists().where(
                d.id_number == b.id_number, d.kind == CERTIFICATION_KIND, d.valid_from >= _year_before(today)
            ),
        ),
    ]
    for query in queries:
        found.update(conn.execute(query.distinct()).scalars())
    return found


def _facts(conn: Connection, ids: list[str]) -> dict[str, list[ExchangeFact]]:
    e = exchange_events.c
    out: dict[str, list[ExchangeFact]] = defaultdict(list)
    for r in conn.execute(
        sa.select(e.id, e.id_number, e.source, e.event_date, e.until, e.other_id_number)
        .where(in_list(conn, e.id_number, ids))
        .order_by(e.id)
    ):
        out[r.id_number].append(ExchangeFact(int(r.id), r.source, r.event_date, r.until, r.other_id_number))
    return out


def _certified(conn: Connection, ids: list[str]) -> dict[str, dt.date]:
    d = determinations.c
    query = (
        sa.select(d.id_number, sa.func.max(d.valid_from))
        .where(in_list(conn, d.id_number, ids), d.kind == CERTIFICATION_KIND)
        .group_by(d.id_number)
    )
    return {number: day for number, day in conn.execute(query)}


def _account_findings(conn: Connection) -> list[Finding]:
    """Accounts receiving benefits in payment of more than one person."""
    b, p, e = benefits.c, persons.c, exchange_events.c
    shared = (
        sa.select(b.bank_account)
        .where(b.status == _IN_PAYMENT, b.bank_account.is_not(None))
        .group_by(b.bank_account)
        .having(sa.func.count(sa.distinct(b.id_number)) > 1)
        .subquery()
    )
    holders: dict[str, list[AccountHolder]] = defaultdict(list)
    for r in conn.execute(
        sa.select(b.bank_account, b.id_number, p.name, b.county_code, b.kind)
        .join(persons, p.id_number == b.id_number)
        .where(b.status == _IN_PAYMENT, b.bank_account.in_(sa.select(shared.c.bank_account)))
        .order_by(b.bank_account, b.id_number, b.id)
    ):
        holders[r.bank_account].append(AccountHolder(r.id_number, r.name, r.county_code, r.kind))
    if not holders:
        return []
    ids = sorted({h.id_number for hs in holders.values() for h in hs})
    spouses = [
        frozenset((r.id_number, r.other_id_number))
        for r in conn.execute(
            sa.select(e.id_number, e.other_id_number, e.detail).where(
                e.source == "marriage", in_list(conn, e.id_number, ids)
            )
        )
        if r.detail.get("登记类型") == "结婚"  # a divorce does not make two persons strangers again
    ]
    return shared_account_findings(holders, spouses)


def _open_cases(conn: Connection, findings: Iterable[Finding], actor: str, at: dt.datetime) -> int:
    """Insert a case per finding whose basis has none yet; the number opened."""
    wanted = [f for f in findings if f.opens_case]
    if not wanted:
        return 0
    c = fraud_cases.c
    subjects = sorted({f.subject for f in wanted})
    known = {
        (kind, subject, basis)
        for kind, subject, basis in conn.execute(
            sa.select(c.kind, c.subject, c.basis).where(in_list(conn, c.subject, subjects))
        )
    }
    rows = []
    for f in wanted:
        key = (f.kind.value, f.subject, f.basis)
        if key in known:
            continue
        known.add(key)
        rows.append(
            {"kind": f.kind.value, "id_number": f.id_number, "subject": f.subject, "basis": f.basis,
             "county_code": f.county, "evidence": f.evidence, "status": "open", "opened_at": at, "opened_by": actor}
        )  # fmt: skip
    if rows:
        conn.execute(sa.insert(fraud_cases), rows)
        # The stations warn at the desk while a case is open (schema.records.PersonRecord).
        person_slice.tell_townships(conn, {str(r["id_number"]) for r in rows if r["id_number"]})
        audit.append(
            conn, actor=actor, action="fraud_cases_opened", entity="fraud_case", entity_id="check",
            detail={"opened": len(rows), "kinds": dict(Counter(r["kind"] for r in rows)),
                    "persons": sorted({str(r["id_number"]) for r in rows})[:200]},
            at=at,
        )  # fmt: skip
    return len(rows)


def run_checks(
    conn: Connection,
    *,
    actor: str,
    at: dt.datetime,
    today: dt.date,
    id_numbers: Collection[str] | None = None,
) -> CheckResult:
    """Check these persons (after an import), or everyone worth a look (the monthly run,
    which also looks for shared bank accounts). Running it again changes nothing."""
    ids = sorted(set(id_numbers) if id_numbers is not None else _candidates(conn, today))
    monthly = id_numbers is None
    findings: list[Finding] = []
    suspended = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        records: dict[str, PersonRecords] = load_person_records(conn, chunk)
        facts, certified = _facts(conn, chunk), _certified(conn, chunk)
        found = [
            f
            for pid, held in records.items()
            for f in person_findings(
                held,
                facts.get(pid, []),
                last_certified=certified.get(pid),
                today=today,
                check_certification=monthly,
            )
        ]
        changes = suspensions(found, records)
        if changes:
            context = ChangeContext(case_id=None, source="import", actor=actor, at=at)
            write_record_changes(conn, changes, context)
            suspended += len(changes)
        findings += found
    if monthly:
        findings += _account_findings(conn)
    opened = _open_cases(conn, findings, actor, at)
    return CheckResult(len(ids), suspended, opened, dict(Counter(f.kind.value for f in findings)))
