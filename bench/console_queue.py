"""The reviewers' queue page with 1,000,000 cases in the database.

Method: a migrated, empty database (PostgreSQL at 127.0.0.1:5432, database
``ssb_bench_console``, and/or an SQLite file) gets one station per Leshan township, the
reviewer accounts, and N cases bulk-loaded (PostgreSQL ``COPY``, SQLite ``executemany``)
with a realistic spread: accepted over the last 18 months; 60 % general items finished at
the desk, 40 % complex items of the catalog's 100, each routed to its item's section; old
complex cases mostly decided (approved, rejected, withdrawn), recent ones waiting
(routed), being reviewed (claimed) or returned; due dates from each item's time limit.
Then ``VACUUM ANALYZE`` / ``ANALYZE`` (what autovacuum does on a live server).

The timed request is the whole queue page through the real application in process
(FastAPI TestClient: cookie session lookup, CSRF-bearing HTML render, the queue query,
its capped counts): ``GET /console/queue`` as the pension section's reviewer, 200 times
(after 10 warm-up requests), with a mix of filters a reviewer uses: none, county,
county + township, item, overdue only, due-by date, "mine", and following the
"next page" cursor. Figures are wall clock (``perf_counter``) per request.

Run: ``.venv/bin/python -m bench.console_queue [--cases 1000000] [--backend postgresql|sqlite|both]``;
writes ``bench/results/console_queue.json``. Target: p95 under 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.catalog import load_catalog
from schema.divisions import load_divisions
from schema.vocabulary import Role, Tier
from sync_server.api.app import create_app
from sync_server.db.engine import Database
from sync_server.db.migrate import upgrade
from sync_server.db.tables import cases, stations
from sync_server.services.admin.staff import add_staff
from sync_server.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "console_queue.json"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_DB = "ssb_bench_console"
PASSWORD = "Bench-pass-2026"
NOW = dt.datetime.now(dt.UTC)
COLUMNS = (
    "case_id", "case_number", "station_id", "township_code", "county_code", "item_code", "tier", "section",
    "status", "applicant_kind", "applicant_key", "applicant_name", "clerk", "registration_county",
    "registration_rule", "payload", "accepted_at_station", "accepted_at", "received_at", "due_date",
    "claimed_by", "claimed_at", "decided_by", "decided_at", "decision_reason", "completed_at", "version", "updated_at",
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英小明丽华志强桂兰海燕国庆玉珍德明淑芬"


def _status(rng: random.Random, age_days: float) -> str:
    roll = rng.random()
    table: tuple[tuple[str, float], ...]
    if age_days > 60:
        table = (
            ("approved", 0.86),
            ("rejected", 0.92),
            ("withdrawn", 0.95),
            ("returned", 0.97),
            ("routed", 0.985),
        )
    else:
        table = (
            ("routed", 0.35),
            ("claimed", 0.50),
            ("approved", 0.86),
            ("rejected", 0.90),
            ("returned", 0.97),
            ("withdrawn", 0.99),
        )
    return next((status for status, edge in table if roll < edge), "claimed")


def generate(count: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    catalog = load_catalog()
    general = [i for i in catalog.items if i.tier is Tier.GENERAL]
    complex_items = [i for i in catalog.items if i.tier is Tier.COMPLEX]
    townships = load_divisions().townships()
    counters: dict[tuple[str, str], int] = {}
    for _ in range(count):
        township = rng.choice(townships).code
        station = f"{township}-00"
        age = rng.uniform(0, 540) ** 1.15 / 540**0.15  # more recent cases than old ones
        accepted = NOW - dt.timedelta(days=age)
        day = accepted.strftime("%Y%m%d")
        counters[(station, day)] = counters.get((station, day), 0) + 1
        is_complex = rng.random() < 0.4
        item = rng.choice(complex_items if is_complex else general)
        status = _status(rng, age) if is_complex else "completed"
        limit = item.time_limit
        due = (
            (accepted + dt.timedelta(days=limit.days * (1.4 if limit.kind == "working_days" else 1))).date()
            if is_complex
            else None
        )
        section = item.section.value if is_complex and item.section else None
        reviewer = f"review.{section}.{rng.randint(1, 8)}" if section else None
        decided = status in ("approved", "rejected", "returned")
        decided_at = accepted + dt.timedelta(days=rng.uniform(1, 20)) if decided else None
        number = f"511{rng.randint(100, 199)}{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        marker = "" if is_complex else "W"
        payload = {
            "item_code": item.code, "tier": item.tier.value, "station_id": station, "clerk": "clerk01",
            "applicant": {"kind": "person", "name": name, "id_number": number},
            "form": {"contact_phone": "13912345678", "note": "乐山市" * rng.randint(5, 40)},
            "materials_provided": [m.code for m in item.materials],
        }  # fmt: skip
        yield (
            str(uuid.UUID(int=rng.getrandbits(128))), f"{station}-{day}-{marker}{counters[(station, day)]:04d}",
            station, township, township[:6], item.code, item.tier.value, section, status, "person", number, name,
            "clerk01", township[:6], "registry_enrolment", json.dumps(payload, ensure_ascii=False),
            accepted, accepted, accepted + dt.timedelta(minutes=rng.randint(1, 600)), due,
            reviewer if status in ("claimed", "approved", "rejected", "returned") else None,
            accepted + dt.timedelta(hours=rng.randint(1, 48)) if status != "routed" and is_complex else None,
            reviewer if decided else None, decided_at, "材料不全" if status in ("rejected", "returned") else None,
            decided_at if status in ("approved", "rejected") else (accepted if not is_complex else None),
            2 if is_complex else 1, NOW,
        )  # fmt: skip


def _sqlite(value: Any) -> Any:
    """What SQLAlchemy's SQLite types store: naive UTC text for times, ISO text for dates."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load(db: Database, count: int) -> float:
    started = time.perf_counter()
    townships = load_divisions().townships()
    with db.write() as conn:
        conn.execute(
            sa.insert(stations),
            [
                {"id": f"{t.code}-00", "township_code": t.code, "county_code": t.code[:6], "name": f"{t.name}社保所",
                 "status": "active", "created_at": NOW}
                for t in townships
            ],
        )  # fmt: skip
        add_staff(conn, username="review.pension", role=Role.REVIEWER, section="pension", now=NOW, actor="bench",
                  password=PASSWORD, must_change_password=False)  # fmt: skip
        add_staff(conn, username="supervisor", role=Role.SUPERVISOR, now=NOW, actor="bench", password=PASSWORD,
                  must_change_password=False)  # fmt: skip
        raw = conn.connection.driver_connection
        assert raw is not None
        names = ", ".join(COLUMNS)
        batch: list[tuple[Any, ...]] = []
        if db.is_postgres:
            with raw.cursor() as cursor, cursor.copy(f"COPY cases ({names}) FROM STDIN") as copy:
                for row in generate(count):
                    copy.write_row(row)
        else:
            raw.execute("PRAGMA cache_size = -262144")
            marks = ", ".join("?" * len(COLUMNS))
            for row in generate(count):
                batch.append(tuple(_sqlite(r) for r in row))
                if len(batch) == 50_000:
                    raw.executemany(f"INSERT INTO cases ({names}) VALUES ({marks})", batch)
                    batch.clear()
            raw.executemany(f"INSERT INTO cases ({names}) VALUES ({marks})", batch)
    if db.is_postgres:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE cases")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return time.perf_counter() - started


