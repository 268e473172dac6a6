"""In-process push throughput: the server's push work without HTTP, TLS or a second process.

The same 10,000 cases as ``bench.server_push`` (bench/push_workload.py, 50,000-person
seeded registry), in batches of 500, on a fresh database. Three modes:

* default: through the FastAPI app with Starlette's ``TestClient`` (signature check,
  nonce, gzip, parsing, ingest, response), timed from the first request to the last answer;
* ``plain``: the route's work called directly (decode, parse, ``ingest.push``, serialise),
  with parsing and applying timed apart; CPU time is reported beside wall time, since the
  machine is shared;
* ``profile``: ``plain`` under cProfile, the top functions by own time.

The registry (1,000,000 persons, ``seed-demo``) is seeded once into a template database
(PostgreSQL) or file (SQLite) that later invocations copy; ``--drop-template`` removes them.

Run: ``.venv/bin/python bench/server_push_inprocess.py postgresql|sqlite [plain|profile] [--runs N]``.
Not the official figure (that is ``bench.server_push`` over HTTPS); a tool to measure changes.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gzip
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

import sqlalchemy as sa  # noqa: E402

from bench.proc_cpu import PostgresCpu  # noqa: E402
from bench.push_workload import StationOps, batch_body, build_ops, load_pools  # noqa: E402
from bench.seeded import sqlite_template  # noqa: E402
from schema.signing import sign_request  # noqa: E402

try:  # what a server worker does before its first request (absent in older versions)
    from sync_server.api.asgi import prepare_worker
except ImportError:  # pragma: no cover

    def prepare_worker() -> None:
        pass


from sync_server.core.station import StationContext  # noqa: E402
from sync_server.db.engine import Database  # noqa: E402
from sync_server.db.migrate import upgrade  # noqa: E402
from sync_server.db.tables import stations  # noqa: E402
from sync_server.demo.seed import seed_demo  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
STATION = "511102004-20"


def _template(kind: str, persons: int) -> str:
    """A seeded, migrated database kept between invocations (``--drop-template`` removes it)."""
    if kind == "sqlite":
        return str(sqlite_template("inprocess", persons))
    import psycopg

    name = f"ssb_bench_inprocess_tpl_{persons}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        if c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            c.execute(f'CREATE DATABASE "{name}_part"')
            db = Database.from_url(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}_part")
            upgrade(db)
            seed_demo(
                db, persons_count=persons, seed=1, now=dt.datetime.now(dt.UTC), actor="bench", code_hours=24
            )
            db.dispose()
            c.execute(f'ALTER DATABASE "{name}_part" RENAME TO "{name}"')
    return name


def drop_templates(persons: int) -> None:
    import psycopg

    Path(tempfile.gettempdir(), f"ssb_bench_inprocess_tpl_{persons}.db").unlink(missing_ok=True)
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "ssb_bench_inprocess_tpl_{persons}" WITH (FORCE)')
        c.execute('DROP DATABASE IF EXISTS "ssb_bench_inprocess" WITH (FORCE)')


def database(kind: str, persons: int) -> Database:
    """A fresh copy of the seeded template."""
    template = _template(kind, persons)
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.db"
        shutil.copyfile(template, path)
        return Database.from_url(f"sqlite:///{path}")
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute('DROP DATABASE IF EXISTS "ssb_bench_inprocess" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "ssb_bench_inprocess" TEMPLATE "{template}"')
    db = Database.from_url(PG_ADMIN.rsplit("/", 1)[0] + "/ssb_bench_inprocess")
    upgrade(db)  # a template seeded before a later migration
    return db


PERSONS = 1_000_000


def setup(kind: str, total: int) -> tuple[Database, StationOps, object]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    db = database(kind, PERSONS)
    key = Ed25519PrivateKey.generate()
    with db.write() as conn:
        conn.execute(
            sa.insert(stations).values(
                id=STATION, township_code=STATION[:9], county_code=STATION[:6], name="压测服务站",
                status="active", public_key=key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
                enrolled_at=dt.datetime.now(dt.UTC),
            )
        )  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    with db.read() as conn:
        pools = load_pools(conn, now.date())
    return db, build_ops(STATION, total, pools, seed=1, now=now), key


def bodies(ops: StationOps, size: int) -> list[bytes]:
    return [
        gzip.compress(batch_body(STATION, dt.datetime.now(dt.UTC), ops.ops[i : i + size]), 6, mtime=0)
        for i in range(0, len(ops.ops), size)
    ]


def through_app(kind: str, total: int, size: int) -> float:
    from fastapi.testclient import TestClient

    from sync_server.api.app import create_app
    from sync_server.settings import Settings

    db, ops, key = setup(kind, total)
    prepare_worker()
    tmp = Path(tempfile.mkdtemp())
    url = db.engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(data_dir=tmp, secret_key="x" * 48, database_url=url), database=db)
    client = TestClient(app)
    c0, t0 = time.process_time(), time.perf_counter()
    for first in range(0, total, size):
        body = gzip.compress(
            batch_body(STATION, dt.datetime.now(dt.UTC), ops.ops[first : first + size]), 6, mtime=0
        )
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip",
                   **sign_request(key, "POST", "/api/v1/push", body, STATION)}  # type: ignore[arg-type]  # fmt: skip
        r = client.post("/api/v1/push", content=body, headers=headers)
        assert r.status_code == 200, r.text[:500]
        assert all(x["status"] == "applied" for x in r.json()["results"]), r.text[:500]
    seconds = time.perf_counter() - t0
    print(f"CPU {time.process_time() - c0:.2f} s (client and server in this process)")
    db.dispose()
    return seconds


def direct(kind: str, total: int, size: int, profile: bool) -> tuple[float, float, float, float]:
    """(parse seconds, push seconds, CPU seconds, wall seconds) for the route's work called directly."""
    from sync_server.api.routes.push import check_station, decode_body, parse_batch
    from sync_server.services.ingest import push as ingest
    from sync_server.settings import Settings

    db, ops, _ = setup(kind, total)
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), secret_key="x" * 48, database_url="sqlite://")
    ctx = StationContext(STATION, STATION[:9], STATION[:6], b"", "active")
    wire = bodies(ops, size)
    prepare_worker()
    prof = cProfile.Profile() if profile else None
    tp = tq = 0.0
    pg = PostgresCpu(db.engine.url.database or "") if kind == "postgresql" else None
    if pg is not None:
        pg.start()
    c0, w0 = time.process_time(), time.perf_counter()
    if prof:
        prof.enable()
    for body in wire:
        t0 = time.perf_counter()
        batch = parse_batch(decode_body(body, "gzip"))
        check_station(batch, STATION)
        t1 = time.perf_counter()
        resp = ingest.push(db, ctx, batch, dt.datetime.now(dt.UTC), settings=settings)
        resp.model_dump_json()
        tq += time.perf_counter() - t1
        tp += t1 - t0
    if prof:
        prof.disable()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    if pg is not None:
        whole, backends = pg.seconds(), pg.backend_seconds()
        print(f"PostgreSQL CPU {whole:.2f} s ({whole / total * 1e6:.0f} µs/case), "
              f"of which its backends {backends:.2f} s ({backends / total * 1e6:.0f} µs/case)")  # fmt: skip
    with db.read() as conn:
        held = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
    assert held == total, held
    db.dispose()
    if prof:
        stats = pstats.Stats(prof)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)
    return tp, tq, cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["postgresql", "sqlite"])
    parser.add_argument("mode", nargs="?", default="app", choices=["app", "plain", "profile"])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--drop-template", action="store_true", help="remove the cached seeded databases")
    args = parser.parse_args()
    if args.drop_template:
        drop_templates(PERSONS)
        return
    rates = []
    for _ in range(args.runs):
        if args.mode == "app":
            seconds = through_app(args.kind, args.cases, args.batch)
            print(
                f"{args.kind} app: {args.cases} cases in {seconds:.2f} s = {args.cases / seconds:.0f} cases/s"
            )
        else:
            tp, tq, cpu, seconds = direct(args.kind, args.cases, args.batch, args.mode == "profile")
            print(f"{args.kind} direct: parse {tp:.2f} s, push {tq:.2f} s, CPU {cpu:.2f} s "
                  f"({cpu / args.cases * 1e6:.0f} µs/case) "
                  f"-> {args.cases / seconds:.0f} cases/s")  # fmt: skip
        rates.append(args.cases / seconds)
    if args.runs > 1:
        print(f"median {statistics.median(rates):.0f} cases/s over {args.runs} runs")


if __name__ == "__main__":
    main()
