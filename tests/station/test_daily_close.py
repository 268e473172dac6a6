"""日结 at the station: the count by denomination against the day's receipts (issued −
voided), a difference that needs a reason, one close per day with a 补充日结 for receipts
issued after it, the 日结单 listing every receipt, and the close reaching the city once."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from schema.daily_close import DENOMINATIONS, CloseReceipt, counted_total, expected_total, figures
from schema.protocol import Change, ChangeKind
from schema.receipt_numbers import ReceiptRange
from schema.records import ReceiptStockRecord
from station_client.core import daily_close as rules
from station_client.core.errors import StationError
from station_client.core.intake_rules import ApplicantInput
from station_client.services import close_pdf, daily_close, receipt_stock
from station_client.services.errors import ServiceError
from station_client.services.intake import IntakeRequest, intake
from station_client.store import audit, outbox
from station_client.store import daily_closes as close_store
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, PASSWORDS, STATION_ID, TODAY

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


# ── the arithmetic (pure) ──────────────────────────────────────────────────────────────


def test_the_count_adds_up_by_denomination_to_the_fen():
    counts = {"100": 12, "50": 1, "20": 3, "10": 0, "5": 1, "1": 7, "0.5": 3, "0.1": 4}
    assert counted_total(counts) == Decimal("1323.90")  # 1200 + 50 + 60 + 5 + 7 + 1.50 + 0.40
    assert counted_total({}) == Decimal("0.00")
    with pytest.raises(ValueError, match="not a denomination"):
        counted_total({"2": 1})


def test_expected_is_receipts_issued_less_voided_and_the_difference_is_counted_less_expected():
    receipts = [
        CloseReceipt(number="A", amount=Decimal("920.00"), clerk="clerk1"),
        CloseReceipt(number="B", amount=Decimal("300.50"), clerk="clerk2", voided=True),
        CloseReceipt(number="C", amount=Decimal("86.40"), clerk="clerk1"),
    ]
    assert expected_total(receipts) == Decimal("1006.40")
    sums = figures({"100": 10, "5": 1, "0.1": 4}, receipts)  # 1005.40: a yuan short
    assert (sums.issued, sums.voided) == (3, 1)
    assert (sums.issued_total, sums.voided_total) == (Decimal("1306.90"), Decimal("300.50"))
    assert sums.difference == Decimal("-1.00") and not sums.balanced


@pytest.mark.parametrize(("typed", "pieces"), [("", 0), ("12", 12), ("１２", 12), (" 7 张", 7), ("0", 0)])
def test_a_count_is_typed_as_whole_pieces_blank_for_none(typed, pieces):
    assert rules.parse_count("100", typed) == pieces


@pytest.mark.parametrize("typed", ["1.5", "-2", "十", "1e3", "1000001"])
def test_a_count_that_is_not_whole_pieces_is_refused_naming_the_denomination(typed):
    with pytest.raises(StationError) as refused:
        rules.parse_count("0.5", typed)
    assert refused.value.code == "close_count_invalid" and "「5角」" in refused.value.message


def test_a_business_day_runs_midnight_to_midnight_in_beijing():
    start, end = rules.day_bounds(date(2026, 11, 26))
    assert start == datetime(2026, 11, 25, 16, 0, tzinfo=UTC) and end - start == timedelta(days=1)


# ── the desk ───────────────────────────────────────────────────────────────────────────


def give_stock(db, first: int = 1, last: int = 500) -> None:
    """The city's receipt stock (票据号段), as a pulled ``receipt_stock`` change leaves it."""
    record = ReceiptStockRecord(
        station_id=STATION_ID,
        ranges=(
            ReceiptRange(
                range_id=1, series="51110026", first=first, last=last, allocated_at=NOW - timedelta(days=30)
            ),
        ),
        version=1,
    )
    with db.atomic():
        receipt_stock.apply_change(
            db,
            Change(
                kind=ChangeKind.RECEIPT_STOCK, key=STATION_ID, version=1, data=record.model_dump(mode="json")
            ),
        )


def pay(session, n: int, *, at: datetime = NOW) -> list[str]:
    """``n`` G14 payments at the desk (920.00, 922.00, …): the receipt numbers."""
    give_stock(session.db)
    numbers = []
    for k in range(n):
        form = {
            "base": str(4600 + 10 * k),
            "period_start": "2026-01",
            "period_end": "2026-01",
            "include_medical": False,
        }
        result = intake(
            session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card"]),
            now=at + timedelta(seconds=k),
        )  # fmt: skip
        assert result.receipt_number is not None
        numbers.append(result.receipt_number)
    return numbers


