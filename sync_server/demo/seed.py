"""``seed-demo``: fill an empty database with a synthetic Leshan registry, demo stations and staff.

The registry comes from :mod:`demo.seed_registry` (same seed, same rows) and each person's
standing in the one database (contribution records, yearly summaries, personal accounts,
benefits, cards) from :mod:`demo.seed_lives`. A million persons must load in minutes on a
small machine, so:

* the lives are drawn in forked worker processes while this process writes (the workers
  only compute: they never touch the database connection they inherit, and leave with
  ``os._exit``, so nothing of it is closed behind the writer's back; ``spawn`` would re-run
  an unguarded calling script in every worker); each life has its own seed, so the rows
  are the same whatever the number of workers;
* rows travel as COPY text and go in through the driver: PostgreSQL's COPY (psycopg 3),
  SQLite's ``executemany``;
* the secondary indexes of the record tables are dropped first and built once at the end
  (a btree built from sorted rows instead of ten million random inserts);
* all of it in one transaction, so a failed or interrupted seed leaves nothing behind.
"""

from __future__ import annotations

import collections
import datetime as dt
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.divisions import StationCode
from schema.errors import ContractError
from schema.vocabulary import Role
from sync_server.db.engine import Database
from sync_server.db.tables import (
    benefits,
    cards,
    contribution_records,
    contribution_year_summaries,
    enrolments,
    personal_accounts,
    persons,
    staff,
    stations,
    units,
)
from sync_server.demo.seed_histories import ACCOUNT_COLUMNS, CONTRIBUTION_COLUMNS, SUMMARY_COLUMNS, split_line
from sync_server.demo.seed_lives import (
    BENEFIT_COLUMNS,
    CARD_COLUMNS,
    ENROLMENT_COLUMNS,
    PERSON_COLUMNS,
    LifeGenerator,
    LifeRows,
    draw_lives,
    start_worker,
)
from sync_server.demo.seed_registry import REFERENCE_DATE, RegistryGenerator
from sync_server.demo.seed_stations import Furnished, furnish
from sync_server.services import audit
from sync_server.services.admin.staff import add_staff
from sync_server.services.admin.stations import REVOKED, IssuedCode, add_station

CHUNK = 20_000
PERSONS_PER_UNIT = 40
PARALLEL_FROM = 100_000  # fewer persons are drawn in this process (a worker takes ~1 s to start)
# What a chunk of lives writes, in this order (persons before the rows that name them).
LIFE_TABLES: tuple[
    tuple[sa.Table, tuple[str, ...], str], ...
] = (  # table, columns, LifeRows/SeedReport field
    (persons, PERSON_COLUMNS, "persons"),
    (enrolments, ENROLMENT_COLUMNS, "enrolments"),
    (contribution_records, CONTRIBUTION_COLUMNS, "contributions"),
    (contribution_year_summaries, SUMMARY_COLUMNS, "summaries"),
    (personal_accounts, ACCOUNT_COLUMNS, "account_years"),
    (benefits, BENEFIT_COLUMNS, "benefits"),
    (cards, CARD_COLUMNS, "cards"),
)
REBUILT_INDEXES = (
    enrolments,
    contribution_records,
    contribution_year_summaries,
    personal_accounts,
    benefits,
    cards,
)

