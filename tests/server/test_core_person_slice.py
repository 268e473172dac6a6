"""The records a township's stations carry of a person (core/person_slice.py): pure, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from schema.records import PersonRecord
from schema.vocabulary import InsuranceType
from sync_server.core.person_slice import BenefitRow, SliceRecords, benefit_records, last_paid, with_records

BASE = PersonRecord(
    id_number="511102195503150012",
    name="李大爷",
    sex="M",
    birth_date=dt.date(1955, 3, 15),
    township="511102004",
    version=4,
)


def test_the_last_month_paid_is_per_insurance_and_an_archived_year_counts_only_without_months() -> None:
    months = [
        ("enterprise_pension", "2014-11"),
        ("enterprise_pension", "2015-04"),
        ("resident_pension", "2019-12"),
    ]
    archived = [("enterprise_pension", 2013), ("employee_medical", 2012), ("resident_pension", 2020)]
    got = {c.insurance: c.month for c in last_paid(months, archived)}
    assert got == {
        InsuranceType.ENTERPRISE_PENSION: "2015-04",  # 2013's summary is older than the months
        InsuranceType.EMPLOYEE_MEDICAL: "2012",  # only an archived year: the year alone
        InsuranceType.RESIDENT_PENSION: "2020",  # a later archived year wins over an older month
    }


def test_an_unknown_insurance_is_left_out_rather_than_refused_by_the_station() -> None:
    assert last_paid([("retired_fund_x", "2020-01")], []) == ()


def test_benefits_paid_come_first_then_suspended_then_ended() -> None:
    rows = [
        BenefitRow("unemployment_benefit", Decimal("1710.00"), "ended", "2012-03", "2013-02"),
        BenefitRow("employee_pension", Decimal("3120.55"), "in_payment", "2015-04", None),
        BenefitRow("nursing_allowance", Decimal("800.00"), "suspended", "2020-01", None),
    ]
    got = [(b.kind, b.status, b.monthly_amount) for b in benefit_records(rows)]
    assert got == [
        ("employee_pension", "in_payment", Decimal("3120.55")),
        ("nursing_allowance", "suspended", Decimal("800.00")),
        ("unemployment_benefit", "ended", Decimal("1710.00")),
    ]


def test_with_records_keeps_the_row_version_apart_and_the_slice_version_grows_with_either() -> None:
    records = SliceRecords(
        status="deceased",
        death_date=dt.date(2026, 1, 15),
        residence="511102003",
        records_version=3,
        benefits=(BenefitRow("employee_pension", Decimal("3120.55"), "ended", "2015-04", "2026-01"),),
        card_status="cancelled",
    )
    record = with_records(BASE, records)
    assert (record.version, record.records_version, record.slice_version) == (4, 3, 7)
    assert (record.status, record.death_date, record.residence, record.card_status) == (
        "deceased",
        dt.date(2026, 1, 15),
        "511102003",
        "cancelled",
    )
    assert record.benefits[0].end_month == "2026-01"
    # The wire form round-trips: money as a string to the fen, nothing lost.
    again = PersonRecord.model_validate_json(record.model_dump_json())
    assert again == record and record.model_dump(mode="json")["benefits"][0]["monthly_amount"] == "3120.55"


def test_a_value_the_station_could_not_read_is_refused_on_the_server() -> None:
    with pytest.raises(ValidationError):
        with_records(BASE, SliceRecords(card_status="shredded"))


def test_a_record_from_before_the_records_reads_as_alive_with_nothing_carried() -> None:
    old = PersonRecord.model_validate(BASE.model_dump(mode="json", exclude={"records_version", "status"}))
    assert (old.status, old.benefits, old.card_status, old.slice_version) == ("alive", (), None, 4)
