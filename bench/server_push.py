"""Server push throughput over HTTPS: 10,000 cases in batches of 500, all processing included.

Method (bench/README.md has the figures):

* Once per backend, a template: ``sync-server init`` (city CA, server certificate,
  schema; on PostgreSQL a throwaway database on 127.0.0.1:5432), ``sync-server seed-demo
  --persons 1000000`` (a city-sized registry: Leshan has about 3.2 million residents),
  ``ANALYZE`` (as autovacuum would have done on a registry in service), and the bench
  stations added with ``sync-server station add`` (one-time enrolment codes).
* Each run starts from a fresh copy of the template (``CREATE DATABASE … TEMPLATE`` on
  PostgreSQL, a file copy on SQLite; dropped afterwards) and a real ``sync-server serve``
  process (uvicorn, HTTPS only, ``--workers N``). Each station enrols through the real
  ``/api/v1/enrol`` with a freshly generated Ed25519 key.
* The cases (bench/push_workload.py: fee-bearing G14 and C012, complex C019/C048 routed
  with due dates, general G02 and G08 with a registry change, applicants drawn from the
  registry) are built and checked before timing and kept as each operation's JSON, as the
  station's outbox keeps them.
* Timed, per station, from the first request to the last acknowledged response: wrap 500
  stored operations in a PushBatch, gzip (level 6, as the station's transport), sign
  (Ed25519 over method, path, body digest, timestamp, nonce), POST over HTTPS with a
  pinned-CA ``httpx.Client`` (one keep-alive connection per station), parse the answer as a
  ``PushResponse`` and check that every operation was ``applied``. A station's batches go
  one after the other, as its sync agent sends them.
* ``single``: one station pushes 10,000 cases. ``concurrent``: 4 stations (four townships
  in four counties) push 2,500 each at the same time, one thread each.
* Afterwards (not timed) the database must hold exactly 10,000 cases, 10,000 applied
  operations, 10,000 ``case_status`` feed changes and ``case.accept`` audit entries,
  every station's ``last_seq``, a balanced ledger whose collected side equals what the
  applicants paid, and ``sync-server audit verify`` must pass.
* Warm-up: the server answers ``/healthz`` (its workers have loaded the catalog and rate
  book), each station's TLS connection is open and the station enrolled; nothing is pushed
  before the timed part.
* The machine is shared: before each run the bench waits (up to 5 minutes) until the
  CPU is at most ``--max-busy`` busy, and records how busy it was.
* Figures: the median of ``--runs`` runs (default 3) per configuration.

Run: ``.venv/bin/python -m bench.server_push [--db sqlite postgresql] [--workers 1 2] [--runs 3]``;
writes ``bench/results/server_push.json``.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import json
import os
import platform
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

if __package__ in (None, ""):  # run as a file (bench/run_all.py does): the repository is the root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import proc_cpu
from bench.push_workload import Pools, StationOps, batch_body, build_ops, fee_collected, load_pools
from schema.protocol import EnrolRequest, EnrolResponse, OpStatus, PushResponse
from schema.signing import sign_request
from station_client.sync.push import WINDOW as PUSH_WINDOW
from sync_server.core import suspense
from sync_server.db.engine import create_engine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "server_push.json"
SYNC_SERVER = str(Path(sys.executable).with_name("sync-server"))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PUSH_PATH = "/api/v1/push"
GZIP_LEVEL = 6  # station_client.transport.GZIP_LEVEL
PERSONS = 1_000_000  # Leshan has about 3.2 million residents
# Four townships in four counties: 市中区大佛街道, 犍为县玉津镇, 峨眉山市绥山镇, 五通桥区竹根镇.
TOWNSHIPS = (
    "511102004",
    "511123100",
    "511181100",
    "511112100",
    "511111100",
    "511124101",
    "511126002",
    "511129100",
)
BENCH_POINT = 20  # service-point numbers 20.. are free of the demo stations


# ---- the server ---------------------------------------------------------------------------


def _cli(*args: str, database_url: str = "") -> str:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if database_url:
        env["SSB_DATABASE_URL"] = database_url  # overrides settings.toml: a run's own copy
    done = subprocess.run([SYNC_SERVER, *args], check=False, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"sync-server {' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(statement)


def _pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def seeded_data_dir(data_dir: Path, persons: int, database: str = "") -> float:
    """``sync-server init`` into ``data_dir`` (on PostgreSQL: database ``database``, made
    afresh; "": SQLite) and ``seed-demo --persons N``; the seconds the seeding took."""
    if database:
        _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _pg(f'CREATE DATABASE "{database}"')
    init = ["init", "--data-dir", str(data_dir), "--host", "127.0.0.1"]
    _cli(*init, *(["--database-url", _pg_url(database)] if database else []))
    started = time.monotonic()
    _cli("seed-demo", "--data-dir", str(data_dir), "--persons", str(persons))
    return time.monotonic() - started


def station_code(data_dir: Path, division: str, name: str, point: int) -> str:
    """``sync-server station add``: the new station's enrolment code."""
    out = _cli("station", "add", "--data-dir", str(data_dir), "--division", division,
               "--name", name, "--point", str(point))  # fmt: skip
    found = re.search(r"注册码：(\S+)", out)
    assert found, out
    return found[1]


