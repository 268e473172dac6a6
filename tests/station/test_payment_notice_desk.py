"""缴费通知单 at the desk: a flexible worker pays at the bank instead of in cash. The station
issues the notice offline (its own reference, no case, no receipt, no stock number), prints
it on one page, and the city takes it once; the bank's confirmation pays it — even when the
bank's file arrived before the notice did."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa

from schema.payment_reference import parse_reference
from schema.protocol import notice_subject_id
from schema.vocabulary import Role
from station_client.core.intake_rules import ApplicantInput
from station_client.services import payment_notice
from station_client.services.errors import ServiceError
from station_client.services.intake import IntakeRequest
from station_client.services.payment_notice_pdf import payment_notice_pdf
from station_client.store import outbox
from station_client.transport import PUSH_PATH
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, STATION_ID, TODAY

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def months_of(year: int, first: int, last: int) -> dict[str, object]:
    return {"base": "5000", "period_start": f"{year}-{first:02d}", "period_end": f"{year}-{last:02d}",
            "include_medical": False}  # fmt: skip


def bank_request(form: dict[str, object], item: str = "G14") -> IntakeRequest:
    return IntakeRequest(item, ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card"])


def counts(db) -> dict[str, int]:
    return {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("cases", "receipts", "payment_notices")
    }


def test_bank_payment_issues_a_notice_with_the_stations_reference_and_takes_no_cash(session):
    issued = payment_notice.issue(session, bank_request(months_of(2026, 1, 3)), now=NOW)

    ref = parse_reference(issued.reference)
    assert (ref.issuer, ref.issued_on, ref.serial) == (STATION_ID, TODAY, 1)
    assert issued.grouped == "5111 0200 4002 6112 6000 1" + issued.reference[-1]
    assert issued.months == ("2026-01", "2026-02", "2026-03")
    assert issued.amount == Decimal("3000.00")  # 5000 × 20 % × 3 months, the desk's own fee rules
    assert issued.valid_until == date(2026, 12, 26)
    # a notice, not a case: no receipt, no 票据号码 taken from the stock
    assert counts(session.db) == {"cases": 0, "receipts": 0, "payment_notices": 1}
    [op] = outbox.of_case(session.db, str(notice_subject_id(issued.reference)))
    assert op.kind == "payment_notice" and op.state.value == "pending"
    assert session.db.execute("SELECT action FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0] == (
        "payment_notice.issued"
    )
    assert "缴费参考号：" + issued.grouped in issued.lines()


def test_each_notice_of_the_day_takes_the_next_serial_and_a_new_day_starts_again(station_home, session):
    refs = [payment_notice.issue(session, bank_request(months_of(2026, 1, 1)), now=NOW + timedelta(minutes=k))
            for k in range(3)]  # fmt: skip
    next_day = NOW + timedelta(days=1)
    tomorrow = payment_notice.issue(
        station_home.login(now=next_day), bank_request(months_of(2026, 1, 1)), now=next_day
    )
    assert [parse_reference(r.reference).serial for r in refs] == [1, 2, 3]
    assert parse_reference(tomorrow.reference).serial == 1
    assert len({r.reference for r in [*refs, tomorrow]}) == 4


def test_a_notice_is_valid_thirty_days_but_never_into_next_year():
    assert payment_notice.valid_until(date(2026, 3, 1)) == date(2026, 3, 31)
    assert payment_notice.valid_until(date(2026, 12, 20)) == date(2026, 12, 31)


def test_only_flexible_workers_months_go_to_the_bank(session):
    with pytest.raises(ServiceError) as refused:
        payment_notice.issue(
            session, IntakeRequest("C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), {}, []), now=NOW
        )
    assert refused.value.code == "notice_item_not_payable"
    assert counts(session.db)["payment_notices"] == 0


@needs_poppler
def test_the_printed_notice_is_one_page_with_reference_amount_months_and_how_to_pay(session, tmp_path):
    issued = payment_notice.issue(session, bank_request(months_of(2026, 1, 3)), now=NOW)
    printable = payment_notice_pdf(session.db, session.dek, issued.grouped)  # as typed: groups of four
    path = tmp_path / "notice.pdf"
    path.write_bytes(printable.pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert "社会保险费缴费通知单" in text
    assert issued.grouped in text
    assert "3000.00" in text and "叁仟元整" in text
    assert "2026年01月—2026年03月，共3个月" in text
    assert "511102********0123"[:6] in text and KNOWN_ID not in text  # the ID masked
    assert "银行柜台" in text and "税务" in text and "不是缴费凭证" in text
    assert "2026年12月26日" in text  # valid until


# ── the city: pushed once, paid by the bank's file ─────────────────────────────────────


class LosesFirstPushAnswer(httpx.BaseTransport):
    """The server commits the push, the answer is lost twice (the send and the transport's
    one retry on a fresh connection): the round ends and the next one sends it again."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.lost = inner, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path == PUSH_PATH and self.lost < 2:
            self.lost += 1
            response.read()
            raise httpx.ReadError("Connection reset by peer", request=request)
        return response


