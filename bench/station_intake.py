"""Intake with encryption: how long the clerk waits, and how long the transaction holds the store.

Method: an enrolled station home (DEK, staff, a 5,000-person registry slice) on the
machine's temporary directory, store in WAL with ``synchronous=FULL`` (every commit is
fsynced). One logged-in clerk takes N cases through ``services.intake.intake`` — the
service the UI calls — cycling through three kinds: a general fee item (G14, flexible
worker, 3 months, receipt with its decomposition), a complex item (C009, promised date
in working days) and a general item with a 200 KB scan (G02). Two figures per intake:

* ``intake``: the whole call (validation, fee maths, registry look-up, numbering, sealing,
  the transaction and its commit);
* ``commit``: the transaction alone, from ``BEGIN`` to the end of ``COMMIT`` (timed around
  ``db.atomic()``), which is what holds SQLite's write lock.

Run: ``.venv/bin/python -m bench.station_intake [--cases 500]``; writes
``bench/results/station_intake.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from schema.identifiers import make_resident_id, make_uscc
from schema.records import PersonRecord
from station_client.core.intake_rules import ApplicantInput
from station_client.paths import StationPaths
from station_client.services.intake import IntakeRequest, Scan, intake
from station_client.store import registry

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.stationkit import TOWNSHIP, make_station_home

START = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 09:00 in Leshan
EMPLOYER = make_uscc("91511102MA62ABCDE")


def person_id(i: int) -> str:
    return make_resident_id("511102", date(1960, 1, 1) + timedelta(days=i // 1000), i % 1000)


def requests(n: int) -> Iterator[IntakeRequest]:
    scan = Scan("id_or_ss_card", "image/jpeg", os.urandom(200 * 1024))
    for i in range(n):
        applicant = ApplicantInput("王建国", person_id(i % 5000))
        kind = i % 3
        if kind == 0:
            form = {
                "base": "5000",
                "period_start": "2026-01",
                "period_end": "2026-03",
                "include_medical": True,
            }
            yield IntakeRequest("G14", applicant, form, ["id_card"])
        elif kind == 1:
            form = {
                "transfer_kind": "within_city",
                "new_employer_uscc": EMPLOYER,
                "transfer_month": "2026-11",
            }
            yield IntakeRequest("C009", applicant, form, ["id_card", "new_employer_proof"])
        else:
            form = {"purpose": "housing", "insurance_types": ["enterprise_pension"]}
            yield IntakeRequest(
                "G02",
                applicant,
                form,
                scans=[Scan(scan.material_code, scan.media_type, os.urandom(8) + scan.data)],
            )


def _ms(value: float) -> float:
    return round(value * 1000, 3)


def _summary(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {
        "median_ms": _ms(statistics.median(samples)),
        "p95_ms": _ms(cuts[94]),
        "max_ms": _ms(max(samples)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="station-intake-") as tmp:
        home = make_station_home(StationPaths.of(Path(tmp) / "home"))
        db, dek = home.db, home.dek
        with db.atomic():
            for i in range(5000):
                number = person_id(i)
                registry.upsert_person(
                    db,
                    dek,
                    PersonRecord(
                        id_number=number,
                        name="王建国",
                        sex="M" if int(number[16]) % 2 else "F",
                        birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                        township=TOWNSHIP,
                        version=1,
                    ),
                )
        session = home.login("clerk1", now=START)
        commits: list[float] = []
        original = db.atomic

        @contextlib.contextmanager
        def timed_atomic() -> Iterator[object]:
            started = time.perf_counter()
            with original() as inner:
                yield inner
            commits.append(time.perf_counter() - started)

        db.atomic = timed_atomic
        totals: list[float] = []
        for n, request in enumerate(requests(args.cases)):
            now = START + timedelta(seconds=n)
            started = time.perf_counter()
            intake(session, request, now=now)
            totals.append(time.perf_counter() - started)
        db.atomic = original
        cases = db.execute("SELECT count(*) FROM cases").fetchone()[0]
        pending = db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        assert cases == pending == args.cases
        home.db.close()
    result = {
        "benchmark": "station_intake",
        "cases": args.cases,
        "mix": "G14 fee (1/3), C009 complex (1/3), G02 with a 200 KB scan (1/3)",
        "intake": _summary(totals),
        "commit": _summary(commits),
        "synchronous": "FULL",
        "journal_mode": "WAL",
        "tmpdir": tempfile.gettempdir(),
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
    }
    out = Path(__file__).parent / "results" / "station_intake.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
