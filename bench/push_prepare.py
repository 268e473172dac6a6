"""The push's prepare phase alone: the checks and digests done before the transaction.

``sync_server.core.ingest.prepare.prepare`` over the 10,000 cases of the push benchmarks
(bench/push_workload.py, drawn from a 20,000-person ``seed-demo`` registry in SQLite), in
batches of 500 as the route hands them over: every ``case_accept``'s catalog form,
identifier, materials and fee checks, and every operation's digest. Parsing is not
timed (the route does it before). CPU time (``time.process_time``), since the machine is
shared; the best of ``--runs`` passes, each over fresh parses so no parsed model is reused.

Each run is recorded under its ``--label`` in bench/results/push_prepare.json (``before``
and ``after`` a change, say), and every label recorded so far is printed.

Run: ``.venv/bin/python bench/push_prepare.py [--label after] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.push_workload import build_ops, load_pools
from bench.seeded import sqlite_template
from schema.catalog import load_catalog
from schema.protocol import OPERATION_ADAPTER, Operation
from schema.rates import load_rates
from sync_server.core.ingest.context import BatchContext
from sync_server.core.ingest.prepare import prepare
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.settings import Settings

STATION = "511102004-20"
PERSONS = 20_000
RESULTS = Path(__file__).resolve().parent / "results" / "push_prepare.json"


def registry() -> Database:
    """The seeded registry, kept in the temp directory between invocations."""
    return Database.from_url(f"sqlite:///{sqlite_template('prepare', PERSONS)}")


def workload(total: int, now: dt.datetime) -> list[bytes]:
    """The operations' JSON as a station sends them (valid cases, checked once while built)."""
    db = registry()
    with db.read() as conn:
        pools = load_pools(conn, now.date(), sample="999")  # all: 1,000 G08s need a person each
    db.dispose()
    return build_ops(STATION, total, pools, seed=1, now=now).ops


def context(now: dt.datetime) -> BatchContext:
    """What ``services.ingest.push`` builds for a batch (the catalog and rates it loads)."""
    settings = Settings(data_dir=Path(tempfile.gettempdir()), secret_key="x" * 48, database_url="sqlite://")
    return BatchContext(
        station=StationContext(STATION, STATION[:9], STATION[:6], b"", "active"),
        received_at=now,
        sent_at=now,
        catalog=load_catalog(),
        rates=load_rates(),
        calendar=None,
        max_offline_days=settings.max_offline_days,
        clock_flag_seconds=settings.clock_flag_seconds,
    )


def batches(wire: list[bytes], size: int) -> list[list[Operation]]:
    return [
        [OPERATION_ADAPTER.validate_json(raw) for raw in wire[i : i + size]]
        for i in range(0, len(wire), size)
    ]


def timed(ctx: BatchContext, wire: list[bytes], size: int) -> float:
    """CPU seconds of prepare over every batch (fresh parses: no parsed model is seen twice)."""
    parsed = batches(wire, size)
    c0 = time.process_time()
    for ops in parsed:
        prepare(ctx, ops)
    return time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", default="after", help="the name this run is recorded under")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC)
    wire = workload(args.cases, now)
    ctx = context(now)
    timed(ctx, wire[: args.batch], args.batch)  # warm up: imports, first-use caches
    seconds = [timed(ctx, wire, args.batch) for _ in range(args.runs)]
    best = min(seconds)
    print(f"prepare ({args.label}): {best / args.cases * 1e6:.1f} µs/case CPU, best of {args.runs} "
          f"(runs: {', '.join(f'{s:.2f}' for s in seconds)} s for {args.cases} cases)")  # fmt: skip
    recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    runs = recorded.get("runs", {})
    runs[args.label] = {
        "us_per_case_cpu": round(best / args.cases * 1e6, 1),
        "cpu_seconds": [round(s, 3) for s in seconds],
        "date": dt.date.today().isoformat(),
    }
    for label, run in runs.items():
        print(f"  {label:>10}: {run['us_per_case_cpu']:.1f} µs/case")
    if not args.no_write:
        RESULTS.parent.mkdir(exist_ok=True)
        out = {
            "benchmark": "push_prepare",
            "cases": args.cases,
            "batch": args.batch,
            "persons": PERSONS,
            "runs": runs,
            "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        }
        RESULTS.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