@pytest.fixture
def city(db, tmp_path):
    """One enrolled station, a finance clerk at the city, a flexible worker in the registry."""
    from sync_server.services.admin.staff import add_staff
    from tests.support.console_kit import PASSWORD
    from tests.support.factories import COUNTY, add_person, make_client, person_id
    from tests.support.sync_world import enrol_station

    client = make_client(db, tmp_path)  # on SQLite and on PostgreSQL
    w = enrol_station(db, tmp_path / "station", client)
    with db.write() as conn:
        add_staff(conn, username="maker.a", role=Role.FINANCE_MAKER, now=datetime.now(UTC), actor="test",
                  password=PASSWORD, must_change_password=False)  # fmt: skip
    who = person_id(41)
    add_person(db, who, enrolled={"enterprise_pension": COUNTY}, kind="flexible")
    return w, client, who


def _sync(w, client) -> None:
    from station_client.sync.agent import SyncAgent

    agent = SyncAgent(w.paths.home, w.dek, client=client)
    report = agent.run_once()
    agent.close()
    assert report.ok, report.problem


def _notice_at_the_desk(w, who: str, now: datetime):
    request = IntakeRequest("G14", ApplicantInput("李灵活", who), months_of(now.year, 1, 2), ["id_card"])
    return payment_notice.issue(w.session(), request, now=now)


def _bank_pays(db, lines: list[tuple[str, str, str]], now: datetime):
    """The bank's confirmation file of (bank serial, reference as echoed, amount), imported."""
    from sync_server.core.notice_file import Confirmation, confirmation_file
    from sync_server.services.finance import notices

    text = confirmation_file("中国建设银行乐山分行", [
        Confirmation(0, serial, ref, Decimal(amount), now.date(), "李灵活") for serial, ref, amount in lines
    ])  # fmt: skip
    with db.write() as conn:
        return notices.import_confirmations(conn, text, file_name="confirm.csv", by="maker.a", now=now)


def _server_notice(db, reference: str):
    from sync_server.db.tables import payment_notices

    with db.read() as conn:
        return conn.execute(sa.select(payment_notices).where(payment_notices.c.reference == reference)).one()


def _bank_months(db, who: str) -> list[tuple[str, Decimal, str]]:
    from sync_server.db.tables import contribution_records as c

    with db.read() as conn:
        rows = conn.execute(sa.select(c.c.month, c.c.personal_part, c.c.source).where(c.c.id_number == who))
        return sorted((r.month, r.personal_part, r.source) for r in rows)


def test_the_notice_reaches_the_city_once_and_the_bank_file_pays_it(city, db):
    w, client, who = city
    now = datetime.now(UTC)
    issued = _notice_at_the_desk(w, who, now)
    wire = LosesFirstPushAnswer(client._transport)
    with pytest.raises(AssertionError):  # the first answer is lost on the way back
        _sync(w, httpx.Client(transport=wire, base_url=client.base_url))
    _sync(w, client)  # the same operation again: the server answers duplicate

    assert w.server_operations()[issued.op_id] == "applied"
    row = _server_notice(db, issued.reference)
    assert (row.issuer, row.status, row.amount, row.item_code) == (
        w.station_id,
        "issued",
        issued.amount,
        "G14",
    )
    assert (row.first_month, row.last_month, row.valid_until) == (
        f"{now:%Y}-01",
        f"{now:%Y}-02",
        issued.valid_until,
    )
    [op] = outbox.of_case(w.session().db, str(notice_subject_id(issued.reference)))
    assert op.state.value == "done"
    with db.read() as conn:
        from sync_server.db.tables import audit_log, payment_notices

        assert conn.execute(sa.select(sa.func.count()).select_from(payment_notices)).scalar() == 1
        assert (
            conn.execute(
                sa.select(sa.func.count()).where(audit_log.c.action == "payment_notice_issued")
            ).scalar()
            == 1
        )

    paid = _bank_pays(db, [("B001", issued.grouped, f"{issued.amount:.2f}")], now)
    assert (paid.paid, paid.problems) == (1, [])
    assert _server_notice(db, issued.reference).status == "paid"
    half = (issued.amount / 2).quantize(Decimal("0.01"))
    assert _bank_months(db, who) == [(f"{now:%Y}-01", half, "bank"), (f"{now:%Y}-02", half, "bank")]

    # the fund's journal books the money in the person's county: 银行存款 against the fund accounts
    from sync_server.db.tables import journal_entries, journal_lines
    from sync_server.services.finance.journal import post_pending
    from tests.support.factories import COUNTY

    with db.write() as conn:
        post_pending(conn, now=now)
        post_pending(conn, now=now)  # a source posts once
    with db.read() as conn:
        [entry] = conn.execute(
            sa.select(journal_entries).where(journal_entries.c.source_kind == "bank_notice")
        ).all()
        lines = conn.execute(sa.select(journal_lines).where(journal_lines.c.entry_id == entry.id)).all()
    assert entry.source_id == issued.reference and entry.period == f"{now:%Y-%m}"
    assert {(x.fund, x.county_code, x.account, x.debit) for x in lines if x.debit} == {
        ("pension", COUNTY, "bank", issued.amount)}  # fmt: skip
    assert {x.account for x in lines if x.credit} == {"pooled", "personal"}
    assert sum(x.credit for x in lines) == issued.amount