def prepare(backend: str, workdir: Path) -> Database:
    if backend == "postgresql":
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        db = Database.from_url(PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DB}")
    else:
        db = Database.from_url(f"sqlite:///{workdir / 'bench.db'}")
    upgrade(db)
    return db


def requests(rng: random.Random, n: int) -> list[tuple[str, dict[str, str]]]:
    counties = [c.code for c in load_divisions().counties()]
    items = [
        i.code
        for i in load_catalog().items
        if i.section is not None and i.section.value == "pension" and i.tier is Tier.COMPLEX
    ]
    out = []
    for _ in range(n):
        county = rng.choice(counties)
        kind = rng.choices(
            ["plain", "county", "township", "item", "overdue", "due_before", "mine", "county_overdue"],
            [30, 20, 10, 10, 10, 5, 5, 10],
        )[0]
        params: dict[str, str] = {"tab": "mine" if kind == "mine" else "routed"}
        if kind in ("county", "township", "county_overdue"):
            params["county"] = county
        if kind == "township":
            params["township"] = rng.choice(load_divisions().townships(county)).code
        if kind == "item":
            params["item"] = rng.choice(items)
        if kind in ("overdue", "county_overdue"):
            params["overdue"] = "1"
        if kind == "due_before":
            params["due_before"] = (NOW.date() + dt.timedelta(days=rng.randint(0, 30))).isoformat()
        out.append((kind, params))
    return out


