"""The 征缴计划 section of the 基金财务 console page, both backends: the maker builds the
plan, the page shows totals by county and insurance, what was not planned and why, and the
arrears with late fees to the day; the checker cannot build."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from schema.vocabulary import Role
from sync_server.console import routes_finance
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, collection_plan_lines, units
from sync_server.services.admin.staff import add_staff
from tests.server.test_collection_plan import world
from tests.support.console_kit import PASSWORD, console_client, error_code, logged_in, post

MONTH = "2026-01"  # due 2026-02-15
TODAY = dt.datetime(2026, 3, 17, 2, 0, tzinfo=dt.UTC)  # Beijing 2026-03-17: 30 days overdue


@pytest.fixture
def staffed(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    world(db)
    with db.write() as conn:  # the unit has no risk class: its work injury cannot be planned
        conn.execute(sa.update(units).values(risk_class=None))
        for name, role in (("maker.a", Role.FINANCE_MAKER), ("checker.b", Role.FINANCE_CHECKER)):
            add_staff(conn, username=name, role=role, now=TODAY, actor="test", password=PASSWORD,
                      must_change_password=False)  # fmt: skip
    monkeypatch.setattr(routes_finance, "now_utc", lambda: TODAY)
    return db


def test_the_maker_builds_the_plan_and_the_page_shows_totals_skips_and_arrears(
    staffed: Database, tmp_path: Path
) -> None:
    maker = console_client(staffed, tmp_path)
    token = logged_in(maker, "maker.a")
    empty = maker.get(f"/console/finance?month={MONTH}")
    assert "尚未生成征缴计划" in empty.text and 'id="collect-build"' in empty.text
    assert 'id="arrears-none"' in empty.text
    built = post(maker, "/console/finance/collection/build", token, month=MONTH)
    assert built.status_code == 200, built.text
    assert "新增 2 行" in built.text
    # unit pension 1,694.08 + 847.04, the flexible worker's 1,000.00
    assert 'id="collect-lines">2<' in built.text and 'id="collect-total">3,541.12<' in built.text
    assert "企业职工基本养老保险" in built.text
    skipped = built.text.split('id="collect-skipped"')[1].split("</table>")[0]
    assert skipped.count("<tr><td>") == 2 and "工伤保险行业风险类别（C093）" in skipped
    # Jan: the unit paid 2,160.00 of 2,541.12, the worker nothing; 30 days at 0.05 %
    assert 'id="arrears-payers">2<' in built.text
    assert 'id="arrears-unpaid">1,381.12<' in built.text and 'id="arrears-fees">20.72<' in built.text
    arrears = built.text.split('id="arrears"')[1].split("</table>")[0]
    assert "1,000.00" in arrears and "15.00" in arrears and "381.12" in arrears and "5.72" in arrears
    with staffed.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(collection_plan_lines)).scalar() == 2
        who = conn.execute(
            sa.select(audit_log.c.actor).where(audit_log.c.action == "collection_plan_built")
        ).scalar_one()
    assert who == "maker.a"
    again = post(maker, "/console/finance/collection/build", token, month=MONTH)
    assert "没有变化" in again.text
    page = maker.get(f"/console/finance?month={MONTH}")
    assert 'id="collect-total">3,541.12<' in page.text and "重新生成征缴计划" in page.text


def test_the_checker_sees_the_plan_but_cannot_build_it(staffed: Database, tmp_path: Path) -> None:
    checker = console_client(staffed, tmp_path)
    token = logged_in(checker, "checker.b")
    page = checker.get(f"/console/finance?month={MONTH}")
    assert page.status_code == 200 and 'id="collect-build"' not in page.text
    refused = post(checker, "/console/finance/collection/build", token, month=MONTH)
    assert error_code(refused) == "forbidden"
    with staffed.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(collection_plan_lines)).scalar() == 0
