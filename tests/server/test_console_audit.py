"""The 稽核 console and the station's warning, on SQLite and PostgreSQL.

An auditor lists the cases opened by a death file (open first, filtered by kind and
status), opens one with its evidence and the computed overpayment, confirms it (the
recovery becomes a payable; a stated amount replaces the computed one) or dismisses it
(a reason is required), each with CSRF and an audit entry; other roles are refused. The
person's township hears of the case opening and closing (``PersonRecord.audit_case_open``,
``death_reported``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.person_records import Benefit, BenefitKind
from schema.record_changes import BenefitGranted, ChangeContext
from schema.records import PersonRecord
from schema.vocabulary import Role
from sync_server.core.fraud.exchange_file import HEADERS, ExchangeSource
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, benefits, changes, fraud_cases, payables
from sync_server.services import audit
from sync_server.services.fraud import cases
from sync_server.services.fraud.exchange import import_exchange_file
from sync_server.services.records.write import write_record_changes
from tests.support.console_kit import add_account, console_client, error_code, logged_in, post
from tests.support.factories import COUNTY, add_person, person_id

AT = dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 20)
DIED = "2025-12-05"  # paid through 2026-03: January to March are overpaid
MONTHLY = Decimal("2856.40")
DEAD = [person_id(n, born=dt.date(1950, 1, 1)) for n in range(3)]
ALIVE = person_id(10, born=dt.date(1950, 1, 1))


def _seed(db: Database) -> None:
    for pid in [*DEAD, ALIVE]:
        add_person(db, pid)
    granted = [
        BenefitGranted(
            benefit=Benefit(
                id_number=pid, kind=BenefitKind.EMPLOYEE_PENSION, monthly_amount=MONTHLY,
                calculation={"basic": "1500.00"}, start_month="2015-01", paid_through="2026-03",
                bank_account=f"62284800{pid[-10:-1]}", county=COUNTY,
            )
        )
        for pid in [*DEAD, ALIVE]
    ]  # fmt: skip
    with db.write() as conn:
        write_record_changes(conn, granted, ChangeContext(case_id=None, source="demo", actor="seed", at=AT))
    rows = [f"{pid},王小明,{DIED},W{n},卫健委" for n, pid in enumerate(DEAD)]
    content = ",".join(HEADERS[ExchangeSource.DEATH]) + "\n" + "\n".join(rows) + "\n"
    import_exchange_file(
        db, ExchangeSource.DEATH, content.encode(), file_name="death.csv", actor="cli:imp", at=AT, today=TODAY
    )


def _client(db: Database, tmp_path: Path) -> tuple[TestClient, str]:
    _seed(db)
    add_account(db, "audit.li", Role.AUDITOR)
    client = console_client(db, tmp_path)
    return client, logged_in(client, "audit.li")


def _case_id(db: Database, id_number: str) -> int:
    with db.read() as conn:
        return int(
            conn.execute(sa.select(fraud_cases.c.id).where(fraud_cases.c.id_number == id_number)).scalar_one()
        )


def _slice(db: Database, id_number: str) -> PersonRecord:
    """The latest record of the person the township's stations were sent."""
    with db.read() as conn:
        data = conn.execute(
            sa.select(changes.c.data)
            .where(changes.c.kind == "person", changes.c.key == id_number)
            .order_by(changes.c.id.desc())
            .limit(1)
        ).scalar_one()
    return PersonRecord.model_validate(data)


def _row(db: Database, table: sa.Table, **where: Any) -> Any:
    with db.read() as conn:
        return conn.execute(sa.select(table).filter_by(**where)).one()


def test_an_auditor_lands_on_the_open_cases_and_filters_them(db: Database, tmp_path: Path) -> None:
    client, _token = _client(db, tmp_path)
    first = _case_id(db, DEAD[0])
    with db.write() as conn:
        cases.dismiss_case(conn, first, actor="audit.li", at=AT, reason="误报")

    page = client.get("/console/audit")
    every = client.get("/console/audit?status=all")
    other_kind = client.get("/console/audit?status=all&kind=imprisoned")

    assert page.status_code == 200 and "稽核案件" in page.text
    assert page.text.count('data-status="open"') == 2 and 'data-status="dismissed"' not in page.text
    assert DEAD[1] not in page.text and DEAD[1][:6] + "********" + DEAD[1][-4:] in page.text  # masked
    assert every.text.index('data-status="open"') < every.text.index('data-status="dismissed"')
    assert "没有符合条件的稽核案件" in other_kind.text
    assert 'href="/console/audit"' in page.text  # the nav link


