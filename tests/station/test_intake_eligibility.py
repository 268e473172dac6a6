"""Eligibility at the desk: intake refuses, with the rule's code and Chinese reason, what
the catalog's items do not allow (schema.eligibility) — and saves nothing."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest

from schema.cases import CasePayload
from schema.identifiers import make_uscc
from schema.records import EnrolmentRecord
from station_client.core.intake_rules import ApplicantInput, IntakeRefused
from station_client.services import receipt_pdf, receipts
from station_client.services.intake import IntakeRequest, intake
from station_client.services.session import Session
from station_client.store import cases, registry
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, YOUNG_ID, YOUNG_NAME, StationHome, person

G09 = {"grade": "300", "year": 2026, "household_division": "511102004", "not_in_other_pension": True,
       "contact_phone": "13912345678"}  # fmt: skip
G09_MATERIALS = ["id_card", "hukou"]
EMPLOYER = make_uscc("91511102MA62ABCDE")
C066 = {"separation_date": "2026-11-01", "former_employer_uscc": EMPLOYER, "separation_reason": "contract_expired",
        "registration_date": "2026-11-10", "bank_name": "中国农业银行乐山苏稽支行",
        "bank_account": "6228480402564890018"}  # fmt: skip
C066_MATERIALS = ["id_or_ss_card", "separation_proof", "unemployment_registration"]
C005 = {"employee_id_number": YOUNG_ID, "employee_name": YOUNG_NAME, "employment_start": "2026-11-01",
        "contract_type": "fixed_term", "monthly_wage": "3000", "insurance_types": ["enterprise_pension"],
        "household_type": "urban"}  # fmt: skip
C005_MATERIALS = ["labour_contract", "employee_id_card"]
G14 = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03"}


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("cases", "outbox", "audit")
    )


def _refused(session: Session, request: IntakeRequest, *, now: datetime = NOW) -> IntakeRefused:
    before = _counts(session)
    with pytest.raises(IntakeRefused) as info:
        intake(session, request, now=now)
    assert _counts(session) == before  # nothing written
    return info.value


def _payload(session: Session, case_id: object) -> CasePayload:
    doc = cases.get_doc(session.db, session.dek, str(case_id))
    assert doc is not None
    return doc.payload


def _g09(form: dict[str, object], who: tuple[str, str] = (YOUNG_NAME, YOUNG_ID)) -> IntakeRequest:
    return IntakeRequest("G09", ApplicantInput(*who), form, G09_MATERIALS)


# ---- G09 -----------------------------------------------------------------------------------


def test_g09_a_full_time_student_is_refused(session: Session) -> None:
    err = _refused(session, _g09(G09 | {"is_student": True}))
    assert err.code == "eligibility_full_time_student" and "全日制在校学生" in err.message
    assert [p.field for p in err.problems] == ["is_student"]
    assert intake(session, _g09(G09 | {"is_student": False}), now=NOW).case_number


def test_g09_an_applicant_declaring_another_pension_is_refused(session: Session) -> None:
    err = _refused(session, _g09(G09 | {"not_in_other_pension": False}))
    assert err.code == "eligibility_in_other_pension" and "城乡养老保险制度衔接" in err.message


def test_g09_a_person_the_slice_has_in_the_employees_pension_is_refused(session: Session) -> None:
    enrolled = EnrolmentRecord(
        insurance="enterprise_pension", county="511102", status="active", since=date(2010, 1, 1), version=1
    )
    record = person(KNOWN_ID, KNOWN_NAME, version=4).model_copy(update={"enrolments": (enrolled,)})
    registry.upsert_person(session.db, session.dek, record)
    err = _refused(session, _g09(G09, (KNOWN_NAME, KNOWN_ID)))  # declared "not in another pension"
    assert err.code == "eligibility_enrolled_in_other_pension" and "企业职工基本养老保险" in err.message
    stopped = enrolled.model_copy(update={"status": "stopped"})
    record = record.model_copy(update={"enrolments": (stopped,), "version": 5})
    registry.upsert_person(session.db, session.dek, record)
    assert intake(session, _g09(G09, (KNOWN_NAME, KNOWN_ID)), now=NOW).case_number


# ---- C066 ----------------------------------------------------------------------------------


def test_c066_resigning_is_refused_with_the_reason(session: Session) -> None:
    request = IntakeRequest("C066", ApplicantInput(KNOWN_NAME, KNOWN_ID), C066 | {"separation_reason": "resigned"},
                            C066_MATERIALS)  # fmt: skip
    err = _refused(session, request)
    assert err.code == "eligibility_voluntary_separation" and "本人意愿" in err.message
    ok = IntakeRequest("C066", ApplicantInput(KNOWN_NAME, KNOWN_ID), C066, C066_MATERIALS)
    assert intake(session, ok, now=NOW).case_number


# ---- G12 / G14 months ---------------------------------------------------------------------


def test_g14_months_after_this_year_are_refused(session: Session) -> None:
    request = IntakeRequest(
        "G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), G14 | {"period_end": "2027-02"}, ["id_card"]
    )
    err = _refused(session, request)
    assert err.code == "fee_month_after_this_year" and [p.field for p in err.problems] == ["period_end"]


def test_g14_months_of_past_years_are_back_payments(session: Session) -> None:
    request = IntakeRequest(
        "G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), G14 | {"period_start": "2025-10"}, ["id_card"]
    )
    err = _refused(session, request)
    assert err.code == "fee_month_of_past_year" and "补缴" in err.message


def test_g12_the_current_year_is_the_stations_today(station_home: StationHome) -> None:
    form = {"employment_type": "part_time", "residence_division": "511102004", "base": "5000",
            "period_start": "2026-12", "period_end": "2027-01", "contact_phone": "13912345678"}  # fmt: skip
    request = IntakeRequest("G12", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card"])
    assert _refused(station_home.login("clerk1"), request).code == "fee_month_after_this_year"
    new_year = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)
    form_2027 = form | {"period_start": "2027-01", "period_end": "2027-02"}
    result = intake(
        station_home.login("clerk1", now=new_year),
        IntakeRequest("G12", ApplicantInput(KNOWN_NAME, KNOWN_ID), form_2027, ["id_card"]),
        now=new_year,
    )
    assert result.fee is not None and set(result.fee["by_month"]) == {"2027-01", "2027-02"}


# ---- C005 ----------------------------------------------------------------------------------


def _c005(form: dict[str, object]) -> IntakeRequest:
    return IntakeRequest("C005", ApplicantInput("乐山某某有限公司", uscc=EMPLOYER), form, C005_MATERIALS)


def test_c005_a_wage_below_the_floor_is_refused_until_the_clerk_confirms(session: Session) -> None:
    err = _refused(session, _c005(C005))
    assert err.code == "eligibility_wage_below_floor"
    assert [p.field for p in err.problems] == ["wage_floor_confirmed"] and "4,588.00" in err.message


def test_c005_once_confirmed_the_base_is_raised_to_the_floor_on_the_case(session: Session) -> None:
    result = intake(session, _c005(C005 | {"wage_floor_confirmed": True}), now=NOW)
    assert [w.code for w in result.warnings] == ["eligibility_base_raised_to_floor"]
    form = _payload(session, result.case_id).form
    assert (form["monthly_wage"], form["contribution_base"], form["wage_floor_confirmed"]) == (
        "3000.00",
        "4588.00",
        True,
    )


# ---- resident ID plausibility ----------------------------------------------------------------


@pytest.mark.parametrize("number", ["000000199001010010", "990000199001010014"])
def test_test_numbers_are_refused_at_the_desk(session: Session, number: str) -> None:
    from stdnum.cn import ric

    number = number[:17] + ric.calc_check_digit(number)  # only the province is wrong
    request = IntakeRequest("G14", ApplicantInput(KNOWN_NAME, number), G14, ["id_card"])
    err = _refused(session, request)
    assert err.code == "id_bad_province" and [p.field for p in err.problems] == ["applicant.id_number"]


# ---- carried-forward limits on the receipt ----------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_months_on_carried_forward_limits_are_marked_on_the_payment_receipt(
    session: Session, tmp_path
) -> None:
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), G14, ["id_card"]), now=NOW
    )
    assert result.receipt_number is not None
    doc = receipts.read(session.db, session.dek, result.receipt_number)
    assert doc is not None and doc["fee"]["provisional_months"] == ["2026-01", "2026-02", "2026-03"]
    path = tmp_path / "r.pdf"
    path.write_bytes(receipt_pdf.receipt_pdf(session.db, session.dek, result.receipt_number).pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "暂按上年度基数" in "".join(text.split())
