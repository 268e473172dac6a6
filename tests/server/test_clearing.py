"""The clearing report between counties, and ``sync-server clearing-report`` (both backends)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from sync_server.commands.clearing import clearing_report
from sync_server.core.clearing_matrix import Entry, parse_period
from sync_server.core.clearing_matrix import clearing_report as build_report
from sync_server.db.engine import Database
from sync_server.db.tables import ledger_entries
from sync_server.services.reports.clearing import clearing_for_period
from sync_server.settings import write_settings_file

SHIZHONG, SHAWAN, QIANWEI = "511102", "511111", "511123"
POSTED = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def pair(
    case: str, collecting: str, owed: str, amount: str, *, insurance: str = "enterprise_pension",
    account: str = "pooled", period: str = "2026-03", month: str | None = "2026-03",
) -> list[dict[str, object]]:  # fmt: skip
    """A fee posted as core.ledger posts it: collected (+) at the collector, owed (−) at the owner."""
    common = {"case_id": case, "period": period, "insurance_type": insurance, "account": account,
              "contribution_month": month, "posted_at": POSTED}  # fmt: skip
    value = Decimal(amount)
    return [
        {
            **common,
            "county_code": collecting,
            "counterparty_county": owed,
            "side": "collected",
            "amount": value,
        },
        {**common, "county_code": owed, "counterparty_county": collecting, "side": "owed", "amount": -value},
    ]


def insert(db: Database, rows: list[dict[str, object]]) -> None:
    with db.write() as conn:
        conn.execute(sa.insert(ledger_entries), rows)


@pytest.fixture
def ledger(db: Database) -> Database:
    insert(
        db,
        [
            *pair("c1", SHIZHONG, SHAWAN, "100.00"),
            *pair("c1", SHIZHONG, SHAWAN, "50.00", account="personal"),
            *pair("c2", SHAWAN, SHIZHONG, "30.00", insurance="employee_medical"),
            *pair("c3", QIANWEI, QIANWEI, "20.00", insurance="resident_pension"),
            *pair("c4", SHIZHONG, SHAWAN, "12.34", period="2026-04"),  # another month
            *pair("c5", SHIZHONG, SHAWAN, "-50.00", account="personal"),  # a withdrawn case's refund
        ],
    )
    return db


def report_for(db: Database, period: str = "2026-03"):  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return clearing_for_period(conn, period)


def test_the_matrix_positions_and_checks(ledger: Database) -> None:
    report = report_for(ledger)
    assert report.entries == 10
    cells = {(c.collecting, c.owed, c.insurance_type, c.account): c.amount for c in report.cells}
    assert cells == {
        (SHIZHONG, SHAWAN, "enterprise_pension", "pooled"): Decimal("100.00"),
        (SHIZHONG, SHAWAN, "enterprise_pension", "personal"): Decimal("0.00"),
        (SHAWAN, SHIZHONG, "employee_medical", "pooled"): Decimal("30.00"),
        (QIANWEI, QIANWEI, "resident_pension", "pooled"): Decimal("20.00"),
    }
    net = {p.county: p.net for p in report.positions}
    assert net == {SHIZHONG: Decimal("70.00"), SHAWAN: Decimal("-70.00"), QIANWEI: Decimal("0.00")}
    assert report.net_total == 0 and report.positions_match_ledger and report.balanced


def test_a_lone_entry_breaks_the_balance_and_is_named(ledger: Database) -> None:
    insert(ledger, pair("c9", SHAWAN, QIANWEI, "8.00")[:1])
    report = report_for(ledger)
    assert not report.balanced
    assert [(u.case_id, u.total) for u in report.unbalanced] == [("c9", Decimal("8.00"))]
    assert not report.positions_match_ledger  # 沙湾 holds 8.00 that 犍为 does not miss


def test_an_empty_period_balances() -> None:
    report = build_report("2026-01", [])
    assert report.balanced and report.cells == () and report.positions == ()


def test_an_entry_with_an_unknown_side_fails_the_check() -> None:
    odd = Entry("c1", SHIZHONG, SHAWAN, "enterprise_pension", "pooled", "rebate", Decimal("1.00"))
    assert build_report("2026-03", [odd]).unknown_sides == ("c1",)
    assert not build_report("2026-03", [odd]).balanced


def test_a_suspense_entry_without_its_other_half_fails_the_check() -> None:
    # 暂收款 and 应退款 (core.suspense) are known sides, never income, but still balanced pairs.
    held = Entry("c1", SHIZHONG, SHAWAN, "enterprise_pension", "pooled", "held", Decimal("1.00"))
    lone = build_report("2026-03", [held])
    assert lone.unknown_sides == () and lone.cells == () and not lone.balanced
    other = Entry("c1", SHIZHONG, SHAWAN, "enterprise_pension", "pooled", "suspense", Decimal("-1.00"))
    pair = build_report("2026-03", [held, other])
    assert pair.balanced and pair.cells == () and pair.net_total == 0
    assert [(h.county, h.suspense, h.refund) for h in pair.holdings] == [(SHIZHONG, Decimal("1.00"), 0)]


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-03", "2026/03", "", "2026-3"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


# ---- the command -----------------------------------------------------------------------


@pytest.fixture
def data_dir(ledger: Database, database_url: str, tmp_path: Path) -> Path:
    write_settings_file(tmp_path, {"secret_key": "k" * 48, "database_url": database_url})
    return tmp_path


def run(data_dir: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(clearing_report, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_table_is_readable_and_aligned(data_dir: Path) -> None:
    result = run(data_dir, "--period", "2026-03")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "期间 2026-03" in text and "市中区" in text and "沙湾区" in text and "企业职工基本养老保险" in text
    assert "结论：平衡" in text
    detail = text.split("一、")[1].split("二、")[0].strip().splitlines()[3:]  # title, header, rule
    assert len(detail) == 4 and len({_width(line) for line in detail}) == 1  # amounts end in one column
    net = text.split("三、")[1].split("四、")[0].strip().splitlines()
    shizhong = next(line for line in net if line.startswith("市中区"))
    assert shizhong.split()[-1] == "70.00"


def test_csv_opens_in_excel(data_dir: Path) -> None:
    result = run(data_dir, "--period", "2026-03", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert rows[0][0] == "期间" and rows[0][-1] == "金额（元）"
    assert len(rows) == 5
    assert sum(Decimal(r[-1]) for r in rows[1:]) == Decimal("150.00")
    pooled = next(r for r in rows if r[1] == SHIZHONG and r[7] == "pooled")
    assert pooled == ["2026-03", SHIZHONG, "市中区", SHAWAN, "沙湾区", "enterprise_pension",
                      "企业职工基本养老保险", "pooled", "统筹账户", "100.00"]  # fmt: skip


def test_json_keeps_amounts_exact(data_dir: Path) -> None:
    result = run(data_dir, "--period", "2026-03", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout_bytes)
    assert document["balanced"] is True and document["net_total"] == "0.00"
    net = {p["county"]: p["net"] for p in document["positions"]}
    assert net[SHIZHONG] == "70.00" and net[SHAWAN] == "-70.00"
    assert all(isinstance(c["amount"], str) for c in document["cells"])
    assert {c["owed_name"] for c in document["cells"]} == {"沙湾区", "市中区", "犍为县"}


def test_an_unbalanced_period_exits_non_zero(data_dir: Path, ledger: Database) -> None:
    insert(ledger, pair("c9", SHAWAN, QIANWEI, "8.00")[:1])
    result = run(data_dir, "--period", "2026-03")
    assert result.exit_code == 1
    assert "不平衡" in result.stdout and "c9" in result.stdout and "清算不平衡" in result.stderr


def test_a_bad_period_is_refused_in_chinese(data_dir: Path) -> None:
    result = run(data_dir, "--period", "2026-13")
    assert result.exit_code == 2
    assert "不是有效的期间" in result.output and "2026-03" in result.output
