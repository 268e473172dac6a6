"""``seed-demo``: fill an empty database with a synthetic Leshan registry, demo stations and staff.

The registry comes from :mod:`services.seed_registry` (same seed, same rows). A million
persons must load in minutes on a small machine, so rows go in bulk through the driver:
PostgreSQL's COPY (psycopg 3) and SQLite's ``executemany``, all in one transaction, so a
failed or interrupted seed leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.divisions import StationCode
from schema.errors import ContractError
from schema.vocabulary import Role
from sync_server.db.engine import Database
from sync_server.db.tables import enrolments, persons, staff, stations, units
from sync_server.demo.seed_registry import REFERENCE_DATE, RegistryGenerator
from sync_server.services import audit
from sync_server.services.admin.staff import add_staff
from sync_server.services.admin.stations import REVOKED, IssuedCode, add_station

CHUNK = 50_000
PERSONS_PER_UNIT = 40

DEMO_STATIONS = (  # township, point, name
    ("511102004", 0, "市中区大佛街道社保所"),
    ("511102004", 1, "大佛街道嘉州社区服务点"),
    ("511123100", 0, "犍为县玉津镇社保所"),
    ("511181100", 0, "峨眉山市绥山镇社保所"),
    ("511112100", 0, "五通桥区竹根镇社保所"),
)
DEMO_STAFF = (  # username, display name, role, station or section
    ("clerk.dafo.1", "李娟", Role.CLERK, "511102004-00"),
    ("clerk.dafo.2", "王强", Role.CLERK, "511102004-00"),
    ("clerk.jiazhou.1", "陈静", Role.CLERK, "511102004-01"),
    ("clerk.yujin.1", "张敏", Role.CLERK, "511123100-00"),
    ("clerk.yujin.2", "刘洋", Role.CLERK, "511123100-00"),
    ("clerk.suishan.1", "杨丽", Role.CLERK, "511181100-00"),
    ("clerk.suishan.2", "罗军", Role.CLERK, "511181100-00"),
    ("clerk.zhugen.1", "何芳", Role.CLERK, "511112100-00"),
    ("review.pension", "赵磊", Role.REVIEWER, "pension"),
    ("review.resident", "孙燕", Role.REVIEWER, "resident_pension"),
    ("review.medical", "周红", Role.REVIEWER, "medical"),
    ("review.injury", "吴刚", Role.REVIEWER, "work_injury"),
    ("review.unemploy", "郑琳", Role.REVIEWER, "unemployment"),
    ("review.integrated", "冯雪", Role.REVIEWER, "integrated"),
    ("chief.pension", "曾建国", Role.CHIEF, "pension"),
    ("supervisor", "彭志文", Role.SUPERVISOR, None),
    ("demo.admin", "邓海", Role.ADMIN, None),
)
_DEMO_CHARS = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

Progress = Callable[[int, int, float], None]


class SeedError(ContractError):
    """The database cannot be seeded as asked."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    placement: str | None
    password: str


@dataclass
class SeedReport:
    persons: int = 0
    enrolments: int = 0
    units: int = 0
    stations: list[IssuedCode] = field(default_factory=list)
    accounts: list[DemoAccount] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # demo stations/accounts that already existed
    seconds: float = 0.0


def _bulk_insert(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    if not rows:
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(columns))
        raw.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)  # noqa: S608 - our names


def _refuse_non_empty(conn: Connection) -> None:
    held = conn.execute(sa.select(sa.func.count()).select_from(persons)).scalar_one()
    if held:
        raise SeedError(
            "seed_database_not_empty",
            f"数据库中已有 {held} 名人员，seed-demo 只用于空数据库，以免演示数据混入真实数据。"
            "请另建一个数据目录（sync-server init）后再运行 seed-demo。",
        )


def _demo_stations(conn: Connection, report: SeedReport, *, now: dt.datetime, actor: str, hours: int) -> None:
    for township, point, name in DEMO_STATIONS:
        station_id = str(StationCode(township, point))
        if conn.execute(sa.select(stations.c.id).where(stations.c.id == station_id)).first():
            report.skipped.append(station_id)
            continue
        report.stations.append(
            add_station(
                conn, division=township, name=name, point=point, now=now, code_hours=hours, actor=actor
            )
        )


