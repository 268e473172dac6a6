"""The city's receipt stock (票据号段) and the voids stations report (SQLite and PostgreSQL).

The city allocates each station ranges of numbered payment receipts; ranges of one series
never overlap, whichever station holds them (``receipt_range_overlap``). Each allocation
goes down to that one station as a ``receipt_stock`` record (feed and snapshot alike). A
station reports a void as a ``receipt_void`` operation: recorded once per number and
audited; a number outside its ranges, or voided before, is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.protocol import ChangeKind, ReceiptVoidOp, ReceiptVoidPayload
from schema.receipt_numbers import StockRef
from schema.records import CHANGE_RECORDS, ReceiptStockRecord
from sync_server.core.cursor import FEED_START, Phase, SnapshotCursor
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, changes, receipt_voids
from sync_server.services.admin.stations import add_station
from sync_server.services.feed.snapshot import snapshot_page
from sync_server.services.finance.receipt_stock import ReceiptStockError, allocate
from tests.server.test_cli_admin import data_dir, database, refused, run  # noqa: F401  (fixtures)
from tests.support.factories import Station, accept_op, enrolled_station, make_client, push

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
SERIES = "51110026"


def _stock_sent(db: Database) -> list[tuple[str, ReceiptStockRecord]]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(changes.c.scope, changes.c.data)
            .where(changes.c.kind == "receipt_stock")
            .order_by(changes.c.id)
        ).all()
    return [(r.scope, ReceiptStockRecord.model_validate(r.data)) for r in rows]


def test_ranges_are_allocated_apart_told_to_their_station_and_audited(db: Database) -> None:
    a, b = enrolled_station(db), enrolled_station(db, point=1)
    with db.write() as conn:
        first = allocate(conn, a.id, series=SERIES, first=1, last=500, now=NOW, actor="admin")
        after = allocate(conn, b.id, series=SERIES, count=300, now=NOW, actor="admin")  # goes on after 500
        more = allocate(conn, a.id, series=" 51110026 ", count=200, now=NOW, actor="admin")
    assert [(r.first, r.last) for r in (first, after, more)] == [(1, 500), (501, 800), (801, 1000)]
    sent = _stock_sent(db)
    assert [scope for scope, _ in sent] == [f"station:{a.id}", f"station:{b.id}", f"station:{a.id}"]
    assert [(r.first, r.last) for r in sent[-1][1].ranges] == [(1, 500), (801, 1000)]  # the whole stock
    assert (
        sent[-1][1].version == more.range_id
        and CHANGE_RECORDS[ChangeKind.RECEIPT_STOCK] is ReceiptStockRecord
    )
    with db.read() as conn:
        allocated = conn.execute(
            sa.select(audit_log.c.entity_id, audit_log.c.detail).where(
                audit_log.c.action == "receipt.allocate"
            )
        ).all()
    assert [(e, d["first"], d["last"]) for e, d in allocated] == [
        (a.id, 1, 500),
        (b.id, 501, 800),
        (a.id, 801, 1000),
    ]


def test_an_overlapping_range_is_refused_naming_the_station_holding_it(db: Database) -> None:
    a, b = enrolled_station(db), enrolled_station(db, point=1)
    with db.write() as conn:
        allocate(conn, a.id, series=SERIES, first=101, last=200, now=NOW, actor="admin")
        allocate(conn, a.id, series="51110027", first=150, last=160, now=NOW, actor="admin")  # another series
    for low, high in ((150, 250), (1, 101), (200, 200), (120, 130)):
        with pytest.raises(ReceiptStockError) as info, db.write() as conn:
            allocate(conn, b.id, series=SERIES, first=low, last=high, now=NOW, actor="admin")
        assert info.value.code == "receipt_range_overlap" and a.id in info.value.message
    for bad, code in ((dict(series="5111", first=1, last=9), "receipt_series_invalid"),
                      (dict(series=SERIES, first=9, last=1), "receipt_range_invalid"),
                      (dict(series=SERIES, first=1), "receipt_range_invalid")):  # fmt: skip
        with pytest.raises(ReceiptStockError) as info, db.write() as conn:
            allocate(conn, b.id, now=NOW, actor="admin", **bad)  # type: ignore[arg-type]
        assert info.value.code == code
    assert len(_stock_sent(db)) == 2  # nothing refused was told to anyone


def test_the_snapshot_serves_the_station_its_stock_among_the_reference_data(db: Database) -> None:
    with db.write() as conn:
        add_station(
            conn, division="511102004", name="市中区大佛街道社保所", now=NOW, code_hours=24, actor="a"
        )
        allocate(conn, "511102004-00", series=SERIES, first=1, last=50, now=NOW, actor="admin")
    with db.read() as conn:
        served, _ = snapshot_page(
            conn, "511102004-00", "511102004", SnapshotCursor(FEED_START, Phase.REFERENCE), 100
        )
    reference = [c.kind.value for c in served if c.kind is not ChangeKind.STAFF]
    assert "receipt_stock" in reference and reference == sorted(reference)
    (stock,) = [c for c in served if c.kind is ChangeKind.RECEIPT_STOCK]
    record = ReceiptStockRecord.model_validate(stock.data)
    assert stock.key == "511102004-00" and [(r.series, r.first, r.last) for r in record.ranges] == [
        (SERIES, 1, 50)
    ]


# ── voids reported by a push ───────────────────────────────────────────────────────


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    return make_client(db, tmp_path)


def void_op(
    station: Station, case_id: uuid.UUID, number: int, *, reissued: int | None = None
) -> ReceiptVoidOp:
    payload = ReceiptVoidPayload(
        receipt_number=f"{station.id}-20260302-F0001",
        stock=StockRef(series=SERIES, number=number),
        amount=Decimal("1520.00"),
        clerk="clerk01",
        witness="clerk02",
        reason="卡纸，收据撕坏",
        voided_at=station.now(),
        reissued=None if reissued is None else StockRef(series=SERIES, number=reissued),
    )
    return ReceiptVoidOp(
        op_id=uuid.uuid4(), station_id=station.id, seq=station.next_seq(), case_id=case_id,
        created_at=station.now(), payload=payload,
    )  # fmt: skip


def _results(response) -> list[tuple[str, str | None]]:
    assert response.status_code == 200, response.text
    return [(r["status"], r.get("code")) for r in response.json()["results"]]


def test_a_void_is_recorded_once_and_audited(db: Database, client: TestClient) -> None:
    station = enrolled_station(db)
    with db.write() as conn:
        allocate(conn, station.id, series=SERIES, first=1, last=100, now=NOW, actor="admin")
    accepted = accept_op(station, "G14")
    voided = void_op(station, accepted.case_id, 1, reissued=2)
    assert _results(push(client, station, [accepted, voided])) == [("applied", None), ("applied", None)]
    assert _results(push(client, station, [voided])) == [("duplicate", None)]  # sent again: once
    with db.read() as conn:
        rows = conn.execute(sa.select(receipt_voids)).all()
        entries = conn.execute(sa.select(audit_log.c.entity_id, audit_log.c.detail).where(
            audit_log.c.action == "receipt.void")).all()  # fmt: skip
    assert [(r.series, r.number, r.witness, r.reissued_number, r.case_id) for r in rows] == [
        (SERIES, 1, "clerk02", 2, str(accepted.case_id))
    ]
    [(entity, detail)] = entries
    assert (
        entity == f"{SERIES}-00000001"
        and detail["witness"] == "clerk02"
        and detail["reason"] == "卡纸，收据撕坏"
    )


def test_a_void_outside_the_stations_stock_or_voided_before_is_refused(
    db: Database, client: TestClient
) -> None:
    station, other = enrolled_station(db), enrolled_station(db, point=1)
    with db.write() as conn:
        allocate(conn, station.id, series=SERIES, first=1, last=100, now=NOW, actor="admin")
        allocate(conn, other.id, series=SERIES, first=101, last=200, now=NOW, actor="admin")
    accepted = accept_op(station, "G14")
    ops = [
        accepted,
        void_op(station, accepted.case_id, 150),  # the other station's number
        void_op(station, accepted.case_id, 7),
        void_op(station, accepted.case_id, 7),  # the same number again, another operation
        void_op(station, uuid.uuid4(), 8),  # no such case here
    ]
    assert _results(push(client, station, ops)) == [
        ("applied", None),
        ("rejected", "op_receipt_not_allocated"),
        ("applied", None),
        ("rejected", "op_receipt_already_voided"),
        ("rejected", "op_case_unknown"),
    ]
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(receipt_voids)).scalar_one() == 1


# ── the command line ───────────────────────────────────────────────────────────────


def test_receipts_allocate_and_show_on_the_command_line(data_dir: Path) -> None:  # noqa: F811
    for point in ("0", "1"):
        added = run("station", "add", "--data-dir", data_dir, "--division", "511102004", "--name",
                    f"大佛街道服务点{point}", "--point", point)  # fmt: skip
        assert added.exit_code == 0, added.output
    made = run("receipts", "allocate", "--data-dir", data_dir, "511102004-00", "--series", SERIES,
               "--first", "1", "--last", "500")  # fmt: skip
    assert made.exit_code == 0 and "51110026-00000001 至 00000500，共 500 张" in made.output, made.output
    more = run(
        "receipts", "allocate", "--data-dir", data_dir, "511102004-01", "--series", SERIES, "--count", "200"
    )
    assert more.exit_code == 0 and "51110026-00000501 至 00000700" in more.output, more.output
    refused(
        run("receipts", "allocate", "--data-dir", data_dir, "511102004-01", "--series", SERIES,
            "--first", "400", "--last", "600"),
        "receipt_range_overlap",
    )  # fmt: skip
    shown = run("receipts", "show", "--data-dir", data_dir)
    assert shown.exit_code == 0 and "511102004-00" in shown.output and "511102004-01" in shown.output
    assert "共 2 段" in shown.output
    one = run("receipts", "show", "--data-dir", data_dir, "511102004-01")
    assert "511102004-00" not in one.output and "00000501" in one.output
