"""POST /api/v1/push end to end through the real app (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.catalog import load_catalog
from schema.protocol import MAX_UNCOMPRESSED_BODY_BYTES
from sync_server.core import routing
from sync_server.core.clock import beijing_date
from sync_server.db.engine import Database
from sync_server.db.tables import (
    case_events,
    cases,
    changes,
    conflicts,
    enrolments,
    ledger_entries,
    operations,
    persons,
    stations,
)
from sync_server.services import audit
from tests.conftest import table_count
from tests.support.factories import (
    PUSH_PATH,
    Station,
    accept_op,
    add_person,
    batch_bytes,
    enrolled_station,
    make_client,
    person_id,
    push,
    signed_headers,
    supplement_op,
    withdraw_op,
)

C029 = (
    {
        "direction": "resident_to_employee",
        "employee_pension_years": 10,
        "other_place": "成都市",
        "contact_phone": "13912345678",
    },
    ("application_form", "id_or_ss_card", "contribution_voucher"),
)


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    return make_client(db, tmp_path)


@pytest.fixture
def station(db: Database) -> Station:
    return enrolled_station(db)


def _case(db: Database, case_id: Any) -> Any:
    with db.read() as conn:
        return conn.execute(sa.select(cases).where(cases.c.case_id == str(case_id))).one()


def _ledger_sum(db: Database) -> Decimal:
    with db.read() as conn:
        return Decimal(
            conn.execute(sa.select(sa.func.coalesce(sa.func.sum(ledger_entries.c.amount), 0))).scalar_one()
        )


def test_general_complex_and_fee_cases_are_applied_attributed_and_routed(
    db: Database, client: TestClient, station: Station
) -> None:
    insured = person_id(11)
    add_person(db, insured, enrolled={"enterprise_pension": "511123"})  # insured in 犍为县
    ops = [
        accept_op(station, "G02", id_number=insured),
        accept_op(station, "C019", id_number=insured),
        accept_op(station, "G14", id_number=insured),  # flexible worker's quarter, with medical
        accept_op(station, "C012"),  # residents' pension back-payment, unknown person
    ]
    response = push(client, station, ops)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["station_last_seq"] == 4
    general, complex_, fee, resident = body["results"]
    assert [r["status"] for r in body["results"]] == ["applied"] * 4
    assert general["case_status"] == "completed" and general["detail"]["section"] is None
    assert complex_["case_status"] == "routed"
    # C019: 10 calendar days from today (Beijing), moved off a rest day (None past the holiday data).
    due, _ = routing.due_date(load_catalog().item("C019"), beijing_date(dt.datetime.now(dt.UTC)))
    assert complex_["detail"]["section"] == "pension"
    assert complex_["detail"]["due_date"] == (due.isoformat() if due else None)
    assert (complex_["detail"]["registration_county"], complex_["detail"]["registration_rule"]) == (
        "511123",
        "registry_enrolment",
    )
    assert fee["detail"]["fee_total"] == str(ops[2].payload.fee.total)  # type: ignore[union-attr]
    assert (resident["detail"]["registration_rule"], resident["detail"]["section"]) == (
        "station_county",
        "resident_pension",
    )
    row = _case(db, ops[1].case_id)
    assert (row.status, row.section, row.registration_county, row.county_code, row.version) == (
        "routed", "pension", "511123", "511102", 1,
    )  # fmt: skip
    assert row.due_date == due
    with db.read() as conn:
        events = conn.execute(
            sa.select(case_events.c.event).where(case_events.c.case_id == str(ops[1].case_id)).order_by(case_events.c.id)
        ).scalars().all()  # fmt: skip
        collected = conn.execute(
            sa.select(ledger_entries.c.county_code, ledger_entries.c.counterparty_county, sa.func.sum(ledger_entries.c.amount))
            .where(ledger_entries.c.side == "collected", ledger_entries.c.case_id == str(ops[2].case_id))
            .group_by(ledger_entries.c.county_code, ledger_entries.c.counterparty_county)
        ).all()  # fmt: skip
        feed = conn.execute(sa.select(changes.c.scope, changes.c.kind, changes.c.version)).all()
        assert audit.verify(conn).intact
    assert events == ["accept", "submit", "route"]
    assert [(c, o, Decimal(s)) for c, o, s in collected] == [("511102", "511123", ops[2].payload.fee.total)]  # type: ignore[union-attr]
    assert _ledger_sum(db) == 0
    # The G14 payer's last month paid goes down to the township (records_version 1: slice 2).
    assert sorted(feed) == [("station:511102004-00", "case_status", 1)] * 4 + [
        ("township:511102004", "person", 2)
    ]


def test_a_bad_id_number_is_rejected_and_the_rest_of_the_batch_applies(
    db: Database, client: TestClient, station: Station
) -> None:
    ops = [
        accept_op(station, "G02"),
        accept_op(station, "C019", id_number="511102197505170018"),
        accept_op(station, "G02"),
    ]
    body = push(client, station, ops).json()
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"]
    rejected = body["results"][1]
    assert rejected["code"] == "op_validation_failed" and "校验位" in rejected["message"]
    assert rejected["detail"]["problems"][0]["field"] == "applicant.id_number"
    assert body["station_last_seq"] == 3  # the rejected op consumed its seq
    assert table_count(db, cases) == 2 and table_count(db, operations) == 3


def test_the_same_batch_again_answers_the_original_results(
    db: Database, client: TestClient, station: Station
) -> None:
    ops = [accept_op(station, "G02"), accept_op(station, "G14", fee=None), accept_op(station, "C019")]
    first = push(client, station, ops).json()["results"]
    again = push(client, station, ops).json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate", "duplicate"]
    assert [r["original_status"] for r in again["results"]] == ["applied", "rejected", "applied"]
    assert again["results"][1]["code"] == "op_fee_mismatch"  # the station still sets it aside
    for old, new in zip(first, again["results"], strict=True):
        assert {**old, "status": None, "original_status": None} == {
            **new,
            "status": None,
            "original_status": None,
        }
    assert again["station_last_seq"] == 3
    assert table_count(db, cases) == 2 and table_count(db, case_events) == 4


def test_same_op_id_with_other_content_is_a_conflict(
    db: Database, client: TestClient, station: Station
) -> None:
    op = accept_op(station, "G02")
    push(client, station, [op])
    changed = op.model_copy(update={"payload": op.payload.model_copy(update={"clerk": "someone"})})
    result = push(client, station, [changed]).json()["results"][0]
    assert (result["status"], result["code"]) == ("conflict", "op_conflict")
    assert _case(db, op.case_id).clerk == "clerk01"


def test_a_gap_is_refused_naming_the_missing_seq(db: Database, tmp_path: Path, station: Station) -> None:
    client = make_client(db, tmp_path, push_gap_wait_seconds=0.2)  # waits that long for seq 2 first
    push(client, station, [accept_op(station, "G02")])
    station.next_seq()  # seq 2 is lost
    response = push(client, station, [accept_op(station, "G02")])
    assert response.status_code == 409
    assert response.json()["code"] == "sequence_gap" and response.json()["detail"]["missing_seq"] == 2
    assert table_count(db, cases) == 1


def test_another_stations_operation_is_refused(db: Database, client: TestClient, station: Station) -> None:
    other = enrolled_station(db, point=1)
    response = push(client, station, [accept_op(other, "G02")])
    assert (response.status_code, response.json()["code"]) == (400, "op_wrong_station")


def _raw_post(client: TestClient, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(PUSH_PATH, content=body, headers={"Content-Type": "application/json", **headers})


def test_unsigned_tampered_old_replayed_and_revoked_requests_are_refused(
    db: Database, client: TestClient, station: Station
) -> None:
    body = batch_bytes(station, [accept_op(station, "G02")])
    assert _raw_post(client, body, {}).json()["code"] == "auth_unsigned"
    headers = signed_headers(station, body)
    tampered = body.replace(b"clerk01", b"clerk02")
    assert _raw_post(client, tampered, headers).json()["code"] == "auth_bad_signature"
    old = _raw_post(client, body, signed_headers(station, body, timestamp=int(time.time()) - 3600))
    assert (old.status_code, old.json()["code"]) == (401, "auth_clock_skew")
    assert (
        abs(old.json()["detail"]["server_time"] - time.time()) < 60
    )  # so the station can correct its offset
    assert _raw_post(client, body, headers).status_code == 200
    replay = _raw_post(client, body, headers)
    assert (replay.status_code, replay.json()["code"]) == (401, "auth_nonce_reused")
    stranger = Station("511102004-09", station.key)
    assert push(client, stranger, [accept_op(stranger, "G02")]).json()["code"] == "station_unknown"
    with db.write() as conn:
        conn.execute(sa.update(stations).values(status="revoked"))
    revoked = push(client, station, [accept_op(station, "G02")])
    assert (revoked.status_code, revoked.json()["code"]) == (403, "station_revoked")


def test_too_many_operations_and_too_large_bodies_are_refused(client: TestClient, station: Station) -> None:
    op = accept_op(station, "G02").model_dump(mode="json")
    raw = json.dumps(
        {"station_id": station.id, "sent_at": station.now().isoformat(), "operations": [op] * 501}
    ).encode()
    too_many = push(client, station, [], raw=raw)
    assert (too_many.status_code, too_many.json()["code"]) == (413, "batch_too_large")
    bomb = push(client, station, [], raw=b" " * (MAX_UNCOMPRESSED_BODY_BYTES + 10))
    assert (bomb.status_code, bomb.json()["code"]) == (413, "body_too_large")
    garbage = push(client, station, [], raw=b'{"station_id": 1}')
    assert (garbage.status_code, garbage.json()["code"]) == (422, "request_invalid")
    assert garbage.json()["detail"]["problems"]


@pytest.mark.parametrize("compress", [True, False])
def test_a_signed_body_nested_a_thousand_deep_is_refused_not_a_500(
    client: TestClient, station: Station, compress: bool
) -> None:
    for raw in (b"[" * 1000, b'{"operations": ' + b"[" * 1000 + b"]" * 1000 + b"}"):
        answer = push(client, station, [], raw=raw, compress=compress)
        assert (answer.status_code, answer.json()["code"]) == (400, "request_invalid"), answer.text
        assert answer.json()["detail"] == {"reason": "json_too_deep"}
        assert answer.json()["message"]
    # The station is not harmed: its next real batch goes through.
    assert push(client, station, [accept_op(station, "G02")]).status_code == 200


def test_rate_limit_answers_retry_after(db: Database, client: TestClient, station: Station) -> None:
    client.app.state.station_rate_limit = 2  # type: ignore[attr-defined]
    codes = [push(client, station, [accept_op(station, "G02")]) for _ in range(3)]
    assert [r.status_code for r in codes[:2]] == [200, 200]
    assert (codes[2].status_code, codes[2].json()["code"]) == (429, "rate_limited")
    assert int(codes[2].headers["Retry-After"]) >= 1


def test_a_stale_registry_update_becomes_a_conflict_case_for_the_integrated_section(
    db: Database, client: TestClient, station: Station
) -> None:
    insured = person_id(21)
    add_person(db, insured, version=3)
    fresh = accept_op(station, "G08", id_number=insured, base_version=3)
    stale = accept_op(
        station,
        "G08",
        id_number=insured,
        base_version=3,
        form={"change_items": ["phone"], "new_phone": "13700000000"},
    )
    first, second = push(client, station, [fresh, stale]).json()["results"]
    assert (first["status"], first["case_status"]) == ("applied", "completed")
    assert (second["status"], second["case_status"]) == ("applied", "conflict")
    assert (
        second["detail"]["conflict"]["current_version"] == 4 and second["detail"]["section"] == "integrated"
    )
    with db.read() as conn:
        person = conn.execute(sa.select(persons).where(persons.c.id_number == insured)).one()
        conflict = conn.execute(sa.select(conflicts)).one()
        person_changes = conn.execute(
            sa.select(changes.c.scope, changes.c.version).where(changes.c.kind == "person")
        ).all()
    assert (person.phone, person.version) == ("13912345678", 4)  # the fresh change, not the stale one
    assert (conflict.base_version, conflict.current_version, conflict.status) == (3, 4, "open")
    assert conflict.proposed == {"phone": "13700000000"} and conflict.current["phone"] == "13912345678"
    assert person_changes == [("township:511102004", 4)]
    assert _case(db, stale.case_id).section == "integrated"


def test_resident_registration_creates_the_person_and_the_enrolment(
    db: Database, client: TestClient, station: Station
) -> None:
    # An old 峨眉县 number (峨眉山市 today); the 户口簿 the clerk records says 大佛街道 (市中区):
    # the recorded 户籍 decides, not where the number was issued.
    newcomer = person_id(31, area="512625")
    result = push(client, station, [accept_op(station, "G09", id_number=newcomer, name="李四")]).json()[
        "results"
    ][0]
    assert (result["detail"]["registration_county"], result["detail"]["registration_rule"]) == (
        "511102",
        "household_county",
    )
    assert "attribution_flags" not in result["detail"]
    with db.read() as conn:
        person = conn.execute(sa.select(persons)).one()
        enrolment = conn.execute(sa.select(enrolments)).one()
        feed = conn.execute(sa.select(changes.c.data).where(changes.c.kind == "person")).scalar_one()
    assert (person.name, person.township_code, person.version) == ("李四", "511102004", 1)
    assert (enrolment.insurance_type, enrolment.county_code, enrolment.kind) == (
        "resident_pension",
        "511102",
        "resident",
    )
    assert feed["enrolments"][0]["county"] == "511102" and feed["sex"] in ("M", "F")


def test_a_fast_station_clock_is_corrected_and_flagged(
    db: Database, client: TestClient, station: Station
) -> None:
    station.clock_offset = dt.timedelta(days=2)
    op = accept_op(station, "G02", accepted_at=station.now() - dt.timedelta(hours=5))
    result = push(client, station, [op]).json()["results"][0]
    assert result["detail"]["clock_flag"] == "clock_skew"
    row = _case(db, op.case_id)
    trusted = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    assert abs((row.accepted_at.replace(tzinfo=dt.UTC) - trusted).total_seconds()) < 60
    assert row.accepted_at_station.replace(tzinfo=dt.UTC) > trusted + dt.timedelta(days=1)


def test_a_due_date_in_a_year_without_holiday_data_is_left_open(
    db: Database, client: TestClient, station: Station
) -> None:
    op = accept_op(station, "C029", form=C029[0], materials=C029[1])
    result = push(client, station, [op]).json()["results"][0]
    assert result["status"] == "applied" and result["case_status"] == "routed"
    if result["detail"]["due_date"] is None:  # 45 working days reach a year chinesecalendar does not know
        assert result["detail"]["due_date_note"] == "workday_no_calendar"
        with db.read() as conn:
            detail = conn.execute(
                sa.select(case_events.c.detail).where(case_events.c.event == "route")
            ).scalar_one()
        assert detail["due_date_note"] == "workday_no_calendar"


def test_supplement_of_a_returned_case_routes_it_again(
    db: Database, client: TestClient, station: Station
) -> None:
    op = accept_op(station, "C019")
    push(client, station, [op])
    with db.write() as conn:  # the back office returns it (the console's job): version 2
        conn.execute(sa.update(cases).values(status="returned", version=2, claimed_by="reviewer1"))
    stale = supplement_op(station, op.case_id, 1, archive_location="乐山市档案馆")
    fresh = supplement_op(station, op.case_id, 2, archive_location="乐山市档案馆")
    first, second = push(client, station, [stale, fresh]).json()["results"]
    assert (first["status"], first["code"]) == ("rejected", "op_stale_version")
    assert (second["status"], second["case_status"], second["detail"]["case_version"]) == (
        "applied",
        "routed",
        3,
    )
    row = _case(db, op.case_id)
    assert (row.status, row.claimed_by, row.payload["form"]["archive_location"]) == (
        "routed",
        None,
        "乐山市档案馆",
    )


def test_withdrawing_a_fee_case_makes_its_money_a_refund_and_a_finished_case_cannot_be_withdrawn(
    db: Database, client: TestClient, station: Station
) -> None:
    """The C012 fee waited in suspense for the decision: withdrawn, it is owed back (应退款)."""
    fee_case, general = accept_op(station, "C012"), accept_op(station, "G02")
    push(client, station, [fee_case, general])
    paid = _ledger_sum(db)
    results = push(
        client, station, [withdraw_op(station, fee_case.case_id), withdraw_op(station, general.case_id)]
    ).json()
    ok, refused = results["results"]
    assert (ok["status"], ok["case_status"]) == ("applied", "withdrawn")
    assert (refused["status"], refused["code"]) == ("rejected", "case_terminal")
    assert paid == 0 and _ledger_sum(db) == 0
    with db.read() as conn:
        e = ledger_entries.c
        sides = dict(conn.execute(sa.select(e.side, sa.func.sum(e.amount)).group_by(e.side)).all())
    assert fee_case.payload.fee is not None and "collected" not in sides
    assert (Decimal(sides["suspense"]), -Decimal(sides["refund"])) == (0, fee_case.payload.fee.collected)


def test_a_case_accepted_and_withdrawn_in_the_same_batch(
    db: Database, client: TestClient, station: Station
) -> None:
    """The clerk withdrew it before the link came back: both operations travel together."""
    first, second = accept_op(station, "C012"), accept_op(station, "C019")
    response = push(client, station, [first, second, withdraw_op(station, first.case_id)])
    assert response.status_code == 200, response.text
    statuses = [(r["status"], r["case_status"]) for r in response.json()["results"]]
    assert statuses == [("applied", "routed"), ("applied", "routed"), ("applied", "withdrawn")]
    assert (_case(db, first.case_id).status, _case(db, first.case_id).version) == ("withdrawn", 2)
    assert _case(db, second.case_id).status == "routed"
    assert _ledger_sum(db) == 0


def test_unknown_case_follow_up_is_rejected(db: Database, client: TestClient, station: Station) -> None:
    import uuid

    result = push(client, station, [withdraw_op(station, uuid.uuid4())]).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "op_case_unknown")


def test_identity_encoding_is_accepted(db: Database, client: TestClient, station: Station) -> None:
    response = push(client, station, [accept_op(station, "G02")], compress=False)
    assert response.status_code == 200 and response.json()["results"][0]["status"] == "applied"
    assert gzip  # gzip is the default path of every other test
