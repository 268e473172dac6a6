"""Which registry row a desk change is based on (schema.registry_rows), and what the city does
with a case from an older station that sent only the person's version (no base_record).

A case's ``base_version`` is the person's version; the primary row of G09/G12/G13 is an
enrolment, whose version the station held comes in ``base_record``. An older station's
registration applies while the enrolment is still absent; a registration over an existing
enrolment and every stop go to 综合业务科, since its person version says nothing about them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from schema.cases import BaseEnrolment, BaseRecord
from schema.catalog import load_catalog
from schema.protocol import CaseAcceptOp
from schema.registry_rows import UNKNOWN, PrimaryRow, primary_row, station_base
from schema.vocabulary import InsuranceType
from sync_server.db.engine import Database
from sync_server.db.tables import conflicts, enrolments
from tests.support.factories import (
    Station,
    accept_op,
    add_person,
    enrolled_station,
    make_client,
    person_id,
    push,
)

THIS_MONTH = dt.date.today().strftime("%Y-%m")
G12 = {"employment_type": "part_time", "residence_division": "511102004", "base": "5000",
       "period_start": THIS_MONTH, "period_end": THIS_MONTH, "contact_phone": "13912345678"}  # fmt: skip
G13 = {"stop_month": THIS_MONTH, "insurance_types": ["enterprise_pension"], "reason": "moved"}
PENSION = InsuranceType.ENTERPRISE_PENSION


def _held(version: int, *insurances: tuple[str, int]) -> BaseRecord:
    return BaseRecord(
        version=version,
        enrolments=tuple(
            BaseEnrolment(insurance=i, county="511102", status="active", since=dt.date(2015, 1, 1), version=v)
            for i, v in insurances
        ),
    )


# ---- the primary row and the station's version of it -------------------------------------


def test_each_desk_change_names_its_primary_row() -> None:
    assert primary_row("G08", {}) == PrimaryRow("person")
    assert primary_row("G11", {}) == PrimaryRow("person")
    assert primary_row("G09", {}) == PrimaryRow("enrolment", InsuranceType.RESIDENT_PENSION)
    assert primary_row("G12", {"include_medical": True}) == PrimaryRow("enrolment", PENSION)
    medical = primary_row("G13", {"insurance_types": ["employee_medical", "enterprise_pension"]})
    assert medical == PrimaryRow("enrolment", InsuranceType.EMPLOYEE_MEDICAL)
    assert primary_row("G13", {}) == PrimaryRow("enrolment", PENSION)
    assert primary_row("G02", {}) is None


@pytest.mark.parametrize("item_code", ["G09", "G12", "G13"])
def test_the_station_sends_its_version_of_every_primary_enrolment(item_code: str) -> None:
    # the station's base_record carries the enrolments of the item's registry_fields
    fields = load_catalog().item(item_code).registry_fields
    for values in ({}, {"insurance_types": ["employee_medical"]}):
        row = primary_row(item_code, values)
        assert row is not None and row.insurance is not None
        assert f"enrolment.{row.insurance.value}" in fields


def test_the_stations_version_of_the_primary_row() -> None:
    person, pension = PrimaryRow("person"), PrimaryRow("enrolment", PENSION)
    assert station_base(person, 3, _held(3)) == 3
    assert station_base(person, None, None) == 0  # the station did not know the person
    assert station_base(pension, 3, _held(3, ("enterprise_pension", 2))) == 2
    assert station_base(pension, 3, _held(3, ("employee_medical", 5))) == 0  # held none of it
    assert station_base(pension, None, None) == 0
    assert station_base(pension, 3, None) is UNKNOWN  # an older station: the person's version only


# ---- cases pushed by an older station (base_version, no base_record) ----------------------


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    return make_client(db, tmp_path)


@pytest.fixture
def station(db: Database) -> Station:
    return enrolled_station(db)


def _push(client: TestClient, station: Station, op: CaseAcceptOp) -> dict[str, Any]:
    (result,) = push(client, station, [op]).json()["results"]
    assert result["status"] == "applied"
    return dict(result)


def _conflicts(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as conn:
        rows = conn.execute(sa.select(conflicts.c.entity, conflicts.c.entity_key, conflicts.c.status)).all()
    return [tuple(r) for r in rows]


def test_an_older_stations_g12_for_a_person_without_the_enrolment_applies(
    db: Database, client: TestClient, station: Station
) -> None:
    insured = person_id(51)
    add_person(db, insured, version=3)
    op = accept_op(station, "G12", id_number=insured, form=G12, materials=["id_card"], base_version=3)
    assert _push(client, station, op)["case_status"] == "completed"
    with db.read() as conn:
        held = conn.execute(
            sa.select(enrolments.c.insurance_type, enrolments.c.kind).where(enrolments.c.id_number == insured)
        ).all()
    assert [tuple(r) for r in held] == [("enterprise_pension", "flexible")] and _conflicts(db) == []


def test_an_older_stations_g12_over_an_existing_enrolment_goes_to_the_integrated_section(
    db: Database, client: TestClient, station: Station
) -> None:
    insured = person_id(52)
    add_person(db, insured, version=3, enrolled={"enterprise_pension": "511102"}, kind="employee")
    op = accept_op(station, "G12", id_number=insured, form=G12, materials=["id_card"], base_version=3)
    result = _push(client, station, op)
    assert (result["case_status"], result["detail"]["section"]) == ("conflict", "integrated")
    assert _conflicts(db) == [("enrolment", f"{insured}:enterprise_pension", "open")]


def test_an_older_stations_g13_is_checked_by_a_person_not_left_to_chance(
    db: Database, client: TestClient, station: Station
) -> None:
    # its person version (1) happens to equal the enrolment's version: no longer taken as "the same row"
    insured = person_id(53)
    add_person(db, insured, version=1, enrolled={"enterprise_pension": "511102"}, kind="flexible")
    op = accept_op(station, "G13", id_number=insured, form=G13, materials=["id_card"], base_version=1)
    assert _push(client, station, op)["case_status"] == "conflict"
    assert _conflicts(db) == [("enrolment", f"{insured}:enterprise_pension", "open")]


def test_a_current_stations_g13_carries_the_enrolment_version_it_held(
    db: Database, client: TestClient, station: Station
) -> None:
    insured = person_id(54)
    add_person(db, insured, version=4, enrolled={"enterprise_pension": "511102"}, kind="flexible")
    op = accept_op(station, "G13", id_number=insured, form=G13, materials=["id_card"], base_version=4)
    held = _held(4, ("enterprise_pension", 1))
    op = op.model_copy(update={"payload": op.payload.model_copy(update={"base_record": held})})
    assert _push(client, station, op)["case_status"] == "completed"
    with db.read() as conn:
        status = conn.execute(
            sa.select(enrolments.c.status).where(enrolments.c.id_number == insured)
        ).scalar()
    assert status == "suspended" and _conflicts(db) == []