@dataclass
class Template:
    """A data directory with a seeded registry and the bench stations, copied for every run."""

    kind: str
    data_dir: Path
    database: str  # PostgreSQL: the template database's name; SQLite: ""
    codes: list[str]  # the stations' enrolment codes, in TOWNSHIPS order

    @property
    def database_url(self) -> str:
        return _pg_url(self.database) if self.database else f"sqlite:///{self.data_dir / 'server.db'}"


@contextmanager
def template(kind: str, persons: int, stations: int) -> Iterator[Template]:
    """``sync-server init``, ``seed-demo --persons N`` and ``station add`` once per backend."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-push-template-"))
    name = f"ssb_bench_tpl_{os.getpid()}" if kind == "postgresql" else ""
    try:
        data_dir = tmp / "data"
        seconds = seeded_data_dir(data_dir, persons, name)
        print(f"  seeded {persons:,} persons on {kind} in {seconds:.0f} s", flush=True)
        if name:  # planner statistics, as autovacuum would have them on a registry in service
            import psycopg

            with psycopg.connect(_pg_url(name), autocommit=True) as conn:
                conn.execute("ANALYZE")
        codes = [
            station_code(data_dir, TOWNSHIPS[n], f"压测服务站{n + 1}", BENCH_POINT) for n in range(stations)
        ]
        yield Template(kind, data_dir, name, codes)
    finally:
        if name:
            _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Server:
    url: str
    ca: Path
    data_dir: Path
    database_url: str
    process: subprocess.Popen[bytes]

    def client(self) -> httpx.Client:
        context = ssl.create_default_context(cafile=str(self.ca))
        return httpx.Client(base_url=self.url, verify=context, timeout=300)

    @property
    def database_name(self) -> str:
        """The PostgreSQL database this server uses ("" on SQLite)."""
        url = self.database_url
        return url.rsplit("/", 1)[1].split("?")[0] if url.startswith("postgresql") else ""

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process and its workers so far."""
        return proc_cpu.tree_cpu(self.process.pid)


@contextmanager
def serve(base: Template, workers: int, tag: str) -> Iterator[Server]:
    """A fresh copy of the template (data directory and database), served until the block ends."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-push-"))
    data_dir = tmp / "data"
    shutil.copytree(base.data_dir, data_dir)
    name = f"ssb_bench_{tag}" if base.database else ""
    url = _pg_url(name) if name else ""
    try:
        if name:
            _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _pg(f'CREATE DATABASE "{name}" TEMPLATE "{base.database}"')
        port = _free_port()
        log = (tmp / "serve.log").open("wb")
        env = {**os.environ, "PYTHONWARNINGS": "ignore", **({"SSB_DATABASE_URL": url} if url else {})}
        process = subprocess.Popen(
            [SYNC_SERVER, "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(workers)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        server = Server(
            f"https://127.0.0.1:{port}",
            data_dir / "tls" / "ca.pem",
            data_dir,
            url or f"sqlite:///{data_dir / 'server.db'}",
            process,
        )
        try:
            _wait_ready(server, workers)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
    finally:
        if name:
            _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_ready(server: Server, workers: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    with server.client() as client:
        while time.monotonic() < end:
            if server.process.poll() is not None:
                raise RuntimeError("sync-server serve exited")
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("sync-server serve did not become ready")
    # every worker must be listening: each has its own socket on the port (sync_server/api/workers.py),
    # and a station that connected while only some were up would stay with those for the whole run
    port = int(server.url.rsplit(":", 1)[1])
    while _listeners(port) < workers and time.monotonic() < end:
        time.sleep(0.1)


def _listeners(port: int) -> int:
    """Listening TCP sockets on ``port`` (IPv4), from /proc/net/tcp."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for r in rows if r.split()[1].endswith(f":{port:04X}") and r.split()[3] == "0A")