def _login(client: TestClient, username: str) -> None:
    page = client.get("/console/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf_token": token})


def run(backend: str, count: int, n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = prepare(backend, Path(tmp))
        print(f"[{backend}] loading {count:,} cases …", flush=True)
        seconds = load(db, count)
        with db.read() as conn:
            by_status: dict[str, int] = dict(
                conn.execute(sa.select(cases.c.status, sa.func.count()).group_by(cases.c.status)).all()
            )
            waiting = conn.execute(
                sa.select(sa.func.count()).where(cases.c.section == "pension", cases.c.status == "routed")
            ).scalar_one()
        print(f"[{backend}] loaded in {seconds:.0f} s; pension routed: {waiting:,}", flush=True)
        url = db.engine.url.render_as_string(hide_password=False)
        app = create_app(Settings(data_dir=Path(tmp), secret_key="b" * 48, database_url=url), database=db)
        timings: dict[str, list[float]] = {}
        all_ms: list[float] = []
        with TestClient(app, base_url="https://testserver") as client:
            _login(client, "review.pension")
            rng = random.Random(11)
            for _, params in requests(rng, 10):
                assert client.get("/console/queue", params=params).status_code == 200
            next_cursor: str | None = None
            for planned, planned_params in requests(rng, n):
                kind, params = planned, planned_params
                if next_cursor and rng.random() < 0.15:
                    kind, params = "next_page", {"tab": "routed", "after": next_cursor}
                started = time.perf_counter()
                answer = client.get("/console/queue", params=params)
                elapsed = (time.perf_counter() - started) * 1000
                assert answer.status_code == 200, answer.text[:500]
                found = re.search(r"after=([^\"&]+)", answer.text)
                next_cursor = (
                    found.group(1).replace("%2E", ".")
                    if found and kind in ("plain", "next_page")
                    else next_cursor
                )
                timings.setdefault(kind, []).append(elapsed)
                all_ms.append(elapsed)
            client.cookies.clear()
            _login(client, "supervisor")
            dashboard_ms = []
            for _ in range(3):
                started = time.perf_counter()
                assert client.get("/console/dashboard").status_code == 200
                dashboard_ms.append(round((time.perf_counter() - started) * 1000))
        db.dispose()
    ordered = sorted(all_ms)
    return {
        "cases": count,
        "load_seconds": round(seconds, 1),
        "cases_by_status": by_status,
        "pension_routed": waiting,
        "requests": n,
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * len(ordered)) - 1], 1),
        "p99_ms": round(ordered[int(0.99 * len(ordered)) - 1], 1),
        "max_ms": round(ordered[-1], 1),
        "by_filter_median_ms": {k: round(statistics.median(v), 1) for k, v in sorted(timings.items())},
        "by_filter_max_ms": {k: round(max(v), 1) for k, v in sorted(timings.items())},
        "dashboard_this_month_ms": dashboard_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    args = parser.parse_args()
    backends = ("postgresql", "sqlite") if args.backend == "both" else (args.backend,)
    results: dict[str, Any] = {"benchmark": "console_queue", "target_p95_ms": 200.0}
    if RESULTS.exists():
        results.update(
            {k: v for k, v in json.loads(RESULTS.read_text()).items() if k in ("postgresql", "sqlite")}
        )
    for backend in backends:
        results[backend] = run(backend, args.cases, args.requests)
        print(json.dumps(results[backend], ensure_ascii=False, indent=1), flush=True)
    results["machine"] = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