DEMO_STATIONS = (  # township, point, name
    ("511102004", 0, "市中区大佛街道社保所"),
    ("511102004", 1, "大佛街道嘉州社区服务点"),
    ("511123100", 0, "犍为县玉津镇社保所"),
    ("511181100", 0, "峨眉山市绥山镇社保所"),
    ("511112100", 0, "五通桥区竹根镇社保所"),
    # one in every other county, so `seed-demo --weeks` has casework city-wide
    ("511111100", 0, "沙湾区沙湾镇社保所"),
    ("511113100", 0, "金口河区永和镇社保所"),
    ("511124001", 0, "井研县研城街道社保所"),
    ("511126001", 0, "夹江县青衣街道社保所"),
    ("511129100", 0, "沐川县沐溪镇社保所"),
    ("511132100", 0, "峨边彝族自治县沙坪镇社保所"),
    ("511133100", 0, "马边彝族自治县民建镇社保所"),
)
DESK_STATION = "511102004-00"  # the station `make demo` enrols with the real station client
DEMO_STAFF = (  # username, display name, role, station or section
    ("clerk.dafo.1", "李娟", Role.CLERK, "511102004-00"),
    ("clerk.dafo.2", "王强", Role.CLERK, "511102004-00"),
    ("clerk.jiazhou.1", "陈静", Role.CLERK, "511102004-01"),
    ("clerk.yujin.1", "张敏", Role.CLERK, "511123100-00"),
    ("clerk.yujin.2", "刘洋", Role.CLERK, "511123100-00"),
    ("clerk.suishan.1", "杨丽", Role.CLERK, "511181100-00"),
    ("clerk.suishan.2", "罗军", Role.CLERK, "511181100-00"),
    ("clerk.zhugen.1", "何芳", Role.CLERK, "511112100-00"),
    ("clerk.shawan.1", "曾丽", Role.CLERK, "511111100-00"),
    ("clerk.yonghe.1", "阿西", Role.CLERK, "511113100-00"),
    ("clerk.yancheng.1", "邱红", Role.CLERK, "511124001-00"),
    ("clerk.qingyi.1", "钟敏", Role.CLERK, "511126001-00"),
    ("clerk.muxi.1", "蒋涛", Role.CLERK, "511129100-00"),
    ("clerk.shaping.1", "沙马", Role.CLERK, "511132100-00"),
    ("clerk.minjian.1", "吉克", Role.CLERK, "511133100-00"),
    ("review.pension", "赵磊", Role.REVIEWER, "pension"),
    ("review.resident", "孙燕", Role.REVIEWER, "resident_pension"),
    ("review.medical", "周红", Role.REVIEWER, "medical"),
    ("review.injury", "吴刚", Role.REVIEWER, "work_injury"),
    ("review.unemploy", "郑琳", Role.REVIEWER, "unemployment"),
    ("review.integrated", "冯雪", Role.REVIEWER, "integrated"),
    ("chief.pension", "曾建国", Role.CHIEF, "pension"),
    ("supervisor", "彭志文", Role.SUPERVISOR, None),
    ("demo.admin", "邓海", Role.ADMIN, None),
    ("finance.maker", "梁晓", Role.FINANCE_MAKER, None),
    ("finance.checker", "唐敏", Role.FINANCE_CHECKER, None),
    ("auditor", "韩东", Role.AUDITOR, None),
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
    contributions: int = 0  # monthly contribution records
    summaries: int = 0  # archived years (one row per person × insurance × year)
    account_years: int = 0  # yearly personal-account statements
    benefits: int = 0
    cards: int = 0
    stations: list[IssuedCode] = field(default_factory=list)
    accounts: list[DemoAccount] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # demo stations/accounts that already existed
    furnished: Furnished = field(default_factory=Furnished)  # contacts and receipt ranges given
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


def _copy_lines(conn: Connection, table: sa.Table, columns: Sequence[str], lines: list[str]) -> None:
    """Rows already in COPY text format (``seed_histories.copy_line``)."""
    if not lines:
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            copy.write("\n".join(lines) + "\n")
    else:
        marks = ", ".join("?" * len(columns))
        statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 - our names
        raw.executemany(statement, [split_line(line) for line in lines])


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


def _lives(
    generator: RegistryGenerator, count: int, seed: int, unit_risk: dict[str, int], workers: int
) -> Iterator[LifeRows]:
    """The lives of the registry's persons, chunk by chunk and in order; drawn by ``workers``
    processes (0: here), at most ``workers + 1`` chunks ahead of the writer."""
    chunks = generator.persons(count, CHUNK)
    if workers == 0:
        lives = LifeGenerator(seed, unit_risk)
        for chunk in chunks:
            yield lives.chunk(*chunk)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=start_worker, initargs=(seed, unit_risk)) as pool:
        pending: collections.deque[Any] = collections.deque()
        for chunk in chunks:
            pending.append(pool.apply_async(draw_lives, (chunk,)))
            if len(pending) > workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _without_indexes(conn: Connection) -> list[sa.Index | sa.Constraint]:
    """Drop the record tables' indexes (and on PostgreSQL the keys that are btrees filled in
    random order, and the enrolments' foreign key); :func:`_rebuild` makes them again."""
    dropped: list[sa.Index | sa.Constraint] = [
        index for table in REBUILT_INDEXES for index in sorted(table.indexes, key=lambda i: str(i.name))
    ]
    for index in dropped:
        conn.execute(sa.schema.DropIndex(index))  # type: ignore[arg-type]
    if conn.dialect.name == "postgresql":
        keys: list[sa.Constraint] = [
            *(
                c
                for c in enrolments.constraints
                if isinstance(c, sa.ForeignKeyConstraint | sa.UniqueConstraint)
            ),
            contribution_year_summaries.primary_key,
            personal_accounts.primary_key,
        ]
        for key in keys:
            conn.execute(sa.schema.DropConstraint(key))
        dropped += keys
    return dropped


