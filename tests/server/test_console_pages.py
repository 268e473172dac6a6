"""The console's pages over HTTP (TestClient, both backends): the reviewer's queue and case page,
the chief's workload, the administrators' stations and staff, the supervisors' clearing CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.vocabulary import Role
from sync_server.core.clock import posting_period
from sync_server.db.engine import Database
from sync_server.db.tables import changes, staff, stations
from sync_server.services.admin.stations import verify_enrolment_code
from tests.support.console_kit import (
    add_account,
    case_row,
    console_client,
    error_code,
    logged_in,
    post,
    push_case,
)
from tests.support.console_world import retirement_case
from tests.support.factories import Station, accept_op, add_person, enrolled_station, person_id, push


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    add_account(db, "review.pension", Role.REVIEWER, section="pension", name="赵磊")
    add_account(db, "chief.pension", Role.CHIEF, section="pension", name="曾建国")
    add_account(db, "supervisor", Role.SUPERVISOR)
    add_account(db, "demo.admin", Role.ADMIN)
    return console_client(db, tmp_path)


def test_the_reviewers_day(client: TestClient, db: Database) -> None:
    station = enrolled_station(db)
    insured = person_id(7)
    add_person(db, insured, enrolled={"enterprise_pension": "511102"})
    op = retirement_case(client, station, clerk="clerk.dafo.1", name="王小明", id_number=insured)
    assert push(client, station, [op]).status_code == 200
    case_id = str(op.case_id)
    token = logged_in(client, "review.pension")

    queue = client.get("/console/queue", params={"county": "511102", "item": "C019"})
    assert case_id in queue.text and "认领" in queue.text and "待认领" in queue.text
    partial = client.get(
        "/console/queue",
        params={"county": "511123"},
        headers={"HX-Request": "true", "HX-Target": "queue-panel"},
    )
    assert (
        "<html" not in partial.text
        and case_id not in partial.text
        and "没有符合筛选条件的案件" in partial.text
    )
    noisy = client.get(
        "/console/queue", params={"county": "999999", "item": "C048", "due_before": "tomorrow"}
    )
    assert noisy.text.count('class="alert"') == 3
    assert "大佛街道" in client.get("/console/townships", params={"county": "511102"}).text

    assert (
        post(client, f"/console/cases/{case_id}/claim", token).headers["location"]
        == f"/console/cases/{case_id}"
    )
    page = client.get(f"/console/cases/{case_id}")
    assert page.status_code == 200
    for expected in ("申请人登记信息（人员库）", "13800000000", "申请退休年月", "身份证.png", "退休审批表.pdf",
                     "参保地", "按其参保地", "办理记录", "认领", "已认领该案件"):  # fmt: skip
        assert expected in page.text, expected
    scans = re.findall(rf"/console/cases/{case_id}/scans/([0-9a-f]{{64}})", page.text)
    assert len(set(scans)) == 2
    kinds = {
        client.get(f"/console/cases/{case_id}/scans/{sha}").headers["content-type"] for sha in set(scans)
    }
    assert kinds == {"image/png", "application/pdf"}
    assert client.get(f"/console/cases/{case_id}/scans/{'0' * 64}").status_code == 404

    no_reason = post(client, f"/console/cases/{case_id}/decision", token, decision="reject", reason="")
    assert (no_reason.status_code, error_code(no_reason)) == (
        422,
        "request_invalid",
    ) and "必须填写理由" in no_reason.text
    approved = post(client, f"/console/cases/{case_id}/decision", token, decision="approve")
    assert approved.headers["location"] == f"/console/cases/{case_id}"
    after = client.get(approved.headers["location"])
    assert "已核准。决定已发送给受理服务站" in after.text and "已办结（核准）" in after.text
    assert "已核准" not in client.get(f"/console/cases/{case_id}").text  # the notice shows once
    again = post(client, f"/console/cases/{case_id}/decision", token, decision="approve")
    assert (again.status_code, error_code(again)) == (409, "case_terminal")


def test_the_chief_sees_the_workload_and_reassigns(client: TestClient, db: Database) -> None:
    station = enrolled_station(db)
    case_id = push_case(client, station)
    token = logged_in(client, "chief.pension")
    assert "待认领" in client.get("/console/workload").text
    page = client.get(f"/console/cases/{case_id}")
    assert "改派给" in page.text and "转交科室" in page.text
    done = post(client, f"/console/cases/{case_id}/reassign", token, assignee="review.pension")
    assert done.status_code == 303 and case_row(db, case_id).claimed_by == "review.pension"
    load = client.get("/console/workload").text
    assert "赵磊（review.pension）" in load


def test_administrators_run_stations_and_staff(client: TestClient, db: Database) -> None:
    token = logged_in(client, "demo.admin")
    added = post(client, "/console/stations", token, township="511181100", name="绥山镇社保所")
    assert added.status_code == 200
    code = re.search(r'id="enrol-code">([A-Z0-9-]+)<', added.text)
    assert code is not None
    with db.read() as conn:
        assert verify_enrolment_code(conn, code.group(1), dt.datetime.now(dt.UTC)).id == "511181100-00"
    bad = post(client, "/console/stations", token, township="511100", name="乐山市")
    assert bad.status_code == 422 and "station_division_not_township" in bad.text
    listing = client.get("/console/stations")
    assert "511181100-00" in listing.text and "注册码待使用" in listing.text and "尚未下载" in listing.text

    station = enrolled_station(db, township="511123100")
    assert (
        post(client, f"/console/stations/{station.id}/start-over", token, reason="摘要不一致").status_code
        == 303
    )
    assert post(client, f"/console/stations/{station.id}/revoke", token).status_code == 303
    with db.read() as conn:
        assert (
            conn.execute(sa.select(stations.c.status).where(stations.c.id == station.id)).scalar()
            == "revoked"
        )
        assert (
            conn.execute(sa.select(changes.c.kind).where(changes.c.scope == f"station:{station.id}")).scalar()
            == "start_over"
        )

    made = post(
        client,
        "/console/staff",
        token,
        username="review.li",
        display_name="李审",
        role="reviewer",
        section="medical",
    )
    assert made.status_code == 200 and 'id="issued-password"' in made.text
    refused = post(
        client,
        "/console/staff",
        token,
        username="Bad Name",
        display_name="x",
        role="reviewer",
        section="medical",
    )
    assert refused.status_code == 422 and "staff_username_invalid" in refused.text
    dafo = enrolled_station(db)
    add_account(db, "clerk.moving", Role.CLERK, station_id=dafo.id)
    moved = post(client, "/console/staff/clerk.moving/role", token, role="reviewer", section="pension")
    assert moved.status_code == 303
    with db.read() as conn:
        row = conn.execute(sa.select(staff).where(staff.c.username == "clerk.moving")).one()
        dropped = conn.execute(
            sa.select(changes.c.deleted).where(changes.c.scope == f"station:{dafo.id}", changes.c.key == "clerk.moving")
            .order_by(changes.c.id.desc())
        ).first()  # fmt: skip
    assert (row.role, row.section, row.station_id) == ("reviewer", "pension", None)
    assert dropped is not None and dropped.deleted is True
    catalog = client.get("/console/catalog")
    assert "2026.1" in catalog.text and "复杂业务（前台受理、后台办结）100 项" in catalog.text


def _fee_case(client: TestClient, station: Station, home_county: str, n: int, db: Database) -> None:
    insured = person_id(n, area=home_county)
    add_person(db, insured, enrolled={"enterprise_pension": home_county, "employee_medical": home_county})
    assert (
        push(client, station, [accept_op(station, "G14", id_number=insured)]).json()["results"][0]["status"]
        == "applied"
    )


def test_the_clearing_csv_balances_across_counties(client: TestClient, db: Database) -> None:
    dafo, yujin = enrolled_station(db), enrolled_station(db, township="511123100")
    _fee_case(client, dafo, "511123", 1, db)  # 市中区 collects for 犍为县, twice
    _fee_case(client, dafo, "511123", 4, db)
    _fee_case(client, dafo, "511102", 2, db)  # for itself
    _fee_case(client, yujin, "511102", 3, db)  # 犍为县 collects for 市中区
    logged_in(client, "supervisor")
    period = posting_period(dt.datetime.now(dt.UTC))
    page = client.get("/console/clearing", params={"period": period})
    assert 'id="balanced">平衡' in page.text and 'id="net-total">0.00' in page.text
    answer = client.get("/console/clearing.csv", params={"period": period})
    assert (
        answer.headers["content-type"].startswith("text/csv")
        and answer.headers["x-clearing-balanced"] == "true"
    )
    assert answer.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    detail_at = rows.index(["一、征收明细"]) + 2
    details = rows[detail_at : rows.index([], detail_at)]
    positions_at = next(i for i, r in enumerate(rows) if r and r[0].startswith("三、")) + 2
    positions = rows[positions_at : rows.index([], positions_at)]
    *counties, total = positions
    assert total[1] == "合计" and Decimal(total[4]) == 0
    assert sum(Decimal(r[4]) for r in counties) == 0
    nets = {r[0]: Decimal(r[4]) for r in counties}
    from_details = {c: Decimal(0) for c in nets}
    for r in details:
        collecting, owed, amount = r[1], r[3], Decimal(r[9])
        if collecting != owed:
            from_details[collecting] += amount
            from_details[owed] -= amount
    assert from_details == nets and nets["511102"] == -nets["511123"] != 0
    assert ["结论", "平衡"] in rows
    assert client.get("/console/clearing", params={"period": "2026-13"}).status_code == 200
