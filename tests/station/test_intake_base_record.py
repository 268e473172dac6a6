"""A registry-changing case says what the station started from (``base_record``): the values of
the rows the item changes as the local slice held them, so the console's conflict page can show
them even when the city's feed never carried that version (the station's first download)."""

from __future__ import annotations

from datetime import date

from schema.catalog import load_catalog
from schema.records import EnrolmentRecord
from schema.vocabulary import InsuranceType
from station_client.core.intake_rules import ApplicantInput
from station_client.services.intake import IntakeRequest, base_record, intake
from station_client.services.session import Session
from station_client.store import cases
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, TOWNSHIP, person

NEW_ADDRESS = "乐山市市中区白塔街8号"


def test_a_person_change_carries_the_row_the_form_was_checked_against(session: Session):
    form = {"change_items": ["address"], "new_address": NEW_ADDRESS}
    result = intake(
        session, IntakeRequest("G08", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card"]), now=NOW
    )
    doc = cases.get_doc(session.db, session.dek, str(result.case_id))
    assert doc is not None
    held = doc.payload.base_record
    assert held is not None and held.version == doc.payload.base_version == 3
    assert (held.id_number, held.name, held.township) == (KNOWN_ID, KNOWN_NAME, TOWNSHIP)
    assert (held.phone, held.address) == ("13800000000", "乐山市市中区大佛街道滨江路1号")  # before the change
    assert held.enrolments == ()  # G08 changes no enrolment: none travels


def test_an_enrolment_change_carries_only_the_enrolments_it_changes():
    """G13 (停保) changes the flexible worker's pension/medical enrolments: those travel, not
    the person's phone or address, nor an enrolment of another insurance."""
    pension = EnrolmentRecord(insurance=InsuranceType.ENTERPRISE_PENSION, county="511102", status="active", since=date(2020, 1, 1), version=2)  # fmt: skip
    resident = EnrolmentRecord(insurance=InsuranceType.RESIDENT_MEDICAL, county="511102", status="active", since=date(2015, 1, 1), version=1)  # fmt: skip
    held = person(KNOWN_ID, KNOWN_NAME, version=5).model_copy(update={"enrolments": (pension, resident)})
    record = base_record(held, load_catalog().item("G13"))
    assert (
        record is not None
        and record.version == 5
        and (record.id_number, record.phone, record.address) == (None, None, None)
    )
    assert [(e.insurance, e.status, e.version) for e in record.enrolments] == [
        ("enterprise_pension", "active", 2)
    ]


def test_a_contribution_item_sends_its_version_but_no_rows(session: Session):
    """G14 changes contributions only (no person or enrolment row): nothing more travels."""
    form = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True}
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card"]), now=NOW
    )
    doc = cases.get_doc(session.db, session.dek, str(result.case_id))
    assert doc is not None and doc.payload.base_version == 3
    assert doc.payload.base_record is None
