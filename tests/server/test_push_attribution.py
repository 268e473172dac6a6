"""参保地 through a real push (SQLite and PostgreSQL): the recorded 户籍 and 经常居住地 decide,
unknown employers and transfer sources are provisional and flagged, 市本级 is a party of
the clearing and the dashboard, and the reviewer sees why a 参保地 is provisional."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.vocabulary import Role
from sync_server.core.clearing_export import clearing_csv
from sync_server.core.clock import posting_period
from sync_server.db.engine import Database
from sync_server.db.tables import cases, enrolments, ledger_entries, persons
from sync_server.services.reports.clearing import clearing_for_period
from sync_server.services.reports.dashboard import GroupBy, dashboard
from tests.support.console_kit import add_account, console_client, logged_in
from tests.support.factories import (
    FORMS,
    Q1,
    TOWNSHIP,
    Station,
    accept_op,
    add_person,
    add_unit,
    enrolled_station,
    person_id,
    push,
    unit_uscc,
)

MUCHENG = "511126107"  # 夹江县木城镇
SUISHAN = "511181100"  # 峨眉山市绥山镇
CITY = "511100"  # 市本级

C005_FORM = {
    "employment_start": "2026-01-05",
    "contract_type": "fixed_term",
    "monthly_wage": "5000",
    "insurance_types": ["enterprise_pension", "work_injury"],
    "household_type": "urban",
}
C026_FORM = {"direction": "in", "other_place": "四川省成都市", "voucher_number": "CD2026-001",
             "contact_phone": "13912345678"}  # fmt: skip


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    add_account(db, "review.collection", Role.REVIEWER, section="collection", name="钱敏")
    return console_client(db, tmp_path)


@pytest.fixture
def station(db: Database) -> Station:
    return enrolled_station(db)


def _results(client: TestClient, station: Station, ops: list[Any]) -> list[dict[str, Any]]:
    answer = push(client, station, ops)
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    assert [r["status"] for r in results] == ["applied"] * len(ops), results
    return results


def _case(db: Database, case_id: Any) -> Any:
    with db.read() as conn:
        return conn.execute(sa.select(cases).where(cases.c.case_id == str(case_id))).one()


def _person(db: Database, id_number: str) -> Any:
    with db.read() as conn:
        return conn.execute(sa.select(persons).where(persons.c.id_number == id_number)).one()


def _c005(station: Station, employee: str, uscc: str) -> Any:
    form = {**C005_FORM, "employee_id_number": employee, "employee_name": "张三"}
    return accept_op(station, "C005", uscc=uscc, form=form, materials=("labour_contract", "employee_id_card"))


def test_the_household_the_clerk_records_decides_not_the_id_area_code(
    db: Database, client: TestClient, station: Station
) -> None:
    # Born in 仁寿 (512621, 眉山 today), with a 夹江 户口簿, accepted at 大佛街道 (市中区).
    newcomer = person_id(41, area="512621")
    form = {**FORMS["G09"][0], "household_division": MUCHENG}
    op = accept_op(station, "G09", id_number=newcomer, name="刘芳", form=form)
    (result,) = _results(client, station, [op])
    assert (result["detail"]["registration_county"], result["detail"]["registration_rule"]) == (
        "511126",
        "household_county",
    )
    row = _case(db, op.case_id)
    assert (row.registration_county, row.attribution_flags) == ("511126", None)
    assert _person(db, newcomer).township_code == MUCHENG


def test_g12_keeps_the_household_and_stores_the_residence_apart(
    db: Database, client: TestClient, station: Station
) -> None:
    known, newcomer = person_id(42), person_id(43, area="511124")
    add_person(db, known, township=TOWNSHIP)  # 户籍 大佛街道 in the registry
    g12 = {"employment_type": "part_time", "residence_division": SUISHAN, "base": "5000",
           "period_start": Q1[0], "period_end": Q1[1], "contact_phone": "13912345678"}  # fmt: skip
    ops = [
        accept_op(station, "G12", id_number=known, form=g12, materials=("id_card",)),
        accept_op(station, "G12", id_number=newcomer, form={**g12, "household_division": MUCHENG},
                  materials=("id_card",)),
    ]  # fmt: skip
    first, second = _results(client, station, ops)
    for result in (first, second):
        assert (result["detail"]["registration_county"], result["detail"]["registration_rule"]) == (
            "511181",
            "residence_county",
        )
    old, new = _person(db, known), _person(db, newcomer)
    assert (old.township_code, old.residence_code) == (TOWNSHIP, SUISHAN)  # 户籍 not overwritten
    assert (new.township_code, new.residence_code) == (MUCHENG, SUISHAN)
    with db.read() as conn:
        counties = set(conn.execute(sa.select(enrolments.c.county_code)).scalars())
    assert counties == {"511181"}


def test_an_unknown_employer_is_provisional_flagged_and_shown_to_the_reviewer(
    db: Database, client: TestClient, station: Station
) -> None:
    unknown = unit_uscc(51, area="511126")  # not in the registry: 夹江 by its code
    op = _c005(station, person_id(44), unknown)
    (result,) = _results(client, station, [op])
    assert result["case_status"] == "routed"
    assert (result["detail"]["registration_county"], result["detail"]["registration_rule"]) == (
        "511126",
        "employer_county",
    )
    assert [f["code"] for f in result["detail"]["attribution_flags"]] == ["employer_unverified"]
    row = _case(db, op.case_id)
    assert [f["code"] for f in row.attribution_flags] == ["employer_unverified"]
    assert "不在单位登记库中" in row.attribution_flags[0]["reason"]

    logged_in(client, "review.collection")
    queue = client.get("/console/queue", params={"item": "C005"})
    assert str(op.case_id) in queue.text and "【用人单位待核实】" in queue.text
    page = client.get(f"/console/cases/{op.case_id}")
    assert page.status_code == 200
    assert 'data-flag="employer_unverified"' in page.text and "参保地为暂定" in page.text
    assert "不在单位登记库中" in page.text


def test_a_known_city_level_employer_is_shibenji_without_a_flag(
    db: Database, client: TestClient, station: Station
) -> None:
    employer = unit_uscc(52, area=CITY)
    add_unit(db, employer, CITY)
    op = _c005(station, person_id(45), employer)
    (result,) = _results(client, station, [op])
    assert (result["detail"]["registration_county"], "attribution_flags" in result["detail"]) == (CITY, False)
    logged_in(client, "review.collection")
    assert "市本级" in client.get(f"/console/cases/{op.case_id}").text


def test_a_transfer_with_no_enrolment_is_provisional_and_flagged(
    db: Database, client: TestClient, station: Station
) -> None:
    op = accept_op(station, "C026", id_number=person_id(46, area="511124"), form=C026_FORM,
                   materials=("id_card", "contribution_voucher", "transfer_application"))  # fmt: skip
    (result,) = _results(client, station, [op])
    assert (result["detail"]["registration_county"], result["detail"]["registration_rule"]) == (
        "511124",
        "id_area_code",
    )
    row = _case(db, op.case_id)
    assert [f["code"] for f in row.attribution_flags] == ["transfer_source_unverified"]


def test_a_mixed_batch_with_shibenji_clears_to_zero(
    db: Database, client: TestClient, station: Station
) -> None:
    at_city, at_qianwei, at_home = person_id(47), person_id(48), person_id(49)
    add_person(db, at_city, enrolled={"enterprise_pension": CITY})  # a flexible worker of 市本级
    add_person(db, at_qianwei, enrolled={"enterprise_pension": "511123"})
    add_person(db, at_home, enrolled={"enterprise_pension": "511102"})
    newcomer = person_id(50, area="512621")
    ops = [
        accept_op(station, "G14", id_number=at_city),
        accept_op(station, "G14", id_number=at_qianwei),
        accept_op(station, "G14", id_number=at_home),
        accept_op(
            station, "G09", id_number=newcomer, form={**FORMS["G09"][0], "household_division": MUCHENG}
        ),
    ]
    results = _results(client, station, ops)
    assert [r["detail"]["registration_county"] for r in results] == [CITY, "511123", "511102", "511126"]
    period = posting_period(dt.datetime.now(dt.UTC))
    with db.read() as conn:
        report = clearing_for_period(conn, period)
        owed_to_city = conn.execute(
            sa.select(sa.func.sum(ledger_entries.c.amount)).where(ledger_entries.c.county_code == CITY)
        ).scalar_one()
        board = dashboard(conn, start=dt.date(2000, 1, 1), end=dt.date(2100, 1, 1), group_by=GroupBy.PARTY,
                          now=dt.datetime.now(dt.UTC))  # fmt: skip
    positions = {p.county: p for p in report.positions}
    assert set(positions) == {CITY, "511102", "511123", "511126"}
    assert owed_to_city < 0 and positions[CITY].net == owed_to_city == -positions[CITY].collected_by_others
    assert report.balanced and report.net_total == 0
    text = clearing_csv(report).decode("utf-8-sig")
    assert "市本级" in text and text.count("511100") >= 2 and "结论,平衡" in text
    assert board.labels[CITY] == "市本级"
    assert {g.group for g in board.summary.groups} == {CITY, "511102", "511123", "511126"}
