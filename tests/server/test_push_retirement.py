"""C019 / C021 at ingest: the server refuses a retirement before the statutory age or outside
the elastic window (schema.retirement_checks through the shared case checks), on SQLite and
PostgreSQL, while the rest of the batch applies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from schema.identifiers import make_resident_id
from sync_server.db.engine import Database
from tests.support.factories import FORMS, Station, accept_op, enrolled_station, make_client, push, unit_uscc

MAN_1975 = make_resident_id("511102", dt.date(1975, 5, 17), 11)  # odd sequence: male
C021_MATERIALS = ("written_application", "id_card")


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    return make_client(db, tmp_path)


@pytest.fixture
def station(db: Database) -> Station:
    return enrolled_station(db)


def test_retirements_before_the_statutory_age_are_rejected_and_the_rest_applies(
    client: TestClient, station: Station
) -> None:
    # born 1975-05: (10 × 12 + 4) // 4 + 1 = 32 months later → 62 岁 8 个月 → 2038-01
    form, materials = FORMS["C019"]
    c021 = {"direction": "early", "contact_phone": "13912345678", "employer_uscc": unit_uscc(3)}
    ops = [
        accept_op(station, "C019", id_number=MAN_1975, form=form | {"retirement_month": "2037-12"}),
        # elastic early: 3 years before 62 岁 8 个月 is 59 岁 8 个月, below 60, so the earliest is 60 周岁 → 2035-05
        accept_op(
            station,
            "C021",
            id_number=MAN_1975,
            materials=C021_MATERIALS,
            form=c021 | {"statutory_month": "2038-01", "requested_month": "2035-04"},
        ),
        accept_op(
            station,
            "C019",
            id_number=MAN_1975,
            form=form | {"retirement_month": "2038-01"},
            materials=materials,
        ),
        accept_op(
            station,
            "C021",
            id_number=MAN_1975,
            materials=C021_MATERIALS,
            form=c021 | {"statutory_month": "2038-01", "requested_month": "2035-05"},
        ),
    ]
    results = push(client, station, ops).json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "applied", "applied"]
    assert [[p["code"] for p in r["detail"]["problems"]] for r in results[:2]] == [
        ["retirement_below_age"],
        ["retirement_elastic_too_early"],
    ]
    assert "62 岁 8 个月" in results[0]["message"] and "2038 年 1 月" in results[0]["message"]
    assert "2035 年 5 月" in results[1]["message"]