def _rebuild(conn: Connection, dropped: list[sa.Index | sa.Constraint]) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
    for item in dropped:
        if isinstance(item, sa.Index):
            item.create(conn)
        else:
            conn.execute(sa.schema.AddConstraint(item))


def _registry(
    conn: Connection,
    report: SeedReport,
    *,
    count: int,
    seed: int,
    progress: Progress | None,
    started: float,
    workers: int,
) -> None:
    generator = RegistryGenerator(seed)
    unit_rows = generator.units(max(30, count // PERSONS_PER_UNIT))
    _bulk_insert(conn, units, ("uscc", "name", "county_code", "township_code", "risk_class"), unit_rows)
    report.units = len(unit_rows)
    unit_risk = {u[0]: u[4] for u in unit_rows}
    dropped = _without_indexes(conn)
    for lives in _lives(generator, count, seed, unit_risk, workers):
        for table, columns, name in LIFE_TABLES:
            lines = getattr(lives, name)
            _copy_lines(conn, table, columns, lines)
            setattr(report, name, getattr(report, name) + len(lines))
        if progress is not None:
            progress(report.persons, count, time.monotonic() - started)
    _rebuild(conn, dropped)


def default_workers(count: int) -> int:
    if count < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return max(1, min(4, os.cpu_count() or 1))


def seed_demo(
    db: Database,
    *,
    persons_count: int,
    seed: int,
    now: dt.datetime,
    actor: str,
    code_hours: int,
    progress: Progress | None = None,
    workers: int | None = None,
) -> SeedReport:
    """Seed an empty database; SeedError when it already holds persons. ``workers``: processes
    drawing the lives (default: one per core from :data:`PARALLEL_FROM` persons, else none)."""
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
            report.furnished = furnish(conn, [s.station_id for s in report.stations], now=now, actor=actor)
            _registry(
                conn,
                report,
                count=persons_count,
                seed=seed,
                progress=progress,
                started=started,
                workers=default_workers(persons_count) if workers is None else workers,
            )
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
                "contribution_records": report.contributions,
                "contribution_year_summaries": report.summaries,
                "personal_accounts": report.account_years,
                "benefits": report.benefits,
                "cards": report.cards,
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
            conn.exec_driver_sql(
                "ANALYZE persons, enrolments, units, contribution_records, contribution_year_summaries, "
                "personal_accounts, benefits, cards"
            )
            conn.commit()
    report.seconds = time.monotonic() - started
    return report
