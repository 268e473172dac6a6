"""The desk's anti-fraud warnings (docs/fraud_checks.md): a death registration (C018) for a
person the township's slice shows drawing a pension is accepted with a notice that the
pension stops and the months paid after the death will be recovered; the person screen's
card carries a warning line while the city checks the person (a reported death, an open
稽核 case)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from schema.identifiers import make_resident_id
from schema.records import BenefitRecord, PersonRecord
from station_client.core.death_notice import DEATH_BENEFITS_IN_PAYMENT
from station_client.core.intake_rules import ApplicantInput
from station_client.services.intake import IntakeRequest, intake
from station_client.services.session import Session
from station_client.store import registry
from station_client.ui.viewmodels import person as vm
from tests.support.stationkit import NOW, StationHome, person

PENSIONER = make_resident_id("511102", date(1950, 4, 8), 57)
REPORTER = make_resident_id("511102", date(1978, 9, 2), 64)
PENSION = BenefitRecord(
    kind="employee_pension", monthly_amount=Decimal("3120.55"), status="in_payment", start_month="2010-05"
)


def _pensioner(home: StationHome, *benefits: BenefitRecord) -> None:
    record = person(PENSIONER, "李德福").model_copy(update={"benefits": benefits})
    with home.db.atomic():
        registry.upsert_person(home.db, home.dek, record)


def _report_death(session: Session) -> object:
    return intake(
        session,
        IntakeRequest(
            item_code="C018",
            applicant=ApplicantInput(name="李秀英", id_number=REPORTER),
            form={
                "deceased_id_number": PENSIONER,
                "deceased_name": "李德福",
                "death_date": "2025-12-15",
                "reporter_relation": "child",
                "cremated": True,
                "contact_phone": "13908130002",
            },
            materials_provided=("death_certificate", "reporter_id_card"),
        ),
        now=NOW,
    )


def test_a_death_registration_for_a_pensioner_in_payment_is_accepted_with_the_recovery_notice(
    station_home: StationHome,
) -> None:
    _pensioner(station_home, PENSION)
    result = _report_death(station_home.login("clerk1"))

    notices = {w.code: w.message for w in result.warnings}  # type: ignore[attr-defined]
    assert result.case_number  # type: ignore[attr-defined]  # accepted: a notice, not a refusal
    said = notices[DEATH_BENEFITS_IN_PAYMENT]
    assert "职工基本养老金" in said and "3,120.55" in said
    assert "2026年1月起已发放的待遇将由市局追回" in said
    lines = result.lines()  # type: ignore[attr-defined]
    assert any(line.startswith("提示：逝者李德福仍在领取") for line in lines)


def test_no_notice_when_nothing_is_paid_to_the_deceased(station_home: StationHome) -> None:
    _pensioner(station_home, PENSION.model_copy(update={"status": "ended", "end_month": "2025-12"}))
    result = _report_death(station_home.login("clerk1"))
    assert DEATH_BENEFITS_IN_PAYMENT not in {w.code for w in result.warnings}  # type: ignore[attr-defined]


def _card(**update: object) -> vm.PersonCard:
    record = PersonRecord.model_validate(
        {**dict(person(PENSIONER, "李德福")), "benefits": (PENSION,), **update}
    )
    return vm.person_card(record, date(2026, 3, 20))


def test_the_person_card_warns_of_a_reported_death_and_of_an_open_case() -> None:
    reported = _card(audit_case_open=True, death_reported=date(2025, 12, 5))
    open_case = _card(audit_case_open=True)
    recorded = _card(audit_case_open=True, status="deceased", death_date=date(2025, 12, 5))

    assert reported.audit_warning is not None
    assert reported.audit_warning.startswith("【注意】有关部门报送本人已于2025年12月5日死亡")
    assert open_case.audit_warning is not None and "稽核案件" in open_case.audit_warning
    assert recorded.audit_warning is None and recorded.deceased is not None  # 已死亡 says it all
    assert _card().audit_warning is None
