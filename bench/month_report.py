"""The month's statistics (统计月报) on the 1,000,000-person demo (PostgreSQL).

Times ``services.reports.statistics.month_statistics`` (the grouped reads and the pure grid)
and the workbook (openpyxl) and CSV, then ties out: the workbook is opened again with
openpyxl and its 全市合计 实征 equals the ledger's ``collected`` total of the month, and each
county's subtotal equals the ledger's for that county.

Set-up (not timed): a fresh copy of the seeded template ``bench/approve.py`` keeps
(``ssb_bench_approve_tpl_1000000``, never dropped here), migrated to head; the copy is
dropped at the end. Read-only otherwise.

Run: ``.venv/bin/python bench/month_report.py [--month 2026-01] [--persons 1000000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from openpyxl import load_workbook

from bench.approve import PG_ADMIN, RESULTS, TEMPLATE, _url, template
from sync_server.core.statistics_export import csv_text, workbook_bytes
from sync_server.db.engine import Database
from sync_server.db.migrate import upgrade
from sync_server.db.tables import ledger_entries
from sync_server.services.reports.statistics import month_statistics

COPY = "ssb_bench_stats"


def _copy(persons: int) -> Database:
    import psycopg

    source, _seeded = template("postgresql", persons)
    assert source == TEMPLATE.format(persons=persons)
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{COPY}" TEMPLATE "{source}"')
    db = Database.from_url(_url(COPY))
    upgrade(db)
    return db


def _drop() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')


def run(db: Database, month: str) -> dict[str, object]:
    started = time.perf_counter()
    with db.read() as conn:
        report = month_statistics(conn, month)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    book = workbook_bytes(report)
    text = csv_text(report)
    export_seconds = time.perf_counter() - started
    e = ledger_entries.c
    with db.read() as conn:
        ledger = {
            county: Decimal(total)
            for county, total in conn.execute(
                sa.select(e.counterparty_county, sa.func.sum(e.amount))
                .where(e.period == month, e.side == "collected")
                .group_by(e.counterparty_county)
            )
        }
    sheet = load_workbook(io.BytesIO(book))["基金征缴"]
    headers = [c.value for c in sheet[2]]
    last = [c.value for c in sheet[sheet.max_row]]
    workbook_total = Decimal(str(last[headers.index("实征合计（元）")]))
    by_county = {
        c.subtotal.county: c.subtotal.collected_total for c in report.counties if c.subtotal.collected
    }
    return {
        "month": month,
        "read_seconds": round(read_seconds, 1),
        "export_seconds": round(export_seconds, 1),
        "lines": sum(len(c.townships) for c in report.counties),
        "enrolled": sum(report.total.enrolled.values()),
        "benefits_total": f"{report.total.benefits_total:.2f}",
        "workbook_bytes": len(book),
        "csv_rows": text.count("\n") - 1,
        "collected_total": f"{workbook_total:.2f}",
        "ties_out": workbook_total == sum(ledger.values(), Decimal("0.00")) and by_county == ledger,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--month", default=(dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    args = parser.parse_args()
    db = _copy(args.persons)
    try:
        result = {"persons": args.persons, **run(db, args.month)}
    finally:
        db.dispose()
        _drop()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "statistics_postgresql.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1) + "\n"
    )


if __name__ == "__main__":
    main()