def test_money_the_bank_took_before_the_notice_arrived_pays_it_on_arrival_once(city, db):
    from sync_server.db.tables import notice_confirmations

    w, client, who = city
    now = datetime.now(UTC)
    issued = _notice_at_the_desk(w, who, now)  # the station is offline; the person pays at once
    early = _bank_pays(db, [("B001", issued.reference, f"{issued.amount:.2f}"),
                            ("B002", issued.reference, f"{issued.amount:.2f}")], now)  # fmt: skip
    assert [p["code"] for p in early.problems] == ["notice_reference_unknown"] * 2
    assert _bank_months(db, who) == []

    _sync(w, client)  # the notice arrives: the first line pays it, in the push's transaction

    assert _server_notice(db, issued.reference).status == "paid"
    with db.read() as conn:
        lines = dict(
            conn.execute(sa.select(notice_confirmations.c.bank_serial, notice_confirmations.c.code)).all()
        )
    assert lines == {"B001": None, "B002": "notice_already_paid"}  # the second is money paid twice
    assert sum(m[1] for m in _bank_months(db, who)) == issued.amount
    _sync(w, client)  # nothing more happens
    assert sum(m[1] for m in _bank_months(db, who)) == issued.amount


def test_a_close_arriving_after_its_deposit_is_matched_at_once(city, db):
    from station_client.services import daily_close
    from station_client.services.intake import intake
    from sync_server.core.deposit_file import DepositLine, deposit_file
    from sync_server.db.tables import deposit_matched_closes, station_closes
    from sync_server.services.finance import deposits
    from tests.station.test_daily_close import cash_for, give_stock

    w, client, _ = city
    session = w.session()
    give_stock(session.db)
    now = datetime.now(UTC)
    intake(session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), months_of(now.year, 1, 1), ["id_card"]),
           now=now)  # fmt: skip
    day = daily_close.rules.business_day(now)
    expected = daily_close.day_view(session, day, now).figures({}).expected
    daily_close.close_day(session, day, cash_for(expected), "", now=now)
    deposit = DepositLine(
        0, "D001", day, "6228480000000009", "大佛街道社保所", expected, f"日结 {w.station_id}"
    )
    with db.write() as conn:  # the bank's deposit file comes first
        result = deposits.import_deposits(conn, deposit_file("中国农业银行乐山分行", "51001600000000001", [deposit]),
                                          file_name="dep.csv", by="maker.a", now=now)  # fmt: skip
    assert result.matched == 0

    _sync(w, client)  # then the close

    with db.read() as conn:
        close_id = conn.execute(sa.select(station_closes.c.id)).scalar_one()
        matched = conn.execute(sa.select(deposit_matched_closes.c.close_id)).scalars().all()
    assert matched == [close_id]


# ── the command line ───────────────────────────────────────────────────────────────────


@needs_poppler
def test_the_command_line_issues_a_notice_for_a_bank_payment_and_prints_it(station_home, tmp_path):
    import json

    from click.testing import CliRunner

    from station_client.cli import main
    from tests.support.dates import month_of_this_year, this_year
    from tests.support.stationkit import PASSWORDS

    station_home.login("clerk1")
    case = tmp_path / "case.json"
    case.write_text(json.dumps({
        "applicant": {"name": KNOWN_NAME, "id_number": KNOWN_ID}, "materials_provided": ["id_card"],
        "form": {"base": "5000", "period_start": f"{this_year()}-01", "period_end": month_of_this_year(2)},
        "payment": "bank",
    }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    env, home = {"SSB_PASSWORD": PASSWORDS["clerk1"]}, str(station_home.paths.home)
    issued = CliRunner().invoke(main, ["intake", "--home", home, "--user", "clerk1", "--item", "G14", "--input", str(case), "--json"], env=env)  # fmt: skip
    assert issued.exit_code == 0, issued.output
    body = json.loads(issued.stdout)
    assert body["amount"] == "2000.00" and len(body["reference"]) == 22
    assert counts(station_home.db) == {"cases": 0, "receipts": 0, "payment_notices": 1}

    out = tmp_path / "notice.pdf"
    printed = CliRunner().invoke(main, ["receipt", body["grouped"], "--kind", "缴费通知单", "--out", str(out),
                                        "--home", home, "--user", "clerk1"], env=env)  # fmt: skip
    assert printed.exit_code == 0, printed.output
    assert "已生成缴费通知单" in printed.stdout
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert body["grouped"] in text and "2000.00" in text
