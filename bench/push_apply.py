"""The push's apply phase alone: the pure core that turns a loaded batch into rows and results.

``sync_server.core.ingest.dispatch.apply_all`` is what a push does in memory inside its
transaction (trusted time, attribution, registry effects, routing and due dates, lifecycle
steps, ledger pairs, contribution rows, the case's events, feed change and audit item, the
answer per operation). This bench times it and nothing else, in CPU time:

* set-up (not timed): a SQLite registry seeded with ``seed_demo`` (20,000 persons, kept in
  the temp dir between invocations), the 10,000 cases of ``bench/push_workload.py`` built
  with a fixed clock and seeded UUIDs, so every run sees the same operations;
* per batch of 500 (not timed): ``prepare`` (the checks done before the transaction), then
  the service's own loader (``services.ingest.push._load``) inside ``db.write()``;
* timed: ``apply_all`` on the loaded batch; the transaction is then rolled back, so every
  batch (and every run) sees the same registry.

Every result and every row the batches produce is written in a canonical text form (types
included) and hashed: ``outputs_sha256`` in the results file. ``--record FILE`` keeps the
text, ``--check FILE`` compares a run with it batch by batch (the equality guard for a
change to the core: the rows and results must stay the same to the bit).

Run: ``.venv/bin/python bench/push_apply.py [--runs 3] [--record F | --check F]``; prints
µs per case and writes ``bench/results/push_apply.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from pydantic import BaseModel

from bench.push_workload import StationOps, batch_body, build_ops, load_pools
from bench.seeded import sqlite_template
from schema.catalog import load_catalog
from schema.protocol import Operation
from schema.rates import load_rates
from sync_server.api.asgi import prepare_worker
from sync_server.api.routes.push import parse_batch
from sync_server.core.ingest.batch import IngestBatch
from sync_server.core.ingest.context import BatchContext
from sync_server.core.ingest.dispatch import apply_all
from sync_server.core.ingest.prepare import prepare
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.db.tables import stations
from sync_server.services.ingest.push import _load
from sync_server.settings import Settings

STATION = "511102004-20"
PERSONS = 20_000
# A fixed clock: the same cases, case numbers, due dates and rows on every run.
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
RECEIVED = NOW + dt.timedelta(seconds=1)


def _template(persons: int) -> Path:
    """The seeded, migrated registry (with the bench's station), kept between invocations."""

    def add_station(db: Database) -> None:
        with db.write() as conn:
            conn.execute(
                sa.insert(stations).values(
                    id=STATION, township_code=STATION[:9], county_code=STATION[:6], name="压测服务站",
                    status="active", public_key=b"\0" * 32, enrolled_at=NOW,
                )
            )  # fmt: skip

    return sqlite_template("apply", persons, now=NOW, then=add_station)


def _ops(db: Database, total: int) -> StationOps:
    """The bench's cases with seeded UUIDs (``build_ops`` draws them from ``uuid4``)."""
    rng = random.Random(7)
    with db.read() as conn:  # half the registry: a G08 changes a person only once
        pools = load_pools(conn, NOW.date(), sample="500")
    with mock.patch.object(uuid, "uuid4", lambda: uuid.UUID(int=rng.getrandbits(128), version=4)):
        return build_ops(STATION, total, pools, seed=1, now=NOW)


class _Rollback(Exception):
    """Leaves ``db.write()`` without committing: every batch sees the seeded registry."""


@contextmanager
def _loaded(db: Database, ctx: BatchContext, ops: list[Operation], checks: Any) -> Iterator[IngestBatch]:
    try:
        with db.write() as conn:
            loaded = _load(conn, ctx, ops, checks)  # the batch (and, lately, the rows it locked)
            yield loaded[0] if isinstance(loaded, tuple) else loaded
            raise _Rollback
    except _Rollback:
        pass


def canon(x: Any) -> str:
    """A value as text with its types, so equal text means the same rows to the bit."""
    if isinstance(x, dict):
        inner = ", ".join(f"{canon(k)}: {canon(v)}" for k, v in x.items())
        return f"{type(x).__name__}{{{inner}}}"
    if isinstance(x, list | tuple):
        return f"{type(x).__name__}[{', '.join(canon(v) for v in x)}]"
    if isinstance(x, set | frozenset):
        return f"{type(x).__name__}[{', '.join(sorted(canon(v) for v in x))}]"
    if isinstance(x, BaseModel):
        return f"{type(x).__name__}({canon(dict(x))})"
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        fields = {f.name: getattr(x, f.name) for f in dataclasses.fields(x)}
        return f"{type(x).__name__}({canon(fields)})"
    return f"{type(x).__qualname__}:{x!r}"


def outputs(batch: IngestBatch, results: dict[str, Any]) -> str:
    """Every result and row one batch produced (and the registry changes it makes)."""
    out, reg = batch.out, batch.registry
    parts = {
        "results": results,
        **{f.name: getattr(out, f.name) for f in dataclasses.fields(out)},
        "new_case_rows": [c.row() for c in out.new_cases],
        "persons": reg.changed_persons(),
        "enrolments": reg.changed_enrolments(),
        "staff": reg.changed_staff(),
        "township_changes": reg.township_changes(),
    }
    return "\n".join(f"{name}: {canon(value)}" for name, value in parts.items())


def run(db: Database, ops: StationOps, size: int, runs: int) -> tuple[list[float], list[str]]:
    """CPU seconds of ``apply_all`` per run, and the canonical outputs of each batch (last run)."""
    catalog, rates = load_catalog(), load_rates()
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), secret_key="x" * 48, database_url="sqlite://")
    station = StationContext(STATION, STATION[:9], STATION[:6], b"", "active")
    batches = [
        parse_batch(batch_body(STATION, NOW, ops.ops[i : i + size])) for i in range(0, len(ops.ops), size)
    ]
    seconds: list[float] = []
    texts: list[str] = []
    for _ in range(runs):
        spent, texts = 0.0, []
        for pushed in batches:
            ctx = BatchContext(
                station=station, received_at=RECEIVED, sent_at=pushed.sent_at, catalog=catalog, rates=rates,
                calendar=None, max_offline_days=settings.max_offline_days,
                clock_flag_seconds=settings.clock_flag_seconds,
            )  # fmt: skip
            prepared = prepare(ctx, pushed.operations)
            pending = list(zip(prepared.keys, prepared.ops, strict=True))
            with _loaded(db, ctx, list(prepared.ops), prepared.checks) as batch:
                c0 = time.process_time()
                results = apply_all(batch, pending)
                spent += time.process_time() - c0
                texts.append(outputs(batch, results))
        seconds.append(spent)
    return seconds, texts


