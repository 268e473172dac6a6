"""Station pull over HTTPS into the encrypted store: a 200,000-person township from empty, then 10k/100k changes.

Method (bench/README.md, "Station pull", has the figures):

* Once, a template: ``sync-server init`` on a throwaway PostgreSQL database (127.0.0.1:5432),
  ``sync-server seed-demo --persons N`` (default 50,000), then ``--slice`` extra persons
  (default 200,000) with their enrolments written straight into ``persons`` and
  ``enrolments`` for one township (大佛街道 511102004) by COPY, drawn by the demo's own
  generator (``demo.seed_registry``: same names, ages and enrolment mix, about 2.2
  enrolments a person), ``ANALYZE``, and a station for that township (``station add``).
* Each run: a fresh copy of the template (``CREATE DATABASE … TEMPLATE``, dropped
  afterwards) and a real ``sync-server serve`` process (HTTPS, pinned city CA). The station
  enrols through the real ``/api/v1/enrol`` (``services.enrolment.enrol``, untimed).
* ``slice`` (timed): ``services.enrolment.initial_pull``, what ``station-client enroll``
  runs: one ``SyncAgent`` round pulling reference data, staff and the whole township slice
  from empty into the encrypted store (every person sealed with AES-GCM, keyed indexes),
  page by page, each page in one station transaction with its cursor, the digest checked
  at the last page. Rows = the township's persons + their enrolments.
* ``changes`` (timed, on the same station afterwards): the server's own writer
  (``services.feed.person_slice.tell_townships``: a person's carried records changed, the
  whole record re-sent) puts 10,000, then 100,000 person changes in the township's feed
  (untimed), and one ``SyncAgent`` round pulls each batch. Each change is one person with
  their enrolments (``rows`` counts both, as for the slice).
* Figures per scenario: wall seconds, rows/s, changes/s, and the CPU seconds of the server
  (its process tree, from /proc), of the PostgreSQL backends serving its database (from
  /proc, by their process titles: ``bench/proc_cpu.py``) and of the client (this process, ``time.process_time``;
  the client runs in the bench's process). The median of ``--runs`` runs. The machine
  is shared: CPU seconds are the figures to compare between versions.
* Afterwards (not timed) the station's digest must equal the server's (``in_step``) and
  its store must hold every person of the township.

Run: ``.venv/bin/python -m bench.station_pull [--runs 3] [--slice 200000] [--changes 10000 100000]``;
writes ``bench/results/station_pull.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import platform
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import psycopg

if __package__ in (None, ""):  # run as a file: the repository is the root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.proc_cpu import PostgresCpu
from bench.server_push import Server, Template, _pg, _pg_url, seeded_data_dir, serve, station_code
from station_client.paths import StationPaths
from station_client.services import enrolment
from station_client.store import open_store
from station_client.store import registry as registry_store
from station_client.sync.agent import SyncAgent
from station_client.transport import make_client
from sync_server.db.engine import Database
from sync_server.demo.seed_registry import RegistryGenerator
from sync_server.services.feed.person_slice import tell_townships

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "station_pull.json"
TOWNSHIP = "511102004"  # 市中区大佛街道
KINTO_SINCE = 14_193  # records/s, Kinto's ``_since`` pull (plain JSON into memory), the yardstick
SLICE_TARGET_SECONDS = 20.0
CHUNK = 20_000


# ---- the template --------------------------------------------------------------------------


def _add_township(url: str, township: str, count: int, seed: int) -> None:
    """``count`` more persons (and their enrolments) registered in ``township``, by COPY."""
    with psycopg.connect(url) as conn:
        generator = RegistryGenerator(seed)
        for uscc, county in conn.execute("SELECT uscc, county_code FROM units"):
            generator.units_by_county.setdefault(county, []).append(uscc)
            generator.all_units.append(uscc)
        generator.used_ids.update(r[0] for r in conn.execute("SELECT id_number FROM persons"))
        person_cols = "id_number, name, sex, birth_date, township_code, phone, address"
        enrol_cols = "id_number, insurance_type, county_code, kind, status, unit_uscc, since"
        for people, enrolled in generator.persons(count, CHUNK):
            with conn.cursor() as cur:
                with cur.copy(f"COPY persons ({person_cols}) FROM STDIN") as copy:
                    for p in people:
                        copy.write_row((p[0], p[1], p[2], p[3], township, p[5], p[6]))
                with cur.copy(f"COPY enrolments ({enrol_cols}) FROM STDIN") as copy:
                    for e in enrolled:
                        copy.write_row(e)
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


@contextmanager
def template(persons: int, extra: int) -> Iterator[tuple[Template, int, int]]:
    """The seeded database and data directory; yields (template, persons, enrolments) of the township."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-pull-template-"))
    name = f"ssb_bench_pull_tpl_{os.getpid()}"
    try:
        data_dir = tmp / "data"
        seconds = seeded_data_dir(data_dir, persons, name)
        started = time.monotonic()
        _add_township(_pg_url(name), TOWNSHIP, extra, seed=17)
        seconds += time.monotonic() - started
        print(f"  seeded {persons:,} + {extra:,} persons in {seconds:.0f} s", flush=True)
        code = station_code(data_dir, TOWNSHIP, "压测服务站", 20)
        with psycopg.connect(_pg_url(name)) as conn:
            held = conn.execute(
                "SELECT count(*) FROM persons WHERE township_code = %s", [TOWNSHIP]
            ).fetchone()
            rows = conn.execute(
                "SELECT count(*) FROM enrolments e JOIN persons p USING (id_number) WHERE p.township_code = %s",
                [TOWNSHIP],
            ).fetchone()
        assert held is not None and rows is not None
        yield Template("postgresql", data_dir, name, [code]), int(held[0]), int(rows[0])
    finally:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


