"""The receipt stock (票据号段) at the desk: payment receipts take the city's numbers in order,
without gaps; no number left refuses the cash; a void needs a reason and a second staff
member's password, is audited and goes to the city once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlite_utils import Database

from schema.protocol import ReceiptVoidOp
from schema.receipt_numbers import ReceiptRange, StockRef
from station_client.core import receipt_stock as rules
from station_client.core.intake_rules import ApplicantInput
from station_client.core.operation_drafts import sequenced
from station_client.services import receipt_pdf, receipt_stock
from station_client.services.case_detail import case_detail
from station_client.services.errors import ServiceError
from station_client.services.intake import IntakeRequest, IntakeResult, intake
from station_client.services.reference import catalog
from station_client.services.session import Session
from station_client.store import audit, migrations, open_store, outbox, staff
from station_client.store import receipts as store
from station_client.sync.pull import drop_downloaded
from tests.support.stationkit import (
    KNOWN_ID,
    KNOWN_NAME,
    NOW,
    PASSWORDS,
    RECEIPT_SERIES,
    StationHome,
    receipt_stock_change,
)

FLEXIBLE = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True}
G14 = IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"])
G02 = IntakeRequest(
    "G02", ApplicantInput(KNOWN_NAME, KNOWN_ID), {"purpose": "housing", "insurance_types": ["enterprise_pension"]},
    ["id_or_ss_card"],
)  # fmt: skip
LATER = NOW + timedelta(minutes=3)


def _range(range_id: int, first: int, last: int, series: str = RECEIPT_SERIES) -> ReceiptRange:
    return ReceiptRange(range_id=range_id, series=series, first=first, last=last, allocated_at=NOW)


def _pay(session: Session, n: int = 1) -> list[IntakeResult]:
    return [intake(session, G14, now=NOW) for _ in range(n)]


def _stock_of(session: Session, number: str | None) -> str:
    assert number is not None
    row = store.row(session.db, number)
    assert row is not None and row.stock is not None
    return row.stock.text


# ── the pure rules ──────────────────────────────────────────────────────────────────


def test_numbers_come_from_the_ranges_in_allocation_order():
    ranges = [_range(2, 601, 610), _range(1, 1, 3)]
    assert rules.state(ranges, {}).next == StockRef(series=RECEIPT_SERIES, number=1)
    assert rules.state(ranges, {1: 2}).next == StockRef(series=RECEIPT_SERIES, number=3)
    # the first range used up: the second one's first number
    assert rules.state(ranges, {1: 3}).next == StockRef(series=RECEIPT_SERIES, number=601)
    spent = rules.state(ranges, {1: 3, 2: 610})
    assert spent.empty and spent.remaining == 0 and spent.allocated == 13
    assert rules.state(ranges, {1: 1, 2: 605}).remaining == 2 + 5
    assert rules.state([], {}).empty


def test_gaps_are_the_numbers_skipped_below_the_highest_used():
    ranges = [_range(1, 1, 10), _range(2, 101, 110, series="51110027")]
    assert rules.gaps(ranges, [(RECEIPT_SERIES, n) for n in (1, 2, 3)]) == []
    assert rules.gaps(ranges, [(RECEIPT_SERIES, 1), (RECEIPT_SERIES, 4), ("51110027", 102)]) == [
        StockRef(series=RECEIPT_SERIES, number=2),
        StockRef(series=RECEIPT_SERIES, number=3),
        StockRef(series="51110027", number=101),
    ]


# ── numbering at intake ─────────────────────────────────────────────────────────────


def test_payment_receipts_take_the_next_stock_number_without_gaps(session: Session):
    paid = _pay(session, 3)
    free = intake(session, G02, now=NOW)  # no money: no receipt number used
    assert free.receipt_number is None
    assert [_stock_of(session, r.receipt_number) for r in paid] == [
        "51110026-00000001",
        "51110026-00000002",
        "51110026-00000003",
    ]
    doc = store.get(session.db, session.dek, paid[0].receipt_number or "")
    assert doc is not None and doc["stock_number"] == "51110026-00000001"
    assert doc["receipt_number"] == "511102004-00-20261126-F0001"  # its own number, what the QR seals
    assert receipt_stock.gaps(session.db) == [] and receipt_stock.state(session.db).remaining == 497


def test_a_payment_that_fails_before_commit_gives_its_number_back(session: Session, monkeypatch):
    _pay(session)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")  # after the number was taken, before the commit

    with monkeypatch.context() as patched:
        patched.setattr(audit, "append", broken)
        with pytest.raises(RuntimeError):
            intake(session, G14, now=NOW)
    assert store.used_numbers(session.db) == [(RECEIPT_SERIES, 1)]
    [again] = _pay(session)
    assert _stock_of(session, again.receipt_number) == "51110026-00000002"
    assert receipt_stock.gaps(session.db) == []


def test_no_number_left_refuses_the_cash_and_saves_nothing(station_home: StationHome):
    with station_home.db.atomic():
        receipt_stock.apply_change(station_home.db, receipt_stock_change((1, 1), (7, 7), version=10))
    session = station_home.login("clerk1")
    first, second = _pay(session, 2)
    assert [_stock_of(session, r.receipt_number) for r in (first, second)] == [
        "51110026-00000001",
        "51110026-00000007",
    ]
    cases_before = session.db.execute("SELECT count(*) FROM cases").fetchone()[0]
    with pytest.raises(ServiceError) as info:
        intake(session, G14, now=NOW)
    assert info.value.code == "receipt_stock_empty" and "申请新的票据号段" in info.value.message
    assert session.db.execute("SELECT count(*) FROM cases").fetchone()[0] == cases_before
    assert intake(session, G02, now=NOW).receipt_number is None  # business without money goes on


def test_the_clerk_is_warned_when_few_numbers_remain(station_home: StationHome):
    with station_home.db.atomic():
        receipt_stock.apply_change(station_home.db, receipt_stock_change((1, 51), version=10))
    session = station_home.login("clerk1")
    [plenty] = _pay(session)  # 50 left after it: not yet low
    [low] = _pay(session)
    assert "receipt_stock_low" not in [w.code for w in plenty.warnings]
    [warning] = [w for w in low.warnings if w.code == "receipt_stock_low"]
    assert "仅剩 49 张" in warning.message and any("仅剩 49 张" in line for line in low.lines())


def test_the_stock_is_kept_by_version_and_survives_a_start_over(station_home: StationHome):
    db = station_home.db
    with db.atomic():
        assert receipt_stock.apply_change(db, receipt_stock_change((1, 500), (501, 600)))  # version 2
        assert not receipt_stock.apply_change(db, receipt_stock_change((1, 500)))  # an older record
        drop_downloaded(db)  # a start-over drops reference data, not the paper in the drawer
    assert [(r.first, r.last) for r in store.ranges(db)] == [(1, 500), (501, 600)]


def test_receipts_stored_before_the_stock_stay_readable(tmp_path):
    old = Database(sqlite3.connect(str(tmp_path / "station.db")))
    for step in migrations.MIGRATIONS[:6]:  # a store as version 6 left it
        step(old)
    old.execute("PRAGMA user_version = 6")
    old.execute("INSERT INTO cases (case_id, case_number, item_code, tier, status, applicant_hmac, accepted_at, "
                "updated_at, enc) VALUES ('c1', 'n1', 'G14', 'general', 'completed', 'h', 'a', 'u', x'00')")  # fmt: skip
    old.execute("INSERT INTO receipts (number, case_id, kind, created_at, enc) VALUES (?, 'c1', 'payment', ?, x'00')",
                ["511102004-00-20261120-F0003", NOW.isoformat()])  # fmt: skip
    old.conn.commit()
    old.close()
    db = open_store(tmp_path)
    row = store.row(db, "511102004-00-20261120-F0003")
    assert row is not None and row.kind == "payment" and row.stock is None
    assert store.for_case(db, "c1") == [("511102004-00-20261120-F0003", "payment")]
    db.close()


# ── voids ───────────────────────────────────────────────────────────────────────────


def _void(session: Session, number: str, **kwargs):
    kwargs.setdefault("reason", "打印错误")
    kwargs.setdefault("witness", "clerk2")
    kwargs.setdefault("witness_password", PASSWORDS["clerk2"])
    kwargs.setdefault("now", LATER)
    return receipt_stock.void_receipt(session, number, **kwargs)


def test_a_void_needs_a_reason_and_a_second_staff_members_password(session: Session):
    [paid] = _pay(session)
    number = paid.receipt_number or ""
    refusals = [
        ({"reason": "  "}, "receipt_void_reason_missing"),
        ({"witness": ""}, "receipt_void_witness_missing"),
        ({"witness": "clerk1", "witness_password": PASSWORDS["clerk1"]}, "receipt_void_same_clerk"),
        ({"witness": "nobody"}, "login_unknown_user"),
        ({"witness": "gone", "witness_password": PASSWORDS["gone"]}, "login_disabled"),
        ({"witness_password": "wrong-password"}, "login_wrong_password"),
    ]
    for given, code in refusals:
        with pytest.raises(ServiceError) as info:
            _void(session, number, **given)
        assert info.value.code == code, given
    assert "复核人" in info.value.message
    witness = staff.get(session.db, "clerk2")
    assert witness is not None and witness.failed_logins == 1  # a wrong password counts as at login
    assert store.voided_numbers(session.db, [number]) == set()
    assert session.db.execute("SELECT count(*) FROM outbox WHERE kind = 'receipt_void'").fetchone()[0] == 0


def test_a_void_is_recorded_audited_and_queued_for_the_city_once(session: Session):
    [paid] = _pay(session)
    number = paid.receipt_number or ""
    result = _void(session, number, reason="卡纸，收据撕坏")
    assert (result.stock, result.replaced_by) == ("51110026-00000001", None)
    assert store.voided_numbers(session.db, [number, "511102004-00-20261126-F0009"]) == {number}
    void = store.void_of(session.db, session.dek, number)
    assert void is not None and (void.voided_by, void.witness, void.reason) == (
        "clerk1",
        "clerk2",
        "卡纸，收据撕坏",
    )
    body = _void_ops(session)
    assert len(body) == 1 and body[0].case_id == paid.case_id
    payload = body[0].payload
    assert (payload.stock.text, payload.clerk, payload.witness, payload.amount) == (
        "51110026-00000001", "clerk1", "clerk2", Decimal(paid.fee["collected"] if paid.fee else "0"),
    )  # fmt: skip
    [entry] = [e for e in audit.entries(session.db) if e["action"] == "receipt.void"]
    assert (entry["actor"], entry["entity_id"], entry["detail"]["witness"]) == ("clerk1", number, "clerk2")
    with pytest.raises(ServiceError) as info:
        _void(session, number)
    assert info.value.code == "receipt_already_voided"
    with pytest.raises(ServiceError) as info:
        receipt_pdf.receipt_pdf(session.db, session.dek, number)  # a void paper is not printed again
    assert info.value.code == "receipt_voided"
    # the voided number stays used: the next payment takes the next one
    assert _stock_of(session, _pay(session)[0].receipt_number) == "51110026-00000002"


def _void_ops(session: Session) -> list[ReceiptVoidOp]:
    rows = session.db.execute(
        "SELECT local_id FROM outbox WHERE kind = 'receipt_void' ORDER BY local_id"
    ).fetchall()
    out = []
    for (local_id,) in rows:
        body = outbox.read_json(session.db, session.dek, int(local_id))
        op = sequenced(body, 1)
        assert isinstance(op, ReceiptVoidOp)
        out.append(op)
    return out


def test_a_reissue_gives_the_same_payment_the_next_number_and_the_case_shows_both(session: Session):
    [paid, other] = _pay(session, 2)
    number = paid.receipt_number or ""
    result = _void(session, number, reissue=True)
    assert result.new_stock == "51110026-00000003" and result.replaced_by == "511102004-00-20261126-F0003"
    new_doc = store.get(session.db, session.dek, result.replaced_by)
    old_doc = store.get(session.db, session.dek, number)
    assert new_doc is not None and old_doc is not None
    assert new_doc["fee"] == old_doc["fee"] and new_doc["replaces"] == "51110026-00000001"
    assert receipt_pdf.receipt_pdf(session.db, session.dek, result.replaced_by).pdf.startswith(b"%PDF")
    [op] = _void_ops(session)
    assert op.payload.reissued == StockRef(series=RECEIPT_SERIES, number=3)
    detail = case_detail(session.db, session.dek, catalog(session.db), str(paid.case_id), now=LATER)
    assert [n for n, _ in detail.receipts] == [paid.case_number, result.replaced_by]  # the void one is gone
    assert [(r.stock, r.voided) for r in detail.stock_receipts] == [
        ("51110026-00000001", True),
        ("51110026-00000003", False),
    ]
    assert "已作废（打印错误；复核人 柜员clerk2；已换开 51110026-00000003）" in detail.stock_receipts[0].line
    assert receipt_stock.gaps(session.db) == [] and other.receipt_number


def test_only_stock_numbered_payment_receipts_can_be_voided(session: Session):
    free = intake(session, G02, now=NOW)
    with pytest.raises(ServiceError) as info:
        _void(session, free.case_number)
    assert info.value.code == "receipt_not_voidable"
    with pytest.raises(ServiceError) as info:
        _void(session, "511102004-00-20261126-F0099")
    assert info.value.code == "receipt_not_found"


def test_a_days_receipts_list_what_was_issued_and_voided_for_the_close(session: Session):
    first, second = _pay(session, 2)
    _void(session, second.receipt_number or "", reason="金额有误，已退款")
    later_day = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    session.unlock(PASSWORDS["clerk1"], later_day)
    _void(session, first.receipt_number or "", reason="缴费人退费", now=later_day)
    day = receipt_stock.day_receipts(session.db, session.dek, date(2026, 11, 26))
    assert [(r.stock, r.voided_at is not None) for r in day] == [
        ("51110026-00000001", False),  # voided only the next day
        ("51110026-00000002", True),
    ]
    assert day[1].void_reason == "金额有误，已退款" and day[0].amount > 0 and day[0].clerk == "clerk1"
    next_day = receipt_stock.day_receipts(session.db, session.dek, date(2026, 11, 27))
    assert [(r.stock, r.void_reason) for r in next_day] == [("51110026-00000001", "缴费人退费")]