def _station_status(conn: Connection, station_id: str | None) -> str | None:
    return conn.execute(sa.select(stations.c.status).where(stations.c.id == station_id)).scalar()


def _demo_staff(conn: Connection, report: SeedReport, *, seed: int, now: dt.datetime, actor: str) -> None:
    # Deterministic passwords keep a demo reproducible; they are demo accounts only.
    rng = random.Random(f"demo-passwords-{seed}")  # noqa: S311 - reproducible by design
    for username, display, role, placement in DEMO_STAFF:
        password = "".join(rng.choice(_DEMO_CHARS) for _ in range(10))
        if conn.execute(sa.select(staff.c.id).where(staff.c.username == username)).first():
            report.skipped.append(username)
            continue
        if role == Role.CLERK and _station_status(conn, placement) == REVOKED:
            report.skipped.append(f"{username}（服务站 {placement} 已注销）")
            continue
        add_staff(
            conn,
            username=username,
            role=role,
            station_id=placement if role == Role.CLERK else None,
            section=placement if role in (Role.REVIEWER, Role.CHIEF) else None,
            display_name=display,
            now=now,
            actor=actor,
            password=password,
            must_change_password=False,
        )
        report.accounts.append(DemoAccount(username, display, role, placement, password))


def _registry(
    conn: Connection, report: SeedReport, *, count: int, seed: int, progress: Progress | None, started: float
) -> None:
    generator = RegistryGenerator(seed)
    unit_rows = generator.units(max(30, count // PERSONS_PER_UNIT))
    _bulk_insert(conn, units, ("uscc", "name", "county_code", "township_code", "risk_class"), unit_rows)
    report.units = len(unit_rows)
    person_columns = ("id_number", "name", "sex", "birth_date", "township_code", "phone", "address")
    enrol_columns = ("id_number", "insurance_type", "county_code", "kind", "status", "unit_uscc", "since")
    for people, enrolled in generator.persons(count, CHUNK):
        _bulk_insert(conn, persons, person_columns, people)
        _bulk_insert(conn, enrolments, enrol_columns, enrolled)
        report.persons += len(people)
        report.enrolments += len(enrolled)
        if progress is not None:
            progress(report.persons, count, time.monotonic() - started)


def seed_demo(
    db: Database,
    *,
    persons_count: int,
    seed: int,
    now: dt.datetime,
    actor: str,
    code_hours: int,
    progress: Progress | None = None,
) -> SeedReport:
    """Seed an empty database; SeedError when it already holds persons."""
    started = time.monotonic()
    report = SeedReport()
    with db.write() as conn:
        _refuse_non_empty(conn)
        raw = conn.connection.driver_connection
        assert raw is not None
        if db.dialect == "sqlite":  # a big page cache: the ID index is filled in random order
            raw.execute("PRAGMA cache_size = -262144")
        try:
            _demo_stations(conn, report, now=now, actor=actor, hours=code_hours)
            _demo_staff(conn, report, seed=seed, now=now, actor=actor)
            _registry(conn, report, count=persons_count, seed=seed, progress=progress, started=started)
        finally:
            if db.dialect == "sqlite":
                raw.execute("PRAGMA cache_size = -2000")
        audit.append(
            conn,
            actor=actor,
            action="seed.demo",
            entity="registry",
            entity_id=f"seed:{seed}",
            detail={
                "persons": report.persons,
                "enrolments": report.enrolments,
                "units": report.units,
                "stations": [s.station_id for s in report.stations],
                "accounts": [a.username for a in report.accounts],
                "reference_date": REFERENCE_DATE.isoformat(),
            },
            at=now,
        )
    if db.dialect == "postgresql":
        # Fresh statistics for the planner: without them a push's look-up of a few hundred ID
        # numbers can scan all enrolments until autovacuum gets round to the new rows.
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE persons, enrolments, units")
            conn.commit()
    report.seconds = time.monotonic() - started
    return report
