"""The effect functions alone: no database, one person's records in memory."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from schema.catalog import load_catalog
from schema.person_records import (
    Benefit,
    BenefitKind,
    Card,
    CardStatus,
    ContributionMonth,
    ContributionSource,
    Enrolment,
    PersonRecords,
    RegistryPerson,
)
from schema.rates import load_rates
from schema.record_changes import (
    BenefitEnded,
    CardStatusChanged,
    ContributionsWritten,
    EnrolmentStopped,
    PayableCreated,
    PersonChanged,
)
from schema.vocabulary import InsuranceType
from sync_server.core.effects import EffectCase, EffectRefused, describe, effect_changes, subject_of
from tests.support.factories import COUNTY, person_id

AT = dt.datetime(2026, 4, 10, 2, 0, tzinfo=dt.UTC)
WHO = person_id(21, born=dt.date(1955, 2, 1))
PENSION = InsuranceType.ENTERPRISE_PENSION


def records(**more: Any) -> PersonRecords:
    person = RegistryPerson(id_number=WHO, name="张老", sex="male", birth_date=dt.date(1955, 2, 1))
    return PersonRecords(person=person, **more)


def case(code: str, form: dict[str, Any], held: PersonRecords | None, applicant: str = WHO) -> EffectCase:
    return EffectCase(
        item=load_catalog().item(code), values=form, case_id="c-1", applicant_key=applicant,
        applicant_name="申请人", person=held, unit=None, county=COUNTY, on=AT.date(), at=AT, rates=load_rates(),
    )  # fmt: skip


def pension(status: str = "in_payment", paid_through: str = "2026-03") -> Benefit:
    return Benefit(
        id_number=WHO, kind=BenefitKind.EMPLOYEE_PENSION, monthly_amount=Decimal("2875.50"), calculation={},
        start_month="2015-03", status=status, paid_through=paid_through, county=COUNTY,
    )  # fmt: skip


def month_row(month: str, employer: str, personal: str) -> ContributionMonth:
    return ContributionMonth(
        id_number=WHO, insurance=PENSION, month=month, base=Decimal("5000.00"), employer_part=Decimal(employer),
        personal_part=Decimal(personal), account_part=Decimal(personal), source=ContributionSource.DESK,
        county=COUNTY,
    )  # fmt: skip


def test_death_ends_each_benefit_with_the_month_of_death_and_recovers_what_was_paid_after() -> None:
    held = records(
        benefits=(pension(),),
        enrolments=(
            Enrolment(
                insurance=PENSION, county=COUNTY, kind="retired", status="active", since=dt.date(2015, 3, 1)
            ),
        ),
        cards=(Card(id_number=WHO, status=CardStatus.ACTIVE),),
    )
    form = {"deceased_id_number": WHO, "death_date": "2025-12-20"}
    assert subject_of("C018", form, person_id(22)) == (WHO, None)  # the deceased, not the reporter
    changes = effect_changes(case("C018", form, held, applicant=person_id(22)))
    by_type = {type(c): c for c in changes}
    assert by_type[BenefitEnded].end_month == "2025-12"  # type: ignore[attr-defined]
    recovery = by_type[PayableCreated].payable  # type: ignore[attr-defined]
    # paid through 2026-03, died 2025-12: January, February and March 2026, 3 × 2875.50 = 8626.50
    assert (recovery.amount, recovery.direction.value, recovery.fund) == (
        Decimal("8626.50"),
        "recover",
        "enterprise_pension",
    )
    assert by_type[CardStatusChanged].status is CardStatus.CANCELLED  # type: ignore[attr-defined]
    assert by_type[EnrolmentStopped].until == dt.date(2025, 12, 20)  # type: ignore[attr-defined]
    assert [(c.field, c.value) for c in changes if isinstance(c, PersonChanged)] == [
        ("status", "deceased"), ("death_date", "2025-12-20"),
    ]  # fmt: skip
    assert "应追回：多发待遇追回 8626.50 元（张老）" in describe(changes)


def test_a_death_in_the_last_month_paid_recovers_nothing() -> None:
    changes = effect_changes(case("C018", {"deceased_id_number": WHO, "death_date": "2026-03-02"},
                                  records(benefits=(pension(),))))  # fmt: skip
    assert not any(isinstance(c, PayableCreated) for c in changes)


def test_a_refund_cancels_each_month_with_a_negative_row_and_owes_what_was_paid() -> None:
    held = records(
        contributions=(month_row("2025-11", "800.00", "400.00"), month_row("2025-12", "800.00", "400.00"))
    )
    form = {"insurance_types": ["enterprise_pension"], "period_start": "2025-10", "period_end": "2025-12"}
    written, owed = effect_changes(case("C013", form, held))
    assert isinstance(written, ContributionsWritten) and isinstance(owed, PayableCreated)
    assert [(r.month, r.employer_part, r.personal_part, r.source.value) for r in written.rows] == [
        ("2025-11", Decimal("-800.00"), Decimal("-400.00"), "refund"),
        ("2025-12", Decimal("-800.00"), Decimal("-400.00"), "refund"),
    ]  # 2025-10 was never paid: nothing to cancel
    assert owed.payable.amount == Decimal("2400.00")  # (800 + 400) × 2
    with pytest.raises(EffectRefused) as refused:  # refunding it again: nothing is left
        effect_changes(
            case("C013", form, held.model_copy(update={"contributions": held.contributions + written.rows}))
        )
    assert refused.value.code == "effect_nothing_to_refund"


def test_suspending_needs_a_pension_in_payment_and_resuming_a_suspended_one() -> None:
    with pytest.raises(EffectRefused) as refused:
        effect_changes(case("C032", {"situation": "released"}, records(benefits=(pension(),))))
    assert refused.value.code == "effect_no_benefit" and "暂停" in refused.value.message
    (resumed,) = effect_changes(
        case("C032", {"situation": "released"}, records(benefits=(pension("suspended"),)))
    )
    assert resumed.resumed and "刑满释放" in resumed.reason  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("code", "form", "status", "expected"),
    [
        ("G20", {"report_kind": "temporary"}, CardStatus.ACTIVE, [CardStatus.TEMP_LOST]),
        ("G20", {"report_kind": "release"}, CardStatus.ACTIVE, []),  # nothing to release
        ("G20", {"report_kind": "release"}, CardStatus.LOST, [CardStatus.ACTIVE]),
        ("G16", {"card_number": "A1234567B"}, CardStatus.IN_PRODUCTION, [CardStatus.ACTIVE]),
        ("G21", {"operation": "reissue"}, CardStatus.LOST, [CardStatus.CANCELLED, CardStatus.APPLIED]),
        ("G22", {"reason": "duplicate"}, CardStatus.ACTIVE, [CardStatus.CANCELLED]),
        ("G15", {"service_bank": "icbc"}, CardStatus.ACTIVE, []),  # one card at a time
    ],
)
def test_card_items_move_the_card_through_its_states(
    code: str, form: dict[str, Any], status: CardStatus, expected: list[CardStatus]
) -> None:
    held = records(cards=(Card(id_number=WHO, status=status),))
    changes = effect_changes(case(code, form, held))
    assert [c.status for c in changes if isinstance(c, CardStatusChanged)] == expected


def test_key_information_is_corrected_field_by_field() -> None:
    form = {"change_items": ["name", "sex"], "new_name": "张劳", "new_sex": "male"}
    changes = effect_changes(case("C008", form, records()))
    assert [(c.field, c.value) for c in changes if isinstance(c, PersonChanged)] == [
        ("name", "张劳")
    ]  # sex unchanged


def test_an_unknown_person_cannot_take_an_effect() -> None:
    with pytest.raises(EffectRefused) as refused:
        effect_changes(case("C031", {"situation": "imprisoned"}, None))
    assert refused.value.code == "effect_person_unknown"
