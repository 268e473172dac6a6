"""Intake: one case, checked, numbered and written with its outbox operation and audit
entry in one transaction — or nothing at all."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from schema.cases import CasePayload
from schema.errors import CatalogError
from schema.identifiers import make_resident_id, make_uscc
from schema.lifecycle import CaseStatus
from schema.vocabulary import Tier
from schema.workdays import due_date
from station_client.core.intake_rules import ApplicantInput, IntakeRefused
from station_client.services import receipts
from station_client.services.errors import ServiceError
from station_client.services.intake import IntakeRequest, Scan, intake
from station_client.services.session import Session
from station_client.store import audit, cases, outbox
from tests.support.stationkit import (
    KNOWN_ID,
    KNOWN_NAME,
    NOW,
    PASSWORDS,
    UNKNOWN_ID,
    YOUNG_ID,
    YOUNG_NAME,
    StationHome,
)

FLEXIBLE = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True}
EMPLOYER = make_uscc("91511102MA62ABCDE")
TRANSFER = {"transfer_kind": "within_city", "new_employer_uscc": EMPLOYER, "transfer_month": "2026-11"}


def _counts(db) -> dict[str, int]:
    tables = ("cases", "outbox", "audit", "receipts", "attachments", "counters")
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def _refused(session: Session, request: IntakeRequest, **kwargs) -> IntakeRefused:
    kwargs.setdefault("now", NOW)
    before = _counts(session.db)
    with pytest.raises(IntakeRefused) as info:
        intake(session, request, **kwargs)
    assert _counts(session.db) == before  # nothing written, not even a number taken
    return info.value


def _payload(session: Session, case_id) -> CasePayload:
    doc = cases.get_doc(session.db, session.dek, str(case_id))
    assert doc is not None
    return doc.payload


def test_a_general_item_completes_at_once_with_a_completion_number(session: Session):
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"]), now=NOW
    )
    assert result.status is CaseStatus.COMPLETED and result.tier is Tier.GENERAL
    assert result.case_number == "511102004-00-20261126-W0001"
    assert result.promised_date is None and result.promised_text == "当场办结"
    row = cases.get_row(session.db, str(result.case_id))
    assert row is not None and (row.status, row.version, row.accepted_at) == ("completed", 0, NOW)
    ops = session.db.execute("SELECT kind, state, seq, case_id FROM outbox").fetchall()
    assert ops == [("case_accept", "pending", None, str(result.case_id))]
    [entry] = audit.entries(session.db)
    assert (entry["action"], entry["entity_id"], entry["detail"]["case_number"]) == (
        "case.complete",
        str(result.case_id),
        result.case_number,
    )
    assert receipts.read(session.db, session.dek, result.case_number)["item_code"] == "G14"  # type: ignore[index]


def test_a_fee_item_produces_a_payment_receipt_whose_decomposition_sums_to_the_total(session: Session):
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"]), now=NOW
    )
    assert result.receipt_number == "511102004-00-20261126-F0001"
    doc = receipts.read(session.db, session.dek, result.receipt_number)
    assert doc is not None and doc["applicant_name"] == KNOWN_NAME
    fee = doc["fee"]
    total = Decimal(fee["total"])
    assert total == Decimal(fee["collected"]) > 0 and fee["subsidy"] == "0.00"
    assert sum(Decimal(line["amount"]) for line in fee["lines"]) == total
    for group in ("by_insurance", "by_account", "by_month", "by_payer"):
        assert sum(Decimal(v) for v in fee[group].values()) == total, group
    assert set(fee["by_month"]) == {"2026-01", "2026-02", "2026-03"}
    assert set(fee["by_insurance"]) == {"企业职工基本养老保险", "职工基本医疗保险"}
    assert _payload(session, result.case_id).fee.total == total  # type: ignore[union-attr]


def test_a_residents_pension_receipt_shows_the_subsidy_apart_from_what_was_paid(session: Session):
    form = {
        "grade": "300",
        "year": 2026,
        "household_division": "511102004",
        "not_in_other_pension": True,
        "contact_phone": "13912345678",
    }
    result = intake(
        session,
        IntakeRequest("G09", ApplicantInput(YOUNG_NAME, YOUNG_ID), form, ["id_card", "hukou"]),
        now=NOW,
    )
    fee = result.fee
    assert fee is not None and Decimal(fee["collected"]) == Decimal("300.00")
    assert Decimal(fee["collected"]) + Decimal(fee["subsidy"]) == Decimal(fee["total"])
    assert fee["by_payer"]["个人缴纳"] == "300.00" and "政府补贴" in fee["by_payer"]


def test_a_complex_item_is_accepted_with_a_case_number_and_a_promised_date(session: Session):
    result = intake(
        session,
        IntakeRequest(
            "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
        ),
        now=NOW,
    )
    assert result.status is CaseStatus.ACCEPTED
    assert re.fullmatch(r"511102004-00-20261126-\d{4}", result.case_number)
    assert result.case_number.endswith("-0001")
    # Thursday 26 November 2026 + 5 working days = Thursday 3 December.
    assert result.promised_date == date(2026, 12, 3) == due_date(date(2026, 11, 26), "working_days", 5)
    assert result.receipt_number is None and result.fee is None
    receipt = receipts.read(session.db, session.dek, result.case_number)
    assert (
        receipt is not None
        and receipt["promised_date"] == "2026-12-03"
        and receipt["section"] == "养老保险科"
    )


def test_the_promised_date_skips_the_national_day_holidays(session: Session):
    on = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    form = TRANSFER | {"transfer_month": "2026-09"}
    result = intake(
        session,
        IntakeRequest("C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card", "new_employer_proof"]),
        now=on,
    )
    assert result.promised_date == due_date(date(2026, 9, 30), "working_days", 5)
    assert result.promised_date is not None and result.promised_date > date(2026, 10, 8)


def test_without_the_years_holiday_notice_the_promised_date_is_provisional(station_home: StationHome):
    on = datetime(2027, 1, 6, 2, 0, tzinfo=UTC)  # chinesecalendar 1.11 has no 2027, nor has the server
    session = station_home.login("clerk1", now=on)
    form = TRANSFER | {"transfer_month": "2027-01"}
    result = intake(
        session,
        IntakeRequest("C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card", "new_employer_proof"]),
        now=on,
    )
    # Wednesday 6 January + 5 working days (weekends only in the way) = Wednesday 13 January.
    assert result.status is CaseStatus.ACCEPTED and result.promised_date == date(2027, 1, 13)
    assert result.promised_provisional and result.promised_text == "2027-01-13（暂定）"
    assert "promised_date_pending" not in [w.code for w in result.warnings]
    payload = _payload(session, result.case_id)
    assert payload.promised_date == date(2027, 1, 13) and payload.promised_provisional
    receipt = receipts.read(session.db, session.dek, result.case_number)
    assert receipt is not None and receipt["promised_date"] == "2027-01-13（暂定）"
    assert "暂定" in receipt["promised_note"]


def test_numbers_count_up_per_day_across_general_and_complex_items(session: Session):
    general = IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"])
    complex_ = IntakeRequest(
        "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
    )
    numbers = [intake(session, r, now=NOW).case_number for r in (general, complex_, general)]
    assert [n[-5:] for n in numbers] == ["W0001", "-0002", "W0003"]
    later = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)  # 00:30 on the 27th in Leshan
    session.unlock(PASSWORDS["clerk1"], later)  # idle-locked since the afternoon
    next_day = intake(session, general, now=later)
    assert next_day.case_number == "511102004-00-20261127-W0001"


def test_an_id_number_typed_with_full_width_digits_is_normalised(session: Session):
    typed = "".join(chr(ord(c) + 0xFEE0) for c in KNOWN_ID[:-1]) + KNOWN_ID[-1].lower()
    result = intake(
        session,
        IntakeRequest("G14", ApplicantInput(f" {KNOWN_NAME} ", typed), FLEXIBLE, ["id_card"]),
        now=NOW,
    )
    payload = _payload(session, result.case_id)
    assert payload.applicant.id_number == KNOWN_ID and payload.applicant.name == KNOWN_NAME
    assert not result.unverified_applicant


def test_a_bad_id_number_is_refused_with_its_chinese_reason_and_nothing_is_written(session: Session):
    bad = KNOWN_ID[:-1] + ("0" if KNOWN_ID[-1] != "0" else "1")
    err = _refused(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, bad), FLEXIBLE, ["id_card"]), now=NOW
    )
    assert err.code == "id_bad_check_digit"
    assert "校验位不正确" in err.message and err.notice is None
    err = _refused(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, "51110219800517"), FLEXIBLE, ["id_card"])
    )
    assert err.code == "id_wrong_length" and "位数不对" in err.message


def test_missing_materials_are_listed_all_at_once_in_one_notice(session: Session):
    form = TRANSFER | {
        "by_agent": True,
        "agent_name": "王小明",
        "agent_id_number": YOUNG_ID,
        "agent_phone": "13700000000",
    }
    err = _refused(session, IntakeRequest("C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, []), now=NOW)
    assert err.code == "materials_missing"
    assert [m.code for m in err.missing] == [
        "id_card",
        "new_employer_proof",
        "agent_id_card",
        "power_of_attorney",
    ]
    assert err.notice is not None and err.notice.startswith("一次性告知单")
    assert "还需提交以下 4 项材料" in err.notice and "授权委托书" in err.notice


def test_form_errors_and_missing_materials_come_back_together(session: Session):
    err = _refused(
        session, IntakeRequest("C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), {"by_agent": True}, []), now=NOW
    )
    assert err.code == "form_required"
    assert "“代办人姓名”必须填写" in err.message and "还缺 4 项材料" in err.message
    assert err.notice is not None


def test_a_person_outside_the_registry_slice_is_accepted_as_unverified(session: Session):
    result = intake(
        session, IntakeRequest("G14", ApplicantInput("赵六", UNKNOWN_ID), FLEXIBLE, ["id_card"]), now=NOW
    )
    assert result.unverified_applicant and result.base_version is None
    payload = _payload(session, result.case_id)
    assert payload.unverified_applicant and payload.base_version is None


def test_a_registry_changing_item_carries_the_local_record_version(session: Session):
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"]), now=NOW
    )
    assert result.base_version == 3 == _payload(session, result.case_id).base_version


def test_a_name_that_differs_from_the_registry_is_a_warning(session: Session):
    result = intake(
        session, IntakeRequest("G14", ApplicantInput("王建军", KNOWN_ID), FLEXIBLE, ["id_card"]), now=NOW
    )
    assert [w.code for w in result.warnings] == ["applicant_name_mismatch"]


def test_the_applicant_age_rule_of_the_item_is_checked(session: Session):
    old = make_resident_id("511102", date(1950, 1, 1), 17)
    form = {"grade": "300", "year": 2026, "household_division": "511102004", "not_in_other_pension": True,
            "contact_phone": "13912345678"}  # fmt: skip
    err = _refused(
        session, IntakeRequest("G09", ApplicantInput("老人", old), form, ["id_card", "hukou"]), now=NOW
    )
    assert err.code == "form_age_out_of_range" and "76周岁" in err.message


def test_a_unit_with_a_failing_uscc_check_digit_is_accepted_with_a_warning(session: Session):
    bad = EMPLOYER[:-1] + ("0" if EMPLOYER[-1] != "0" else "1")
    form = {"purpose": "bidding", "insurance_types": ["enterprise_pension"], "handler_name": "刘经办",
            "handler_phone": "0833-2123456"}  # fmt: skip
    result = intake(
        session,
        IntakeRequest(
            "G03",
            ApplicantInput("乐山某某有限公司", uscc=bad),
            form,
            ["handler_id_card", "unit_authorization"],
        ),
        now=NOW,
    )
    assert [w.code for w in result.warnings] == ["uscc_bad_check_digit"]
    assert _payload(session, result.case_id).applicant.uscc == bad


def test_scans_are_stored_sealed_and_counted_as_materials(session: Session):
    scan = Scan("id_card", "image/jpeg", b"\xff\xd8" + b"x" * 1000)
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, scans=[scan]), now=NOW
    )
    payload = _payload(session, result.case_id)
    assert payload.materials_provided == ("id_card",)
    [ref] = payload.attachments
    assert ref.sha256 == scan.sha256 and KNOWN_NAME not in ref.filename
    row = session.db.execute("SELECT size, state, uploaded_bytes FROM attachments").fetchone()
    assert row == (1002, "pending", 0)
    too_big = Scan("id_card", "image/gif", b"GIF89a")
    err = _refused(
        session,
        IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, scans=[too_big]),
        now=NOW,
    )
    assert err.code == "attachment_bad_type"


def test_a_failure_inside_the_transaction_leaves_nothing_behind(session: Session, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "append", broken)
    before = _counts(session.db)
    with pytest.raises(RuntimeError):
        intake(
            session,
            IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"]),
            now=NOW,
        )
    assert _counts(session.db) == before
    monkeypatch.undo()
    ok = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"]), now=NOW
    )
    assert ok.case_number.endswith("W0001")  # the number was given back


def test_a_locked_session_or_a_non_clerk_cannot_take_cases(station_home: StationHome):
    request = IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"])
    session = station_home.login("clerk1")
    session.lock()
    with pytest.raises(ServiceError, match="已锁定"):
        intake(session, request, now=NOW)
    supervisor = station_home.login("chief1")
    with pytest.raises(ServiceError, match="只有前台综合柜员"):
        intake(supervisor, request, now=NOW)
    assert outbox.counts(station_home.db)["pending"] == 0


def test_an_unknown_item_is_refused_in_chinese(session: Session):
    with pytest.raises(CatalogError, match="不存在"):
        intake(session, IntakeRequest("G99", ApplicantInput(KNOWN_NAME, KNOWN_ID)), now=NOW)
