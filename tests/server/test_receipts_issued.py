"""The city learns the 票据号码 a station issues and tells a restored PC at re-enrolment (both backends).

Each ``case_accept`` with a fee carries its payment receipt's stock number
(``CasePayload.receipt_stock``); a void's replacement travels in the ``receipt_void``. When
the station enrols again (a PC restored from a backup), the answer holds the highest number
issued per series and the receipts behind it, so the restored PC never prints one again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schema.protocol import CaseAcceptOp, ReceiptVoidOp, ReceiptVoidPayload
from schema.receipt_numbers import StockRef
from sync_server.db.engine import Database
from sync_server.services.admin.stations import issue_enrolment_code, revoke_station
from sync_server.services.finance import receipts_issued
from sync_server.services.finance.receipt_stock import allocate
from tests.support.factories import Station, accept_op, enrolled_station, make_client, public_key_b64, push

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
SERIES = "51110026"


def paid(station: Station, number: int | None, name: str) -> CaseAcceptOp:
    """A G14 payment as the station's intake sends it, with its 票据号码 (None: an older station)."""
    op = accept_op(station, "G14", name=name)
    stock = None if number is None else StockRef(series=SERIES, number=number)
    return op.model_copy(update={"payload": op.payload.model_copy(update={"receipt_stock": stock})})


def reissue(station: Station, case_id: uuid.UUID, number: int, new: int) -> ReceiptVoidOp:
    payload = ReceiptVoidPayload(
        receipt_number=f"{station.id}-20260302-F0001", stock=StockRef(series=SERIES, number=number),
        amount=Decimal("1520.00"), clerk="clerk01", witness="clerk02", reason="卡纸，收据撕坏",
        voided_at=station.now(), reissued=StockRef(series=SERIES, number=new),
    )  # fmt: skip
    return ReceiptVoidOp(
        op_id=uuid.uuid4(), station_id=station.id, seq=station.next_seq(), case_id=case_id,
        created_at=station.now(), payload=payload,
    )  # fmt: skip


def test_re_enrolment_tells_the_highest_number_issued_and_its_receipts(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    with db.write() as conn:
        allocate(conn, station.id, series=SERIES, first=1, last=100, now=NOW, actor="admin")
    client = make_client(db, tmp_path)
    older = paid(station, None, "赵老站")  # from a station before this release: no number known
    first, second = paid(station, 1, "王小明"), paid(station, 2, "李小红")
    answer = push(client, station, [older, first, second, reissue(station, second.case_id, 2, 3)])
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()["results"]} == {"applied"}

    with db.read() as conn:
        assert receipts_issued.highest(conn, station.id) == [StockRef(series=SERIES, number=3)]

    with db.write() as conn:  # the PC is lost: 综合业务科 revokes it and gives the station a new code
        revoke_station(conn, station.id, now=NOW, actor="admin")
        code = issue_enrolment_code(
            conn, station.id, now=dt.datetime.now(dt.UTC), hours=24, actor="admin"
        ).code
    body = {
        "enrolment_code": code,
        "public_key": public_key_b64(Ed25519PrivateKey.generate()),
        "client_version": "1",
    }
    response = client.post("/api/v1/enrol", json=body)
    assert response.status_code == 200, response.text
    told = response.json()
    assert told["receipt_stock_used"] == [{"series": SERIES, "number": 3}]  # the replacement counts too
    assert [
        (r["case_number"], r["stock"]["number"], r["applicant_name"], r["status"])
        for r in told["receipts_issued"]
    ] == [
        (first.payload.case_number, 1, "王小明", "completed"),
        (second.payload.case_number, 2, "李小红", "completed"),
    ]


def test_a_station_that_issued_nothing_hears_nothing_new(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    with db.read() as conn:
        assert receipts_issued.highest(conn, station.id) == []
        assert receipts_issued.issued(conn, station.id) == []
