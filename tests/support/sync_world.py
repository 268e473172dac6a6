"""A city server and an enrolled station, wired the way production wires them, for sync tests.

The server is the real app (``create_app``) on a real database; the station is a real
home enrolled through ``POST /api/v1/enrol`` with the station's own enrolment service,
its staff and reference data pulled by the sync agent. Any ``httpx.Client`` reaches the
server: Starlette's ``TestClient`` in process, or an HTTPS client for a ``serve`` process.
Cases are taken in by the real intake service, offline.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from schema.identifiers import make_resident_id
from station_client.core.intake_rules import ApplicantInput
from station_client.crypto.keys import DataKey
from station_client.paths import StationPaths
from station_client.services import enrolment
from station_client.services.intake import IntakeRequest, IntakeResult, intake
from station_client.services.session import Session, login
from station_client.store import open_store
from sync_server.db.engine import Database
from sync_server.db.tables import cases, operations
from sync_server.services.admin.staff import add_staff
from sync_server.services.admin.stations import add_station
from sync_server.services.finance.receipt_stock import allocate
from tests.support.factories import make_client

TOWNSHIP = "511102004"  # 乐山市市中区大佛街道
RECEIPT_SERIES = "51110026"  # the 票据代码 of each registered station's stock (500 numbers)
CLERK_PASSWORD = "Desk-Password-2026"

# A general item with no fee and no scans: 社会保险参保证明打印 (G02).
FORM = {"purpose": "housing", "insurance_types": ["enterprise_pension"]}
MATERIALS = ("id_or_ss_card",)
ITEM = "G02"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class World:
    """One station enrolled with one server."""

    server_db: Database
    paths: StationPaths
    station_id: str
    dek: DataKey = field(repr=False)
    recovery_key: str = field(repr=False)
    ids: Iterator[int] = field(default_factory=lambda: iter(range(1, 10_000)))

    @property
    def clerk(self) -> str:
        return clerk_of(self.station_id)

    def session(self) -> Session:
        db = open_store(self.paths.home)
        return login(db, self.clerk, CLERK_PASSWORD, now=now(), dek=self.dek)

    def take_in(self, session: Session, n: int, *, id_number: str | None = None) -> list[IntakeResult]:
        """``n`` cases taken in offline by the real intake service."""
        out = []
        for _ in range(n):
            person = id_number or make_resident_id("511102", dt.date(1980, 1, 1), next(self.ids) % 1000)
            request = IntakeRequest(
                item_code=ITEM,
                applicant=ApplicantInput(name="王小明", id_number=person),
                form=FORM,
                materials_provided=MATERIALS,
            )
            out.append(intake(session, request))
        return out

    # ── what the server holds ───────────────────────────────────────────────────────

    def server_case_ids(self) -> list[str]:
        with self.server_db.read() as conn:
            return [
                str(r[0])
                for r in conn.execute(sa.select(cases.c.case_id).where(cases.c.station_id == self.station_id))
            ]

    def server_operations(self) -> dict[str, str]:
        """op_id → status, as the server's exactly-once ledger holds them."""
        with self.server_db.read() as conn:
            rows = conn.execute(
                sa.select(operations.c.op_id, operations.c.status).where(
                    operations.c.station_id == self.station_id
                )
            )
            return {str(a): str(b) for a, b in rows}

    def server_seqs(self) -> list[int]:
        with self.server_db.read() as conn:
            rows = conn.execute(sa.select(operations.c.seq).where(operations.c.station_id == self.station_id))
            return [int(r[0]) for r in rows]


def clerk_of(station_id: str) -> str:
    return f"clerk{station_id[-2:]}"


def sqlite_server(template: Path, directory: Path) -> Database:
    """A migrated, empty server database: a copy of the test session's template."""
    path = directory / "server.db"
    shutil.copyfile(template, path)
    return Database.from_url(f"sqlite:///{path}")


@contextmanager
def in_process(
    template: Path, directory: Path, *, prepare: Callable[[Database], None] | None = None, **settings: Any
) -> Iterator[tuple[World, httpx.Client]]:
    """A station enrolled with the real app in process (TestClient) on a fresh SQLite server."""
    db = sqlite_server(template, directory)
    if prepare is not None:
        prepare(db)
    client = make_client(db, directory, **settings)
    try:
        yield enrol_station(db, directory / "station", client), client
    finally:
        client.close()
        db.dispose()


def register_station(db: Database) -> tuple[str, str]:
    """A station in the test township with its clerk: (station id, enrolment code)."""
    with db.write() as conn:
        issued = add_station(
            conn, division=TOWNSHIP, name="大佛街道社保所", now=now(), code_hours=24, actor="test"
        )
        add_staff(
            conn,
            username=clerk_of(issued.station_id),
            role="clerk",
            station_id=issued.station_id,
            display_name="张丽",
            now=now(),
            actor="test",
            password=CLERK_PASSWORD,
            must_change_password=False,
        )
        # The city's 票据号段 for it (a fee at the desk is refused without one).
        allocate(conn, issued.station_id, series=RECEIPT_SERIES, count=500, now=now(), actor="test")
    return issued.station_id, issued.code


def enrol_station(db: Database, home: Path, client: httpx.Client, *, ca_pem: bytes = b"") -> World:
    """Enrol a fresh home through the API and pull staff and reference data (one round)."""
    station_id, code = register_station(db)
    paths = StationPaths.of(home)
    result = enrolment.enrol(
        paths, server_url=str(client.base_url), ca_pem=ca_pem or b"-", code=code, client=client
    )
    problem = enrolment.initial_pull(paths, result.dek, client)
    assert problem is None, problem
    return World(db, paths, station_id, result.dek, result.recovery_key)
