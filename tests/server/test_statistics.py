"""The month's statistics (统计月报): the pure grid, the reads on both backends, the tie-out
with the ledger (the report's collected figures and the workbook's totals are the ledger's),
``sync-server stats month`` and the console page with its downloads."""

from __future__ import annotations

import configparser
import csv
import datetime as dt
import io
import itertools
import re
import shlex
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from schema.vocabulary import Role
from sync_server.cli import main
from sync_server.commands.stats import previous_month, stats
from sync_server.core.statistics import Amount, CaseFact, EnrolmentCount, case_counts, monthly_report
from sync_server.core.statistics_export import NOT_PLANNED, csv_text, workbook_bytes
from sync_server.db.engine import Database
from sync_server.db.tables import (
    benefits,
    collection_plan_lines,
    enrolments,
    ledger_entries,
    payment_plan_lines,
    payment_plans,
    persons,
)
from sync_server.services.reports.clearing import clearing_for_period
from sync_server.services.reports.statistics import month_statistics
from sync_server.settings import write_settings_file
from tests.support.console_kit import add_account, console_client, login
from tests.support.dates import this_month
from tests.support.factories import (
    accept_op,
    add_person,
    enrolled_station,
    make_client,
    person_id,
    push,
)

SHIZHONG, SHAWAN = "511102", "511111"
DAFO, SHAWAN_TOWN = "511102004", "511111100"
BJ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.UTC)


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=BJ)


# ---- the pure core ------------------------------------------------------------------------


def test_cases_count_accepted_finished_and_overdue_in_the_month() -> None:
    facts = [
        CaseFact(SHIZHONG, DAFO, at("2026-03-02"), at("2026-03-05"), dt.date(2026, 3, 6)),  # on time
        CaseFact(SHIZHONG, DAFO, at("2026-02-20"), at("2026-03-10"), dt.date(2026, 3, 6)),  # finished late
        CaseFact(SHIZHONG, DAFO, at("2026-02-01"), None, dt.date(2026, 3, 20)),  # open past due at month end
        CaseFact(SHIZHONG, DAFO, at("2026-03-25"), None, dt.date(2026, 4, 10)),  # open, not yet due
        CaseFact(SHIZHONG, DAFO, at("2026-02-01"), at("2026-04-02"), dt.date(2026, 3, 3)),  # open at month end, late
        CaseFact(SHIZHONG, DAFO, at("2026-01-05"), at("2026-02-02"), dt.date(2026, 1, 20)),  # February's business
        CaseFact(SHIZHONG, "511123100", at("2026-03-03"), at("2026-03-03"), None),  # another county's township
    ]  # fmt: skip
    counts = case_counts(facts, "2026-03")
    assert counts == {(SHIZHONG, DAFO): (2, 2, 3), (SHIZHONG, ""): (1, 1, 0)}


def test_the_grid_puts_townships_under_their_county_with_subtotals() -> None:
    report = monthly_report(
        "2026-03",
        enrolments=[
            EnrolmentCount(SHIZHONG, DAFO, "enterprise_pension", 10, 2, 1),
            EnrolmentCount(SHIZHONG, "511111100", "enterprise_pension", 3, 0, 0),  # 户籍 elsewhere
            EnrolmentCount(SHAWAN, SHAWAN_TOWN, "resident_pension", 5, 1, 0),
            EnrolmentCount("511100", None, "enterprise_pension", 7, 0, 0),  # 市本级
        ],
        collected=[Amount(SHIZHONG, DAFO, "enterprise_pension", Decimal("100.10"))],
        planned=None,
        benefits=[Amount(SHAWAN, SHAWAN_TOWN, "resident_pension", Decimal("240.00"), 2)],
        benefit_source="in_payment",
        cases=[],
        insurance_order=["resident_pension", "enterprise_pension"],
    )
    assert [c.subtotal.county for c in report.counties] == ["511100", SHIZHONG, SHAWAN]
    shizhong = report.counties[1]
    assert [t.township for t in shizhong.townships] == ["", DAFO]
    assert shizhong.subtotal.enrolled == {"enterprise_pension": 13}
    assert report.total.enrolled == {"enterprise_pension": 20, "resident_pension": 5}
    assert report.total.collected_total == Decimal("100.10") and not report.planned
    assert report.total.beneficiaries == {"resident_pension": 2}
    assert report.insurances == ("resident_pension", "enterprise_pension")
    book = load_workbook(io.BytesIO(workbook_bytes(report)))
    assert book.sheetnames == ["参保人数", "基金征缴", "待遇支付", "业务办理", "说明"]
    money = book["基金征缴"]
    headers = [c.value for c in money[2]]
    last = [c.value for c in money[money.max_row]]
    assert last[:2] == ["全市", "全市合计"] and last[headers.index("计划合计（元）")] == NOT_PLANNED
    assert Decimal(str(last[headers.index("实征合计（元）")])) == Decimal("100.10")


