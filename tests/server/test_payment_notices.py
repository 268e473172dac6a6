"""缴费通知单 on both backends: a notice's amount, months and checked reference; the bank's
confirmation file pays it once (the same file, or the same bank serial in a later file,
changes nothing), writes its months as contribution records and tells the township; money
that pays no notice is kept with its reason; every step audited; the ``notices`` commands."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from schema.fees import FlexibleWorkerRequest
from schema.payment_reference import make_reference, parse_reference
from schema.vocabulary import Role
from sync_server.cli import main
from sync_server.core.notice_file import Confirmation, confirmation_file
from sync_server.db.engine import Database
from sync_server.db.tables import (
    audit_log,
    changes,
    contribution_records,
    notice_confirmations,
    payment_notices,
)
from sync_server.errors import ApiError
from sync_server.services.admin.staff import add_staff
from sync_server.services.finance import notices
from sync_server.settings import write_settings_file
from tests.support.console_kit import PASSWORD, console_client, logged_in
from tests.support.factories import COUNTY, add_person, person_id

NOW = dt.datetime(2026, 10, 9, 2, 0, tzinfo=dt.UTC)
PAID = dt.date(2026, 10, 12)
BANK = "中国建设银行乐山分行"
Q4 = FlexibleWorkerRequest(base=Decimal("5000.00"), period_start="2026-10", period_end="2026-12")


@pytest.fixture
def worker(db: Database) -> str:
    with db.write() as conn:
        add_staff(conn, username="maker.a", role=Role.FINANCE_MAKER, now=NOW, actor="test", password=PASSWORD,
                  must_change_password=False)  # fmt: skip
    who = person_id(31)
    add_person(db, who, enrolled={"enterprise_pension": COUNTY}, kind="flexible")
    return who


def _issue(db: Database, who: str) -> notices.Notice:
    with db.write() as conn:
        return notices.issue(conn, id_number=who, item_code="G14", request=Q4, by="maker.a", now=NOW)


def _paid(db: Database, text: str) -> notices.ConfirmationImport:
    with db.write() as conn:
        return notices.import_confirmations(conn, text, file_name="confirm.csv", by="maker.a", now=NOW)


def test_a_notice_names_the_amount_the_months_and_a_reference_with_a_check_digit(
    db: Database, worker: str
) -> None:
    first, second = _issue(db, worker), _issue(db, worker)
    assert (first.amount, first.months) == (Decimal("3000.00"), ("2026-10", "2026-11", "2026-12"))
    assert first.reference == make_reference("511100000-00", dt.date(2026, 10, 9), 1)
    assert second.reference.serial == 2
    assert parse_reference(first.reference.grouped) == first.reference
    with db.read() as conn:
        assert conn.execute(sa.select(payment_notices.c.status)).scalars().all() == ["issued", "issued"]


def test_the_bank_confirmation_pays_each_notice_once_and_writes_its_months(db: Database, worker: str) -> None:
    notice, other = _issue(db, worker), _issue(db, worker)
    ref = notice.reference.grouped
    typo = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    text = confirmation_file(BANK, [
        Confirmation(0, "C001", ref, Decimal("3000.00"), PAID, "王小明"),
        Confirmation(0, "C002", ref, Decimal("3000.00"), PAID, "王小明"),  # paid twice
        Confirmation(0, "C003", typo, Decimal("3000.00"), PAID, "王小明"),  # a mistyped reference
        Confirmation(0, "C004", other.reference.digits, Decimal("2999.00"), PAID, "王小明"),  # short
    ])  # fmt: skip
    result = _paid(db, text)
    assert (result.lines, result.new_lines, result.paid, result.paid_total) == (4, 4, 1, Decimal("3000.00"))
    assert [(p["line"], p["code"]) for p in result.problems] == [
        (3, "notice_already_paid"), (4, "notice_reference_unknown"), (5, "notice_amount_mismatch")]  # fmt: skip
    with db.read() as conn:
        rows = conn.execute(
            sa.select(contribution_records.c.month, contribution_records.c.personal_part, contribution_records.c.source,
                      contribution_records.c.case_id).where(contribution_records.c.id_number == worker)
        ).all()  # fmt: skip
        status = dict(conn.execute(sa.select(payment_notices.c.reference, payment_notices.c.status)).all())
        told = conn.execute(sa.select(sa.func.count()).select_from(changes)).scalar()
    assert sorted({r.month for r in rows}) == ["2026-10", "2026-11", "2026-12"]
    assert sum(r.personal_part for r in rows) == Decimal("3000.00")
    assert {(r.source, r.case_id) for r in rows} == {("bank", None)}
    assert status == {notice.reference.digits: "paid", other.reference.digits: "issued"}
    assert told and told > 0  # the person's township hears of the months paid

    assert _paid(db, text).already_imported  # the same file again
    later = _paid(db, confirmation_file(BANK, [
        Confirmation(0, "C001", ref, Decimal("3000.00"), PAID, "王小明"),  # repeated by the next day's file
        Confirmation(0, "C005", other.reference.digits, Decimal("3000.00"), PAID, "王小明"),
    ]))  # fmt: skip
    assert (later.new_lines, later.paid, later.problems) == (1, 1, [])
    with db.read() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(contribution_records)).scalar()
            == len(rows) * 2
        )
        assert conn.execute(sa.select(sa.func.count()).select_from(notice_confirmations)).scalar() == 5
        actions = conn.execute(sa.select(audit_log.c.action)).scalars().all()
    assert actions.count("payment_notice_paid") == 2 and actions.count("payment_notice_issued") == 2
    assert actions.count("notice_confirmations_imported") == 2


def test_a_malformed_confirmation_file_pays_nothing(db: Database, worker: str) -> None:
    notice = _issue(db, worker)
    text = f"H,SSB-NOTICE-1,{BANK}\r\nC,C1,{notice.reference.digits},3000.00,2026-10-12,王小明\r\nT,1,3000.01\r\n"
    with pytest.raises(ApiError) as refused:
        _paid(db, text)
    assert refused.value.code == "notice_file_invalid"
    assert [p["code"] for p in refused.value.detail["problems"]] == ["notice_trailer_mismatch"]
    with db.read() as conn:
        assert conn.execute(sa.select(payment_notices.c.status)).scalar() == "issued"


def test_a_notice_needs_a_flexible_workers_enrolment_and_a_cancelled_one_is_not_paid(
    db: Database, worker: str
) -> None:
    stranger = person_id(32)
    add_person(db, stranger)
    with db.write() as conn, pytest.raises(ApiError) as refused:
        notices.issue(conn, id_number=stranger, item_code="G14", request=Q4, by="maker.a", now=NOW)
    assert refused.value.code == "notice_not_enrolled"
    notice = _issue(db, worker)
    with db.write() as conn:
        notices.cancel(conn, notice.reference.grouped, by="maker.a", now=NOW)
    result = _paid(
        db,
        confirmation_file(
            BANK, [Confirmation(0, "C9", notice.reference.digits, Decimal("3000.00"), PAID, "王")]
        ),
    )
    assert [p["code"] for p in result.problems] == ["notice_cancelled"] and result.paid == 0


def test_the_notices_commands(db: Database, worker: str, database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_settings_file(data, {"database_url": database_url})
    run = CliRunner().invoke
    year = (
        dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    ).year  # the command issues today: this year's months
    issued = run(main, ["notices", "issue", "--data-dir", str(data), "--by", "maker.a", "--id-number", worker,
                        "--base", "6000", "--from", f"{year}-11", "--to", f"{year}-12"])  # fmt: skip
    assert issued.exit_code == 0, issued.output
    assert f"{year}-11至{year}-12，应缴" in issued.output
    with db.read() as conn:
        reference, amount = conn.execute(
            sa.select(payment_notices.c.reference, payment_notices.c.amount)
        ).one()
    file = tmp_path / "确认.csv"
    file.write_text(confirmation_file(BANK, [Confirmation(0, "C1", reference, amount, PAID, "王小明")]),
                    encoding="utf-8")  # fmt: skip
    paid = run(main, ["notices", "paid", "--data-dir", str(data), "--by", "maker.a", str(file)])
    assert paid.exit_code == 0, paid.output
    assert f"已入账 1 笔、{amount:,.2f} 元" in paid.output
    shown = run(main, ["notices", "show", "--data-dir", str(data)])  # issued today: this month
    assert "已缴费" in shown.output and reference[:4] in shown.output


def test_the_finance_page_lists_the_notices_and_takes_the_confirmation_file(
    db: Database, worker: str, tmp_path: Path
) -> None:
    notice = _issue(db, worker)
    client = console_client(db, tmp_path)
    token = logged_in(client, "maker.a")
    before = client.get("/console/finance?month=2026-10")
    assert notice.reference.grouped in before.text and "待缴费" in before.text
    text = confirmation_file(BANK, [
        Confirmation(0, "C1", notice.reference.grouped, Decimal("3000.00"), PAID, "王小明"),
        Confirmation(0, "C2", "5111 0000 0002 6100 9999 99", Decimal("50.00"), PAID, "李四"),
    ])  # fmt: skip
    answer = client.post(
        "/console/finance/notices/paid",
        data={"csrf_token": token, "month": "2026-10"},
        files={"file": ("确认.csv", text.encode(), "text/csv")},
    )
    assert answer.status_code == 200, answer.text
    assert "已入账 1 笔、3,000.00 元" in answer.text and "notice_reference_unknown" in answer.text
    assert "已缴费" in answer.text and "未能入账的银行流水（1 笔）" in answer.text
