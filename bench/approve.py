"""Approving a case with the 1,000,000-person demo: how long the decision transaction takes.

A reviewer claims a routed case and approves it. The approval is one transaction: the
lifecycle check, the records effect (``services/review/case_effects``: a pension granted,
benefits ended and an overpayment raised, contributions written…), the money moved out of
suspense (``case_money``), the case update, its event, the station's feed change and the
audit entry, and the commit. This script times that transaction through the public review
API (:func:`sync_server.services.review.decide.claim` and ``decide``), so it measures
whatever the approval does at the time it is run.

Set-up (not timed): ``seed-demo`` with 1,000,000 persons into a template database kept
between invocations (``--drop-template`` removes it; the seed's own time is recorded the
first time), a fresh copy of it, a bench station, and complex cases pushed through the real
ingest (``services.ingest.push``) for applicants from the registry:

* C018 死亡登记 of a person drawing a pension (ends the pension, raises the overpayment of the
  months paid after death, cancels the card, stops the enrolments);
* C019 退休申请 of a person near retirement (grants a pension computed from the records);
* C012 城乡居民养老保险补缴 (the fee leaves suspense for the counties, months are written).

Timed, per case, in random order, each step in its own transaction as the console runs it:
``claim`` then ``decide(APPROVE)``; the figure is the approve transaction (commit
included), with claim + approve beside it. An approval the effect refuses (a code such as
``effect_*``) is counted by code, not timed.

Run: ``.venv/bin/python bench/approve.py [--db postgresql|sqlite] [--cases 600]``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.push_workload import BEIJING, RegistryPerson, _fee, _form, batch_body, load_pools
from schema.cases import Applicant, CasePayload, case_number
from schema.catalog import load_catalog
from schema.lifecycle import Actor, CaseEvent
from schema.protocol import CaseAcceptOp
from schema.rates import load_rates
from schema.retirement_age import WorkerCategory, statutory_retirement
from schema.vocabulary import ApplicantKind, Role, Section
from sync_server.core.case_rules import Rejection, check_accept
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.db.migrate import upgrade
from sync_server.db.tables import stations
from sync_server.demo.seed import seed_demo
from sync_server.errors import ApiError

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
STATION = "511102004-21"
TEMPLATE = "ssb_bench_approve_tpl_{persons}"  # records of issue 12: not the push benches' template
COPY = "ssb_bench_approve"
RESULTS = Path(__file__).resolve().parent / "results"
REVIEWERS = {  # section → the demo reviewer seed-demo creates
    Section.PENSION: "review.pension",
    Section.RESIDENT_PENSION: "review.resident",
    Section.INTEGRATED: "review.integrated",
    Section.WORK_INJURY: "review.injury",
    Section.UNEMPLOYMENT: "review.unemploy",
    Section.MEDICAL: "review.medical",
}
MIX = ("C018", "C019", "C012")


# ---- set-up --------------------------------------------------------------------------


def _url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def template(kind: str, persons: int) -> tuple[str, float | None]:
    """The seeded template (created on first use) and, when it was just made, the seed's seconds."""
    name = TEMPLATE.format(persons=persons)
    if kind == "sqlite":
        path = Path(tempfile.gettempdir()) / f"{name}.db"
        if path.exists():
            return str(path), None
        db = Database.from_url(f"sqlite:///{path}.part")
        upgrade(db)
        report = seed_demo(db, persons_count=persons, seed=1, now=dt.datetime.now(dt.UTC), actor="bench",
                           code_hours=24)  # fmt: skip
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.dispose()
        Path(f"{path}.part").rename(path)
        return str(path), report.seconds
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        if c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return name, None
        c.execute(f'DROP DATABASE IF EXISTS "{name}_part"')
        c.execute(f'CREATE DATABASE "{name}_part"')
        db = Database.from_url(_url(f"{name}_part"))
        upgrade(db)
        report = seed_demo(db, persons_count=persons, seed=1, now=dt.datetime.now(dt.UTC), actor="bench",
                           code_hours=24, progress=lambda d, t, s: print(f"  seed {d:,}/{t:,} {s:.0f} s"))  # fmt: skip
        db.dispose()
        c.execute(f'ALTER DATABASE "{name}_part" RENAME TO "{name}"')
        return name, report.seconds


def fresh_copy(kind: str, persons: int) -> tuple[Database, float | None]:
    source, seeded = template(kind, persons)
    if kind == "sqlite":
        import shutil

        path = Path(tempfile.mkdtemp()) / "bench.db"
        shutil.copyfile(source, path)
        return Database.from_url(f"sqlite:///{path}"), seeded
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{COPY}" TEMPLATE "{source}"')
    return Database.from_url(_url(COPY)), seeded


