"""A 10,000-case backlog: how long from "the link is back" until the server has acknowledged it all.

Method: a real ``sync-server serve`` process over HTTPS (the city CA pinned by the
station) on a throwaway PostgreSQL database at 127.0.0.1:5432, on this machine. A station
is enrolled through the API and pulls its reference data and staff. The clerk then takes
N cases in offline through ``services.intake.intake`` (the UI's service), cycling through
a general fee item (G14, flexible worker, 3 months), a complex item (C009, routed with a
due date) and a general item (G02). Then one sync round is timed: ``SyncAgent.run_once()``
numbers the backlog in batches of 500 (persisting the exact bytes first), sends each as a
signed gzip ``PushBatch``, records every result in a transaction, and pulls what came
back (the feed changes the new cases made). All server processing is included:
validation, fee recomputation, attribution, routing, ledger, audit.

Figures: ``round_seconds`` (the whole round), ``push_seconds`` (numbering, sending and
recording only) and ``cases_per_second``; the intake time is reported beside them.
Target (issue 4): the backlog acknowledged in under 5 s on PostgreSQL.

Run: ``.venv/bin/python -m bench.station_backlog [--cases 10000] [--runs 3] [--workers 1]``; writes
``bench/results/station_backlog.json`` (the median run by round time, and every run's times).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

from schema.identifiers import make_resident_id, make_uscc
from station_client.core.case_numbering import local_day
from station_client.core.intake_rules import ApplicantInput
from station_client.services.intake import IntakeRequest, intake
from station_client.store import open_store
from station_client.sync import push
from station_client.sync.agent import SyncAgent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sync_server.services.finance.receipt_stock import allocate
from tests.support.serve_process import serve
from tests.support.sync_world import RECEIPT_SERIES, enrol_station

PG_ADMIN = os.environ.get("SSB_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
EMPLOYER = make_uscc("91511102MA62ABCDE")
SPACING = timedelta(seconds=8)  # between two cases on the station's clock


def requests(n: int, start: datetime) -> list[tuple[datetime, IntakeRequest]]:
    """(when, request): months are of each case's own acceptance year, so any year works."""
    out = []
    for i in range(n):
        at = start + SPACING * i
        day = local_day(at)
        number = make_resident_id("511102", date(1960, 1, 1) + timedelta(days=i // 1000), i % 1000)
        applicant = ApplicantInput("王建国", number)
        kind = i % 3
        if kind == 0:
            form = {
                "base": "5000",
                "period_start": f"{day.year}-01",
                "period_end": f"{day.year}-03",
                "include_medical": True,
            }
            out.append((at, IntakeRequest("G14", applicant, form, ["id_card"])))
        elif kind == 1:
            form = {
                "transfer_kind": "within_city",
                "new_employer_uscc": EMPLOYER,
                "transfer_month": f"{day:%Y-%m}",
            }
            out.append((at, IntakeRequest("C009", applicant, form, ["id_card", "new_employer_proof"])))
        else:
            out.append(
                (
                    at,
                    IntakeRequest(
                        "G02",
                        applicant,
                        {"purpose": "housing", "insurance_types": ["enterprise_pension"]},
                        ["id_or_ss_card"],
                    ),
                )
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="fresh server, database and station each run")
    parser.add_argument("--workers", type=int, default=1, help="sync-server serve --workers")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "station_backlog.json"
    )
    args = parser.parse_args()
    runs = [one_run(args.cases, args.workers) for _ in range(args.runs)]
    median = sorted(runs, key=lambda r: float(r["round_seconds"]))[len(runs) // 2]  # type: ignore[arg-type]
    result = {**median, "runs": len(runs), "round_seconds_all": [r["round_seconds"] for r in runs],
              "push_seconds_all": [r["push_seconds"] for r in runs]}  # fmt: skip
    out = args.out
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


def one_run(cases: int, workers: int) -> dict[str, object]:
    name = f"ssb_bench_backlog_{os.getpid()}"
    base = PG_ADMIN.rpartition("/")[0]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="station-backlog-") as tmp:
            result = run(Path(tmp), f"{base}/{name}", cases, workers)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"  round {result['round_seconds']} s, push {result['push_seconds']} s", flush=True)
    return result


def run(tmp: Path, database_url: str, cases: int, workers: int) -> dict[str, object]:
    with serve(tmp / "server", database_url=database_url, workers=workers) as served:
        with served.client() as client:
            world = enrol_station(served.db, tmp / "station", client, ca_pem=served.ca.read_bytes())
            # Enough 缴费收据 numbers for every fee of the backlog (a fee is refused without one).
            with served.db.write() as conn:
                allocate(
                    conn,
                    world.station_id,
                    series=RECEIPT_SERIES,
                    count=cases,
                    now=datetime.now(UTC),
                    actor="bench",
                )
            stocked = SyncAgent(world.paths.home, world.dek, client=client)
            assert stocked.run_once().ok
            stocked.close()
        session = world.session()
        # Over two days of the station's clock: a day's case counter stops at 9999.
        start = datetime.now(UTC) - timedelta(days=1)
        started = time.perf_counter()
        for at, request in requests(cases, start):
            intake(session, request, now=at)
        intake_seconds = time.perf_counter() - started
        session.db.close()

        pushes: list[float] = []
        real = push.push_all

        def timed_push_all(*a: object, **kw: object) -> push.PushReport:
            t0 = time.perf_counter()
            report = real(*a, **kw)  # type: ignore[arg-type]
            pushes.append(time.perf_counter() - t0)
            return report

        push.push_all = timed_push_all  # type: ignore[assignment]
        agent = SyncAgent(world.paths.home, world.dek)
        started = time.perf_counter()
        report = agent.run_once()
        round_seconds = time.perf_counter() - started
        push.push_all = real  # type: ignore[assignment]
        agent.close()

        db = open_store(world.paths.home)
        done = db.execute("SELECT count(*) FROM outbox WHERE state = 'done'").fetchone()[0]
        db.close()
        assert report.ok, report.problem
        assert done == cases == len(world.server_case_ids()), (done, cases)
    return {
        "benchmark": "station_backlog",
        "cases": cases,
        "mix": "G14 fee (1/3), C009 complex (1/3), G02 (1/3)",
        "database": "PostgreSQL 127.0.0.1:5432 (throwaway database)",
        "transport": f"HTTPS, pinned city CA, sync-server serve ({workers} worker{'s' if workers > 1 else ''}), "
        "gzip + Ed25519-signed batches of 500, two on the wire",
        "round_seconds": round(round_seconds, 3),
        "push_seconds": round(sum(pushes), 3),
        "cases_per_second": round(cases / sum(pushes)),
        "target_seconds": 5.0,
        "intake_seconds": round(intake_seconds, 3),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }


if __name__ == "__main__":
    main()
