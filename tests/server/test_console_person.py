"""The console's 参保人信息 page over HTTP, on both backends: search by POST only, masking by
role, the page reached from the case page without the ID number in any URL."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from schema.person_records import Benefit, BenefitKind, CardStatus, ContributionMonth, ContributionSource
from schema.record_changes import BenefitGranted, CardStatusChanged, ChangeContext, ContributionsWritten
from schema.vocabulary import InsuranceType, Role
from sync_server.db.engine import Database
from sync_server.services.records.write import write_record_changes
from tests.support.console_kit import add_account, console_client, error_code, logged_in, post, push_case
from tests.support.factories import TOWNSHIP, add_person, enrolled_station, person_id

PENSION = InsuranceType.ENTERPRISE_PENSION


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    add_account(db, "review.pension", Role.REVIEWER, section="pension", name="赵磊")
    add_account(db, "supervisor", Role.SUPERVISOR)
    add_account(db, "demo.admin", Role.ADMIN)
    return console_client(db, tmp_path)


def _records(db: Database, pid: str) -> None:
    rows = tuple(
        ContributionMonth(
            id_number=pid,
            insurance=PENSION,
            month=f"2025-{m:02d}",
            base=Decimal("7646.00"),
            employer_part=Decimal("1223.36"),
            personal_part=Decimal("611.68"),
            account_part=Decimal("611.68"),
            source=ContributionSource.DESK,
            county="511102",
        )
        for m in range(1, 4)
    )
    pension = Benefit(
        id_number=pid,
        kind=BenefitKind.EMPLOYEE_PENSION,
        monthly_amount=Decimal("3120.55"),
        calculation={"基础养老金": "1911.50"},
        start_month="2025-04",
        bank_account="6228480000000098765",
        county="511102",
    )
    context = ChangeContext(
        case_id=None, source="import", actor="test", at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    )
    with db.write() as conn:
        write_record_changes(
            conn,
            [
                ContributionsWritten(rows=rows),
                BenefitGranted(benefit=pension),
                CardStatusChanged(id_number=pid, status=CardStatus.TEMP_LOST, card_number="K55667788"),
            ],
            context,
        )


def test_reviewer_finds_a_person_by_id_number_in_a_post_body(client: TestClient, db: Database) -> None:
    pid = person_id(21)
    add_person(db, pid, enrolled={PENSION.value: "511102"})
    _records(db, pid)
    token = logged_in(client, "review.pension")
    assert client.get("/console/person").status_code == 200
    page = post(client, "/console/person", token, id_number=pid)
    assert page.status_code == 200, page.text
    html = page.text
    assert "王小明" in html and pid in html  # 经办: full
    # 3 months × 7646 / 7646 (the 2024 wage measures 2025) = index 1.0000; account 3 × 611.68
    assert "0 年 3 个月" in html and "1.0000" in html and "1,835.04" in html
    assert "职工基本养老金" in html and "3,120.55" in html and "6228480000000098765" in html
    assert "临时挂失" in html
    # The search never put the ID number into a URL.
    assert all(pid not in str(r.url) for r in [page, *page.history])


def test_supervisor_sees_the_page_masked(client: TestClient, db: Database) -> None:
    pid = person_id(22)
    add_person(db, pid)
    _records(db, pid)
    token = logged_in(client, "supervisor")
    html = post(client, "/console/person", token, id_number=pid).text
    assert pid not in html and "王小明" not in html
    assert pid[:6] + "********" + pid[-4:] in html and "王**" in html
    assert "6228480000000098765" not in html and "***************8765" in html
    assert "3,120.55" in html  # amounts are what supervisors check


def test_search_by_name_and_township_lists_namesakes_without_their_id_numbers(
    client: TestClient, db: Database
) -> None:
    first, second = person_id(23), person_id(24)
    add_person(db, first)
    add_person(db, second)
    add_person(db, person_id(25), township="511102001")  # another township: not listed
    token = logged_in(client, "supervisor")
    listing = post(client, "/console/person", token, name="王小明", township=TOWNSHIP).text
    assert listing.count('name="pick"') == 2
    assert first not in listing and second not in listing  # not even in hidden fields
    chosen = post(client, "/console/person", token, name="王小明", township=TOWNSHIP, pick="1").text
    assert 'id="person-page"' in chosen and second[-4:] in chosen


def test_refusals_are_coded_and_the_admin_has_no_access(client: TestClient, db: Database) -> None:
    token = logged_in(client, "review.pension")
    assert error_code(post(client, "/console/person", token, name="王小明")) == "person_search_empty"
    assert error_code(post(client, "/console/person", token, id_number=person_id(26))) == "person_not_found"
    assert post(client, "/console/person", None, id_number=person_id(26)).status_code in (400, 403)  # no CSRF
    client.cookies.clear()
    logged_in(client, "demo.admin")
    assert error_code(client.get("/console/person")) == "forbidden"


def test_the_case_page_opens_the_person_page_by_post(client: TestClient, db: Database) -> None:
    station = enrolled_station(db)
    pid = person_id(27)
    add_person(db, pid, enrolled={PENSION.value: "511102"})
    case_id = push_case(client, station, "C019", id_number=pid)
    logged_in(client, "review.pension")
    case_page = client.get(f"/console/cases/{case_id}").text
    form = re.search(
        r'<form method="post" action="/console/person"[^>]*id="open-person">(.*?)</form>', case_page, re.S
    )
    assert form is not None and f'name="id_number" value="{pid}"' in form.group(1)