def drop(persons: int) -> None:
    import psycopg

    Path(tempfile.gettempdir(), f"{TEMPLATE.format(persons=persons)}.db").unlink(missing_ok=True)
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        for name in (TEMPLATE.format(persons=persons), COPY):
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pensioners(conn: sa.Connection, count: int) -> list[RegistryPerson]:
    rows = conn.execute(
        sa.text(
            "SELECT p.id_number, p.name, p.sex, p.birth_date, p.version FROM persons p JOIN benefits b "
            "ON b.id_number = p.id_number WHERE b.kind = 'employee_pension' AND b.status = 'in_payment' "
            "AND substr(p.id_number, 15, 3) < '100' ORDER BY p.id_number LIMIT :n"
        ),
        {"n": count},
    ).all()
    return [RegistryPerson(r.id_number, r.name, r.sex, dt.date.fromisoformat(str(r.birth_date)), r.version, False)
            for r in rows]  # fmt: skip


def _employees_near_retirement(conn: sa.Connection, day: dt.date) -> list[RegistryPerson]:
    """Insured employees and flexible workers at about their statutory age (C019 stops their enrolment)."""
    rows = conn.execute(
        sa.text(
            "SELECT p.id_number, p.name, p.sex, p.birth_date, p.version FROM persons p JOIN enrolments e "
            "ON e.id_number = p.id_number WHERE e.insurance_type = 'enterprise_pension' AND e.status = 'active' "
            "AND e.kind IN ('employee', 'flexible') AND substr(p.id_number, 15, 3) < '200' AND ("
            "(p.sex = 'male' AND p.birth_date BETWEEN :m0 AND :m1) OR "
            "(p.sex = 'female' AND p.birth_date BETWEEN :f0 AND :f1)) ORDER BY p.id_number"
        ),
        {"m0": day.replace(year=day.year - 61), "m1": day.replace(year=day.year - 60),
         "f0": day.replace(year=day.year - 51), "f1": day.replace(year=day.year - 50)},
    ).all()  # fmt: skip
    return [RegistryPerson(r.id_number, r.name, r.sex, dt.date.fromisoformat(str(r.birth_date)), r.version, False)
            for r in rows]  # fmt: skip


def _death_form(person: RegistryPerson, day: dt.date, rng: random.Random) -> dict[str, object]:
    return {
        "deceased_id_number": person.id_number,
        "deceased_name": person.name,
        "death_date": (day - dt.timedelta(days=rng.randint(20, 200))).isoformat(),
        "reporter_relation": "child",
        "cremated": True,
        "contact_phone": f"139{rng.randrange(10**8):08d}",
    }


def build_cases(db: Database, count: int, now: dt.datetime) -> tuple[list[bytes], collections.Counter[str]]:
    """``count`` complex case_accept operations the server's checks accept (others are skipped)."""
    rng = random.Random(12)
    catalog, rates = load_catalog(), load_rates()
    day = (now - dt.timedelta(days=1)).astimezone(BEIJING).date()
    with db.read() as conn:
        pools = load_pools(conn, day)
        pensioners = _pensioners(conn, count)
        retiring = _employees_near_retirement(conn, day)
    skipped: collections.Counter[str] = collections.Counter()
    used: set[str] = set()
    ops: list[bytes] = []
    n = 0
    while len(ops) < count and n < count * 4:
        code = MIX[n % len(MIX)]
        n += 1
        item = catalog.item(code)
        pool = {"C018": pensioners, "C019": retiring, "C012": pools.residents}[code]
        person = rng.choice(pool)
        if person.id_number in used:
            continue
        if code == "C018":
            form: dict[str, object] = _death_form(person, day, rng)
            materials: tuple[str, ...] = ("death_certificate", "reporter_id_card")
            applicant = Applicant(
                kind=ApplicantKind.PERSON, name="家属", id_number=rng.choice(pools.working).id_number
            )
        else:
            form, materials, _ = _form(code, rng, person, pools, day)
            if code == "C019":  # retire in the month the law says (渐进式延迟法定退休年龄)
                category = WorkerCategory(str(form["worker_category"]))
                form["retirement_month"] = statutory_retirement(person.birth_date, category).month
            applicant = Applicant(kind=ApplicantKind.PERSON, name=person.name, id_number=person.id_number)
        accepted = dt.datetime.combine(day, dt.time(9), BEIJING) + dt.timedelta(seconds=30 * len(ops))
        payload = CasePayload(
            case_id=uuid.uuid4(), case_number=case_number(STATION, day, len(ops) + 1, tier=item.tier),
            item_code=code, tier=item.tier, station_id=STATION, clerk="clerk.bench.1", applicant=applicant,
            form=form, materials_provided=materials, fee=_fee(code, form, day), accepted_at=accepted,
            promised_date=day + dt.timedelta(days=42),
        )  # fmt: skip
        if isinstance(check_accept(payload, catalog=catalog, rates=rates, today=day), Rejection):
            skipped[code] += 1
            continue
        used.add(person.id_number)
        op = CaseAcceptOp(op_id=uuid.uuid4(), station_id=STATION, seq=len(ops) + 1, case_id=payload.case_id,
                          created_at=accepted, payload=payload)  # fmt: skip
        ops.append(op.model_dump_json().encode())
    return ops, skipped


