"""A receipt voided because the cash went back (当日冲正) reverses the case's money (both backends).

A ``receipt_void`` without ``reissued`` says the payer got the money back at the desk: the
push posts ledger lines opposite to everything the case's fee posted (so the case nets to
zero and the ledger check stays balanced), deletes the months the fee paid for, tells the
township's stations the person's months again, and marks the case so nothing moves the
money twice (a resend, a later decision, a withdrawal). A void with a replacement receipt
changes no money.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.lifecycle import Actor, CaseEvent
from schema.protocol import ReceiptVoidOp, ReceiptVoidPayload
from schema.receipt_numbers import StockRef
from schema.vocabulary import Section
from sync_server.core.void_reversal import reversal
from sync_server.db.engine import Database
from sync_server.db.tables import (
    cases,
    changes,
    contribution_records,
    journal_entries,
    ledger_entries,
    payables,
)
from sync_server.services.finance.journal import post_pending
from sync_server.services.finance.receipt_stock import allocate
from sync_server.services.reports.clearing import clearing_for_period
from sync_server.services.reports.ledger_check import ledger_check
from sync_server.services.review import decide as review
from tests.support.factories import (
    COUNTY,
    Station,
    accept_op,
    add_person,
    enrolled_station,
    make_client,
    person_id,
    push,
    withdraw_op,
)

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
SERIES = "51110026"
REVIEWER = Actor.reviewer("review.rp", Section.RESIDENT_PENSION)


@pytest.fixture
def world(db: Database, tmp_path: Path) -> tuple[TestClient, Station]:
    station = enrolled_station(db)
    with db.write() as conn:
        allocate(conn, station.id, series=SERIES, first=1, last=100, now=NOW, actor="admin")
    return make_client(db, tmp_path), station


def void_op(
    station: Station, case_id: uuid.UUID, number: int, *, reissued: int | None = None
) -> ReceiptVoidOp:
    reason = "金额有误已退款" if reissued is None else "卡纸，收据撕坏"
    payload = ReceiptVoidPayload(
        receipt_number=f"{station.id}-20260302-F0001", stock=StockRef(series=SERIES, number=number),
        amount=Decimal("1520.00"), clerk="clerk01", witness="clerk02", reason=reason,
        voided_at=station.now(), reissued=None if reissued is None else StockRef(series=SERIES, number=reissued),
    )  # fmt: skip
    return ReceiptVoidOp(
        op_id=uuid.uuid4(), station_id=station.id, seq=station.next_seq(), case_id=case_id,
        created_at=station.now(), payload=payload,
    )  # fmt: skip


def _statuses(client: TestClient, station: Station, ops: list[Any]) -> list[dict[str, Any]]:
    answer = push(client, station, ops)
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def _ledger(db: Database, case_id: str) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(sa.select(ledger_entries).where(ledger_entries.c.case_id == case_id)).all()
    return [dict(r._mapping) for r in rows]


def _net(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str | None], Decimal]:
    """Per (county, side, month): what the case's lines sum to."""
    out: dict[tuple[str, str, str | None], Decimal] = {}
    for r in rows:
        key = (r["county_code"], r["side"], r["contribution_month"])
        out[key] = out.get(key, Decimal("0.00")) + Decimal(r["amount"])
    return out


def _records(db: Database, case_id: str) -> list[Any]:
    with db.read() as conn:
        query = sa.select(contribution_records).where(contribution_records.c.case_id == case_id)
        return list(conn.execute(query))


def _balanced(db: Database) -> None:
    with db.read() as conn:
        check = ledger_check(conn)
    assert check.agrees, [d.message for d in check.discrepancies]


