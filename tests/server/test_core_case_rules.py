"""The server's own checks of a case, registry effects and routing (pure, no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from schema.cases import BaseEnrolment, BaseRecord, FeeSummary
from schema.catalog import load_catalog
from schema.identifiers import make_uscc, parse_resident_id
from schema.rates import load_rates
from schema.vocabulary import Section
from schema.workdays import WorkdayCalendar
from sync_server.core import routing
from sync_server.core.case_rules import CheckedCase, Rejection, check_accept
from sync_server.core.registry_effects import Change, Enrolment, Person, effect_of
from tests.support.factories import BEIJING, Station, accept_op, person_id

TODAY = dt.date(2026, 11, 26)
AT = dt.datetime(2026, 11, 26, 10, 0, tzinfo=BEIJING)  # accepted on TODAY: G14 takes 2026's months
CATALOG, RATES = load_catalog(), load_rates()
STATION = Station("511102004-00", key=None)  # type: ignore[arg-type]  (no signing here)


def _check(op_payload: object) -> CheckedCase | Rejection:
    return check_accept(op_payload, catalog=CATALOG, rates=RATES, today=TODAY)  # type: ignore[arg-type]


def test_a_valid_fee_case_passes_with_the_recomputed_fee() -> None:
    checked = _check(accept_op(STATION, "G14", accepted_at=AT).payload)
    assert isinstance(checked, CheckedCase)
    assert checked.contribution is not None and checked.contribution.total > 0


def test_a_bad_id_number_is_rejected_naming_the_field() -> None:
    payload = accept_op(STATION, "G02", id_number="511102197505170018").payload  # wrong check digit
    rejected = _check(payload)
    assert isinstance(rejected, Rejection) and rejected.code == "op_validation_failed"
    assert rejected.detail["problems"][0]["field"] == "applicant.id_number"
    assert rejected.detail["problems"][0]["code"] == "id_bad_check_digit"


def test_a_bad_uscc_check_digit_is_only_a_warning() -> None:
    good = make_uscc("91511102MA0000001")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    checked = _check(accept_op(STATION, "C001", uscc=bad, form=_c001(), materials=C001_MATERIALS).payload)
    assert isinstance(checked, CheckedCase), checked
    assert [w.code for w in checked.warnings if w.field == "applicant.uscc"] == ["uscc_bad_check_digit"]


C001_MATERIALS = ("business_licence", "legal_rep_id_card", "bank_account_proof", "handler_id_card")


def _c001() -> dict[str, object]:
    return {
        "unit_name": "乐山测试有限公司", "unit_type": "enterprise", "legal_representative": "张三",
        "legal_representative_id": person_id(3), "registered_address": "市中区嘉州大道1号", "division": "511102",
        "established_date": "2020-01-01", "industry": "软件", "employee_count": 5,
        "insurance_types": ["enterprise_pension"], "bank_name": "乐山商业银行", "bank_account": "6222020200112233445",
        "handler_name": "李四", "handler_phone": "13800000000",
    }  # fmt: skip


def test_missing_materials_are_listed() -> None:
    rejected = _check(accept_op(STATION, "C019", materials=("id_card",)).payload)
    assert isinstance(rejected, Rejection) and rejected.code == "op_validation_failed"
    codes = {p["field"] for p in rejected.detail["problems"]}
    assert codes == {"materials.personnel_archive", "materials.retirement_form"}


def test_an_invalid_form_lists_every_problem() -> None:
    rejected = _check(accept_op(STATION, "C019", form={"worker_category": "nobody"}).payload)
    assert isinstance(rejected, Rejection) and len(rejected.detail["problems"]) >= 4


def test_a_fee_off_by_one_fen_is_a_mismatch_with_both_totals() -> None:
    right = accept_op(STATION, "G14", accepted_at=AT).payload.fee
    assert right is not None
    line = right.lines[0].model_copy(update={"amount": right.lines[0].amount + Decimal("0.01")})
    wrong = FeeSummary(kind=right.kind, total=right.total + Decimal("0.01"), lines=(line, *right.lines[1:]))
    rejected = _check(accept_op(STATION, "G14", fee=wrong, accepted_at=AT).payload)
    assert isinstance(rejected, Rejection) and rejected.code == "op_fee_mismatch"
    assert rejected.detail["server_total"] == str(right.total)
    assert rejected.detail["station_total"] == str(wrong.total)


def test_a_fee_item_without_a_fee_is_a_mismatch() -> None:
    rejected = _check(accept_op(STATION, "G14", fee=None, accepted_at=AT).payload)
    assert isinstance(rejected, Rejection) and rejected.code == "op_fee_mismatch"


def test_an_unknown_item_is_op_item_unknown() -> None:
    payload = accept_op(STATION, "G02").payload.model_copy(update={"item_code": "G99"})
    rejected = _check(payload)
    assert isinstance(rejected, Rejection) and rejected.code == "op_item_unknown"


# ---- registry effects ----------------------------------------------------------------

ID = parse_resident_id(person_id(7), today=TODAY)
PERSON = Person(ID.number, "王小明", "male", ID.birth_date, "511102004", "13800000000", None, version=3)


def _change(code: str, values: dict[str, object], *, base: int | None, person: Person | None = PERSON,
            held: dict[str, Enrolment] | None = None) -> Change:  # fmt: skip
    return Change(code, values, ID, "王小明", base, person, held or {}, "511102", "511102004", TODAY)  # type: ignore[arg-type]


def test_a_phone_change_on_the_current_version_bumps_it() -> None:
    effect = effect_of(_change("G08", {"change_items": ["phone"], "new_phone": "13912345678"}, base=3))
    assert effect.conflict is None
    assert [(p.phone, p.version) for p in effect.persons] == [("13912345678", 4)]


def test_a_phone_change_on_a_stale_version_is_a_conflict_with_both_versions() -> None:
    effect = effect_of(_change("G08", {"change_items": ["phone"], "new_phone": "13912345678"}, base=2))
    assert effect.persons == () and effect.conflict is not None
    assert (effect.conflict.base_version, effect.conflict.current_version) == (2, 3)
    assert effect.conflict.current["phone"] == "13800000000"
    assert effect.conflict.proposed == {"phone": "13912345678"}


def test_resident_registration_creates_an_unknown_person_and_the_enrolment() -> None:
    values = {"household_division": "511181100", "contact_phone": "13912345678"}
    effect = effect_of(_change("G09", values, base=None, person=None))
    assert effect.conflict is None
    person = effect.persons[0]
    assert (person.township_code, person.sex, person.birth_date, person.version) == (
        "511181100",
        "male",
        ID.birth_date,
        1,
    )
    assert [(e.insurance_type, e.kind, e.status, e.county_code) for e in effect.enrolments] == [
        ("resident_pension", "resident", "active", "511102")
    ]


def test_flexible_stop_suspends_and_bumps_the_person() -> None:
    held = {
        "enterprise_pension": Enrolment(
            ID.number, "enterprise_pension", "511102", "flexible", "active", TODAY, version=2
        )
    }
    # the case is based on the person's version; the enrolment's travels in base_record
    seen = BaseEnrolment(
        insurance="enterprise_pension", county="511102", status="active", since=TODAY, version=2
    )
    change = _change(
        "G13", {"insurance_types": ["enterprise_pension"], "stop_month": "2026-11"}, base=3, held=held
    )
    effect = effect_of(dataclasses.replace(change, base_record=BaseRecord(version=3, enrolments=(seen,))))
    assert [e.status for e in effect.enrolments] == ["suspended"]
    assert [p.version for p in effect.persons] == [4]


def test_stopping_an_enrolment_that_is_not_there_is_a_conflict() -> None:
    effect = effect_of(_change("G13", {"insurance_types": ["enterprise_pension"]}, base=1))
    assert effect.conflict is not None and effect.conflict.reason == "row_missing"


# ---- routing ------------------------------------------------------------------------


def test_complex_cases_go_to_their_section_with_a_working_day_due_date() -> None:
    r = routing.route(CATALOG.item("C012"), dt.date(2026, 11, 26))  # Thursday, 5 working days
    assert (r.section, r.due_date, r.note) == (Section.RESIDENT_PENSION, dt.date(2026, 12, 3), None)


def test_conflicts_go_to_the_integrated_section() -> None:
    assert routing.route(CATALOG.item("G08"), TODAY, conflict=True).section is Section.INTEGRATED


def test_a_year_without_its_holiday_notice_gets_a_provisional_due_date() -> None:
    # 45 working days from Sunday 20 December 2026 reach into 2027: weekends, 元旦 and 春节
    # (5–8 February) counted provisionally.
    r = routing.route(CATALOG.item("C026"), dt.date(2026, 12, 20), calendar=WorkdayCalendar())
    assert (r.section, r.due_date, r.note, r.due_provisional) == (
        Section.PENSION, dt.date(2027, 2, 24), None, True
    )  # fmt: skip
    assert routing.route(CATALOG.item("C026"), dt.date(2099, 12, 1)).note == routing.NO_CALENDAR