# ---- timing ---------------------------------------------------------------------------------


def _timed(server: Server, work: Any, profile: Path | None) -> dict[str, Any]:
    database = PostgresCpu(server.database_name)  # the backends serving the run's database
    database.start()
    cpu0, srv0, wall0 = time.process_time(), server.cpu_seconds(), time.perf_counter()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    result = work()
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    wall = time.perf_counter() - wall0
    return {
        "seconds": round(wall, 2),
        "client_cpu_seconds": round(time.process_time() - cpu0, 2),
        "server_cpu_seconds": round(server.cpu_seconds() - srv0, 2),
        "database_cpu_seconds": round(database.backend_seconds(), 2),
        "result": result,
    }


def _round(agent: SyncAgent) -> dict[str, Any]:
    report = agent.run_once()
    assert report.problem is None, report.problem
    return {}


def _emit_changes(server: Server, township: str, count: int, offset: int) -> int:
    """``count`` person changes in the township's feed, by the server's own writer; their rows."""
    db = Database.from_url(server.database_url)
    try:
        with db.read() as conn:
            ids = [
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT id_number FROM persons WHERE township_code = %(t)s ORDER BY id_number"
                    " OFFSET %(o)s LIMIT %(n)s",
                    {"t": township, "o": offset, "n": count},
                )
            ]
        assert len(ids) == count, f"the township holds too few persons for {count:,} changes"
        rows = 0
        for start in range(0, count, CHUNK):
            with db.write() as conn:
                told = tell_townships(conn, ids[start : start + CHUNK])
            rows += sum(1 + len(cast(dict[str, Any], c.data).get("enrolments") or ()) for c in told)
        return rows
    finally:
        db.dispose()


