"""The month's plans on the 1,000,000-person demo: how long building them takes (PostgreSQL).

Collection plan (征缴计划, ``services/finance/collection.build_collection_plan``): every
employee and flexible enrolment active in the month, priced on its latest contribution base
(one correlated look-up per enrolment on ``ix_contribution_records_person``), summed per unit
and insurance, compared with the stored lines' digests and written. Built twice, each in its
own transaction (commit included): the first run writes the whole plan, the second must
change nothing (no row, no audit entry).

Payment plan (支付计划, ``services/finance/payment.build``): every benefit in payment or
suspended with months due (joined to its person and latest G24 certification) and every open
payable, turned into lines by ``core.payroll``, hashed and written with COPY; built twice by
a 基金财务 maker, the second run must change nothing. The demo records no G24 yet, so the
set-up (not timed) records a certification in 2025-06 for 97 % of pensioners (the other 3 %
are left out as 未认证, as the rule says).

Set-up (not timed): a fresh copy of the seeded template ``bench/approve.py`` keeps
(``ssb_bench_approve_tpl_1000000``; it is seeded there on first use, never dropped here),
migrated to head. The copy is dropped at the end.

Run: ``.venv/bin/python bench/plans.py [--month 2026-01] [--persons 1000000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.approve import PG_ADMIN, RESULTS, TEMPLATE, _url, template
from schema.vocabulary import Role
from sync_server.db.engine import Database
from sync_server.db.migrate import upgrade
from sync_server.db.tables import (
    audit_log,
    benefits,
    collection_plan_lines,
    determinations,
    payment_plan_lines,
)
from sync_server.services.admin.staff import add_staff
from sync_server.services.finance.collection import build_collection_plan

COPY = "ssb_bench_plans"
PAYMENT_COPY = "ssb_bench_plans_payment"  # its own copy: the two parts may run at once


def _copy(persons: int, name: str = COPY) -> Database:
    import psycopg

    source, _seeded = template("postgresql", persons)
    assert source == TEMPLATE.format(persons=persons)
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    db = Database.from_url(_url(name))
    upgrade(db)
    return db


def _drop(name: str = COPY) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def collection_runs(db: Database, month: str) -> list[dict[str, object]]:
    runs: list[dict[str, object]] = []
    for attempt in (1, 2):
        with db.read() as conn:
            audits = conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
        started = time.perf_counter()
        with db.write() as conn:
            result = build_collection_plan(conn, month, actor="bench")
        seconds = time.perf_counter() - started
        with db.read() as conn:
            rows = conn.execute(sa.select(sa.func.count()).select_from(collection_plan_lines)).scalar_one()
            audits_after = conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
        run = {
            "run": attempt,
            "seconds": round(seconds, 1),
            "lines": len(result.plan.lines),
            "rows_stored": rows,
            "total": f"{result.plan.total:.2f}",
            "added": len(result.diff.added),
            "changed": len(result.diff.changed),
            "removed": len(result.diff.removed),
            "skipped": len(result.plan.skipped),
            "audit_entries_written": audits_after - audits,
        }
        print(f"  collection plan run {attempt}: {json.dumps(run, ensure_ascii=False)}")
        runs.append(run)
    return runs


def _payment_setup(db: Database) -> None:
    now = dt.datetime.now(dt.UTC)
    with db.write() as conn:
        add_staff(
            conn,
            username="bench.maker",
            role=Role.FINANCE_MAKER,
            now=now,
            actor="bench",
            password="Bench-pass-1234",
        )
        pensioners = (
            sa.select(
                benefits.c.id_number, sa.literal("pension_certification"), sa.literal("G24"), sa.literal({}, determinations.c.result.type),
                sa.literal(dt.date(2025, 6, 1)), benefits.c.county_code, sa.literal(now),
            )
            .where(benefits.c.kind.in_(["employee_pension", "resident_pension"]), benefits.c.id % 100 >= 3)
        )  # fmt: skip
        columns = ["id_number", "kind", "item_code", "result", "valid_from", "county_code", "created_at"]
        conn.execute(sa.insert(determinations).from_select(columns, pensioners))


def payment_runs(db: Database, month: str) -> list[dict[str, object]]:
    from sync_server.services.finance.payment import build

    _payment_setup(db)
    runs = []
    for attempt in (1, 2):
        with db.read() as conn:
            audits = conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
        started = time.perf_counter()
        with db.write() as conn:
            result = build(conn, month, maker="bench.maker", now=dt.datetime.now(dt.UTC))
        seconds = time.perf_counter() - started
        with db.read() as conn:
            rows = conn.execute(sa.select(sa.func.count()).select_from(payment_plan_lines)).scalar_one()
            audits_after = conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
        run = {
            "run": attempt,
            "seconds": round(seconds, 1),
            "changed": result.changed,
            "paid_lines": result.lines,
            "total": f"{result.total:.2f}",
            "left_out": result.left_out,
            "rows_stored": rows,
            "audit_entries_written": audits_after - audits,
        }
        print(f"  payment plan run {attempt}: {json.dumps(run, ensure_ascii=False)}")
        runs.append(run)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2026-01")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--part", choices=("all", "collection", "payment"), default="all")
    args = parser.parse_args()
    name = PAYMENT_COPY if args.part == "payment" else COPY
    db = _copy(args.persons, name)
    try:
        collection = collection_runs(db, args.month) if args.part != "payment" else []
        paying = payment_runs(db, args.month) if args.part != "collection" else []
    finally:
        db.dispose()
        _drop(name)
    second = collection[1] if collection else {}
    result = {
        "bench": "plans",
        "db": "postgresql",
        "persons": args.persons,
        "month": args.month,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "collection": collection,
        "collection_second_run_unchanged": bool(second)
        and second["added"] == second["changed"] == second["removed"] == 0
        and second["audit_entries_written"] == 0,
        "payment": paying,
        "payment_second_run_unchanged": len(paying) == 2
        and not paying[1]["changed"]
        and paying[1]["audit_entries_written"] == 0,
    }
    RESULTS.mkdir(exist_ok=True)
    (
        RESULTS / f"plans_{args.part}_postgresql.json"
        if args.part != "all"
        else RESULTS / "plans_postgresql.json"
    ).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