# ---- stations -----------------------------------------------------------------------------


@dataclass
class BenchStation:
    id: str
    key: Ed25519PrivateKey
    client: httpx.Client
    latencies: list[float] = field(default_factory=list)
    finished_at: float = 0.0
    error: BaseException | None = None


def enrol(server: Server, code: str, n: int) -> BenchStation:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    client = server.client()
    request = EnrolRequest(
        enrolment_code=code,
        public_key=base64.b64encode(raw).decode(),
        station_name=f"压测服务站{n + 1}",
        client_version="bench",
    )
    response = client.post("/api/v1/enrol", content=request.model_dump_json(),
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 200, response.text
    enrolled = EnrolResponse.model_validate_json(response.content)
    return BenchStation(enrolled.station_id, key, client)


def push_all(
    station: BenchStation, ops: StationOps, batch: int, start: threading.Barrier, window: int = 1
) -> None:
    """Push ``ops`` in batches; up to ``window`` batches on the wire at once, answers checked in order."""
    try:
        start.wait()
        with ThreadPoolExecutor(max_workers=window, thread_name_prefix=f"push-{station.id}") as wire:
            flying: deque[tuple[int, int, float, Future[httpx.Response]]] = deque()
            for first in range(0, len(ops.ops), batch):
                began = time.perf_counter()
                chunk = ops.ops[first : first + batch]
                body = gzip.compress(
                    batch_body(station.id, dt.datetime.now(dt.UTC), chunk), GZIP_LEVEL, mtime=0
                )
                headers = {"Content-Type": "application/json", "Content-Encoding": "gzip",
                           **sign_request(station.key, "POST", PUSH_PATH, body, station.id)}  # fmt: skip
                posted = wire.submit(station.client.post, PUSH_PATH, content=body, headers=headers)
                flying.append((first, len(chunk), began, posted))
                if len(flying) >= window:
                    _check(station, *flying.popleft())
            while flying:
                _check(station, *flying.popleft())
        station.finished_at = time.perf_counter()
    except BaseException as exc:
        station.error = exc
        raise


def _check(
    station: BenchStation, first: int, size: int, began: float, posted: Future[httpx.Response]
) -> None:
    response = posted.result()
    if response.status_code != 200:
        raise RuntimeError(f"push answered {response.status_code}: {response.text[:500]}")
    answer = PushResponse.model_validate_json(response.content)
    refused = [r for r in answer.results if r.status is not OpStatus.APPLIED]
    if refused or answer.station_last_seq != first + size:
        raise RuntimeError(f"not applied: {refused[:2]} last_seq={answer.station_last_seq}")
    station.latencies.append(time.perf_counter() - began)


# ---- one run ------------------------------------------------------------------------------


def verify(server: Server, workloads: list[StationOps]) -> dict[str, Any]:
    """What the server holds after the run; raises unless it is exactly what was sent."""
    total = sum(len(w.ops) for w in workloads)
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            q = lambda sql: conn.execute(sa.text(sql)).scalar_one()  # noqa: E731
            facts = {
                "cases": q("SELECT count(*) FROM cases"),
                "operations_applied": q("SELECT count(*) FROM operations WHERE status = 'applied'"),
                "operations": q("SELECT count(*) FROM operations"),
                "feed_case_status": q("SELECT count(*) FROM changes WHERE kind = 'case_status'"),
                "feed_person": q("SELECT count(*) FROM changes WHERE kind = 'person'"),
                "audit_case_accept": q("SELECT count(*) FROM audit_log WHERE action = 'case.accept'"),
                "audit_entries": q("SELECT count(*) FROM audit_log"),
                "case_events": q("SELECT count(*) FROM case_events"),
                "routed": q(
                    "SELECT count(*) FROM cases WHERE tier = 'complex' AND section IS NOT NULL "
                    "AND due_date IS NOT NULL"
                ),
                "ledger_entries": q("SELECT count(*) FROM ledger_entries"),
                "ledger_sum": str(q("SELECT coalesce(sum(amount), 0) FROM ledger_entries")),
                # Taken at the desk: posted as collected, or held in suspense until the decision
                # of a complex item (core.suspense: its held side carries the amount).
                "ledger_collected": str(
                    q(
                        "SELECT coalesce(sum(amount), 0) FROM ledger_entries "
                        f"WHERE side IN ('collected', '{suspense.HELD}')"
                    )
                ),
                "last_seq": {
                    r.id: int(r.last_seq)
                    for r in conn.execute(sa.text("SELECT id, last_seq FROM stations WHERE last_seq > 0"))
                },
            }
    finally:
        engine.dispose()
    fees = sum((fee_collected(w) for w in workloads), Decimal(0))
    expected = {w.station_id: len(w.ops) for w in workloads}
    problems = [
        name
        for name, ok in (
            ("cases", facts["cases"] == total),
            ("operations", facts["operations"] == facts["operations_applied"] == total),
            ("feed", facts["feed_case_status"] == total),
            ("audit", facts["audit_case_accept"] == total),
            ("ledger balance", _fen(facts["ledger_sum"]) == 0),
            ("ledger collected", _fen(facts["ledger_collected"]) == fees),
            ("last_seq", facts["last_seq"] == expected),
        )
        if not ok
    ]
    pg_url = server.database_url if server.database_url.startswith("postgresql") else ""
    chain = _cli("audit", "verify", "--data-dir", str(server.data_dir), database_url=pg_url).strip()
    facts["audit_verify"] = chain
    facts["fees_sent"] = str(fees)
    if problems:
        raise AssertionError(f"server state wrong ({', '.join(problems)}): {facts}")
    return facts


def _fen(value: str) -> Decimal:
    # SQLite sums NUMERIC as a float
    return round(Decimal(value), 2)


def _busy(seconds: float = 2.0) -> float:
    """Share of the machine's CPU time spent busy over the next ``seconds`` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_quiet(max_busy: float, timeout: float = 300) -> float:
    """The machine is shared: wait (up to ``timeout``) until other work leaves it mostly idle."""
    end = time.monotonic() + timeout
    busy = _busy()
    while busy > max_busy and time.monotonic() < end:
        busy = _busy()
    return busy


def run_once(
    base: Template,
    workers: int,
    workloads: list[StationOps],
    batch: int,
    tag: str,
    *,
    max_busy: float,
    window: int = 1,
) -> dict[str, Any]:
    with serve(base, workers, tag) as server:
        enrolled = [enrol(server, code, n) for n, code in enumerate(base.codes[: len(workloads)])]
        by_id = {w.station_id: w for w in workloads}
        assert sorted(by_id) == sorted(s.id for s in enrolled), (sorted(by_id), [s.id for s in enrolled])
        busy = wait_quiet(max_busy)
        load = os.getloadavg()[0]
        start = threading.Barrier(len(enrolled) + 1)
        threads = [
            threading.Thread(target=push_all, args=(s, by_id[s.id], batch, start, window), daemon=True)
            for s in enrolled
        ]
        for t in threads:
            t.start()
        cpu0 = server.cpu_seconds()
        pg = proc_cpu.PostgresCpu(server.database_name) if server.database_name else None
        if pg is not None:
            pg.start()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = max(s.finished_at for s in enrolled) - t0 if all(s.finished_at for s in enrolled) else 0.0
        cpu = server.cpu_seconds() - cpu0
        pg_cpu = pg.seconds() if pg is not None else None
        for s in enrolled:
            s.client.close()
            if s.error is not None:
                raise RuntimeError(f"station {s.id} failed") from s.error
        facts = verify(server, workloads)
    total = sum(len(w.ops) for w in workloads)
    latencies = [x for s in enrolled for x in s.latencies]
    return {
        "seconds": round(wall, 3),
        "cases_per_second": round(total / wall),
        "batch_latency_median_ms": round(statistics.median(latencies) * 1000, 1),
        "batch_latency_max_ms": round(max(latencies) * 1000, 1),
        "station_seconds": [round(s.finished_at - t0, 2) for s in enrolled],
        "server_cpu_seconds": round(cpu, 2),
        "server_cpu_us_per_case": round(cpu / total * 1e6),
        "postgres_cpu_seconds": None if pg_cpu is None else round(pg_cpu, 2),
        "load_average_before": round(load, 2),
        "cpu_busy_before": round(busy, 2),
        "verified": facts,
    }


# ---- main ---------------------------------------------------------------------------------


def station_ids(stations: int) -> list[str]:
    return [f"{TOWNSHIPS[n]}-{BENCH_POINT:02d}" for n in range(stations)]


def pools_from(base: Template, today: dt.date, sample: int = 50) -> Pools:
    """Applicants for the cases: a sample of ``sample`` per mille of the seeded registry (the
    same rows on either backend; 5 % by default)."""
    engine = create_engine(base.database_url)
    try:
        with engine.connect() as conn:
            return load_pools(conn, today, sample=f"{sample:03d}")
    finally:
        engine.dispose()


def configuration(
    base: Template, workers: int, scenario: str, loads: list[StationOps], args: argparse.Namespace
) -> dict[str, Any]:
    kind = base.kind
    runs = []
    for n in range(args.runs):
        run = run_once(
            base, workers, loads, args.batch, f"{os.getpid()}_{n}", max_busy=args.max_busy, window=args.window
        )
        runs.append(run)
        print(f"  {kind:10} workers={workers} {scenario:10} run {n + 1}: {run['seconds']:6.2f} s "
              f"{run['cases_per_second']:5d} cases/s  (server CPU {run['server_cpu_seconds']} s = "
              f"{run['server_cpu_us_per_case']} µs/case, PostgreSQL CPU {run['postgres_cpu_seconds']} s, "
              f"busy before {run['cpu_busy_before']:.0%}, stations done at {run['station_seconds']} s)", flush=True)  # fmt: skip
    row = {
        "database": kind,
        "workers": workers,
        "scenario": scenario,
        "stations": len(loads),
        "cases": sum(len(w.ops) for w in loads),
        "batch": args.batch,
        "window": args.window,
        "median_cases_per_second": round(statistics.median(r["cases_per_second"] for r in runs)),
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "runs": runs,
    }
    print(
        f"{kind:10} workers={workers} {scenario:10}: median {row['median_cases_per_second']} cases/s",
        flush=True,
    )
    return row


def workload(scenario: str, cases: int, pools: Pools, stations: int, now: dt.datetime) -> list[StationOps]:
    """One station's ``cases``, or ``stations`` stations' shares of them (each its own people)."""
    pools.changed.clear()  # every backlog runs on a fresh copy: its phone changes start afresh
    if scenario == "single":
        return [build_ops(station_ids(1)[0], cases, pools, seed=1, now=now)]
    return [
        build_ops(sid, cases // stations, pools.share(n, stations), seed=10 + n, now=now)
        for n, sid in enumerate(station_ids(stations))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2], help="uvicorn workers (PostgreSQL)")
    parser.add_argument(
        "--scenarios", nargs="+", default=["single", "concurrent"], choices=["single", "concurrent"]
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--cases",
        nargs="+",
        type=int,
        default=[10_000],
        help="backlog sizes, each on a fresh copy (cost linear?)",
    )
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--window",
        type=int,
        default=PUSH_WINDOW,
        help="batches a station has on the wire at once (as its sync agent)",
    )
    parser.add_argument("--stations", type=int, default=4, help="stations in the concurrent scenario")
    parser.add_argument("--persons", type=int, default=PERSONS, help="registry size (seed-demo)")
    parser.add_argument(
        "--sample",
        type=int,
        default=50,
        help="applicants: this many per mille of the registry (a 1,000,000-case backlog needs "
        "100,000 distinct phone changers: 400 on the default registry)",
    )
    parser.add_argument(
        "--max-busy", type=float, default=0.1, help="wait before each run until the CPU is at most this busy"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    parser.add_argument("--no-write", action="store_true", help="print only; keep the results file")
    args = parser.parse_args()

    now = dt.datetime.now(dt.UTC)
    results: list[dict[str, Any]] = []
    for kind in args.db:
        with template(kind, args.persons, args.stations) as base:
            pools = pools_from(base, now.date(), args.sample)
            for cases in args.cases:
                for scenario in args.scenarios:
                    print(f"building {cases} cases ({scenario}) …", flush=True)
                    loads = workload(scenario, cases, pools, args.stations, now)
                    for workers in args.workers if kind == "postgresql" else [1]:
                        results.append(configuration(base, workers, scenario, loads, args))
                    del loads  # a 1,000,000-case backlog holds about a gigabyte
    report = {
        "benchmark": "server_push",
        "transport": "HTTPS (pinned city CA), HTTP/1.1 keep-alive, gzip level 6, Ed25519-signed batches",
        "mix": "per 20 cases: 8 G14 (fee), 2 C012 (fee, complex), 3 C019, 2 C048 (complex), 3 G02, 2 G08 (registry change)",
        "registry_persons": args.persons,
        "applicant_sample_per_mille": args.sample,
        "runs_per_configuration": args.runs,
        "results": results,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "date": now.date().isoformat(),
    }
    if not args.no_write:
        args.out.parent.mkdir(exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
