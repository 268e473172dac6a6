"""A station's 日结 reaches the city as a ``daily_close`` operation: received exactly once
(a resent close answers ``duplicate`` and adds no row), audited, listed by
``sync-server closes show``; another close claiming a day's part the city already holds is
refused ``op_close_exists``; a 补充日结 of the same day is its own row. Both backends."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from schema.daily_close import CloseReceipt, DailyClosePayload, figures
from schema.protocol import DailyCloseOp, close_subject_id
from sync_server.commands.closes import closes
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, station_closes
from sync_server.services import audit
from sync_server.services.finance.station_closes import list_closes
from sync_server.settings import write_settings_file
from tests.support.factories import Station, enrolled_station, make_client, push

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    return make_client(db, tmp_path)


@pytest.fixture
def station(db: Database) -> Station:
    return enrolled_station(db)


def day_of_receipts(station: Station) -> list[CloseReceipt]:
    """30 receipts of 100.00 … 129.00 by two clerks, the 5th and the 17th voided."""
    return [
        CloseReceipt(
            number=f"{station.id}-{DAY:%Y%m%d}-F{n:04d}",
            amount=Decimal(99 + n),
            clerk="zhang.li" if n % 2 else "wang.fang",
            voided=n in (5, 17),
        )
        for n in range(1, 31)
    ]


def close_op(
    station: Station, receipts: list[CloseReceipt], counts: dict[str, int], reason: str, part: int = 1
):
    sums = figures(counts, receipts)
    payload = DailyClosePayload(
        close_id=uuid.uuid4(), business_day=DAY, part=part, clerk="zhang.li",
        closed_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC), counts=counts, receipts=tuple(receipts),
        expected=sums.expected, counted=sums.counted, difference=sums.difference, reason=reason,
    )  # fmt: skip
    return DailyCloseOp(
        op_id=uuid.uuid4(), station_id=station.id, seq=station.next_seq(),
        case_id=close_subject_id(station.id, DAY), created_at=station.now(), payload=payload,
    )  # fmt: skip


# Σ 100…129 = 3435.00, less the voided 104.00 and 116.00 = 3215.00 expected; counted 0.50 short.
COUNTS = {"100": 30, "50": 4, "10": 1, "1": 4, "0.5": 1}  # 3000 + 200 + 10 + 4 + 0.50 = 3214.50


def _rows(db: Database) -> list[sa.Row]:
    with db.read() as conn:
        return list(conn.execute(sa.select(station_closes).order_by(station_closes.c.part)).all())


def test_a_close_is_received_once_audited_and_a_resent_close_is_a_duplicate(
    db: Database, client: TestClient, station: Station, tmp_path: Path
) -> None:
    op = close_op(station, day_of_receipts(station), COUNTS, "找零时多找给缴费人 5 角")
    response = push(client, station, [op])
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["status"] == "applied"
    assert result["detail"] == {"close_id": str(op.payload.close_id), "business_day": "2026-03-02", "part": 1}

    [row] = _rows(db)
    assert (row.station_id, row.business_day, row.part) == (station.id, DAY, 1)
    assert (row.receipts, row.voided) == (30, 2)
    assert (row.expected, row.counted, row.difference) == (
        Decimal("3215.00"),
        Decimal("3214.50"),
        Decimal("-0.50"),
    )
    assert row.reason == "找零时多找给缴费人 5 角" and row.closed_by == "zhang.li"
    assert row.denominations["0.5"] == 1 and len(row.receipt_list) == 30
    with db.read() as conn:
        [entry] = conn.execute(sa.select(audit_log).where(audit_log.c.action == "daily_close.received")).all()
        assert audit.verify(conn).intact
    assert entry.actor == f"station:{station.id}" and entry.entity_id == str(op.payload.close_id)
    assert entry.detail["difference"] == "-0.50"

    again = push(client, station, [op])  # the answer was lost: the station sends it again
    [result] = again.json()["results"]
    assert result["status"] == "duplicate" and result["original_status"] == "applied"
    assert len(_rows(db)) == 1

    with db.read() as conn:
        [listed] = list_closes(conn, station_id=station.id)
    assert listed.difference == Decimal("-0.50") and listed.part == 1


def test_a_second_close_of_the_same_part_is_refused_and_a_supplementary_close_is_its_own_row(
    db: Database, client: TestClient, station: Station
) -> None:
    receipts = day_of_receipts(station)
    push(client, station, [close_op(station, receipts, COUNTS, "找零差错")])
    # A store restored from a backup closes the day again as part 1: the city keeps the first.
    again = close_op(station, receipts, COUNTS, "找零差错")
    [refused] = push(client, station, [again]).json()["results"]
    assert refused["status"] == "rejected" and refused["code"] == "op_close_exists"
    assert refused["detail"] == {"business_day": "2026-03-02", "part": 1}
    assert "只能上报一次" in refused["message"]

    late = [
        CloseReceipt(number=f"{station.id}-{DAY:%Y%m%d}-F0031", amount=Decimal("240.00"), clerk="zhang.li")
    ]
    [applied] = push(client, station, [close_op(station, late, {"100": 2, "20": 2}, "", part=2)]).json()[
        "results"
    ]
    assert applied["status"] == "applied"
    assert [(r.part, r.counted, r.difference) for r in _rows(db)] == [
        (1, Decimal("3214.50"), Decimal("-0.50")),
        (2, Decimal("240.00"), Decimal("0.00")),
    ]


def test_sums_that_do_not_add_up_never_leave_the_station() -> None:
    receipts = [CloseReceipt(number="R1", amount=Decimal("10.00"), clerk="zhang.li")]
    with pytest.raises(ValueError, match="do not add up"):
        DailyClosePayload(
            close_id=uuid.uuid4(), business_day=DAY, part=1, clerk="zhang.li",
            closed_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC), counts={"10": 1}, receipts=tuple(receipts),
            expected=Decimal("10.00"), counted=Decimal("20.00"), difference=Decimal("10.00"), reason="多收",
        )  # fmt: skip
    with pytest.raises(ValueError, match="needs a reason"):
        DailyClosePayload(
            close_id=uuid.uuid4(), business_day=DAY, part=1, clerk="zhang.li",
            closed_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC), counts={"5": 1}, receipts=tuple(receipts),
            expected=Decimal("10.00"), counted=Decimal("5.00"), difference=Decimal("-5.00"), reason="  ",
        )  # fmt: skip


def test_closes_show_lists_the_difference_and_its_reason(
    db: Database, client: TestClient, station: Station, database_url: str, tmp_path: Path
) -> None:
    push(client, station, [close_op(station, day_of_receipts(station), COUNTS, "找零差错")])
    data_dir = tmp_path / "cli"
    data_dir.mkdir()
    write_settings_file(data_dir, {"secret_key": "k" * 48, "database_url": database_url})

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(
            closes, ["show", "--data-dir", str(data_dir), *args], catch_exceptions=False
        )

    out = run("--day", "2026-03-02")
    assert out.exit_code == 0, out.output
    assert "短款 0.50 元" in out.output and "找零差错" in out.output and "30（作废2）" in out.output
    assert json.loads(run("--json").output)[0]["difference"] == "-0.50"
    assert "没有符合条件的日结记录" in run("--day", "2026-03-03").output
