"""Soak: 200 stations pushing and pulling at once against ``sync-server serve --workers 4``.

Method (bench/README.md has the figures):

* Set-up, not timed: a throwaway PostgreSQL database on 127.0.0.1:5432, ``sync-server
  init``, ``seed-demo --persons N``, ``ANALYZE``, and 200 stations registered over
  Leshan's 132 townships, a second service point in some (``add_station``, as ``station
  add`` does), each enrolled through the real ``POST /api/v1/enrol`` with an Ed25519 key
  made here (no station homes: a light client that signs as the station does).
* The cases are built before the run with bench/push_workload.py (the mix of
  bench/server_push.py: G14 and C012 with fees, C019/C048 routed, G02, G08 with a registry
  change), every one checked with the server's own rules, each station drawing its
  applicants from its own share of the registry.
* The run: one thread per station, for ``--minutes``. Each round: push the next batch of
  ``--batch`` cases (gzip, signed as the station's transport signs), then pull its feed
  page by page until the last page (the first round brings the township's reference
  slice), then sleep a random 0.5–1.5 × ``--pause`` seconds. Stations start spread over the
  first pause. Every request is timed from signing to the parsed answer.
* Every 5 s the resident memory (VmRSS) of the server's processes is sampled from /proc.
* Afterwards: every case answered ``applied`` is on the server exactly once and no other
  bench case is; ``sync-server ledger check`` and ``sync-server audit verify`` pass.

Run: ``.venv/bin/python -m bench.soak [--minutes 5] [--stations 200] [--workers 4]``;
writes ``bench/results/soak-<date>.json``. Not part of ``make bench`` (it takes minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

if __package__ in (None, ""):  # run as a file: the repository is the root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import proc_cpu
from bench.push_workload import Pools, StationOps, batch_body, build_ops, load_pools
from bench.server_push import (
    GZIP_LEVEL,
    PUSH_PATH,
    BenchStation,
    Server,
    Template,
    _pg,
    _pg_url,
    enrol,
    seeded_data_dir,
    serve,
)
from schema.protocol import OpStatus, PullPage, PushResponse
from schema.signing import sign_request
from sync_server.db.engine import create_engine

ROOT = Path(__file__).resolve().parent.parent
PULL_PATH = "/api/v1/pull"
PAGE_LIMIT = 500  # station_client.sync.pull.PAGE_LIMIT
SAMPLE_SECONDS = 5.0
POINT = 20  # service-point number of every soak station (free of the demo stations)


# ---- set-up -------------------------------------------------------------------------------


def prepare(tmp: Path, persons: int, stations: int) -> Template:
    """Init, seed and register ``stations`` stations, one per township; returns their codes."""
    from schema.divisions import load_divisions
    from sync_server.commands.common import open_database
    from sync_server.services.admin.stations import add_station

    name = f"ssb_soak_tpl_{os.getpid()}"
    data_dir = tmp / "data"
    seconds = seeded_data_dir(data_dir, persons, name)
    print(f"  seeded {persons:,} persons in {seconds:.0f} s", flush=True)
    # Leshan has 132 townships: every one gets a station, some a second (service points 20, 21, …)
    townships = [d.code for d in load_divisions().townships()]
    chosen = [(townships[n % len(townships)], POINT + n // len(townships)) for n in range(stations)]
    codes = []
    with open_database(str(data_dir)) as (settings, db), db.write() as conn:
        now = dt.datetime.now(dt.UTC)
        for n, (township, point) in enumerate(chosen):
            issued = add_station(conn, division=township, name=f"压测服务站{n + 1}", point=point, now=now,
                                 code_hours=settings.enrolment_code_hours, actor="bench")  # fmt: skip
            codes.append(issued.code)
    import psycopg

    with psycopg.connect(_pg_url(name), autocommit=True) as conn:
        conn.execute("ANALYZE")
    return Template("postgresql", data_dir, name, codes)


def station_ids(base: Template) -> list[str]:
    engine = create_engine(base.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id FROM stations WHERE name LIKE '压测服务站%' ORDER BY created_at, id")
            )
            ids = [r.id for r in rows]
    finally:
        engine.dispose()
    return ids


# ---- one station's loop -------------------------------------------------------------------


@dataclass
class Tally:
    push_ms: list[float] = field(default_factory=list)
    pull_page_ms: list[float] = field(default_factory=list)
    pull_round_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    applied: list[str] = field(default_factory=list)  # case ids the server answered applied
    sent_cases: list[str] = field(default_factory=list)
    changes_pulled: int = 0
    start_overs: int = 0
    rounds: int = 0
    errors: list[str] = field(default_factory=list)


def _signed_headers(station: BenchStation, method: str, path: str, body: bytes) -> dict[str, str]:
    return sign_request(station.key, method, path, body, station.id)


def push(station: BenchStation, ops: list[bytes], first: int, tally: Tally) -> None:
    began = time.perf_counter()
    body = gzip.compress(batch_body(station.id, dt.datetime.now(dt.UTC), ops), GZIP_LEVEL, mtime=0)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip",
               **_signed_headers(station, "POST", PUSH_PATH, body)}  # fmt: skip
    response = station.client.post(PUSH_PATH, content=body, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"push answered {response.status_code}: {response.text[:300]}")
    answer = PushResponse.model_validate_json(response.content)
    tally.push_ms.append((time.perf_counter() - began) * 1000)
    if answer.station_last_seq != first + len(ops):
        raise RuntimeError(f"last_seq {answer.station_last_seq}, expected {first + len(ops)}")
    for raw, result in zip(ops, answer.results, strict=True):
        case_id = json.loads(raw)["case_id"]
        tally.sent_cases.append(case_id)
        tally.statuses[result.status.value] += 1
        if result.status is OpStatus.APPLIED:
            tally.applied.append(case_id)


def pull(station: BenchStation, cursor: str | None, tally: Tally) -> str | None:
    """The feed from ``cursor`` to its last page, as the sync agent pulls it; the new cursor."""
    round_began = time.perf_counter()
    while True:
        began = time.perf_counter()
        url = httpx.URL(PULL_PATH, params={"limit": PAGE_LIMIT, **({"cursor": cursor} if cursor else {})})
        path = url.raw_path.decode("ascii")
        response = station.client.get(path, headers=_signed_headers(station, "GET", path, b""))
        if response.status_code != 200:
            raise RuntimeError(f"pull answered {response.status_code}: {response.text[:300]}")
        page = PullPage.model_validate_json(response.content)
        tally.pull_page_ms.append((time.perf_counter() - began) * 1000)
        if page.start_over:
            tally.start_overs += 1
            cursor = None
            continue
        tally.changes_pulled += len(page.changes)
        cursor = page.next_cursor or cursor
        if not page.has_more:
            break
    tally.pull_round_ms.append((time.perf_counter() - round_began) * 1000)
    return cursor


def station_loop(
    station: BenchStation, work: StationOps, tally: Tally, *, batch: int, pause: float, end: float, seed: int
) -> None:
    rng = random.Random(seed)
    time.sleep(rng.uniform(0, pause))  # stations do not start in step
    cursor: str | None = None
    sent = 0
    try:
        while time.monotonic() < end:
            if sent < len(work.ops):
                chunk = work.ops[sent : sent + batch]
                push(station, chunk, sent, tally)
                sent += len(chunk)
            cursor = pull(station, cursor, tally)
            tally.rounds += 1
            time.sleep(rng.uniform(0.5 * pause, 1.5 * pause))
    except Exception as exc:  # counted and reported; the soak goes on for the others
        tally.errors.append(f"{type(exc).__name__}: {exc}"[:500])


# ---- memory -------------------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def sample_memory(server: Server, t0: float, stop: threading.Event, out: list[dict[str, Any]]) -> None:
    while True:
        per = {pid: _rss_kib(pid) for pid in proc_cpu.tree(server.process.pid)}
        out.append({
            "t": round(time.monotonic() - t0, 1),
            "total_mb": round(sum(per.values()) / 1024, 1),
            "processes_mb": sorted((round(v / 1024, 1) for v in per.values()), reverse=True),
            "load1": round(os.getloadavg()[0], 2),  # the box is shared: how busy it was
        })  # fmt: skip
        if stop.wait(SAMPLE_SECONDS):
            return


# ---- checks -------------------------------------------------------------------------------


def verify(server: Server, tallies: list[Tally], ids: list[str]) -> dict[str, Any]:
    """Every applied case on the server once, nothing else of the soak's; ledger and audit pass."""
    applied = [c for t in tallies for c in t.applied]
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT case_id FROM cases WHERE station_id = ANY(:ids)"), {"ids": ids}
            ).all()
            operations = conn.execute(
                sa.text("SELECT count(*) FROM operations WHERE station_id = ANY(:ids)"), {"ids": ids}
            ).scalar_one()
    finally:
        engine.dispose()
    on_server = Counter(str(r.case_id) for r in rows)
    facts: dict[str, Any] = {
        "cases_sent": sum(len(t.sent_cases) for t in tallies),
        "cases_applied": len(applied),
        "cases_on_server": len(rows),
        "operations_on_server": operations,
        "duplicates_on_server": sum(1 for n in on_server.values() if n > 1),
        "applied_missing": len(set(applied) - set(on_server)),
        "on_server_not_applied": len(set(on_server) - set(applied)),
    }
    url = server.database_url
    ledger = subprocess_cli("ledger", "check", data_dir=server.data_dir, database_url=url)
    audit = subprocess_cli("audit", "verify", data_dir=server.data_dir, database_url=url)
    facts["ledger_check"] = ledger
    facts["audit_verify"] = audit
    facts["ok"] = (
        facts["cases_on_server"] == facts["cases_applied"]
        and facts["operations_on_server"] == facts["cases_sent"]
        and not facts["duplicates_on_server"]
        and not facts["applied_missing"]
        and not facts["on_server_not_applied"]
        and ledger["exit"] == 0
        and audit["exit"] == 0
    )
    return facts


