"""支付计划 on both backends: who is paid and who is left out, maker ≠ checker, the bank
files' totals, a returned bank file, an idempotent build; and G24 recording 资格认证."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from schema.vocabulary import Role
from sync_server.core.bank_files import Returned, returned_file
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, benefits, determinations, payables, payment_plan_lines, persons
from sync_server.errors import ApiError
from sync_server.services.admin.staff import add_staff
from sync_server.services.finance import bank_return, payment
from tests.support.console_kit import PASSWORD, console_client, error_code, logged_in, post
from tests.support.factories import (
    COUNTY,
    accept_op,
    add_person,
    enrolled_station,
    make_client,
    person_id,
    push,
)

NOW = dt.datetime(2026, 2, 5, 2, 0, tzinfo=dt.UTC)
MONTH = "2026-02"


def _staff(db: Database) -> None:
    with db.write() as conn:
        for name, role in (("maker.a", Role.FINANCE_MAKER), ("checker.b", Role.FINANCE_CHECKER),
                           ("maker.c", Role.FINANCE_MAKER)):  # fmt: skip
            add_staff(
                conn,
                username=name,
                role=role,
                now=NOW,
                actor="test",
                password=PASSWORD,
                must_change_password=False,
            )


def _benefit(
    db: Database, who: str, kind: str = "employee_pension", amount: str = "2800.00", **extra: object
) -> None:
    values = {"id_number": who, "kind": kind, "monthly_amount": amount, "calculation": {}, "start_month": "2020-01",
              "status": "in_payment", "paid_through": "2026-01", "bank_name": "中国农业银行",
              "bank_account": "6228480000000000" + who[-3:], "county_code": COUNTY} | extra  # fmt: skip
    with db.write() as conn:
        conn.execute(sa.insert(benefits).values(**values))


def _certify(db: Database, who: str, on: dt.date) -> None:
    with db.write() as conn:
        conn.execute(
            sa.insert(determinations).values(
                id_number=who, kind="pension_certification", item_code="G24", result={}, valid_from=on,
                county_code=COUNTY, created_at=NOW,
            )
        )  # fmt: skip


@pytest.fixture
def world(db: Database) -> dict[str, str]:
    """Five pensioners and one funeral grant: two paid, four left out for four reasons."""
    _staff(db)
    who = {name: person_id(n) for n, name in enumerate(
        ("paid", "dead", "suspended", "uncertified", "no_account", "newly"), start=21)}  # fmt: skip
    for number in who.values():
        add_person(db, number)
    with db.write() as conn:
        conn.execute(sa.update(persons).where(persons.c.id_number == who["dead"]).values(status="deceased"))
    for name in ("paid", "dead", "suspended", "uncertified", "no_account"):
        if name != "uncertified":
            _certify(db, who[name], dt.date(2025, 6, 1))
    _certify(db, who["uncertified"], dt.date(2024, 12, 31))  # more than 12 months before 2026-02
    _benefit(db, who["paid"])
    _benefit(db, who["dead"])
    _benefit(db, who["suspended"], status="suspended")
    _benefit(db, who["uncertified"])
    _benefit(db, who["no_account"], bank_account=None)
    # granted in 2025-12, first paid now: three months, no certification needed yet
    _benefit(
        db, who["newly"], kind="resident_pension", amount="210.50", start_month="2025-12", paid_through=None
    )
    with db.write() as conn:
        conn.execute(
            sa.insert(payables).values(
                id_number=who["dead"], payee_name="王小明家属", kind="funeral_grant", amount="15292.00",
                direction="pay", status="open", county_code=COUNTY, fund="enterprise_pension",
                detail={"bank_name": "中国建设银行", "bank_account": "6217000000000001"}, created_at=NOW,
            )
        )  # fmt: skip
    return who


def _lines(db: Database) -> list[tuple[str, str | None, str | None, Decimal, str]]:
    query = sa.select(payment_plan_lines).order_by(payment_plan_lines.c.id)
    with db.read() as conn:
        return [(r.kind, r.id_number, r.reason, r.amount, r.status) for r in conn.execute(query)]


def test_the_plan_pays_who_is_due_and_names_why_others_are_left_out(
    db: Database, world: dict[str, str]
) -> None:
    with db.write() as conn:
        result = payment.build(conn, MONTH, maker="maker.a", now=NOW)
    assert result.changed and result.lines == 3
    assert result.total == Decimal("2800.00") + Decimal("631.50") + Decimal("15292.00")
    assert result.left_out == {"deceased": 1, "suspended": 1, "no_certification": 1, "no_bank_account": 1}
    reasons = {who: reason for _, who, reason, _, _ in _lines(db)}
    assert reasons[world["dead"]] in ("deceased", None)  # the pension left out; the funeral grant paid
    assert [r for _, w, r, _, _ in _lines(db) if w == world["dead"]] == ["deceased", None]
    assert reasons[world["uncertified"]] == "no_certification"
    assert reasons[world["newly"]] is None


def test_building_twice_changes_nothing(db: Database, world: dict[str, str]) -> None:
    with db.write() as conn:
        payment.build(conn, MONTH, maker="maker.a", now=NOW)
    before, audits = _lines(db), _audit_count(db)
    with db.write() as conn:
        again = payment.build(conn, MONTH, maker="maker.c", now=NOW + dt.timedelta(hours=1))
    assert not again.changed
    assert _lines(db) == before and _audit_count(db) == audits
    _certify(db, world["uncertified"], dt.date(2026, 1, 20))  # certified since: the rebuild pays them
    with db.write() as conn:
        third = payment.build(conn, MONTH, maker="maker.c", now=NOW + dt.timedelta(hours=2))
    assert third.changed and third.lines == 4 and _audit_count(db) == audits + 1


def _audit_count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one())


def test_the_maker_cannot_approve_their_own_plan(db: Database, world: dict[str, str]) -> None:
    with db.write() as conn:
        payment.build(conn, MONTH, maker="maker.a", now=NOW)
    with db.write() as conn, pytest.raises(ApiError) as refused:
        payment.approve(conn, MONTH, checker="maker.a", now=NOW)
    assert refused.value.code == "payment_plan_not_checker"  # a maker holds no checker role
    with db.write() as conn:  # a checker account with the maker's name cannot exist; the rule still holds
        conn.execute(sa.update(payment.payment_plans).values(prepared_by="checker.b"))
    with db.write() as conn, pytest.raises(ApiError) as same:
        payment.approve(conn, MONTH, checker="checker.b", now=NOW)
    assert same.value.code == "payment_plan_checker_is_maker"
    with db.write() as conn, pytest.raises(ApiError) as early:
        payment.export(conn, MONTH, by="checker.b", now=NOW)
    assert early.value.code == "payment_plan_not_approved"


def _approved_and_exported(db: Database) -> list[payment.BankFile]:
    with db.write() as conn:
        payment.build(conn, MONTH, maker="maker.a", now=NOW)
    with db.write() as conn:
        payment.approve(conn, MONTH, checker="checker.b", now=NOW)
    with db.write() as conn:
        return payment.export(conn, MONTH, by="checker.b", now=NOW)


def test_bank_files_total_the_plan_and_lock_it(db: Database, world: dict[str, str]) -> None:
    files = _approved_and_exported(db)
    planned = [x for x in _lines(db) if x[2] is None]
    assert sum(f.count for f in files) == len(planned) == 3
    assert sum((f.total for f in files), Decimal("0")) == sum((x[3] for x in planned), Decimal("0"))
    for f in files:
        rows = f.text.strip().split("\r\n")
        detail = [r.split(",") for r in rows if r.startswith("D,")]
        trailer = rows[-1].split(",")
        assert trailer[0] == "T" and int(trailer[3]) == len(detail) == f.count
        assert Decimal(trailer[4]) == sum((Decimal(d[5]) for d in detail), Decimal("0")) == f.total
    with db.read() as conn:
        paid_through = conn.execute(sa.select(benefits.c.id_number, benefits.c.paid_through)).all()
        grant = conn.execute(sa.select(payables.c.status)).scalar_one()
    assert (
        dict(paid_through)[world["paid"]] == MONTH and dict(paid_through)[world["uncertified"]] == "2026-01"
    )
    assert grant == "paid"
    with db.write() as conn, pytest.raises(ApiError) as locked:
        payment.build(conn, MONTH, maker="maker.a", now=NOW)
    assert locked.value.code == "payment_plan_locked"
    with db.write() as conn:  # exporting again repeats the same files and changes nothing
        assert [f.text for f in payment.export(conn, MONTH, by="checker.b", now=NOW)] == [
            f.text for f in files
        ]


def _line_of(db: Database, who: str, kind: str) -> tuple[int, str, Decimal]:
    query = sa.select(payment_plan_lines).where(
        payment_plan_lines.c.id_number == who, payment_plan_lines.c.kind == kind
    )
    with db.read() as conn:
        r = conn.execute(query).one()
    return r.id, r.bank_account, r.amount


def test_a_returned_file_puts_payments_back_and_the_next_plan_pays_them(
    db: Database, world: dict[str, str]
) -> None:
    _approved_and_exported(db)
    pension = _line_of(db, world["paid"], "employee_pension")
    grant = _line_of(db, world["dead"], "funeral_grant")
    bad = returned_file(MONTH, "中国农业银行", [Returned(pension[0], pension[1], pension[2], "账户已销户"),
                                            Returned(grant[0], "6217000000009999", grant[2], "户名不符"),
                                            Returned(999999, "1", Decimal("1.00"), "?")])  # fmt: skip
    with db.write() as conn, pytest.raises(ApiError) as refused:
        bank_return.import_returned(conn, MONTH, bad + "X,oops\r\n", by="checker.b", now=NOW)
    problems = [(p["line"], p["code"]) for p in refused.value.detail["problems"]]
    assert refused.value.code == "bank_return_invalid"
    assert problems == [(2, "bank_return_account_mismatch"), (3, "bank_return_line_unknown"),
                        (5, "bank_return_line_malformed")]  # fmt: skip
    assert {x[4] for x in _lines(db) if x[2] is None} == {"sent"}  # nothing half-imported

    good = returned_file(MONTH, "中国农业银行", [Returned(pension[0], pension[1], pension[2], "账户已销户"),
                                             Returned(grant[0], grant[1], grant[2], "户名不符")])  # fmt: skip
    with db.write() as conn:
        result = bank_return.import_returned(conn, MONTH, good, by="checker.b", now=NOW)
    assert result.returned == 2 and result.total == pension[2] + grant[2]
    with db.read() as conn:
        through = conn.execute(
            sa.select(benefits.c.paid_through).where(benefits.c.id_number == world["paid"])
        )
        assert through.scalar_one() == "2026-01"
        assert conn.execute(sa.select(payables.c.status)).scalar_one() == "open"
        actions = [a for (a,) in conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.seq))]
    assert actions[-4:] == ["payment_plan_built", "payment_plan_approved", "payment_plan_exported",
                            "bank_return_imported"]  # fmt: skip
    with db.write() as conn, pytest.raises(ApiError) as twice:
        bank_return.import_returned(conn, MONTH, good, by="checker.b", now=NOW)
    assert {p["code"] for p in twice.value.detail["problems"]} == {"bank_return_line_not_sent"}
    _certify(db, world["paid"], dt.date(2026, 2, 10))
    with db.write() as conn:  # March pays February again with March, and the grant once more
        march = payment.build(conn, "2026-03", maker="maker.a", now=NOW)
    assert march.changed
    query = sa.select(payment_plan_lines.c.first_month, payment_plan_lines.c.amount).where(
        payment_plan_lines.c.id_number == world["paid"], payment_plan_lines.c.status == "planned"
    )
    with db.read() as conn:
        assert set(conn.execute(query).all()) == {("2026-02", Decimal("5600.00"))}
        assert (
            conn.execute(
                sa.select(sa.func.count()).where(
                    payment_plan_lines.c.source == "payable", payment_plan_lines.c.status == "planned"
                )
            ).scalar_one()
            == 1
        )


def test_g24_records_a_certification_on_arrival(db: Database, tmp_path: Path) -> None:
    client, station = make_client(db, tmp_path), enrolled_station(db)
    pensioner = person_id(41)
    add_person(db, pensioner, enrolled={"enterprise_pension": COUNTY})
    op = accept_op(station, "G24", id_number=pensioner, materials=("id_or_ss_card",),
                   form={"pension_type": "enterprise_pension", "method": "face"})  # fmt: skip
    answer = push(client, station, [op])
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "applied", answer.text
    with db.read() as conn:
        rows = conn.execute(sa.select(determinations.c.kind, determinations.c.item_code)).all()
    assert [tuple(r) for r in rows] == [("pension_certification", "G24")]


def test_the_finance_page_runs_the_plan_from_build_to_returned_file(
    db: Database, world: dict[str, str], tmp_path: Path
) -> None:
    maker, checker = console_client(db, tmp_path), console_client(db, tmp_path)
    maker_token, checker_token = logged_in(maker, "maker.a"), logged_in(checker, "checker.b")
    assert post(maker, "/console/finance/payment/build", maker_token, month=MONTH).status_code == 303
    page = maker.get(f"/console/finance?month={MONTH}")
    assert page.status_code == 200 and 'id="pay-lines">3<' in page.text and "18,723.50" in page.text
    refused = post(maker, "/console/finance/payment/approve", maker_token, month=MONTH)
    assert error_code(refused) == "payment_plan_not_checker"
    assert post(checker, "/console/finance/payment/approve", checker_token, month=MONTH).status_code == 303
    assert post(checker, "/console/finance/payment/export", checker_token, month=MONTH).status_code == 303
    page = checker.get(f"/console/finance?month={MONTH}")
    assert "已导出银行文件（已锁定）" in page.text
    csv_file = checker.get(
        "/console/finance/payment/bank.csv", params={"month": MONTH, "bank": "中国农业银行"}
    )
    assert csv_file.status_code == 200
    rows = [r.split(",") for r in csv_file.text.strip().split("\r\n")]
    detail = [r for r in rows if r[0] == "D"]
    assert rows[-1][:4] == ["T", MONTH, "中国农业银行", str(len(detail))] and len(detail) == 2
    first = detail[0]
    returned = returned_file(
        MONTH, "中国农业银行", [Returned(int(first[1]), first[4], Decimal(first[5]), "账户冻结")]
    )
    answer = checker.post(
        "/console/finance/payment/returned",
        data={"csrf_token": checker_token, "month": MONTH},
        files={"file": ("return.csv", returned.encode(), "text/csv")},
    )
    assert answer.status_code == 200 and "已导入退票 1 笔" in answer.text, answer.text
