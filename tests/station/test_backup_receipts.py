"""A PC restored from a backup never prints a 票据号码 again, and names the lost receipts.

The story: a G14 payment (票据号码 …0001) synced, a backup, two more payments (…0002,
…0003) synced, the PC lost. The backup is restored on a new PC and enrolled again: the city
tells it the highest number the station issued, so the next payment takes …0004 (the old
code would print …0002 again: a duplicate receipt number on paper), and the two cases the
copy lacks are listed with their 票据号码 and applicant (`station-client lost`, 日结).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from schema.cases import CasePayload
from schema.identifiers import make_resident_id
from schema.protocol import canonical_json
from schema.receipt_numbers import ReceiptRange, StockRef
from station_client.cli import main as station_cli
from station_client.core import receipt_stock as rules
from station_client.core.case_numbering import local_day
from station_client.core.intake_rules import ApplicantInput
from station_client.paths import StationPaths
from station_client.services import backup, daily_close, enrolment, receipt_stock
from station_client.services.intake import IntakeRequest, IntakeResult, intake
from station_client.services.session import Session, login
from station_client.store import open_store, outbox
from station_client.store import receipts as receipt_store
from station_client.sync.agent import SyncAgent
from sync_server.services.admin.stations import issue_enrolment_code, revoke_station
from tests.support.dates import first_months_of_this_year
from tests.support.sync_world import CLERK_PASSWORD, World, in_process, now

SERIES = "51110026"  # the registered station's 500 numbers (tests/support/sync_world)


@pytest.fixture
def world(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[World, httpx.Client]]:
    with in_process(sqlite_template, tmp_path) as made:
        yield made


def person(n: int) -> str:
    return make_resident_id("511102", dt.date(1980, 1, 1), 100 + n)


def pay(session: Session, name: str, id_number: str) -> IntakeResult:
    start, end = first_months_of_this_year(2)
    form = {"base": "5000", "period_start": start, "period_end": end, "include_medical": False}
    return intake(session, IntakeRequest("G14", ApplicantInput(name, id_number), form, ["id_card"]))


def stock_of(session: Session, paid: IntakeResult) -> str:
    assert paid.receipt_number is not None
    row = receipt_store.row(session.db, paid.receipt_number)
    assert row is not None and row.stock is not None
    return row.stock.text


def sync(home: Path, dek, client: httpx.Client) -> None:
    agent = SyncAgent(home, dek, client=client)
    try:
        assert agent.run_once().ok
    finally:
        agent.close()


def test_a_restored_pc_moves_past_the_lost_receipts_and_lists_them(world, tmp_path):
    w, client = world
    usb = tmp_path / "usb"
    usb.mkdir()
    session = w.session()
    before = pay(session, "王小明", person(1))
    sync(w.paths.home, w.dek, client)
    backup.configure(session.db, usb)
    made = backup.backup(w.paths, now=now())
    lost = [pay(session, "李小红", person(2)), pay(session, "张大山", person(3))]
    assert [stock_of(session, p) for p in [before, *lost]] == [f"{SERIES}-0000000{n}" for n in (1, 2, 3)]
    sync(w.paths.home, w.dek, client)  # the city has all three
    session.db.close()

    shutil.rmtree(w.paths.home)  # the PC is gone
    home = StationPaths.of(tmp_path / "new-pc")
    backup.restore(made.path, home, recovery_key=w.recovery_key, now=now())
    with w.server_db.write() as conn:
        revoke_station(conn, w.station_id, now=now(), actor="admin")
        code = issue_enrolment_code(conn, w.station_id, now=now(), hours=24, actor="admin").code
    again = enrolment.enrol(
        home,
        server_url=str(client.base_url),
        ca_pem=b"-",
        code=code,
        client=client,
        recovery_key=w.recovery_key,
    )
    assert enrolment.initial_pull(home, again.dek, client) is None

    db = open_store(home.home)
    fresh = login(db, w.clerk, CLERK_PASSWORD, now=now(), dek=again.dek)
    assert receipt_stock.state(db).next == StockRef(series=SERIES, number=4)
    after = pay(fresh, "王小明", person(1))
    assert stock_of(fresh, after) == f"{SERIES}-00000004"  # never …0002 again

    found = backup.lost_cases(db, again.dek)
    assert [(c.case_number, c.receipt_stock, c.applicant_name) for c in found] == [
        (lost[0].case_number, f"{SERIES}-00000002", "李小红"),
        (lost[1].case_number, f"{SERIES}-00000003", "张大山"),
    ]
    view = daily_close.day_view(fresh, local_day(now()), now())
    assert [text.split("（")[0] for text in view.lost] == [p.case_number for p in lost]
    db.close()

    shown = CliRunner().invoke(station_cli, ["lost", "--home", str(home.home)])
    assert shown.exit_code == 0, shown.output
    assert f"票据号码 {SERIES}-00000002" in shown.output and f"票据号码 {SERIES}-00000003" in shown.output
    assert "请根据纸质回执重新受理" in shown.output


def test_the_case_carries_its_stock_number_and_old_cases_keep_their_digest(world):
    w, _client = world
    session = w.session()
    paid = pay(session, "王小明", person(1))
    free = w.take_in(session, 1)[0]  # no fee: no receipt number
    rows = session.db.execute("SELECT local_id, case_id FROM outbox WHERE kind = 'case_accept'").fetchall()
    payloads = {
        str(case_id): outbox.read_json(session.db, session.dek, local_id)["payload"]
        for local_id, case_id in rows
    }
    assert payloads[str(paid.case_id)]["receipt_stock"] == {"series": SERIES, "number": 1}
    assert payloads[str(free.case_id)]["receipt_stock"] is None
    older = CasePayload.model_validate(payloads[str(free.case_id)])
    assert b"receipt_stock" not in canonical_json(older)  # None is left out: older ops keep their digest
    session.db.close()


def test_the_stock_moves_past_a_number_issued_elsewhere_and_the_ranges_before_it():
    at = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    a = ReceiptRange(range_id=1, series=SERIES, first=1, last=10, allocated_at=at)
    b = ReceiptRange(range_id=2, series="51110027", first=101, last=110, allocated_at=at)
    held = rules.state([a, b], {1: 2})
    assert held.next == StockRef(series=SERIES, number=3)
    moved = rules.past_floor([a, b], {1: 2}, [StockRef(series=SERIES, number=7)])
    assert rules.state([a, b], moved).next == StockRef(series=SERIES, number=8)
    into_b = rules.past_floor([a, b], {1: 2}, [StockRef(series="51110027", number=103)])
    assert into_b == {1: 10, 2: 103}  # the lost PC had used range a up
    assert rules.state([a, b], into_b).next == StockRef(series="51110027", number=104)
    assert rules.past_floor([a, b], {1: 2}, [StockRef(series=SERIES, number=1)]) == {1: 2}  # never back