def subprocess_cli(*args: str, data_dir: Path, database_url: str) -> dict[str, Any]:
    import subprocess

    from bench.server_push import SYNC_SERVER

    env = {**os.environ, "PYTHONWARNINGS": "ignore", "SSB_DATABASE_URL": database_url}
    done = subprocess.run([SYNC_SERVER, *args, "--data-dir", str(data_dir)], capture_output=True, text=True,
                          env=env, check=False)  # fmt: skip
    return {"exit": done.returncode, "output": (done.stdout + done.stderr).strip()[-2000:]}


def _percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {"n": len(values)}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"n": len(values), "p50": round(cuts[49], 1), "p95": round(cuts[94], 1),
            "p99": round(cuts[98], 1), "max": round(max(values), 1)}  # fmt: skip


# ---- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--persons", type=int, default=100_000, help="registry size (seed-demo)")
    parser.add_argument("--batch", type=int, default=10, help="cases per push")
    parser.add_argument("--pause", type=float, default=10.0, help="mean seconds between a station's rounds")
    parser.add_argument("--out", type=Path, help="default bench/results/soak-<date>.json")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    now = dt.datetime.now(dt.UTC)
    out = args.out or ROOT / "bench" / "results" / f"soak-{now.date().isoformat()}.json"
    tmp = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    base: Template | None = None
    try:
        print("set-up: init, seed-demo, stations …", flush=True)
        base = prepare(tmp, args.persons, args.stations)
        ids = station_ids(base)
        engine = create_engine(base.database_url)
        try:
            with engine.connect() as conn:
                pools: Pools = load_pools(conn, now.date(), sample="999")
        finally:
            engine.dispose()
        # enough cases that no station runs out: rounds at most every 0.5 × pause
        per_station = args.batch * (int(args.minutes * 60 / (0.5 * args.pause)) + 2)
        started = time.monotonic()
        work = [build_ops(sid, per_station, pools.share(n, len(ids)), seed=100 + n, now=now)
                for n, sid in enumerate(ids)]  # fmt: skip
        print(f"  built {per_station * len(ids):,} cases in {time.monotonic() - started:.0f} s", flush=True)
        with serve(base, args.workers, f"soak_{os.getpid()}") as server:
            stations = [enrol(server, code, n) for n, code in enumerate(base.codes)]
            by_id = {w.station_id: w for w in work}
            tallies = [Tally() for _ in stations]
            memory: list[dict[str, Any]] = []
            stop = threading.Event()
            t0 = time.monotonic()
            end = t0 + args.minutes * 60
            sampler = threading.Thread(target=sample_memory, args=(server, t0, stop, memory), daemon=True)
            sampler.start()
            cpu0 = server.cpu_seconds()
            threads = [
                threading.Thread(
                    target=station_loop,
                    args=(s, by_id[s.id], t),
                    kwargs={"batch": args.batch, "pause": args.pause, "end": end, "seed": n},
                    daemon=True,
                )
                for n, (s, t) in enumerate(zip(stations, tallies, strict=True))
            ]
            print(f"running {len(threads)} stations for {args.minutes} min …", flush=True)
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - t0
            cpu = server.cpu_seconds() - cpu0
            stop.set()
            sampler.join()
            for s in stations:
                s.client.close()
            print("verifying …", flush=True)
            facts = verify(server, tallies, ids)
        report = summarise(args, tallies=tallies, memory=memory, facts=facts, wall=wall, cpu=cpu, now=now)
    finally:
        if base is not None:
            _pg(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({k: v for k, v in report.items() if k != "memory"}, ensure_ascii=False, indent=2))
    if not args.no_write:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}")
    if not facts["ok"]:
        raise SystemExit("the server's state is wrong (see verified)")


