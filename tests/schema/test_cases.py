"""A case as it travels: numbers without coordination, normalised applicants, money as strings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schema.cases import (
    ALLOWED_MEDIA_TYPES,
    MAX_ATTACHMENT_BYTES,
    Applicant,
    AttachmentRef,
    CaseNumber,
    CaseNumberError,
    CasePayload,
    FeeLineWire,
    FeeSummary,
    case_number,
    parse_case_number,
)
from schema.fees import Contribution, FeeLine
from schema.vocabulary import Account, ApplicantKind, FeeKind, InsuranceType, Tier

BEIJING = timezone(timedelta(hours=8))
DAY = date(2026, 11, 26)
STATION_CODE = "511102004-00"  # 大佛街道 township station
CASE_ID = UUID("6f0b6b8e-3c1a-4f7e-9a52-2a4d1b6c9e01")
PERSON = Applicant(kind=ApplicantKind.PERSON, name="张三", id_number="511102199001010017")
SCAN = AttachmentRef(
    sha256="ab" * 32, size=184_320, media_type="image/jpeg", filename="户口簿.jpg", material_code="M01"
)


def fee_line(amount: str, *, account: Account = Account.POOLED, month: str | None = "2026-11") -> dict:
    return {
        "insurance": InsuranceType.ENTERPRISE_PENSION,
        "account": account,
        "month": month,
        "amount": amount,
        "payer": "person",
    }


def flexible_fee() -> FeeSummary:
    lines = (fee_line("366.98", account=Account.PERSONAL), fee_line("550.62"))
    return FeeSummary.model_validate({"kind": FeeKind.FLEXIBLE_WORKER, "total": "917.60", "lines": lines})


def payload(**changes: object) -> CasePayload:
    fields: dict[str, object] = {
        "case_id": CASE_ID,
        "case_number": case_number(STATION_CODE, DAY, 7),
        "item_code": "C012",
        "tier": Tier.COMPLEX,
        "station_id": "511102004-00",
        "clerk": "li.mei",
        "applicant": PERSON,
        "form": {"reason": "转移接续", "months": 12, "base": "4588.00"},
        "materials_provided": ("M01", "M02"),
        "attachments": (SCAN,),
        "fee": flexible_fee(),
        "accepted_at": datetime(2026, 11, 26, 9, 30, tzinfo=BEIJING),
        "promised_date": date(2026, 12, 10),
    }
    fields.update(changes)
    return CasePayload.model_validate(fields)


# ── case numbers ───────────────────────────────────────────────────────────────────────


def test_case_numbers_are_station_date_and_counter():
    assert case_number(STATION_CODE, DAY, 7) == "511102004-00-20261126-0007"
    assert case_number(STATION_CODE, DAY, 7, tier=Tier.GENERAL) == "511102004-00-20261126-W0007"


def test_a_case_number_typed_back_in_full_width_is_understood():
    typed = " ５１１１０２００４－００－２０２６１１２６－ｗ０００７ "
    assert parse_case_number(typed) == CaseNumber(STATION_CODE, DAY, 7, Tier.GENERAL)


@given(
    township=st.integers(100_000_000, 999_999_999),
    point=st.integers(0, 99),
    day=st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    counter=st.integers(1, 9999),
    tier=st.sampled_from(Tier),
)
def test_case_numbers_round_trip(township, point, day, counter, tier):
    station = f"{township}-{point:02d}"
    assert parse_case_number(case_number(station, day, counter, tier=tier)) == (station, day, counter, tier)


@pytest.mark.parametrize(
    "text",
    [
        "511102004-00-20261126-0000",  # counters start at 1
        "511102004-00-20261332-0007",  # no 32 December
        "511102004-00-20261126-7",  # the counter is four digits
        "511102004-20261126-0007",  # no service point
        "511102004-00-20261126-B0007",  # only W marks a general item
    ],
)
def test_malformed_case_numbers_are_refused(text):
    with pytest.raises(CaseNumberError) as info:
        parse_case_number(text)
    assert info.value.code == "case_number_invalid"
    assert "请核对" in info.value.message


def test_case_number_parts_are_checked():
    with pytest.raises(CaseNumberError, match="station_code_invalid"):
        case_number("511102004", DAY, 1)
    with pytest.raises(CaseNumberError, match="case_counter_out_of_range"):
        case_number(STATION_CODE, DAY, 10_000)


# ── applicants and attachments ─────────────────────────────────────────────────────────


def test_applicant_fields_are_normalised_not_refused():
    person = Applicant(
        kind="person", name="  张三\u3000", id_number="５１１１０２ 1990 0101 001x", phone="138-0000-0000"
    )
    assert (person.name, person.id_number, person.phone) == ("张三", "51110219900101001X", "13800000000")
    unit = Applicant(kind="unit", name="乐山市某某有限公司", uscc="91 511100 MA62 0000 0q")
    assert unit.uscc == "91511100MA6200000Q"  # shape only: check characters are schema.identifiers' job


def test_a_person_has_an_id_number_and_a_unit_a_uscc():
    with pytest.raises(ValidationError, match="person applicant"):
        Applicant(kind="person", name="张三", uscc="91511100MA62000000")
    with pytest.raises(ValidationError, match="unit applicant"):
        Applicant(kind="unit", name="某公司", id_number="511102199001010017")
    with pytest.raises(ValidationError, match="pattern"):
        Applicant(kind="person", name="张三", id_number="51110219900101")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("size", 0),
        ("size", MAX_ATTACHMENT_BYTES + 1),
        ("media_type", "image/gif"),
        ("filename", "../etc/passwd"),
        ("sha256", "AB" * 32),  # lower-case hex only: one spelling per file
    ],
)
def test_attachment_limits(field, value):
    with pytest.raises(ValidationError):
        AttachmentRef.model_validate({**SCAN.model_dump(), field: value})
    assert {"image/jpeg", "image/png", "application/pdf"} == ALLOWED_MEDIA_TYPES


# ── fees ───────────────────────────────────────────────────────────────────────────────


def test_fee_amounts_travel_as_strings_and_add_up():
    fee = flexible_fee()
    wire = json.loads(fee.model_dump_json())
    assert wire["total"] == "917.60"
    assert [line["amount"] for line in wire["lines"]] == ["366.98", "550.62"]
    assert FeeSummary.model_validate_json(fee.model_dump_json()) == fee
    assert fee.collected == Decimal("917.60")


def test_fees_refuse_floats_part_fen_and_wrong_totals():
    with pytest.raises(ValidationError, match="not a float"):
        FeeLineWire.model_validate(fee_line(917.6))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="decimal places"):
        FeeLineWire.model_validate(fee_line("917.605"))
    with pytest.raises(ValidationError, match="add up"):
        FeeSummary.model_validate(
            {"kind": "flexible_worker", "total": "917.61", "lines": [fee_line("917.60")]}
        )


def test_a_contribution_becomes_a_fee_summary_with_the_same_lines():
    own = FeeLine(**fee_line("300.00", account=Account.PERSONAL, month=None) | {"payer": "person"})
    subsidy = FeeLine(**fee_line("40.00", account=Account.PERSONAL, month=None) | {"payer": "government"})
    contribution = Contribution(
        kind=FeeKind.RESIDENT_PENSION,
        total=Decimal("340.00"),
        lines=(own, subsidy),
        months=(),
        base=Decimal("300.00"),
        payer_amount=Decimal("300.00"),
        subsidy_amount=Decimal("40.00"),
        year=2026,
        rates_version="2026-01",
    )
    fee = FeeSummary.of(contribution)
    assert (fee.total, fee.collected, fee.rates_version) == (Decimal("340.00"), Decimal("300.00"), "2026-01")
    assert [line.model_dump() for line in fee.lines] == [line.model_dump() for line in contribution.lines]


# ── the case payload ───────────────────────────────────────────────────────────────────


def test_a_case_payload_round_trips_through_json():
    case = payload()
    assert CasePayload.model_validate_json(case.model_dump_json()) == case
    general = payload(
        case_number=case_number(STATION_CODE, DAY, 8, tier=Tier.GENERAL),
        tier=Tier.GENERAL,
        item_code="G02",
        promised_date=None,
        fee=None,
        attachments=(),
        unverified_applicant=True,
        base_version=3,
    )
    assert CasePayload.model_validate_json(general.model_dump_json()) == general


def test_the_case_number_is_stored_in_its_canonical_spelling():
    assert payload(case_number="511102004-00-20261126-０００７").case_number == "511102004-00-20261126-0007"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"tier": Tier.GENERAL, "promised_date": None}, "marker"),
        ({"promised_date": date(2026, 11, 25)}, "before the acceptance date"),
        ({"accepted_at": datetime(2026, 11, 26, 9, 30)}, "timezone"),
        ({"case_number": "2026-0007"}, "案件编号"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_inconsistent_payloads_are_refused(changes, problem):
    with pytest.raises(ValidationError, match=problem):
        payload(**changes)


def test_a_complex_case_may_wait_for_its_promised_date():
    # No holiday calendar yet for the year (e.g. 2027): accepted, date 待定.
    assert payload(promised_date=None).promised_date is None


def test_a_general_case_has_no_promised_date():
    with pytest.raises(ValidationError, match="no promised_date"):
        payload(case_number=case_number(STATION_CODE, DAY, 8, tier=Tier.GENERAL), tier=Tier.GENERAL)


def test_payloads_are_frozen():
    with pytest.raises(ValidationError):
        payload().clerk = "someone.else"  # type: ignore[misc]
    assert payload().accepted_at.astimezone(UTC).hour == 1