def test_g14_voided_without_reissue_nets_to_zero_and_its_months_are_gone(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    insured = person_id(11)  # a flexible worker of the township: its stations carry the months paid
    add_person(db, insured, enrolled={"enterprise_pension": COUNTY, "employee_medical": COUNTY})
    taken = accept_op(station, "G14", id_number=insured)
    case_id = str(taken.case_id)
    assert [r["status"] for r in _statuses(client, station, [taken])] == ["applied"]
    paid = _ledger(db, case_id)
    assert any(r["side"] == "collected" for r in paid) and _records(db, case_id)  # the fee was the counties'
    with db.read() as conn:
        told_before = conn.execute(sa.select(sa.func.count()).select_from(changes)).scalar_one()

    voided = void_op(station, taken.case_id, 1)
    [result] = _statuses(client, station, [voided])
    assert (result["status"], result["detail"]["money_reversed"]) == ("applied", True)
    rows = _ledger(db, case_id)
    assert len(rows) == 2 * len(paid) and all(v == 0 for v in _net(rows).values())
    assert (
        sum(Decimal(r["amount"]) for r in rows[len(paid) :] if r["side"] == "collected") < 0
    )  # opposite side
    assert _records(db, case_id) == []  # no months paid by a refunded fee
    with db.read() as conn:
        payload = conn.execute(sa.select(cases.c.payload).where(cases.c.case_id == case_id)).scalar_one()
        person = conn.execute(
            sa.select(changes.c.kind, changes.c.key).where(
                changes.c.id > told_before, changes.c.kind == "person"
            )
        ).all()
        report = clearing_for_period(conn, rows[-1]["period"])
    assert payload["fee_refunded"]["stock_number"] == f"{SERIES}-00000001"
    assert person == [("person", insured)]  # the station's 已缴月份 again
    assert report.balanced and sum(c.amount for c in report.cells) == 0
    _balanced(db)

    # A resend is a duplicate: nothing reversed twice.
    assert [r["status"] for r in _statuses(client, station, [voided])] == ["duplicate"]
    assert len(_ledger(db, case_id)) == len(rows)
    with db.write() as conn:
        post_pending(conn, now=NOW)
        booked = conn.execute(
            sa.select(journal_entries.c.source_id).where(journal_entries.c.source_kind == "ledger")
        ).scalars()
        assert {str(r["id"]) for r in rows} <= set(booked)  # the journal books the reversal rows too
    _balanced(db)


def test_a_void_arriving_with_its_case_in_one_batch_reverses_the_same(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    taken = accept_op(station, "G14")
    results = _statuses(client, station, [taken, void_op(station, taken.case_id, 1)])
    assert [r["status"] for r in results] == ["applied", "applied"]
    rows = _ledger(db, str(taken.case_id))
    assert rows and all(v == 0 for v in _net(rows).values())
    assert _records(db, str(taken.case_id)) == []
    with db.read() as conn:
        payload = conn.execute(
            sa.select(cases.c.payload).where(cases.c.case_id == str(taken.case_id))
        ).scalar_one()
    assert payload["fee_refunded"]["stock_number"] == f"{SERIES}-00000001"  # stored with the new case
    _balanced(db)


def test_a_void_with_a_replacement_receipt_changes_no_money(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    taken = accept_op(station, "G14")
    _statuses(client, station, [taken])
    before, months = _ledger(db, str(taken.case_id)), len(_records(db, str(taken.case_id)))
    [result] = _statuses(client, station, [void_op(station, taken.case_id, 1, reissued=2)])
    assert (result["status"], result["detail"]["money_reversed"]) == ("applied", False)
    assert _ledger(db, str(taken.case_id)) == before and len(_records(db, str(taken.case_id))) == months
    _balanced(db)


def test_a_back_payment_refunded_at_the_desk_leaves_nothing_for_its_decision(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    insured = person_id(100)
    add_person(db, insured, enrolled={"resident_pension": COUNTY}, kind="resident")
    taken = accept_op(station, "C012", id_number=insured)
    case_id = str(taken.case_id)
    _statuses(client, station, [taken])
    assert {r["side"] for r in _ledger(db, case_id)} == {"held", "suspense"}
    _statuses(client, station, [void_op(station, taken.case_id, 1)])
    _balanced(db)
    now = dt.datetime.now(dt.UTC)
    with db.write() as conn:
        review.claim(conn, case_id, actor=REVIEWER, now=now)
    with db.write() as conn:
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=REVIEWER, now=now)
    rows = _ledger(db, case_id)
    assert all(v == 0 for v in _net(rows).values()) and not any(r["side"] == "collected" for r in rows)
    assert _records(db, case_id) == []  # the approval moved no money it no longer held
    _balanced(db)


def test_a_withdrawn_case_refunded_at_the_desk_owes_nothing_more(
    db: Database, world: tuple[TestClient, Station]
) -> None:
    client, station = world
    insured = person_id(101)
    add_person(db, insured, enrolled={"resident_pension": COUNTY}, kind="resident")
    taken = accept_op(station, "C012", id_number=insured)
    ops = [taken, withdraw_op(station, taken.case_id), void_op(station, taken.case_id, 1)]
    assert [r["status"] for r in _statuses(client, station, ops)] == ["applied"] * 3
    with db.read() as conn:
        owed = conn.execute(
            sa.select(payables.c.status).where(payables.c.case_id == str(taken.case_id))
        ).all()
    assert [s for (s,) in owed] == ["cancelled"]  # the desk paid it back already
    assert all(v == 0 for v in _net(_ledger(db, str(taken.case_id))).values())
    _balanced(db)


def test_the_reversal_negates_each_line_once() -> None:
    line = {"county_code": "511102", "counterparty_county": "511100", "insurance_type": "employee_pension",
            "account": "pooled", "contribution_month": "2026-01"}  # fmt: skip
    rows = [{**line, "side": "collected", "amount": Decimal("100.00")},
            {**line, "side": "owed", "amount": Decimal("-100.00")}]  # fmt: skip
    back = reversal(rows, posted_at=NOW)
    assert [(r["side"], r["amount"], r["period"]) for r in back] == [
        ("collected", Decimal("-100.00"), "2026-03"),
        ("owed", Decimal("100.00"), "2026-03"),
    ]
    assert reversal([*rows, *back], posted_at=NOW) == []  # netted: nothing more to reverse
