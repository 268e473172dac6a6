"""The push's pure core (``sync_server.core.ingest``) and the one ``case_moved`` builder.

A batch is applied over a :class:`RegistrySlice` in memory, without a database; the
core imports no database or web library; every writer of a case's move builds the same
rows; and a push tells the station a provisional due date as provisional.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schema.catalog import load_catalog
from schema.lifecycle import CaseEvent, CaseStatus
from schema.passwords import hash_password
from schema.protocol import (
    Change,
    ChangeKind,
    OpStatus,
    PushBatch,
    StaffPasswordOp,
    StaffPasswordPayload,
    staff_subject_id,
)
from schema.rates import load_rates
from schema.records import CaseStatusRecord, DecisionRecord
from schema.workdays import default_calendar
from sync_server.core.case_moved import Step, case_moved
from sync_server.core.ingest.batch import IngestBatch
from sync_server.core.ingest.case import CASE_COLUMNS, IngestCase
from sync_server.core.ingest.context import BatchContext
from sync_server.core.ingest.dispatch import HANDLERS, apply_all
from sync_server.core.ingest.prepare import prepare, registry_keys
from sync_server.core.ingest.registry_slice import RegistrySlice, StaffRow
from sync_server.core.json_doc import RawJson
from sync_server.core.registry_effects import Enrolment, Person
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.db.tables import changes
from sync_server.services.ingest import push as ingest
from sync_server.settings import Settings
from tests.support.factories import (
    BEIJING,
    COUNTY,
    TOWNSHIP,
    Station,
    accept_op,
    enrolled_station,
    person_id,
    withdraw_op,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
STATION_ID = f"{TOWNSHIP}-00"


def test_the_ingest_core_imports_no_database_driver_web_framework_or_service() -> None:
    probe = (
        "import sys\n"
        "import sync_server.core.ingest.dispatch, sync_server.core.ingest.prepare, sync_server.core.case_moved\n"
        "bad = ('sqlalchemy', 'sqlite3', 'psycopg', 'httpx', 'fastapi', 'starlette',\n"
        "       'sync_server.services', 'sync_server.db', 'sync_server.api')\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith(bad))))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == []


def test_every_operation_kind_has_a_handler() -> None:
    from schema.protocol import OperationKind

    assert set(HANDLERS) == set(OperationKind)


def _context() -> BatchContext:
    station = StationContext(STATION_ID, TOWNSHIP, COUNTY, b"k" * 32, "active")
    return BatchContext(
        station=station, received_at=NOW, sent_at=NOW, catalog=load_catalog(), rates=load_rates(),
        calendar=default_calendar(), max_offline_days=30, clock_flag_seconds=600,
    )  # fmt: skip


def _password_op(station: Station, based_on_version: int) -> StaffPasswordOp:
    payload = StaffPasswordPayload(
        username="zhang.li", password_hash=hash_password("Desk-Spring-2026", log2_n=10),
        based_on_version=based_on_version,
    )  # fmt: skip
    return StaffPasswordOp(
        op_id=uuid.uuid4(), station_id=station.id, seq=station.next_seq(), case_id=staff_subject_id("zhang.li"),
        created_at=NOW, payload=payload,
    )  # fmt: skip


def test_a_batch_is_applied_in_memory_over_its_registry_slice() -> None:
    station = Station(STATION_ID, Ed25519PrivateKey.generate())
    at = NOW.astimezone(BEIJING)
    number = person_id(901)
    phone = accept_op(station, "G08", id_number=number, base_version=3, accepted_at=at)
    complex_case = accept_op(station, "C019", accepted_at=at)
    withdrawn = withdraw_op(station, complex_case.case_id)
    password = _password_op(station, based_on_version=2)
    stale_password = _password_op(station, based_on_version=2)  # the first change made it 3
    ops = (phone, complex_case, withdrawn, password, stale_password)

    ctx = _context()
    prepared = prepare(ctx, ops)
    read, lock, _ = registry_keys(ctx, [phone, complex_case])
    assert number in read and number in lock  # G08 changes the person: locked for update
    registry = RegistrySlice()
    registry.loaded_person(
        Person(number, "王小明", "male", dt.date(1975, 5, 17), TOWNSHIP, "13800000000", None, 3)
    )
    registry.loaded_enrolment(
        Enrolment(number, "enterprise_pension", COUNTY, "employee", "active", dt.date(2010, 1, 1))
    )
    registry.loaded_staff(
        StaffRow(
            "zhang.li", "张丽", "clerk", STATION_ID, hash_password("Old-Pass-2026", log2_n=10), False, 2, True
        )
    )
    batch = IngestBatch(ctx, registry, {}, set(), prepared.checks)
    results = apply_all(batch, zip(prepared.keys, prepared.ops, strict=True))

    statuses = [results[str(op.op_id)].status for op in ops]
    assert statuses == [OpStatus.APPLIED] * 4 + [OpStatus.REJECTED]
    assert results[str(stale_password.op_id)].code == "op_staff_changed"
    # The registry slice holds what the writer stores: the new phone, the new password.
    [(old, new)] = registry.changed_persons()
    assert (old.phone, new.phone, new.version) == ("13800000000", "13912345678", 4)  # type: ignore[union-attr]
    [account] = registry.changed_staff()
    assert (account.version, account.must_change_password) == (3, False)
    # Cases accepted by the batch become rows only at the edge, with every column ingest writes.
    out = batch.out
    assert [c.case_id for c in out.new_cases] == [str(phone.case_id), str(complex_case.case_id)]
    assert out.case_updates == {}  # the withdrawal changed a case of this batch: written once, as new
    rows = [c.row() for c in out.new_cases]
    assert all(tuple(r) == CASE_COLUMNS for r in rows)
    assert (rows[0]["status"], rows[1]["status"], rows[1]["version"]) == ("completed", "withdrawn", 2)
    # One move per case operation: its events, its station's record, its audit item.
    events = [(e["case_id"] == str(phone.case_id), e["event"]) for e in out.events]
    assert events == [
        (True, CaseEvent.COMPLETE_AT_DESK), (False, CaseEvent.ACCEPT), (False, CaseEvent.SUBMIT),
        (False, CaseEvent.ROUTE), (False, CaseEvent.WITHDRAW),
    ]  # fmt: skip
    assert [f.kind for f in out.feed] == ["case_status", "case_status", "case_status", "staff"]
    assert all(f.scope == f"station:{STATION_ID}" for f in out.feed)
    told = CaseStatusRecord.model_validate_json(out.feed[2].data)  # type: ignore[arg-type]
    assert (told.status, told.version) == (CaseStatus.WITHDRAWN, 2)
    assert [a[2] for a in out.audit] == [
        "person.update", "case.accept", "case.accept", "case.withdraw", "staff.change_password", "push.rejected",
    ]  # fmt: skip


def test_a_case_loaded_from_its_row_round_trips() -> None:
    row = {name: None for name in CASE_COLUMNS} | {"decided_by": "reviewer01", "status": "routed"}
    case = IngestCase.from_row(row)
    assert case.row() == {name: row[name] for name in CASE_COLUMNS}  # other columns stay out


def test_case_moved_builds_the_events_the_station_record_and_the_audit_item() -> None:
    case_id = str(uuid.uuid4())
    steps = [
        Step(NOW, "clerk01", CaseEvent.ACCEPT, CaseStatus.DRAFT, CaseStatus.ACCEPTED, {"clock_flag": None}),
        Step(NOW, "system", CaseEvent.SUBMIT, CaseStatus.ACCEPTED, CaseStatus.SUBMITTED),
    ]
    record = CaseStatusRecord(case_id=case_id, case_number="N1", status=CaseStatus.SUBMITTED, version=1,
                              due_date=dt.date(2027, 1, 7), due_provisional=True)  # fmt: skip
    moved = case_moved(case_id, STATION_ID, steps, tell=record, at=NOW, actor="station:x", action="case.accept",
                       detail={"seq": 1})  # fmt: skip
    assert [
        (e["case_id"], e["event"], e["from_status"], e["to_status"], e["detail"]) for e in moved.events
    ] == [
        (case_id, "accept", "draft", "accepted", {"clock_flag": None}),
        (case_id, "submit", "accepted", "submitted", {}),
    ]
    assert moved.feed is not None and isinstance(moved.feed.data, RawJson)
    assert (moved.feed.scope, moved.feed.kind, moved.feed.key, moved.feed.version) == (
        f"station:{STATION_ID}", "case_status", case_id, 1,
    )  # fmt: skip
    assert json.loads(moved.feed.data)["due_provisional"] is True
    assert moved.audit == (NOW, "station:x", "case.accept", "case", case_id, {"seq": 1})

    decision = DecisionRecord(case_id=case_id, case_number="N1", status=CaseStatus.APPROVED, reason="",
                              decided_at=NOW, decided_by="reviewer01", section="pension", version=4)  # fmt: skip
    told = case_moved(
        case_id, STATION_ID, [], tell=decision, at=NOW, actor="a", action="case.approve", detail={}
    )
    assert told.feed is not None and (told.feed.kind, told.feed.version) == ("decision", 4)
    stored = Change(kind=ChangeKind.CASE_STATUS, key=case_id, version=5, data={"status": "completed"})
    from_row = case_moved(case_id, STATION_ID, [], tell=stored, at=NOW, actor="a", action="x", detail={})
    assert from_row.feed is not None and from_row.feed.data == {"status": "completed"}
    assert (
        case_moved(case_id, STATION_ID, [], tell=None, at=NOW, actor="a", action="x", detail={}).feed is None
    )


def test_a_pushed_case_with_a_provisional_due_date_is_told_to_its_station_as_provisional(
    db: Database, tmp_path: Path
) -> None:
    """The push's status record comes from the same builder as the console's: it carries 暂定."""
    station = enrolled_station(db)
    at = dt.datetime(2026, 12, 28, 2, 0, tzinfo=dt.UTC)  # C019's 10 days reach into 2027: provisional
    op = accept_op(station, "C019", accepted_at=at.astimezone(BEIJING))
    context = StationContext(station.id, TOWNSHIP, COUNTY, b"k" * 32, "active")
    settings = Settings(data_dir=tmp_path, secret_key="x" * 48, database_url=str(db.engine.url))
    batch = PushBatch(station_id=station.id, sent_at=at, operations=(op,))
    [result] = ingest.push(db, context, batch, at, settings=settings).results
    assert result.detail["due_provisional"] is True
    with db.read() as conn:
        told = conn.execute(
            sa.select(changes.c.data).where(changes.c.kind == "case_status", changes.c.key == str(op.case_id))
        ).scalar_one()
    assert (told["due_date"], told["due_provisional"]) == (result.detail["due_date"], True)
