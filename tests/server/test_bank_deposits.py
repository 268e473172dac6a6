"""日结存款对账 on both backends: a deposit file imported once (by its digest, and each bank
serial once across files), deposits matched to the stations' closes, a late close matched by
重新对账, what stays open both ways, refusals by line, and the ``sync-server deposits`` commands."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from schema.vocabulary import Role
from sync_server.cli import main
from sync_server.core.deposit_file import DepositLine, deposit_file
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, bank_deposits, deposit_matches, station_closes
from sync_server.errors import ApiError
from sync_server.services.admin.staff import add_staff
from sync_server.services.finance import deposits
from sync_server.settings import write_settings_file
from tests.support.console_kit import PASSWORD
from tests.support.factories import enrolled_station

NOW = dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)
MON = dt.date(2026, 12, 7)
ACCOUNT = "51001600000000001"  # the city's collection account
BANK = "中国农业银行乐山分行"


def add_close(
    db: Database, station: str, day: dt.date, counted: str, expected: str, *, reason: str = ""
) -> int:
    with db.write() as conn:
        return int(conn.execute(
            sa.insert(station_closes).values(
                close_id=str(uuid.uuid4()), station_id=station, business_day=day, part=1, counted=Decimal(counted),
                expected=Decimal(expected), difference=Decimal(counted) - Decimal(expected), reason=reason,
                receipts=30, voided=2, closed_by="zhang.li", closed_at=NOW, received_at=NOW,
                op_id=str(uuid.uuid4()), denominations={}, receipt_list=[],
            ).returning(station_closes.c.id)
        ).scalar_one())  # fmt: skip


def line(serial: str, amount: str, day: dt.date, memo: str, payer: str = "6228480000000009") -> DepositLine:
    return DepositLine(0, serial, day, payer, "服务站", Decimal(amount), memo)


@pytest.fixture
def world(db: Database) -> tuple[str, str]:
    with db.write() as conn:
        add_staff(conn, username="maker.a", role=Role.FINANCE_MAKER, now=NOW, actor="test", password=PASSWORD,
                  must_change_password=False)  # fmt: skip
        add_staff(conn, username="watch.x", role=Role.SUPERVISOR, now=NOW, actor="test", password=PASSWORD,
                  must_change_password=False)  # fmt: skip
    return enrolled_station(db).id, enrolled_station(db, point=1).id


def _import(db: Database, text: str, name: str = "dep.csv") -> deposits.DepositImport:
    with db.write() as conn:
        return deposits.import_deposits(conn, text, file_name=name, by="maker.a", now=NOW)


def test_deposits_pay_the_closes_once_and_the_rest_stays_open_both_ways(
    db: Database, world: tuple[str, str]
) -> None:
    a, b = world
    short = add_close(db, a, MON, "3214.50", "3215.00", reason="找零时多找给缴费人 5 角")
    tue = add_close(db, a, MON + dt.timedelta(days=1), "100.00", "100.00")
    wed = add_close(db, a, MON + dt.timedelta(days=2), "50.00", "50.00")
    waiting = add_close(db, b, MON, "88.00", "88.00")
    text = deposit_file(BANK, ACCOUNT, [
        line("S1", "3214.50", MON + dt.timedelta(days=1), f"日结 {a}"),
        line("S2", "150.00", MON + dt.timedelta(days=2), f"{a} 两日合并"),
        line("S3", "88.10", MON + dt.timedelta(days=1), f"日结 {b}"),
        line("S4", "20.00", MON + dt.timedelta(days=1), "无附言"),
    ])  # fmt: skip
    first = _import(db, text)
    assert (first.already_imported, first.lines, first.new_lines, first.matched) == (False, 4, 4, 2)
    with db.read() as conn:
        view = deposits.deposits_view(conn, "2026-12", now=NOW)
    assert [(c.close_id, c.counted) for c in view.open_closes] == [(waiting, Decimal("88.00"))]
    assert [(d.bank_serial, d.station_name) for d in view.open_deposits] == [
        ("S3", f"测试服务站 {b}"), ("S4", "（未识别服务站）")]  # fmt: skip
    shown = {
        m.rule: ([c.close_id for c in m.closes], [d.bank_serial for d in m.deposits]) for m in view.matched
    }
    assert shown == {"one": ([short], ["S1"]), "days": ([tue, wed], ["S2"])}
    one = next(m for m in view.matched if m.rule == "one")
    assert (one.closes[0].difference, one.closes[0].reason) == (Decimal("-0.50"), "找零时多找给缴费人 5 角")

    again = _import(db, text, "again.csv")  # the same file: nothing changes
    assert (again.already_imported, again.imported_by, again.import_id) == (True, "maker.a", first.import_id)
    overlap = _import(db, deposit_file(BANK, ACCOUNT, [
        line("S3", "88.10", MON + dt.timedelta(days=1), f"日结 {b}"),
        line("S5", "88.00", MON + dt.timedelta(days=3), f"日结 {b}"),
    ]))  # fmt: skip  # a later statement repeating S3: S3 is kept once
    assert (overlap.lines, overlap.new_lines, overlap.matched) == (2, 1, 1)
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(bank_deposits)).scalar() == 5
        assert conn.execute(sa.select(sa.func.count()).select_from(deposit_matches)).scalar() == 3
        actions = [r.action for r in conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.seq))]
    assert actions.count("deposits_imported") == 2 and actions.count("deposits_matched") == 2


def test_a_close_arriving_after_its_deposit_matches_on_the_next_matching(
    db: Database, world: tuple[str, str]
) -> None:
    a, _ = world
    _import(db, deposit_file(BANK, ACCOUNT, [line("S1", "500.00", MON, "日结", payer="6228480000000077")]))
    add_close(db, a, MON, "500.00", "500.00")
    with db.read() as conn:
        assert deposits.deposits_view(conn, "2026-12", now=NOW).open_deposits[0].station_id is None
    with db.write() as conn:  # registering the payer account finds its station and matches
        deposits.add_account(conn, a, "6228 4800 0000 0077", by="maker.a", now=NOW)
    with db.read() as conn:
        view = deposits.deposits_view(conn, "2026-12", now=NOW)
        figures = deposits.station_figures(conn, now=NOW)
    assert (view.open_closes, view.open_deposits, len(view.matched)) == ([], [], 1)
    assert figures == {}


def test_a_bad_file_imports_nothing_and_only_finance_staff_import(
    db: Database, world: tuple[str, str]
) -> None:
    bad = "H,SSB-DEP-1,农行,510016\r\nD,S1,2026-12-07,6228,x,abc,m\r\nD,S1,2026-12-07,6228,x,1.00,m\r\nT,2,1.00\r\n"
    with pytest.raises(ApiError) as refused:
        _import(db, bad)
    assert refused.value.code == "deposit_file_invalid"
    assert [p["line"] for p in refused.value.detail["problems"]] == [2]
    with db.write() as conn, pytest.raises(ApiError) as watcher:
        deposits.import_deposits(conn, deposit_file(BANK, ACCOUNT, []), file_name="x", by="watch.x", now=NOW)
    assert watcher.value.code == "deposit_not_finance"
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(bank_deposits)).scalar() == 0


def test_the_deposits_commands_import_show_and_match(
    db: Database, world: tuple[str, str], database_url: str, tmp_path: Path
) -> None:
    a, _ = world
    add_close(db, a, MON, "3214.50", "3215.00", reason="找零时多找给缴费人 5 角")
    add_close(db, a, MON + dt.timedelta(days=1), "70.00", "70.00")
    data = tmp_path / "data"
    data.mkdir()
    write_settings_file(data, {"database_url": database_url})
    file = tmp_path / "到账.csv"
    file.write_text(deposit_file(BANK, ACCOUNT, [line("S1", "3214.50", MON, f"日结 {a}")]), encoding="utf-8")
    run = CliRunner().invoke
    imported = run(main, ["deposits", "import", "--data-dir", str(data), "--by", "maker.a", str(file)])
    assert imported.exit_code == 0, imported.output
    assert "已导入存款 1 笔、3,214.50 元" in imported.output and "新对上 1 组" in imported.output
    shown = run(main, ["deposits", "show", "--data-dir", str(data), "--month", "2026-12"])
    assert shown.exit_code == 0, shown.output
    assert "日结未见存款 1 笔，70.00 元" in shown.output
    assert "短款 0.50 元" in shown.output and "找零时多找给缴费人 5 角" in shown.output
    again = run(main, ["deposits", "import", "--data-dir", str(data), "--by", "maker.a", str(file)])
    assert "本次未作任何改动" in again.output
    matched = run(main, ["deposits", "match", "--data-dir", str(data), "--by", "maker.a"])
    assert "没有新对上的日结和存款" in matched.output
    refused = run(main, ["deposits", "import", "--data-dir", str(data), "--by", "watch.x", str(file)])
    assert refused.exit_code == 2 and "deposit_not_finance" in refused.output
