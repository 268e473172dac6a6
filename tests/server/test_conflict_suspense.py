"""The desk money of a conflict case (both backends): in suspense while the conflict is open,
moved with balanced entries when 综合业务科 resolves it, never county income before that;
and the station's case record says the case went to conflict handling and how it ended."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from schema.lifecycle import Actor
from schema.records import CaseStatusRecord
from sync_server.core.clock import posting_period
from sync_server.core.suspense import in_suspense
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, changes, conflicts, ledger_entries
from sync_server.services import audit
from sync_server.services.reports.clearing import clearing_for_period
from sync_server.services.review import conflicts as service
from tests.support.factories import (
    COUNTY,
    Station,
    accept_op,
    add_person,
    enrolled_station,
    make_client,
    person_id,
    push,
)

ADMIN = Actor.admin("demo.admin")


def _ledger(db: Database, case_id: str) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(ledger_entries).where(ledger_entries.c.case_id == case_id).order_by(ledger_entries.c.id)
        ).all()
    return [dict(r._mapping) for r in rows]


def _status_records(db: Database, case_id: str) -> list[CaseStatusRecord]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(changes.c.data).where(changes.c.kind == "case_status", changes.c.key == case_id).order_by(changes.c.id)
        ).all()  # fmt: skip
    return [CaseStatusRecord.model_validate(r.data) for r in rows]


def _conflict_id(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(conflicts.c.id)).scalar_one())


@pytest.fixture
def paid_conflict(db: Database, tmp_path: Path) -> tuple[Station, str, Decimal]:
    """A G09 residents' pension registration with its fee, for a person the registry already
    has enrolled (the station thought not): a conflict case with money."""
    client = make_client(db, tmp_path)
    station = enrolled_station(db)
    insured = person_id(31)
    add_person(db, insured, enrolled={"resident_pension": COUNTY}, kind="resident")
    op = accept_op(station, "G09", id_number=insured)
    [result] = push(client, station, [op]).json()["results"]
    assert (result["status"], result["case_status"]) == ("applied", "conflict")
    assert op.payload.fee is not None
    return station, str(op.case_id), op.payload.fee.collected


def test_a_conflict_case_money_sits_in_suspense_not_in_county_income(
    db: Database, paid_conflict: tuple[Station, str, Decimal]
) -> None:
    _, case_id, paid = paid_conflict
    rows = _ledger(db, case_id)
    assert {r["side"] for r in rows} == {"held", "suspense"}
    assert sum(r["amount"] for r in rows) == 0
    assert sum(r["amount"] for r in rows if r["side"] == "held") == paid
    assert sum(in_suspense(rows).values()) == paid
    with db.read() as conn:
        report = clearing_for_period(conn, rows[0]["period"])
    assert report.cells == () and report.net_total == 0 and report.balanced
    [holding] = report.holdings
    assert (holding.county, holding.suspense, holding.refund) == (COUNTY, paid, 0)
    [record] = _status_records(db, case_id)
    assert record.status == "conflict" and record.conflict is not None
    assert (record.conflict.reason, record.conflict.resolution) == ("row_exists", None)


def test_keeping_the_station_version_moves_the_money_to_the_county(
    db: Database, paid_conflict: tuple[Station, str, Decimal]
) -> None:
    _, case_id, paid = paid_conflict
    now = dt.datetime.now(dt.UTC)
    with db.write() as conn:
        service.resolve(conn, _conflict_id(db), "station", actor=ADMIN, now=now)
    rows = _ledger(db, case_id)
    assert in_suspense(rows) == {} and sum(r["amount"] for r in rows) == 0
    assert sum(r["amount"] for r in rows if r["side"] == "collected") == paid
    assert sum(r["amount"] for r in rows if r["side"] == "held") == 0
    with db.read() as conn:
        report = clearing_for_period(conn, posting_period(now))
        action = conn.execute(sa.select(audit_log.c.detail).order_by(audit_log.c.seq.desc())).scalar()
        assert audit.verify(conn).intact
    assert sum(c.amount for c in report.cells) == paid and report.balanced and report.net_total == 0
    assert report.holdings == ()  # put in and taken out in the same month
    assert action is not None and action["money_to"] == "counties"
    record = _status_records(db, case_id)[-1]
    assert (record.status, record.version) == ("completed", 2)
    assert record.conflict is not None
    assert (record.conflict.resolution, record.conflict.refund) == ("station", False)


def test_keeping_the_registry_version_makes_the_money_a_refund_payable(
    db: Database, paid_conflict: tuple[Station, str, Decimal]
) -> None:
    _, case_id, paid = paid_conflict
    now = dt.datetime.now(dt.UTC)
    with db.write() as conn:
        service.resolve(conn, _conflict_id(db), "server", actor=ADMIN, now=now)
    rows = _ledger(db, case_id)
    assert in_suspense(rows) == {} and sum(r["amount"] for r in rows) == 0
    assert not any(r["side"] in ("collected", "owed") for r in rows)
    assert -sum(r["amount"] for r in rows if r["side"] == "refund") == paid
    with db.read() as conn:
        report = clearing_for_period(conn, posting_period(now))
    assert report.cells == () and report.balanced
    [holding] = report.holdings
    assert (holding.suspense, holding.refund) == (0, paid)
    record = _status_records(db, case_id)[-1]
    assert record.conflict is not None
    assert (record.conflict.resolution, record.conflict.refund) == ("server", True)
