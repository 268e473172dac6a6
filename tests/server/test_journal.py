"""财务入账与月结 on both backends: a month with collections, a payment plan, a refund and a
recovery posts balanced and closes; posting twice posts once; an unbalanced month or one
with an unlocked plan is refused with its code; a closed month's late events go to the
next open month; the close is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from schema.fees import FeeLine
from schema.vocabulary import Role
from sync_server.core import suspense
from sync_server.core.ledger import post_fee
from sync_server.db.engine import Database
from sync_server.db.tables import (
    audit_log,
    collection_plan_lines,
    journal_entries,
    journal_lines,
    ledger_entries,
    month_closes,
    payables,
    payment_plan_lines,
    payment_plans,
)
from sync_server.errors import ApiError
from sync_server.services.finance import month_close
from sync_server.services.finance.journal import post_pending
from tests.server.test_cli_admin import refused, run
from tests.support.console_kit import add_account, console_client, logged_in, post

MARCH = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
APRIL = dt.datetime(2026, 4, 2, 2, 0, tzinfo=dt.UTC)
D = Decimal


def _fee(insurance: str, account: str, amount: str) -> FeeLine:
    return FeeLine.model_validate(
        {"insurance": insurance, "account": account, "month": "2026-03", "amount": amount, "payer": "person"}
    )


def _ledger(conn: sa.Connection, case_id: str, rows: list[dict[str, object]], at: dt.datetime) -> None:
    conn.execute(sa.insert(ledger_entries), [{"case_id": case_id, "posted_at": at, **r} for r in rows])


def _payable(conn: sa.Connection, **kw: object) -> int:
    values: dict[str, object] = {"id_number": "511102199001010011", "unit_uscc": None, "payee_name": "张三",
                                 "kind": "funeral_grant", "amount": D("5000.00"), "direction": "pay",
                                 "status": "open", "case_id": None, "county_code": "511102",
                                 "fund": "enterprise_pension", "detail": {}, "created_at": MARCH,
                                 "settled_at": None} | kw  # fmt: skip
    return int(conn.execute(sa.insert(payables).values(**values).returning(payables.c.id)).scalar_one())


def _plan(conn: sa.Connection, status: str, lines: list[dict[str, object]]) -> None:
    plan_id = conn.execute(
        sa.insert(payment_plans).values(month="2026-03", status=status, lines=len(lines), left_out=0,
                                        total=sum((D(str(x["amount"])) for x in lines), D("0.00")), digest="x",
                                        prepared_by="maker.a", prepared_at=MARCH).returning(payment_plans.c.id)
    ).scalar_one()  # fmt: skip
    conn.execute(sa.insert(payment_plan_lines), [
        {"plan_id": plan_id, "id_number": None, "payee_name": "李四", "first_month": "2026-03",
         "last_month": "2026-03", "bank_name": None, "bank_account": None, "reason": None, "returned_reason": None,
         **x} for x in lines
    ])  # fmt: skip


def _month_of_money(db: Database, *, plan_status: str = "exported") -> dict[str, int]:
    """March 2026: a fee collected in 市中区 for 市本级, a complex fee refunded, a funeral grant
    paid through the plan, two pensions (one returned by the bank), a recovery repaid."""
    with db.write() as conn:
        collected = post_fee([_fee("enterprise_pension", "pooled", "800.00"), _fee("enterprise_pension", "personal",
                              "320.00"), _fee("employee_medical", "pooled", "150.25")],
                             collecting_county="511102", owed_county="511100", posted_at=MARCH)  # fmt: skip
        _ledger(conn, "case-paid", [p.row() for p in collected], MARCH)
        held = suspense.hold(post_fee([_fee("resident_pension", "personal", "1000.00")], collecting_county="511102",
                                      owed_county="511102", posted_at=MARCH))  # fmt: skip
        _ledger(conn, "case-refunded", held, MARCH)
        moved = suspense.release(held, to="refund", posted_at=MARCH)
        _ledger(conn, "case-refunded", moved, MARCH)
        refund = suspense.refund_payable(
            moved, case_id="case-refunded", id_number=None, payee="王五", at=MARCH
        )
        assert refund is not None
        refund_id = _payable(conn, **(refund | {"status": "paid", "settled_at": MARCH}))
        grant = _payable(conn)
        recovery = _payable(conn, kind="overpayment_recovery", direction="recover", amount=D("2400.00"),
                            status="paid", settled_at=MARCH)  # fmt: skip
        _plan(conn, plan_status, [
            {"source": "benefit", "source_id": 1, "kind": "employee_pension", "county_code": "511102",
             "amount": D("3100.50"), "status": "sent"},
            {"source": "benefit", "source_id": 2, "kind": "resident_pension", "county_code": "511123",
             "amount": D("226.00"), "status": "returned"},
            {"source": "payable", "source_id": grant, "kind": "funeral_grant", "county_code": "511102",
             "amount": D("5000.00"), "status": "sent"},
        ])  # fmt: skip
    return {"refund": refund_id, "grant": grant, "recovery": recovery}


def _balances(db: Database, period: str) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    j = journal_lines.c
    with db.read() as conn:
        rows = conn.execute(
            sa.select(j.fund, j.account, sa.func.sum(j.debit), sa.func.sum(j.credit))
            .where(j.period == period)
            .group_by(j.fund, j.account)
        ).all()
    return {(f, a): (D(d), D(c)) for f, a, d, c in rows}


def _count(db: Database, table: sa.Table) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_month_of_money_posts_balanced_and_closes(db: Database) -> None:
    _month_of_money(db)
    with db.write() as conn:
        balances = month_close.close_month(conn, "2026-03", actor="cli:finance", now=APRIL)
    assert all(b.balanced for b in balances)
    got = _balances(db, "2026-03")
    # 养老: 1120 collected at 511102 for 市本级; the funeral grant 5000 arose and was paid;
    # 3100.50 pension paid; the 2400 recovery arose and came back.
    assert got[("pension", "bank")] == (D("1120.00") + D("2400.00"), D("3100.50") + D("5000.00"))
    assert got[("pension", "pooled")] == (D("5000.00") + D("3100.50"), D("800.00") + D("2400.00"))
    assert got[("pension", "personal")] == (D("0.00"), D("320.00"))
    assert got[("pension", "interco")] == (D("1120.00"), D("1120.00"))
    assert got[("pension", "benefit_payable")] == (D("5000.00"), D("5000.00"))
    assert got[("pension", "recovery_receivable")] == (D("2400.00"), D("2400.00"))
    assert got[("medical", "pooled")] == (D("0.00"), D("150.25"))
    # 居保: 1000 held in suspense, refunded; a 226 pension sent and returned by the bank
    assert got[("resident_pension", "suspense")] == (D("1000.00"), D("1000.00"))
    assert got[("resident_pension", "refund_payable")] == (D("1000.00"), D("1000.00"))
    assert got[("resident_pension", "bank")] == (D("1000.00") + D("226.00"), D("1000.00") + D("226.00"))
    for fund in {f for f, _ in got}:
        debit = sum((d for (f, _), (d, _c) in got.items() if f == fund), D("0.00"))
        credit = sum((c for (f, _), (_d, c) in got.items() if f == fund), D("0.00"))
        assert debit == credit, fund
    with db.read() as conn:
        closed = conn.execute(sa.select(month_closes)).one()
        audit = conn.execute(sa.select(audit_log.c.action, audit_log.c.entity_id)).all()
    assert closed.period == "2026-03" and closed.closed_by == "cli:finance"
    assert {x["fund"]: x["balanced"] for x in closed.trial_balance}["pension"] is True
    assert ("month_close", "2026-03") in [tuple(a) for a in audit]


def test_posting_twice_posts_once(db: Database) -> None:
    _month_of_money(db)
    with db.write() as conn:
        first = post_pending(conn, now=APRIL)
    with db.write() as conn:
        second = post_pending(conn, now=APRIL)
    assert first.entries > 0 and second.entries == 0
    with db.read() as conn:
        sources = conn.execute(sa.select(journal_entries.c.source_kind, journal_entries.c.source_id)).all()
    assert len(sources) == len(set(sources)) == first.entries == _count(db, journal_entries)
    assert _count(db, journal_lines) == first.lines


def test_an_unbalanced_month_is_refused(db: Database) -> None:
    _month_of_money(db)
    with db.write() as conn:
        post_pending(conn, now=APRIL)
        entry = conn.execute(sa.select(journal_entries.c.id).limit(1)).scalar_one()
        conn.execute(sa.insert(journal_lines).values(entry_id=entry, period="2026-03", fund="work_injury",
                                                     county_code="511102", account="bank", debit=D("0.01"),
                                                     credit=D("0.00")))  # fmt: skip
    with pytest.raises(ApiError) as refused, db.write() as conn:
        month_close.close_month(conn, "2026-03", actor="cli:finance", now=APRIL)
    assert refused.value.code == "month_not_balanced" and refused.value.status == 409
    assert refused.value.detail["funds"][0]["fund"] == "work_injury"
    assert _count(db, month_closes) == 0


@pytest.mark.parametrize("what", ["payment", "collection"])
def test_a_month_with_an_unlocked_plan_is_refused(db: Database, what: str) -> None:
    _month_of_money(db, plan_status="approved" if what == "payment" else "exported")
    if what == "collection":
        with db.write() as conn:
            conn.execute(sa.insert(collection_plan_lines).values(
                month="2026-03", payer_kind="flexible", payer="511102199001010011", insurance_type="enterprise_pension",
                county_code="511102", township_code="511102004", persons=1, base_total=D("4000.00"),
                employer_part=D("0.00"), employee_part=D("800.00"), account_part=D("320.00"), amount=D("800.00"),
                due_date=dt.date(2026, 3, 31), digest="x", built_at=MARCH))  # fmt: skip
    with pytest.raises(ApiError) as refused, db.write() as conn:
        month_close.close_month(conn, "2026-03", actor="cli:finance", now=APRIL)
    assert refused.value.code == "month_plan_unlocked"
    assert refused.value.detail["plans"] == (["支付计划"] if what == "payment" else ["征缴计划"])
    if what == "collection":
        with db.write() as conn:
            assert month_close.lock_collection_plan(conn, "2026-03", actor="cli:finance", now=APRIL)
        with db.write() as conn:
            month_close.close_month(conn, "2026-03", actor="cli:finance", now=APRIL)
        assert _count(db, month_closes) == 1


def test_a_closed_month_is_not_closed_twice_and_late_events_go_to_the_next_month(db: Database) -> None:
    ids = _month_of_money(db)
    with db.write() as conn:
        month_close.close_month(conn, "2026-03", actor="cli:finance", now=APRIL)
    with pytest.raises(ApiError) as refused, db.write() as conn:
        month_close.close_month(conn, "2026-03", actor="cli:finance", now=APRIL)
    assert refused.value.code == "month_already_closed"
    with db.write() as conn:  # the funeral grant's March event, known only after the close
        late = _payable(conn, amount=D("700.00"))
        post_pending(conn, now=APRIL)
        booked = conn.execute(
            sa.select(journal_entries.c.period, journal_entries.c.event_period).where(
                journal_entries.c.source_kind == "payable", journal_entries.c.source_id == str(late)
            )
        ).one()
    assert tuple(booked) == ("2026-04", "2026-03")
    assert ids["grant"] != late
    with pytest.raises(ApiError) as not_ended, db.write() as conn:
        month_close.close_month(conn, "2026-04", actor="cli:finance", now=APRIL)
    assert not_ended.value.code == "month_not_ended"
    with pytest.raises(ApiError) as bad, db.write() as conn:
        month_close.close_month(conn, "2026-13", actor="cli:finance", now=APRIL)
    assert bad.value.code == "month_invalid"


def test_the_command_line_posts_closes_and_refuses_in_chinese(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "server"
    assert run("init", "--data-dir", data_dir, "--database-url", database_url).exit_code == 0
    db = Database.from_url(database_url)
    try:
        _month_of_money(db, plan_status="approved")
    finally:
        db.dispose()
    posted = run("journal", "post", "--data-dir", data_dir, "--month", "2026-03")
    # 10 ledger rows (3 fee pairs, held/suspense, suspense/refund), the refund paid, the grant
    # arising, the recovery arising and repaid; the plan is not exported, so none of its lines
    assert posted.exit_code == 0 and "新增分录 14 笔、28 行" in posted.output, posted.output
    assert "没有需要入账的业务" in run("journal", "post", "--data-dir", data_dir).output
    refused(run("month", "close", "--data-dir", data_dir, "--month", "2026-03"), "month_plan_unlocked")
    refused(run("month", "close", "--data-dir", data_dir, "--month", "2026-3x"), "month_invalid")
    db = Database.from_url(database_url)
    try:
        with db.write() as conn:
            conn.execute(sa.update(payment_plans).values(status="exported"))
    finally:
        db.dispose()
    closed = run("month", "close", "--data-dir", data_dir, "--month", "２０２６-０３")  # full-width digits
    assert closed.exit_code == 0, closed.output
    assert (
        "养老保险基金：借方" in closed.output
        and "（平衡）" in closed.output
        and "2026-03 已月结" in closed.output
    )


def test_the_finance_page_shows_the_trial_balance_and_closes_the_month(db: Database, tmp_path: Path) -> None:
    _month_of_money(db, plan_status="approved")
    add_account(db, "checker.j", Role.FINANCE_CHECKER)
    client = console_client(db, tmp_path)
    token = logged_in(client, "checker.j")
    page = client.get("/console/finance?month=2026-03")
    assert (
        page.status_code == 200
        and 'id="journal-status">未月结' in page.text
        and "支付计划尚未锁定" in page.text
    )
    posted = post(client, "/console/finance/journal/post", token, month="2026-03")
    assert (
        posted.status_code == 200 and "新增分录 14 笔" in posted.text and "养老保险基金 合计" in posted.text
    )
    refused_page = post(client, "/console/finance/journal/close", token, month="2026-03")
    assert "错误（month_plan_unlocked）" in refused_page.text
    with db.write() as conn:
        conn.execute(sa.update(payment_plans).values(status="exported"))
    closed = post(client, "/console/finance/journal/close", token, month="2026-03")
    assert "2026-03 已月结" in closed.text and 'id="journal-status">已月结（checker.j）' in closed.text
    assert 'id="month-close"' not in closed.text