# ---- the reads, both backends -----------------------------------------------------------


def _person(conn: Any, n: int, township: str) -> str:
    id_number = person_id(n, area=township[:6])
    conn.execute(
        sa.insert(persons).values(
            id_number=id_number,
            name="李四",
            sex="male",
            birth_date=dt.date(1960, 1, 1),
            township_code=township,
        )
    )
    return id_number


def test_enrolments_plans_and_benefits_are_read_for_the_month(db: Database) -> None:
    with db.write() as conn:
        a, b, c, d, e = (
            _person(conn, n, t) for n, t in ((1, DAFO), (2, DAFO), (3, DAFO), (4, SHAWAN_TOWN), (5, DAFO))
        )
        rows = [
            (a, dt.date(2010, 1, 1), None),  # enrolled throughout
            (b, dt.date(2026, 3, 5), None),  # new this month
            (c, dt.date(2015, 1, 1), dt.date(2026, 3, 15)),  # stopped this month
            (e, dt.date(2026, 4, 1), None),  # starts next month: not counted
            (d, dt.date(2012, 1, 1), dt.date(2025, 12, 31)),  # stopped before: not counted
        ]
        conn.execute(
            sa.insert(enrolments),
            [{"id_number": i, "insurance_type": "enterprise_pension", "county_code": SHIZHONG, "kind": "employee",
              "status": "active" if u is None else "stopped", "since": s, "until": u} for i, s, u in rows],
        )  # fmt: skip
        conn.execute(
            sa.insert(benefits),
            [
                {"id_number": a, "kind": "employee_pension", "monthly_amount": Decimal("2800.50"), "calculation": {},
                 "start_month": "2020-01", "status": "in_payment", "county_code": SHIZHONG},
                {"id_number": d, "kind": "resident_pension", "monthly_amount": Decimal("180.00"), "calculation": {},
                 "start_month": "2021-01", "end_month": "2026-03", "status": "ended", "county_code": SHAWAN},
                {"id_number": b, "kind": "employee_pension", "monthly_amount": Decimal("999.00"), "calculation": {},
                 "start_month": "2026-04", "status": "in_payment", "county_code": SHIZHONG},  # next month
            ],
        )  # fmt: skip
    with db.read() as conn:
        report = month_statistics(conn, "2026-03")
    (shizhong,) = [c for c in report.counties if c.subtotal.county == SHIZHONG]
    assert (shizhong.subtotal.enrolled, shizhong.subtotal.new, shizhong.subtotal.stopped) == (
        {"enterprise_pension": 2}, {"enterprise_pension": 1}, {"enterprise_pension": 1}
    )  # fmt: skip
    assert [t.township for t in shizhong.townships] == [DAFO]
    assert report.benefit_source == "in_payment" and not report.planned
    assert report.total.benefits == {
        "employee_pension": Decimal("2800.50"),
        "resident_pension": Decimal("180.00"),
    }

    with db.write() as conn:  # the month's collection plan, and the payment plan once exported
        common = {"month": "2026-03", "persons": 1, "base_total": Decimal("5000"), "employer_part": Decimal("0"),
                  "account_part": Decimal("0"), "due_date": dt.date(2026, 3, 31), "digest": "d", "built_at": NOW}  # fmt: skip
        conn.execute(
            sa.insert(collection_plan_lines),
            [{**common, "payer_kind": "flexible", "payer": a, "insurance_type": "enterprise_pension",
              "county_code": SHIZHONG, "township_code": DAFO, "employee_part": Decimal("1000.00"), "amount": Decimal("1000.00")},
             {**common, "payer_kind": "flexible", "payer": d, "insurance_type": "enterprise_pension",
              "county_code": SHAWAN, "township_code": SHAWAN_TOWN, "employee_part": Decimal("500.25"), "amount": Decimal("500.25")}],
        )  # fmt: skip
        plan_id = conn.execute(
            sa.insert(payment_plans).values(month="2026-03", status="approved", lines=2, left_out=0,
                                            total=Decimal("2980.50"), digest="x", prepared_by="m", prepared_at=NOW)
            .returning(payment_plans.c.id)
        ).scalar_one()  # fmt: skip
        line = {"plan_id": plan_id, "source": "benefit", "payee_name": "李四", "county_code": SHIZHONG}
        conn.execute(
            sa.insert(payment_plan_lines),
            [{**line, "source_id": 1, "id_number": a, "kind": "employee_pension", "amount": Decimal("2800.50"), "status": "sent"},
             {**line, "source_id": 9, "id_number": b, "kind": "funeral_grant", "amount": Decimal("3000.00"), "status": "returned"}],
        )  # fmt: skip
    with db.read() as conn:
        approved = month_statistics(conn, "2026-03")
    assert approved.planned and approved.total.planned_total == Decimal("1500.25")
    assert approved.benefit_source == "in_payment"  # approved is not paid yet
    with db.write() as conn:
        conn.execute(sa.update(payment_plans).values(status="exported"))
    with db.read() as conn:
        paid = month_statistics(conn, "2026-03")
    assert paid.benefit_source == "payment_plan"
    assert paid.total.benefits == {"employee_pension": Decimal("2800.50")}  # the returned line was not paid
    assert paid.total.beneficiaries == {"employee_pension": 1}