def push_cases(db: Database, ops: list[bytes], now: dt.datetime) -> collections.Counter[str]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from sync_server.api.routes.push import decode_body, parse_batch
    from sync_server.services.ingest import push as ingest
    from sync_server.settings import Settings

    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    with db.write() as conn:
        conn.execute(sa.insert(stations).values(
            id=STATION, township_code=STATION[:9], county_code=STATION[:6], name="审核压测服务站",
            status="active", public_key=key, enrolled_at=now))  # fmt: skip
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), secret_key="x" * 48, database_url="sqlite://")
    ctx = StationContext(STATION, STATION[:9], STATION[:6], key, "active")
    outcome: collections.Counter[str] = collections.Counter()
    for first in range(0, len(ops), 200):
        body = gzip.compress(
            batch_body(STATION, dt.datetime.now(dt.UTC), ops[first : first + 200]), 6, mtime=0
        )
        answer = ingest.push(db, ctx, parse_batch(decode_body(body, "gzip")), dt.datetime.now(dt.UTC),
                             settings=settings)  # fmt: skip
        outcome.update(r.status if r.status != "rejected" else f"rejected:{r.code}" for r in answer.results)
    return outcome


# ---- timed ---------------------------------------------------------------------------


def _routed(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT case_id, item_code, section FROM cases WHERE station_id = :s AND status = 'routed'"
            ),
            {"s": STATION},
        ).all()
    return [(r.case_id, r.item_code, r.section) for r in rows]


def approve_all(db: Database) -> dict[str, Any]:
    from sync_server.services.review import decide as review

    cases = _routed(db)
    random.Random(5).shuffle(cases)
    timings: dict[str, list[float]] = collections.defaultdict(list)
    both: list[float] = []
    refused: collections.Counter[str] = collections.Counter()
    for case_id, code, section in cases:
        actor = Actor(REVIEWERS[Section(section)], Role.REVIEWER, section=Section(section))
        t0 = time.perf_counter()
        with db.write() as conn:
            review.claim(conn, case_id, actor=actor, now=dt.datetime.now(dt.UTC))
        t1 = time.perf_counter()
        try:
            with db.write() as conn:
                review.decide(conn, case_id, CaseEvent.APPROVE, actor=actor, now=dt.datetime.now(dt.UTC))
        except ApiError as exc:
            refused[f"{code}:{exc.code}"] += 1
            continue
        except Exception as exc:
            refused[f"{code}:{getattr(exc, 'code', type(exc).__name__)}"] += 1
            continue
        t2 = time.perf_counter()
        timings[code].append((t2 - t1) * 1000)
        timings["all"].append((t2 - t1) * 1000)
        both.append((t2 - t0) * 1000)
    return {"approve_ms": {k: _summary(v) for k, v in sorted(timings.items())}, "claim_and_approve_ms": _summary(both),
            "refused": dict(refused)}  # fmt: skip


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return {"n": len(values), "median": round(statistics.median(ordered), 2), "p95": round(p95, 2),
            "max": round(ordered[-1], 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--drop-template", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.drop_template:
        drop(args.persons)
        return
    db, seeded = fresh_copy(args.db, args.persons)
    now = dt.datetime.now(dt.UTC)
    ops, skipped = build_cases(db, args.cases, now)
    pushed = push_cases(db, ops, now)
    if args.db == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    result = {
        "db": args.db, "persons": args.persons, "seed_seconds": seeded, "cases_built": len(ops),
        "skipped_by_checks": dict(skipped), "pushed": dict(pushed), **approve_all(db),
        "at": now.isoformat(timespec="seconds"),
    }  # fmt: skip
    db.dispose()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"approve_{args.db}.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=2) + "\n"
        )


if __name__ == "__main__":
    main()
