"""Eligibility at ingest: the server refuses again what the desk must refuse (schema.eligibility),
each a rejected operation naming the rule's code, while the rest of the batch applies.

Pure checks of ``check_accept`` first, then pushes through the real app on SQLite and
PostgreSQL (the G09 registry rule needs the server's enrolments)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from stdnum.cn import ric

from schema.catalog import load_catalog
from schema.rates import load_rates
from sync_server.core.case_rules import CheckedCase, Rejection, check_accept
from sync_server.db.engine import Database
from sync_server.db.tables import cases
from sync_server.services import audit
from tests.conftest import table_count
from tests.support.factories import (
    BEIJING,
    FORMS,
    Station,
    accept_op,
    add_person,
    enrolled_station,
    make_client,
    person_id,
    push,
    unit_uscc,
)

CATALOG, RATES = load_catalog(), load_rates()
TODAY = dt.datetime.now(BEIJING).date()  # the station's clock in these pushes; forms follow its year
YEAR = TODAY.year


def _g09(**changes: Any) -> dict[str, Any]:
    return {**FORMS["G09"][0], "year": YEAR, **changes}


def _g14(start: str, end: str) -> dict[str, Any]:
    return {"base": "5000", "period_start": start, "period_end": end, "include_medical": False}


def _c066(reason: str) -> dict[str, Any]:
    left = TODAY - dt.timedelta(days=20)
    return {"separation_date": left.isoformat(), "former_employer_uscc": unit_uscc(5), "separation_reason": reason,
            "registration_date": TODAY.isoformat(), "bank_name": "中国农业银行乐山苏稽支行",
            "bank_account": "6228480402564890018"}  # fmt: skip


C066_MATERIALS = ("id_or_ss_card", "separation_proof", "unemployment_registration")
C005_MATERIALS = ("labour_contract", "employee_id_card")


def _c005(**changes: Any) -> dict[str, Any]:
    return {"employee_id_number": person_id(900), "employee_name": "李秀英", "employment_start": TODAY.isoformat(),
            "contract_type": "fixed_term", "monthly_wage": "3000", "insurance_types": ["enterprise_pension"],
            "household_type": "urban", **changes}  # fmt: skip


def _problem_codes(rejected: Rejection) -> list[str]:
    return [p["code"] for p in rejected.detail["problems"]]


# ---- check_accept: pure --------------------------------------------------------------------

STATION = Station("511102004-00", key=None)  # type: ignore[arg-type]  (no signing here)


def _check(item: str, form: dict[str, Any], materials: tuple[str, ...] | None = None, **kw: Any) -> Any:
    op = accept_op(STATION, item, form=form, materials=materials, **kw)
    return check_accept(op.payload, catalog=CATALOG, rates=RATES, today=TODAY)


@pytest.mark.parametrize(
    ("item", "form", "materials", "code"),
    [
        ("G09", _g09(is_student=True), None, "eligibility_full_time_student"),
        ("G09", _g09(not_in_other_pension=False), None, "eligibility_in_other_pension"),
        ("C066", _c066("resigned"), C066_MATERIALS, "eligibility_voluntary_separation"),
        ("G14", _g14(f"{YEAR}-11", f"{YEAR + 1}-01"), None, "fee_month_after_this_year"),
        ("G14", _g14(f"{YEAR - 1}-12", f"{YEAR}-01"), None, "fee_month_of_past_year"),
        ("C005", _c005(), C005_MATERIALS, "eligibility_wage_below_floor"),
        ("C005", _c005(wage_floor_confirmed=True), C005_MATERIALS, "eligibility_derived_mismatch"),
    ],
)
def test_check_accept_refuses_what_the_rules_refuse(
    item: str, form: dict[str, Any], materials: Any, code: str
) -> None:
    rejected = _check(item, form, materials)
    assert isinstance(rejected, Rejection) and rejected.code == "op_validation_failed", rejected
    assert code in _problem_codes(rejected)


@pytest.mark.parametrize(
    ("item", "form", "materials"),
    [
        ("G09", _g09(is_student=False), None),
        ("C066", _c066("employer_terminated"), C066_MATERIALS),
        ("G14", _g14(f"{YEAR}-01", f"{YEAR}-12"), None),
        ("C005", _c005(monthly_wage="8000"), C005_MATERIALS),
    ],
)
def test_check_accept_takes_what_the_rules_allow(item: str, form: dict[str, Any], materials: Any) -> None:
    assert isinstance(_check(item, form, materials), CheckedCase)


def test_a_confirmed_c005_floor_is_taken_with_the_base_the_station_recorded() -> None:
    floor = RATES.base_limits(TODAY).lower
    checked = _check("C005", _c005(wage_floor_confirmed=True, contribution_base=str(floor)), C005_MATERIALS)
    assert isinstance(checked, CheckedCase), checked
    assert checked.values["contribution_base"] == f"{floor:.2f}"
    assert [w.code for w in checked.warnings] == ["eligibility_base_raised_to_floor"]


def test_implausible_id_numbers_are_refused() -> None:
    for area in ("000000", "990000"):
        body = f"{area}19900101001"
        rejected = _check("G02", FORMS["G02"][0], id_number=body + ric.calc_check_digit(body + "0"))
        assert isinstance(rejected, Rejection) and _problem_codes(rejected) == ["id_bad_province"]


# ---- pushes: SQLite and PostgreSQL ---------------------------------------------------------


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    return make_client(db, tmp_path)


@pytest.fixture
def station(db: Database) -> Station:
    return enrolled_station(db)


def test_a_batch_with_ineligible_cases_applies_the_rest(
    db: Database, client: TestClient, station: Station
) -> None:
    floor = RATES.base_limits(TODAY).lower
    ops = [
        accept_op(station, "G09", form=_g09(is_student=True)),
        accept_op(station, "C066", form=_c066("resigned"), materials=C066_MATERIALS),
        accept_op(station, "G14", form=_g14(f"{YEAR}-12", f"{YEAR + 1}-02")),
        accept_op(station, "C005", form=_c005(), materials=C005_MATERIALS),
        accept_op(
            station,
            "C005",
            form=_c005(
                wage_floor_confirmed=True, contribution_base=f"{floor:.2f}"
            ),  # as the station records it
            materials=C005_MATERIALS,
        ),
        accept_op(station, "G09", form=_g09()),
    ]
    results = push(client, station, ops).json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 4 + ["applied"] * 2
    codes = [[p["code"] for p in r["detail"]["problems"]] for r in results[:4]]
    assert codes == [
        ["eligibility_full_time_student"],
        ["eligibility_voluntary_separation"],
        ["fee_month_after_this_year"],
        ["eligibility_wage_below_floor"],
    ]
    assert "全日制在校学生" in results[0]["message"] and "本人意愿" in results[1]["message"]
    assert [w["code"] for w in results[4]["detail"]["warnings"]] == ["eligibility_base_raised_to_floor"]
    assert table_count(db, cases) == 2
    with db.read() as conn:
        stored = conn.execute(
            sa.select(cases.c.payload).where(cases.c.case_id == str(ops[4].case_id))
        ).scalar_one()
        assert audit.verify(conn).intact
    assert stored["form"]["contribution_base"] == f"{floor:.2f}"


@pytest.mark.parametrize("scheme", ["enterprise_pension", "institution_pension"])
def test_g09_for_a_person_the_registry_has_in_an_employees_pension_is_rejected(
    db: Database, client: TestClient, station: Station, scheme: str
) -> None:
    insured, former = person_id(41), person_id(42)
    add_person(db, insured, enrolled={scheme: "511102"})
    add_person(db, former, enrolled={"resident_medical": "511102"})
    ops = [
        accept_op(station, "G09", id_number=insured, form=_g09()),
        accept_op(station, "G09", id_number=former, form=_g09()),
    ]
    refused, applied = push(client, station, ops).json()["results"]
    assert (refused["status"], applied["status"]) == ("rejected", "applied")
    assert [p["code"] for p in refused["detail"]["problems"]] == ["eligibility_enrolled_in_other_pension"]
    assert "不能再参加城乡居民养老保险" in refused["message"]
    with db.read() as conn:
        assert audit.verify(conn).intact


def test_g09_after_the_employees_pension_stopped_is_taken(
    db: Database, client: TestClient, station: Station
) -> None:
    left = person_id(43)
    add_person(db, left, enrolled={"enterprise_pension": "511102"})
    with db.write() as conn:
        from sync_server.db.tables import enrolments

        conn.execute(sa.update(enrolments).where(enrolments.c.id_number == left).values(status="stopped"))
    [result] = push(client, station, [accept_op(station, "G09", id_number=left, form=_g09())]).json()[
        "results"
    ]
    assert result["status"] == "applied", result