# ---- the tie-out with the ledger ----------------------------------------------------------


@pytest.fixture
def collected_month(db: Database, tmp_path: Path) -> str:
    """Fees paid at desks in two counties, posted to the ledger by the real push path."""
    client = make_client(db, tmp_path)
    for township, n in ((DAFO, 300), (SHAWAN_TOWN, 400)):
        station = enrolled_station(db, township=township)
        county = township[:6]
        add_person(db, person_id(n + 1, area=county), township=township, enrolled={"resident_pension": county},
                   kind="resident")  # fmt: skip
        ops = [
            accept_op(station, "G14", id_number=person_id(n, area=county)),
            accept_op(station, "G09", id_number=person_id(n + 1, area=county)),
        ]
        answer = push(client, station, ops)
        assert answer.status_code == 200, answer.text
        assert {r["status"] for r in answer.json()["results"]} == {"applied"}
    return this_month()


def _ledger_collected(db: Database, month: str) -> dict[str, Decimal]:
    e = ledger_entries.c
    with db.read() as conn:
        rows = conn.execute(
            sa.select(e.counterparty_county, sa.func.sum(e.amount))
            .where(e.period == month, e.side == "collected")
            .group_by(e.counterparty_county)
        ).all()
    return {county: Decimal(total) for county, total in rows}


def test_collected_ties_out_with_the_ledger_per_county(db: Database, collected_month: str) -> None:
    ledger = _ledger_collected(db, collected_month)
    assert len(ledger) == 2 and all(v > 0 for v in ledger.values())
    with db.read() as conn:
        report = month_statistics(conn, collected_month)
        clearing = clearing_for_period(conn, collected_month)
    by_county = {
        c.subtotal.county: c.subtotal.collected_total for c in report.counties if c.subtotal.collected
    }
    assert by_county == ledger
    owed: dict[str, Decimal] = {}
    for cell in clearing.cells:  # the clearing report reads the same ledger its own way
        owed[cell.owed] = owed.get(cell.owed, Decimal("0.00")) + cell.amount
    assert by_county == owed
    assert report.total.accepted == 4 and report.total.finished >= 2


def test_the_workbook_and_csv_totals_equal_the_ledger(db: Database, collected_month: str) -> None:
    ledger = _ledger_collected(db, collected_month)
    with db.read() as conn:
        report = month_statistics(conn, collected_month)
    sheet = load_workbook(io.BytesIO(workbook_bytes(report)))["基金征缴"]
    headers = [c.value for c in sheet[2]]
    column = headers.index("实征合计（元）")
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    subtotal_of = {}
    for previous, row in itertools.pairwise(rows):  # a subtotal follows its county's townships
        if row[1] == "小计":
            subtotal_of[previous[0]] = Decimal(str(row[column]))
    assert rows[-1][1] == "全市合计" and Decimal(str(rows[-1][column])) == sum(ledger.values())
    assert sorted(subtotal_of.values()) == sorted(ledger.values())
    lines = list(csv.reader(io.StringIO(csv_text(report))))
    total = [r for r in lines if r[4] == "全市合计" and r[6] == "实征合计（元）"]
    assert [Decimal(r[7]) for r in total] == [sum(ledger.values())]


