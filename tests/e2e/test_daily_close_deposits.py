"""A day of 30 receipts, 2 voids and a 0.50 difference, closed at the desk and reconciled
against the bank's deposit file on the console (Debian's Chromium against a real server).

The station is a real home enrolled over HTTPS: its clerk takes 30 cash payments (G14), a
second clerk witnesses 2 voids, the 日结 counts the drawer 0.50 short with a reason, and the
sync agent takes the close to the city. 基金财务 uploads the bank's deposit file on the
基金财务 page: the deposit pays the close to the fen, the 短款 0.50 元 and its reason show
beside it, and the same file uploaded again changes nothing. The supervisors' dashboard
shows the station's close waiting for its deposit before the import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect, sync_playwright

from schema.daily_close import DENOMINATIONS
from schema.identifiers import make_resident_id
from schema.vocabulary import Role
from station_client.core import daily_close as close_rules
from station_client.core.intake_rules import ApplicantInput
from station_client.services import daily_close, receipt_stock
from station_client.services.intake import IntakeRequest, intake
from station_client.sync.agent import SyncAgent
from sync_server.core.deposit_file import DepositLine, deposit_file
from sync_server.db.tables import station_closes
from sync_server.services.finance.receipt_stock import allocate
from tests.support.console_kit import PASSWORD, add_account
from tests.support.console_world import CHROMIUM, chromium_args
from tests.support.serve_process import Served, serve
from tests.support.sync_world import CLERK_PASSWORD, enrol_station

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WITNESS = "clerk.witness"
REASON = "找零时多找给缴费人 5 角"


@dataclass
class Day:
    served: Served
    station_id: str
    business_day: dt.date
    expected: Decimal
    counted: Decimal
    deposit_csv: Path


def cash_for(amount: Decimal) -> dict[str, int]:
    """The drawer holding exactly ``amount``, largest notes first."""
    counts, left = {}, amount
    for face in DENOMINATIONS:
        counts[face], left = int(left // Decimal(face)), left % Decimal(face)
    assert left == 0
    return counts


def _agent_round(served: Served, home: Path, dek: object) -> None:
    with served.client() as client:
        agent = SyncAgent(home, dek, client=client)  # type: ignore[arg-type]
        report = agent.run_once()
        agent.close()
    assert report.ok, report.problem


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    root = tmp_path_factory.mktemp("close-deposits")
    with serve(root / "server") as served:
        db = served.db
        add_account(db, "finance.maker", Role.FINANCE_MAKER, name="钱芳")
        add_account(db, "supervisor", Role.SUPERVISOR, name="彭志文")
        with served.client() as client:
            w = enrol_station(db, root / "station", client, ca_pem=served.ca.read_bytes())
        now = dt.datetime.now(dt.UTC)
        add_account(db, WITNESS, Role.CLERK, station_id=w.station_id, password=CLERK_PASSWORD, name="李娟")
        with db.write() as conn:  # the city's receipt stock (票据号段) for the station
            allocate(conn, w.station_id, series="51110026", count=100, now=now, actor="finance.maker")
        _agent_round(served, w.paths.home, w.dek)  # the witness and the stock reach the desk

        session = w.session()
        year = close_rules.business_day(now).year
        numbers = []
        for k in range(30):  # 30 cash payments of a flexible worker's month
            form = {"base": str(5000 + 10 * k), "period_start": f"{year}-01", "period_end": f"{year}-01",
                    "include_medical": False}  # fmt: skip
            person = make_resident_id("511102", dt.date(1980, 1, 1), 300 + k)
            result = intake(
                session, IntakeRequest("G14", ApplicantInput("王小明", person), form, ["id_card"]), now=now
            )
            assert result.receipt_number is not None
            numbers.append(result.receipt_number)
        for number in (numbers[4], numbers[16]):  # two voids, each witnessed by a second clerk
            receipt_stock.void_receipt(session, number, reason="打印错误", witness=WITNESS,
                                       witness_password=CLERK_PASSWORD, now=now)  # fmt: skip
        business_day = close_rules.business_day(now)
        expected = daily_close.day_view(session, business_day, now).figures({}).expected
        counted = expected - Decimal("0.50")
        closed = daily_close.close_day(session, business_day, cash_for(counted), REASON, now=now)
        assert (closed.figures.issued, closed.figures.voided) == (30, 2)
        assert closed.figures.difference == Decimal("-0.50")
        _agent_round(served, w.paths.home, w.dek)  # the close reaches the city
        with db.read() as conn:
            [row] = conn.execute(
                sa.select(station_closes).where(station_closes.c.station_id == w.station_id)
            ).all()
        assert (row.counted, row.difference, row.reason) == (counted, Decimal("-0.50"), REASON)

        csv = root / "存款到账.csv"
        csv.write_text(
            deposit_file("中国农业银行乐山分行", "51001600000000001", [
                DepositLine(0, "AB20261208001", business_day + dt.timedelta(days=1), "6228480000000009",
                            "大佛街道社保服务站", counted, f"日结 {w.station_id}"),
                DepositLine(0, "AB20261208002", business_day + dt.timedelta(days=1), "6222000000000002",
                            "某商户", Decimal("18.00"), "货款"),
            ]),
            encoding="utf-8",
        )  # fmt: skip
        yield Day(served, w.station_id, business_day, expected, counted, csv)


@pytest.fixture
def page(day: Day) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=chromium_args(day.served.data_dir / "tls" / "server.pem")
        )
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def log_in(page: Page, day: Day, username: str) -> None:
    page.goto(f"{day.served.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header .who")).to_be_visible()


def test_the_day_closed_half_a_yuan_short_is_reconciled_against_the_bank_file(page: Page, day: Day) -> None:
    log_in(page, day, "supervisor")
    page.goto(f"{day.served.url}/console/dashboard")
    station_row = page.locator("tr", has_text=day.station_id).last
    expect(station_row).to_contain_text(f"1 笔 {day.counted:,.2f} 元")  # the close waits for its deposit
    page.context.clear_cookies()

    log_in(page, day, "finance.maker")
    month = day.business_day.strftime("%Y-%m")
    page.goto(f"{day.served.url}/console/finance?month={month}")
    expect(page.locator("#open-closes")).to_contain_text(f"{day.counted:,.2f}")
    page.set_input_files("#deposit-file", str(day.deposit_csv))
    page.click("#deposit-import")
    expect(page.locator(".alert").first).to_contain_text("已导入存款 2 笔")
    expect(page.locator(".alert").first).to_contain_text("新对上 1 组")
    matched = page.locator("#matched tbody tr", has_text=day.station_id)
    expect(matched).to_contain_text(f"{day.expected:,.2f}")
    expect(matched).to_contain_text(f"{day.counted:,.2f}")
    expect(matched).to_contain_text("短款 0.50 元")
    expect(matched).to_contain_text(REASON)
    expect(matched).to_contain_text("AB20261208001")
    expect(page.locator("#open-closes")).to_contain_text("没有等待存款的日结")
    expect(page.locator("#open-deposits")).to_contain_text("某商户")  # a deposit no close accounts for
    expect(page.locator("#open-deposits")).to_contain_text("（未识别服务站）")

    page.set_input_files("#deposit-file", str(day.deposit_csv))  # the same file again
    page.click("#deposit-import")
    expect(page.locator(".alert").first).to_contain_text("本次未作任何改动")
    expect(page.locator("#matched tbody tr", has_text=day.station_id)).to_have_count(1)