def cash_for(amount: Decimal) -> dict[str, int]:
    """The drawer holding exactly ``amount``, largest notes first."""
    counts, left = {}, amount
    for face in DENOMINATIONS:
        counts[face], left = int(left // Decimal(face)), left % Decimal(face)
    assert left == 0
    return counts


def void(session, number: str, *, at: datetime = NOW) -> None:
    """作废 at the desk: a reason and a second clerk's password (the receipt stock's service)."""
    receipt_stock.void_receipt(
        session, number, reason="打印错误", witness="clerk2", witness_password=PASSWORDS["clerk2"], now=at
    )


def test_a_day_of_thirty_receipts_two_voided_closes_half_a_yuan_short_with_a_reason(session):
    numbers = pay(session, 30)  # 920.00 + 922.00 + … + 978.00 = 28,470.00
    void(session, numbers[4], at=NOW + timedelta(minutes=1))  # 928.00
    void(session, numbers[16], at=NOW + timedelta(minutes=2))  # 952.00
    later = NOW + timedelta(minutes=5)
    assert daily_close.day_to_close(session, later) == TODAY
    view = daily_close.day_view(session, TODAY, later)
    assert view.part == 1 and len(view.receipts) == 30
    assert [r.number for r in view.receipts] == numbers
    assert view.figures({}).expected == Decimal("26590.00")  # 28,470.00 − 1,880.00

    counts = {"100": 265, "50": 1, "20": 1, "10": 1, "5": 1, "1": 4, "0.5": 1}  # 26,589.50: 0.50 short
    with pytest.raises(ServiceError) as refused:
        daily_close.close_day(session, TODAY, counts, "   ", now=later)
    assert refused.value.code == "close_reason_required" and "短款 0.50 元" in refused.value.message
    assert close_store.of_day(session.db, TODAY) == []  # nothing written

    closed = daily_close.close_day(session, TODAY, counts, "找零时多找 5 角", now=later)
    assert closed.part == 1
    f = closed.figures
    assert (f.issued, f.voided, f.expected, f.counted, f.difference) == (
        30, 2, Decimal("26590.00"), Decimal("26589.50"), Decimal("-0.50")
    )  # fmt: skip

    [row] = [o for o in outbox.of_case(session.db, str(rules_subject(session))) if o.kind == "daily_close"]
    body = outbox.read_json(session.db, session.dek, row.local_id)
    payload = body["payload"]
    assert payload["difference"] == "-0.50" and payload["reason"] == "找零时多找 5 角"
    assert len(payload["receipts"]) == 30 and sum(r["voided"] for r in payload["receipts"]) == 2
    [entry] = [e for e in audit.entries(session.db) if e["action"] == "daily_close.closed"]
    assert entry["detail"]["difference"] == "-0.50" and entry["detail"]["receipts"] == 30
    assert all(close_store.closed_close_id(session.db, n) == closed.close_id for n in numbers)


def rules_subject(session):
    from schema.protocol import close_subject_id

    return close_subject_id(session.station_id, TODAY)


def test_receipts_after_the_close_go_into_a_supplementary_close_and_nothing_new_is_refused(session):
    pay(session, 2)
    first = daily_close.close_day(
        session, TODAY, {"100": 18, "20": 2, "1": 2}, "", now=NOW + timedelta(minutes=1)
    )
    assert first.part == 1 and first.figures.balanced  # 920 + 922 = 1,842.00

    with pytest.raises(ServiceError) as refused:
        daily_close.close_day(session, TODAY, {}, "", now=NOW + timedelta(minutes=2))
    assert refused.value.code == "close_nothing_new"

    [late] = pay(session, 1, at=NOW + timedelta(minutes=3))  # a payment after the 日结
    view = daily_close.day_view(session, TODAY, NOW + timedelta(minutes=4))
    assert (
        view.part == 2 and [r.number for r in view.receipts] == [late] and view.label == "补充日结（第2次）"
    )
    second = daily_close.close_day(session, TODAY, {"100": 9, "20": 1}, "", now=NOW + timedelta(minutes=4))
    assert second.part == 2 and second.figures.issued == 1
    assert [c.part for c in close_store.of_day(session.db, TODAY)] == [1, 2]


def test_the_window_opens_on_the_oldest_day_left_open(station_home):
    yesterday = NOW - timedelta(days=1)
    pay(station_home.login("clerk1", now=yesterday), 1, at=yesterday)
    session = station_home.login("clerk1")  # the next morning
    assert daily_close.day_to_close(session, NOW) == TODAY - timedelta(days=1)
    daily_close.close_day(session, TODAY - timedelta(days=1), {"100": 9, "20": 1}, "", now=NOW)
    assert daily_close.day_to_close(session, NOW) == TODAY
    with pytest.raises(ServiceError) as refused:
        daily_close.close_day(session, TODAY + timedelta(days=1), {}, "", now=NOW)
    assert refused.value.code == "close_day_not_begun"


def test_a_day_without_payments_closes_at_zero(session):
    closed = daily_close.close_day(session, TODAY, {}, "", now=NOW)
    assert closed.figures.issued == 0 and closed.figures.balanced


@needs_poppler
def test_the_close_sheet_lists_every_receipt_forty_to_a_page_with_the_sums(session, tmp_path):
    numbers = pay(session, 45)
    void(session, numbers[1], at=NOW + timedelta(minutes=1))
    # 920.00 + 922.00 + … + 1,008.00 = 43,380.00, less the voided 922.00: 42,458.00 expected
    counts = {"100": 424, "50": 1, "5": 1, "1": 2}  # 42,457.00: a yuan short
    closed = daily_close.close_day(
        session, TODAY, counts, "一张 1 元硬币找不到", now=NOW + timedelta(minutes=5)
    )
    printable = close_pdf.close_pdf(session.db, session.dek, closed.close_id)
    path = tmp_path / "close.pdf"
    path.write_bytes(printable.pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages == 2  # the sums and the first receipts, then the rest (40 to a page at most)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "服务站现金日结单" in text and "2026年11月26日（日结）" in text
    assert "开具 45 张，其中作废 1 张" in text and "短款 1.00 元" in text and "一张 1 元硬币找不到" in text
    stock_numbers = [f"51110026-{n:08d}" for n in range(1, 46)]  # the 票据号码 the receipts took
    assert all(n in text for n in stock_numbers)
    [voided_line] = [line for line in text.splitlines() if "51110026-00000002" in line]
    assert voided_line.rstrip().endswith("作废")
    assert "第2页共2页" in text.replace(" ", "") and "复核人" in text


def test_a_closed_receipt_can_no_longer_be_voided(session):
    [number] = pay(session, 1)
    daily_close.close_day(session, TODAY, {"100": 9, "20": 1}, "", now=NOW + timedelta(minutes=1))
    with pytest.raises(ServiceError) as refused:
        void(session, number, at=NOW + timedelta(minutes=2))
    assert refused.value.code == "receipt_void_closed"


# ── to the city ────────────────────────────────────────────────────────────────────────


def test_the_close_reaches_the_city_once_through_the_sync_agent(db, tmp_path):
    from station_client.sync.agent import SyncAgent
    from sync_server.db.tables import station_closes
    from tests.support.factories import make_client
    from tests.support.sync_world import enrol_station

    client = make_client(db, tmp_path)  # on SQLite and on PostgreSQL
    w = enrol_station(db, tmp_path / "station", client)
    session = w.session()
    give_stock(session.db)
    now = datetime.now(UTC)
    paid = [
        intake(
            session,
            IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), {"base": "5000", "period_start": f"{now:%Y}-01", "period_end": f"{now:%Y}-01", "include_medical": False}, ["id_card"]),
            now=now,
        )
        for _ in range(2)
    ]  # fmt: skip
    day = rules.business_day(now)
    expected = daily_close.day_view(session, day, now).figures({}).expected
    closed = daily_close.close_day(
        session, day, cash_for(expected + Decimal("0.50")), "多收 5 角未找", now=now
    )
    assert closed.figures.difference == Decimal("0.50")

    agent = SyncAgent(w.paths.home, w.dek, client=client)
    report = agent.run_once()
    agent.close()
    assert report.ok, report.problem
    with db.read() as conn:
        [row] = conn.execute(
            sa.select(station_closes).where(station_closes.c.station_id == w.station_id)
        ).all()
    assert row.close_id == closed.close_id and row.receipts == len(paid) == 2
    assert row.difference == Decimal("0.50") and row.reason == "多收 5 角未找"
    assert w.server_operations()[closed.op_id] == "applied"
    assert {o.state.value for o in outbox.of_case(session.db, str(rules_subject_of(session, day)))} == {
        "done"
    }


def rules_subject_of(session, day):
    from schema.protocol import close_subject_id

    return close_subject_id(session.station_id, day)