def summarise(
    args: argparse.Namespace,
    *,
    tallies: list[Tally],
    memory: list[dict[str, Any]],
    facts: dict[str, Any],
    wall: float,
    cpu: float,
    now: dt.datetime,
) -> dict[str, Any]:
    pushes = [x for t in tallies for x in t.push_ms]
    pages = [x for t in tallies for x in t.pull_page_ms]
    rounds = [x for t in tallies for x in t.pull_round_ms]
    statuses: Counter[str] = Counter()
    for t in tallies:
        statuses.update(t.statuses)
    errors = [e for t in tallies for e in t.errors]
    return {
        "benchmark": "soak",
        "date": now.isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "database": "postgresql",
        "settings": {
            "stations": args.stations,
            "workers": args.workers,
            "minutes": args.minutes,
            "persons": args.persons,
            "batch": args.batch,
            "pause_seconds": args.pause,
        },
        "seconds": round(wall, 1),
        "server_cpu_seconds": round(cpu, 1),
        "push_ms": _percentiles(pushes),
        "pull_page_ms": _percentiles(pages),
        "pull_round_ms": _percentiles(rounds),
        "cases_per_second": round(facts["cases_applied"] / wall, 1),
        "requests_per_second": round((len(pushes) + len(pages)) / wall, 1),
        "rounds": sum(t.rounds for t in tallies),
        "changes_pulled": sum(t.changes_pulled for t in tallies),
        "start_overs": sum(t.start_overs for t in tallies),
        "statuses": dict(statuses),
        "station_errors": len(errors),
        "station_error_samples": errors[:5],
        "memory_total_mb": {
            "first": memory[0]["total_mb"] if memory else None,
            "max": max((m["total_mb"] for m in memory), default=None),
            "last": memory[-1]["total_mb"] if memory else None,
        },
        "verified": facts,
        "memory": memory,
    }


if __name__ == "__main__":
    main()
