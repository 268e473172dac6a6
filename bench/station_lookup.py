"""Look-up by ID number in an encrypted 200,000-person registry slice.

Method: build a station store with N persons (PersonRecord JSON sealed with AES-256-GCM,
keyed HMAC-SHA256 index on the ID number), close it, reopen it (a fresh connection, as
the desk's process would have), then time ``services.registry.find_by_id`` — what the
clerk's ID field calls: normalise and validate the typed number (full-width digits),
HMAC it, one primary-key probe, decrypt, validate the record — for M random numbers, 90 %
present and 10 % absent. Figures are per look-up, wall clock (``perf_counter``).

Run: ``.venv/bin/python -m bench.station_lookup [--persons 200000] [--lookups 5000]``;
writes ``bench/results/station_lookup.json``. Target: p95 under 5 ms.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from schema.identifiers import make_resident_id
from schema.records import PersonRecord
from station_client.crypto.keys import DataKey
from station_client.services import registry as registry_service
from station_client.store import open_store, registry

TOWNSHIP = "511102004"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英小明丽华志强桂兰海燕国庆玉珍德明淑芬"


def person_id(i: int) -> str:
    return make_resident_id("511102", date(1940, 1, 1) + timedelta(days=i // 1000), i % 1000)


def build(home: Path, dek: DataKey, persons: int, rng: random.Random) -> float:
    db = open_store(home)
    started = time.perf_counter()
    batch = 5000
    for start in range(0, persons, batch):
        with db.atomic():
            for i in range(start, min(start + batch, persons)):
                number = person_id(i)
                registry.upsert_person(
                    db,
                    dek,
                    PersonRecord(
                        id_number=number,
                        name=rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2]),
                        sex="M" if int(number[16]) % 2 else "F",
                        birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                        township=TOWNSHIP,
                        phone=f"139{i:08d}",
                        address=f"乐山市市中区大佛街道滨江路{i % 500}号",
                        version=1,
                    ),
                )
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def measure(home: Path, dek: DataKey, persons: int, lookups: int, rng: random.Random) -> list[float]:
    db = open_store(home)
    today = date(2026, 11, 26)
    samples = []
    for n in range(lookups):
        if n % 10 == 9:  # absent: someone from outside the slice
            typed = make_resident_id("511112", date(1930, 1, 1) + timedelta(days=rng.randrange(9000)), 1)
        else:
            typed = person_id(rng.randrange(persons))
        if n % 2:
            typed = _full_width(typed)  # as an IME leaves it
        started = time.perf_counter()
        found = registry_service.find_by_id(db, dek, typed, today=today)
        samples.append(time.perf_counter() - started)
        assert (found is None) == (n % 10 == 9)
    db.close()
    return samples


def _ms(value: float) -> float:
    return round(value * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--lookups", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    dek = DataKey.generate()
    with tempfile.TemporaryDirectory(prefix="station-lookup-") as tmp:
        home = Path(tmp)
        build_seconds = build(home, dek, args.persons, rng)
        size = (home / "station.db").stat().st_size
        samples = measure(home, dek, args.persons, args.lookups, rng)
    cuts = statistics.quantiles(samples, n=100)
    result = {
        "benchmark": "station_lookup",
        "persons": args.persons,
        "lookups": args.lookups,
        "build_seconds": round(build_seconds, 1),
        "db_bytes": size,
        "median_ms": _ms(statistics.median(samples)),
        "p95_ms": _ms(cuts[94]),
        "p99_ms": _ms(cuts[98]),
        "max_ms": _ms(max(samples)),
        "target_p95_ms": 5.0,
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
    }
    out = Path(__file__).parent / "results" / "station_lookup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