def check(texts: list[str], path: Path) -> None:
    """Stop at the first batch whose outputs differ from the recorded ones."""
    recorded = json.loads(path.read_text(encoding="utf-8"))
    assert len(recorded) == len(texts), (len(recorded), len(texts))
    for n, (was, now) in enumerate(zip(recorded, texts, strict=True)):
        if was != now:
            for a, b in zip(was.splitlines(), now.splitlines(), strict=False):
                if a != b:
                    i = next(k for k in range(min(len(a), len(b))) if a[k] != b[k]) if a[:1] == b[:1] else 0
                    raise SystemExit(f"batch {n} differs at {a[: a.find(':')]}:\n"
                                     f"was {a[max(0, i - 300) : i + 300]}\nnow {b[max(0, i - 300) : i + 300]}")  # fmt: skip
            raise SystemExit(f"batch {n} differs")
    print(f"outputs identical to {path} ({len(texts)} batches)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--record", type=Path, help="write the canonical outputs to this file")
    parser.add_argument("--check", type=Path, help="compare the outputs with a recorded file")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/push_apply.json")
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "bench.db"
    shutil.copyfile(_template(PERSONS), path)
    db = Database.from_url(f"sqlite:///{path}")
    ops = _ops(db, args.cases)
    prepare_worker()  # what a server worker does: reference data loaded, the collector tuned
    seconds, texts = run(db, ops, args.batch, args.runs)
    db.dispose()
    shutil.rmtree(path.parent, ignore_errors=True)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    if args.record:
        args.record.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    if args.check:
        check(texts, args.check)
    per_case = [s / args.cases * 1e6 for s in seconds]
    result = {
        "benchmark": "push_apply",
        "persons": PERSONS,
        "cases": args.cases,
        "batch": args.batch,
        "runs": args.runs,
        "apply_cpu_us_per_case": round(statistics.median(per_case), 1),
        "apply_cpu_us_per_case_runs": [round(x, 1) for x in per_case],
        "outputs_sha256": digest,
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
    }
    print(f"apply_all: {result['apply_cpu_us_per_case']} µs/case CPU (median of {args.runs}), "
          f"outputs {digest[:16]}")  # fmt: skip
    if not args.no_write:
        out = Path(__file__).parent / "results" / "push_apply.json"
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