# ---- the command ----------------------------------------------------------------------------


def test_the_command_writes_the_workbook_and_csv(db: Database, database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_settings_file(data, {"secret_key": "k" * 48, "database_url": database_url})
    xlsx, csv_file = tmp_path / "m.xlsx", tmp_path / "m.csv"
    result = CliRunner().invoke(
        stats,
        ["month", "--data-dir", str(data), "--month", "2026-03", "--xlsx", str(xlsx), "--csv", str(csv_file)],
    )
    assert result.exit_code == 0, result.output
    assert "2026-03 统计月报" in result.output and "未编制" in result.output
    assert load_workbook(xlsx).sheetnames[0] == "参保人数"
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbf")
    out = tmp_path / "reports"
    out.mkdir()
    assert CliRunner().invoke(stats, ["month", "--data-dir", str(data), "--out-dir", str(out)]).exit_code == 0
    month = previous_month(dt.datetime.now(dt.UTC))
    assert sorted(p.name for p in out.iterdir()) == [f"统计月报-{month}.csv", f"统计月报-{month}.xlsx"]
    missing = CliRunner().invoke(
        stats,
        ["month", "--data-dir", str(data), "--month", "2026-03", "--xlsx", str(tmp_path / "no" / "m.xlsx")],
    )
    assert missing.exit_code != 0 and "stats_directory_missing" in repr(missing.exception) + missing.output
    assert previous_month(dt.datetime(2026, 1, 1, 1, 0, tzinfo=dt.UTC)) == "2025-12"


# ---- the console page ---------------------------------------------------------------------


def test_the_page_shows_charts_and_downloads_for_supervisors_and_finance(
    db: Database, tmp_path: Path, collected_month: str
) -> None:
    client: TestClient = console_client(db, tmp_path)
    add_account(db, "sup", Role.SUPERVISOR)
    add_account(db, "fin", Role.FINANCE_CHECKER)
    add_account(db, "rev", Role.REVIEWER, section="resident_pension")
    login(client, "sup")
    page = client.get(f"/console/statistics?month={collected_month}")
    assert page.status_code == 200, page.text
    html = page.text
    assert html.count("<svg") == 5 and "未编制" in html and 'href="/console/statistics"' in html
    sizes = [int(s) for s in re.findall(r'<text[^>]*font-size="(\d+)"', html)]
    assert sizes and min(sizes) >= 14
    total = sum(_ledger_collected(db, collected_month).values())
    assert f"{total:,.2f} 元" in html
    workbook = client.get(f"/console/statistics.xlsx?month={collected_month}")
    assert workbook.status_code == 200 and "spreadsheetml" in workbook.headers["content-type"]
    assert load_workbook(io.BytesIO(workbook.content)).sheetnames[-1] == "说明"
    assert client.get(f"/console/statistics.csv?month={collected_month}").content.startswith(b"\xef\xbb\xbf")
    bad = client.get("/console/statistics?month=2026-13")
    assert bad.status_code == 200 and "不是有效的月份" in bad.text
    for username, allowed in (("fin", True), ("rev", False)):
        (tmp_path / username).mkdir()
        other: TestClient = console_client(db, tmp_path / username)
        login(other, username)
        answer = other.get("/console/statistics")
        assert (answer.status_code == 200) is allowed, (username, answer.status_code)


# ---- the monthly job -------------------------------------------------------------------------

PACKAGING = Path(__file__).resolve().parents[2] / "packaging" / "server"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(PACKAGING / name, encoding="utf-8")
    return parser


def test_the_timer_runs_the_stats_command_monthly_with_options_it_accepts() -> None:
    timer = _unit("sync-server-stats.timer")["Timer"]
    assert timer["OnCalendar"].startswith("*-*-01 ") and timer["Persistent"] == "true"
    service = _unit("sync-server-stats.service")["Service"]
    args = shlex.split(service["ExecStart"])[1:]
    assert args[:2] == ["stats", "month"] and "--month" not in args  # the previous month
    help_text = CliRunner().invoke(main, ["stats", "month", "--help"])
    assert help_text.exit_code == 0, help_text.output
    for option in (a for a in args if a.startswith("--")):
        assert option in help_text.output
    out_dir = args[args.index("--out-dir") + 1]
    assert out_dir.startswith(service["ReadWritePaths"]) and out_dir in service["ExecStartPre"]