def test_the_case_page_shows_the_department_row_and_the_overpayment(db: Database, tmp_path: Path) -> None:
    client, _token = _client(db, tmp_path)
    page = client.get(f"/console/audit/{_case_id(db, DEAD[0])}")

    assert page.status_code == 200
    assert "death.csv 第 2 行" in page.text and "W0" in page.text  # the department's row, as sent
    assert DEAD[0] in page.text  # the auditor works the case: the person is shown whole
    assert f'id="recovery-total">{MONTHLY * 3:,.2f}<' in page.text  # January to March
    assert "已发 3 个月" in page.text


def test_confirming_raises_the_recovery_audits_and_tells_the_township(db: Database, tmp_path: Path) -> None:
    client, token = _client(db, tmp_path)
    case_id = _case_id(db, DEAD[0])
    assert _slice(db, DEAD[0]).audit_case_open
    assert _slice(db, DEAD[0]).death_reported == dt.date(2025, 12, 5)

    answer = post(client, f"/console/audit/{case_id}/confirm", token, reason="经核实已死亡", amount="")

    assert answer.status_code == 303 and answer.headers["location"] == f"/console/audit/{case_id}"
    case = _row(db, fraud_cases, id=case_id)
    payable = _row(db, payables, id=case.payable_id)
    assert case.status == "confirmed" and case.decided_by == "audit.li"
    assert payable.amount == MONTHLY * 3 and payable.direction == "recover"
    assert payable.case_id == f"fraud-{case_id}"
    with db.read() as conn:
        last = conn.execute(sa.select(audit_log).where(audit_log.c.action == "fraud_case_confirmed")).one()
        assert audit.verify(conn).intact
    assert last.actor == "audit.li" and last.entity_id == str(case_id)
    told = _slice(db, DEAD[0])
    assert told.status == "deceased" and not told.audit_case_open and told.death_reported is None
    shown = client.get(answer.headers["location"])
    assert "已确认疑点" in shown.text and "经核实已死亡" in shown.text


def test_a_stated_amount_replaces_the_computed_one(db: Database, tmp_path: Path) -> None:
    client, token = _client(db, tmp_path)
    case_id = _case_id(db, DEAD[1])

    bad = post(client, f"/console/audit/{case_id}/confirm", token, amount="12.345")
    good = post(client, f"/console/audit/{case_id}/confirm", token, amount="１，０００．５０")  # full-width

    assert bad.status_code == 422 and error_code(bad) == "fraud_amount_invalid"
    assert "追回金额无法识别" in bad.text and 'value="12.345"' in bad.text  # what was typed is kept
    assert good.status_code == 303
    assert _row(db, payables, case_id=f"fraud-{case_id}").amount == Decimal("1000.50")


def test_dismissing_needs_a_reason_and_resumes_the_pension(db: Database, tmp_path: Path) -> None:
    client, token = _client(db, tmp_path)
    case_id = _case_id(db, DEAD[2])

    blank = post(client, f"/console/audit/{case_id}/dismiss", token, reason="　 ")
    assert blank.status_code == 422 and error_code(blank) == "fraud_reason_missing"
    assert _row(db, fraud_cases, id=case_id).status == "open"

    done = post(client, f"/console/audit/{case_id}/dismiss", token, reason="同名同号误报，本人已到场认证")
    again = post(client, f"/console/audit/{case_id}/dismiss", token, reason="再次排除")

    assert done.status_code == 303
    assert _row(db, fraud_cases, id=case_id).reason == "同名同号误报，本人已到场认证"
    assert _row(db, benefits, id_number=DEAD[2]).status == "in_payment"
    assert again.status_code == 409 and error_code(again) == "fraud_case_decided"
    told = _slice(db, DEAD[2])
    assert not told.audit_case_open and told.death_reported is None and told.status == "alive"


def test_posts_need_the_token_and_other_roles_are_refused(db: Database, tmp_path: Path) -> None:
    client, _token = _client(db, tmp_path)
    case_id = _case_id(db, DEAD[0])
    no_token = post(client, f"/console/audit/{case_id}/dismiss", None, reason="无令牌")
    assert no_token.status_code == 403 and error_code(no_token) == "csrf_failed"
    assert _row(db, fraud_cases, id=case_id).status == "open"

    add_account(db, "review.x", Role.REVIEWER, section="pension")
    reviewer = console_client(db, tmp_path)
    token = logged_in(reviewer, "review.x")
    assert error_code(reviewer.get("/console/audit")) == "forbidden"
    refused = post(reviewer, f"/console/audit/{case_id}/confirm", token)
    assert error_code(refused) == "forbidden" and _row(db, fraud_cases, id=case_id).status == "open"
    assert error_code(reviewer.get(f"/console/audit/{case_id}")) == "forbidden"


def test_an_unknown_case_is_a_coded_page(db: Database, tmp_path: Path) -> None:
    client, _token = _client(db, tmp_path)
    missing = client.get("/console/audit/999999")
    assert missing.status_code >= 400 and error_code(missing) == "fraud_case_not_found"
    assert "没有这个稽核案件" in missing.text