def one_run(base: Template, n: int, args: argparse.Namespace, persons: int, rows: int) -> dict[str, Any]:
    tag = f"pull_{os.getpid()}_{n}"
    out: dict[str, Any] = {}
    with serve(base, 1, tag) as server, tempfile.TemporaryDirectory(prefix="bench-pull-home-") as home:
        paths = StationPaths.of(Path(home))
        with make_client(server.url, server.ca, timeout=300) as client:
            enrolled = enrolment.enrol(
                paths, server_url=server.url, ca_pem=server.ca.read_bytes(), code=base.codes[0], client=client
            )
        agent = SyncAgent(paths.home, enrolled.dek, client=make_client(server.url, server.ca, timeout=300))
        try:
            profile = args.profile / f"slice_{n}.prof" if args.profile else None
            timed = _timed(server, lambda: _round(agent), profile)
            timed.pop("result")
            out["slice"] = {**timed, "persons": persons, "rows": rows,
                            "rows_per_second": round(rows / timed["seconds"])}  # fmt: skip
            _check(paths, enrolled.dek, persons)
            print(f"  run {n + 1} slice: {timed['seconds']:6.2f} s {out['slice']['rows_per_second']:7,} rows/s"
                  f"  (CPU: client {timed['client_cpu_seconds']} s, server {timed['server_cpu_seconds']} s, "
                  f"database {timed['database_cpu_seconds']} s)",
                  flush=True)  # fmt: skip
            offset = 0
            for count in args.changes:
                changed = _emit_changes(server, TOWNSHIP, count, offset)
                offset += count
                profile = args.profile / f"changes_{count}_{n}.prof" if args.profile else None
                timed = _timed(server, lambda: _round(agent), profile)
                timed.pop("result")
                out[f"changes_{count}"] = {**timed, "changes": count, "rows": changed,
                                           "changes_per_second": round(count / timed["seconds"]),
                                           "rows_per_second": round(changed / timed["seconds"])}  # fmt: skip
                _check(paths, enrolled.dek, persons)
                print(f"  run {n + 1} {count:,} changes: {timed['seconds']:6.2f} s "
                      f"{out[f'changes_{count}']['changes_per_second']:7,} changes/s"
                      f"  (CPU: client {timed['client_cpu_seconds']} s, server {timed['server_cpu_seconds']} s, "
                  f"database {timed['database_cpu_seconds']} s)",
                      flush=True)  # fmt: skip
        finally:
            agent.close()
    return out


def _check(paths: StationPaths, dek: Any, persons: int) -> None:
    from station_client.sync.pull import local_digest
    from station_client.sync.status import read_status

    db = open_store(paths.home)
    try:
        held = registry_store.count(db)
        assert held == persons, f"the store holds {held:,} persons, the township {persons:,}"
        assert local_digest(db) is not None and read_status(db).in_step, "the station's digest differs"
    finally:
        db.close()


def _median(runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    done = [r[key] for r in runs if key in r]
    per_row = {
        f: statistics.median(d[f] for d in done) for f in done[0] if isinstance(done[0][f], int | float)
    }
    return {**per_row, "runs": done}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--persons", type=int, default=50_000, help="registry size (seed-demo)")
    parser.add_argument("--slice", type=int, default=200_000, help="extra persons in the station's township")
    parser.add_argument("--changes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile stats of the client here")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-write", action="store_true", help="print only; keep the results file")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    if sum(args.changes) > args.slice:
        parser.error("--changes add up to more persons than --slice")

    with template(args.persons, args.slice) as (base, persons, rows):
        print(f"township {TOWNSHIP}: {persons:,} persons, {rows:,} enrolments", flush=True)
        runs = [one_run(base, n, args, persons, persons + rows) for n in range(args.runs)]
    results = {key: _median(runs, key) for key in runs[0]}
    for key, figures in results.items():
        rate = figures.get("changes_per_second") or figures["rows_per_second"]
        print(f"{key:16} median {figures['seconds']:6.2f} s, {rate:7,.0f} /s, CPU: client "
              f"{figures['client_cpu_seconds']} s, server {figures['server_cpu_seconds']} s, "
              f"database {figures['database_cpu_seconds']} s")  # fmt: skip
    report = {
        "benchmark": "station_pull",
        "transport": "HTTPS (pinned city CA), HTTP/1.1 keep-alive, gzip, signed GET /api/v1/pull",
        "store": "station SQLite store, persons sealed with AES-256-GCM (station_client.store.registry)",
        "township": TOWNSHIP,
        "registry_persons": args.persons + args.slice,
        "yardsticks": {"kinto_since_records_per_second": KINTO_SINCE, "slice_seconds": SLICE_TARGET_SECONDS},
        "runs": args.runs,
        "results": results,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "date": dt.date.today().isoformat(),
    }
    if not args.no_write:
        args.out.parent.mkdir(exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
