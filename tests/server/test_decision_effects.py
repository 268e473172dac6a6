"""Decisions take effect (issue 12's done-when test), on SQLite and PostgreSQL.

For every one of the 100 complex items: a case of it is rejected and another returned
for supplement, and a full dump of the record tables is the same before and after; a
third is approved and the tables its declared effect writes now say so (or the approval
is refused with the effect's code and nothing changes at all).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from schema.catalog import ItemEffect, load_catalog
from schema.lifecycle import Actor, CaseEvent
from schema.vocabulary import Role, Section, Tier
from sync_server.db.engine import Database
from sync_server.db.tables import (
    benefits,
    cards,
    cases,
    contribution_records,
    contribution_year_summaries,
    determinations,
    enrolments,
    payables,
    person_changes,
    personal_accounts,
    persons,
    transfers,
    units,
)
from sync_server.errors import ApiError
from sync_server.services.review import case_effects
from sync_server.services.review import decide as review
from tests.support.console_kit import add_account, console_client, logged_in
from tests.support.factories import COUNTY, TOWNSHIP, Station, enrolled_station, person_id, unit_uscc

NOW = dt.datetime(2026, 4, 10, 2, 0, tzinfo=dt.UTC)  # 2026-04-10 in Beijing
RECORD_TABLES = (
    persons, units, enrolments, person_changes, contribution_records, contribution_year_summaries,
    personal_accounts, benefits, payables, cards, transfers, determinations,
)  # fmt: skip

WORKER = person_id(1, born=dt.date(1966, 3, 10))  # insured employee, also in the residents' scheme
NEWCOMER = person_id(2, born=dt.date(1990, 6, 1))  # known to the registry, enrolled nowhere
RETIREE = person_id(3, born=dt.date(1955, 2, 1))  # employee pension in payment, paid ahead
SUSPENDED = person_id(4, born=dt.date(1956, 8, 1))  # employee pension suspended
RURAL = person_id(5, born=dt.date(1950, 1, 1))  # residents' pension in payment
JOBLESS = person_id(6, born=dt.date(1980, 1, 1))  # unemployment benefit in payment
INJURED = person_id(7, born=dt.date(1975, 5, 1))  # 伤残津贴 in payment (work injury)
DEPENDANT = person_id(8, born=dt.date(1960, 9, 1))  # 供养亲属抚恤金 in payment
UNIT, OTHER_UNIT, NEW_UNIT = unit_uscc(1), unit_uscc(2), unit_uscc(3)
OTHER_TOWNSHIP = "511102001"

# The tables each declared effect writes: approving must change every one of them.
EFFECT_TABLES: dict[ItemEffect, set[str]] = {
    ItemEffect.UNIT_OPEN: {"units"},
    ItemEffect.UNIT_UPDATE: {"units"},
    ItemEffect.UNIT_CLOSE: {"units"},
    ItemEffect.ENROLMENT_START: {"enrolments"},
    ItemEffect.ENROLMENT_STOP: {"enrolments"},
    ItemEffect.KEY_INFO_CORRECTION: {"persons", "person_changes"},
    ItemEffect.PERSON_UPDATE: {"persons", "person_changes"},
    ItemEffect.TRANSFER: {"transfers", "enrolments"},
    ItemEffect.BACK_PAYMENT: {"contribution_records"},
    ItemEffect.CONTRIBUTION_REFUND: {"contribution_records", "payables"},
    ItemEffect.DEATH: {"persons", "person_changes", "benefits", "payables", "cards", "enrolments"},
    ItemEffect.RETIREMENT: {"enrolments"},
    ItemEffect.PENSION_GRANT: {"benefits"},
    ItemEffect.RESIDENT_PENSION_GRANT: {"benefits"},
    ItemEffect.UNEMPLOYMENT_BENEFIT: {"benefits"},
    ItemEffect.UNEMPLOYMENT_REGISTRATION: {"enrolments", "persons"},
    ItemEffect.BENEFIT_SUSPEND: {"benefits"},
    ItemEffect.BENEFIT_RESUME: {"benefits"},
    ItemEffect.BENEFIT_SUSPEND_OR_RESUME: {"benefits"},
    ItemEffect.BENEFIT_END: {"benefits"},
    ItemEffect.ACCOUNT_REFUND: {"payables"},
    ItemEffect.OVERPAYMENT_RECOVERY: {"payables"},
    ItemEffect.CARD_STATUS: {"cards"},
    ItemEffect.FUNERAL_GRANT: {"persons", "person_changes", "payables"},
    ItemEffect.CLAIM_PAYMENT: {"payables"},
    ItemEffect.ALLOWANCE_GRANT: {"benefits"},
    ItemEffect.DISABILITY_BENEFITS: {"payables", "benefits"},
    ItemEffect.BENEFIT_ADJUST: {"benefits"},
    ItemEffect.FUND_PAID_CONTRIBUTIONS: {"contribution_records"},
    ItemEffect.DETERMINATION: {"determinations"},
}
NO_RECORD_EFFECTS = {ItemEffect.NONE, ItemEffect.PRINT_RECORDS, ItemEffect.DESK_CONTRIBUTIONS}
# Refused on these records, with this code (none left: every complex item now takes effect).
REFUSED: dict[str, str] = {}
TABLES_OVERRIDE: dict[str, set[str]] = {
    "C012": set(),  # the residents' back payment is desk money: the money path writes its records
    "C038": {"payables"},
    "C009": {"transfers", "enrolments"},
    "C027": {"transfers", "enrolments"},
}

# (applicant, form) per item; the applicant is a person or a unit by the item's kind.
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "C001": (NEW_UNIT, {"unit_name": "乐山新开有限公司", "division": TOWNSHIP}),
    "C002": (NEW_UNIT, {"unit_name": "乐山市某事业单位", "division": TOWNSHIP}),
    "C004": (UNIT, {"reason": "deregistered", "termination_date": "2026-03-31"}),
    "C005": (UNIT, {"employee_id_number": NEWCOMER, "employee_name": "李新", "employment_start": "2026-03-01",
                    "insurance_types": ["enterprise_pension", "unemployment"]}),
    "C006": (UNIT, {"employee_id_number": WORKER, "employee_name": "王小明", "separation_date": "2026-02-28",
                    "reason": "terminated", "insurance_types": ["unemployment"]}),
    "C007": (UNIT, {"change_items": ["name"], "new_unit_name": "乐山更名有限公司"}),
    "C008": (WORKER, {"change_items": ["name"], "new_name": "王晓明", "reason": "户口簿姓名更正"}),
    "C009": (WORKER, {"transfer_kind": "within_province", "old_insured_place": "成都市",
                      "new_employer_uscc": OTHER_UNIT, "transfer_month": "2026-03"}),
    "C010": (UNIT, {"employee_id_number": NEWCOMER, "employee_name": "李新", "employment_start": "2026-03-01"}),
    "C011": (UNIT, {"employee_id_number": WORKER, "employee_name": "王小明", "period_start": "2026-01",
                    "period_end": "2026-02", "monthly_base": "5000", "insurance_types": ["enterprise_pension"]}),
    "C012": (WORKER, {"grade": "500", "year": 2025, "reason": "interrupted"}),
    "C013": (WORKER, {"refund_reason": "duplicate", "insurance_types": ["enterprise_pension"],
                      "period_start": "2025-11", "period_end": "2025-12", "amount": "1600"}),
    "C017": (WORKER, {"reason": "other_pension"}),
    "C018": (WORKER, {"deceased_id_number": RETIREE, "deceased_name": "张老", "death_date": "2026-01-15"}),
    "C019": (WORKER, {"retirement_month": "2026-06", "worker_category": "male_60"}),
    "C020": (WORKER, {"reason": "illness", "retirement_month": "2026-06"}),
    "C021": (WORKER, {"direction": "early", "requested_month": "2026-06"}),
    "C023": (WORKER, {"retirement_month": "2025-12", "bank_name": "中国工商银行", "bank_account": "6222000011112222"}),
    "C024": (WORKER, {"retirement_month": "2025-12"}),
    "C026": (WORKER, {"direction": "out", "other_place": "重庆市"}),
    "C027": (WORKER, {"transfer_kind": "institution_to_institution", "other_agency": "成都市机关事业单位养老保险中心"}),
    "C028": (NEWCOMER, {"direction": "in", "other_place": "眉山市"}),
    "C029": (WORKER, {"direction": "resident_to_employee"}),
    "C030": (NEWCOMER, {"service_start": "2000-01-01", "service_end": "2009-12-31", "placement_employer_uscc": UNIT}),
    "C031": (RETIREE, {"situation": "imprisoned", "effective_month": "2026-03"}),
    "C032": (SUSPENDED, {"situation": "released", "resume_month": "2026-04"}),
    "C033": (WORKER, {"reason": "emigrated", "settle_country": "新西兰"}),
    "C034": (WORKER, {"deceased_id_number": RETIREE, "deceased_name": "张老", "death_date": "2026-01-15"}),
    "C037": (RETIREE, {"other_place": "重庆市", "duplicate_start": "2025-01", "duplicate_end": "2025-06",
                       "refund_amount": "3000.00"}),
    "C038": (WORKER, {"clearance_reference": "QL-2026-01", "refund_amount": "1200.00"}),
    "C041": (RETIREE, {"new_address": "乐山市市中区新村路 1 号", "new_phone": "13900001111"}),
    "C042": (WORKER, {"start_month": "2026-05"}),
    "C043": (WORKER, {"deceased_id_number": RURAL, "deceased_name": "赵老", "death_date": "2026-02-01"}),
    "C044": (NEWCOMER, {"deceased_id_number": WORKER, "deceased_name": "王小明", "death_date": "2026-02-01"}),
    "C045": (RURAL, {"operation": "suspend", "situation": "missing", "effective_month": "2026-04"}),
    "C055": (WORKER, {"deceased_id_number": RETIREE, "deceased_name": "张老", "death_date": "2026-01-15"}),
    "C065": (WORKER, {"separation_date": "2026-02-28", "residence_division": OTHER_TOWNSHIP}),
    "C066": (WORKER, {"separation_date": "2026-02-28", "registration_date": "2026-03-05",
                      "bank_name": "中国工商银行", "bank_account": "6222000011113333"}),
    "C067": (WORKER, {"direction": "out", "other_place": "重庆市"}),
    "C069": (WORKER, {"deceased_id_number": JOBLESS, "deceased_name": "孙某", "death_date": "2026-02-01"}),
    "C077": (JOBLESS, {"reason": "reemployed", "effective_date": "2026-03-10"}),
    "C083": (UNIT, {"employee_id_number": NEWCOMER, "employee_name": "李新", "employment_start": "2026-03-01",
                    "start_month": "2026-03"}),
    "C084": (NEWCOMER, {"year": 2026, "insured_category": "adult"}),
    "C088": (NEWCOMER, {"direction": "in", "scheme": "employee_medical", "other_place": "成都市",
                        "contribution_start": "2020-01", "contribution_end": "2020-12"}),
    "C091": (RETIREE, {"direction": "out", "other_place": "重庆市"}),
    "C092": (RETIREE, {"new_bank": "icbc"}),
    "C093": (UNIT, {"proposed_class": "3"}),
    "C003": (UNIT, {"project_name": "乐山某大桥工程", "construction_start": "2026-05-01",
                    "construction_end": "2027-04-30", "contract_amount": "12000000"}),
    "C016": (UNIT, {"year": 2026, "total_wage": "3600000", "employee_count": 50, "effective_month": "2026-07"}),
    "C022": (WORKER, {"work_start_date": "1985-07-01", "deemed_start": "1985-07-01", "deemed_end": "1994-12-31",
                      "work_history": "县农机厂工人", "archive_location": "乐山市人才服务中心"}),
    "C035": (DEPENDANT, {"deceased_id_number": RETIREE, "dependant_id_number": DEPENDANT,
                         "dependant_relation": "spouse", "monthly_amount": "900.00"}),
    "C036": (WORKER, {"appraisal_number": "JD-2026-01", "disability_level": "complete", "monthly_amount": "1500.00"}),
    "C039": (RETIREE, {"reason": "calculation_error", "detail": "计发差错", "new_monthly_amount": "3120.00"}),
    "C040": (UNIT, {"retiree_id_number": RETIREE, "retiree_name": "张老", "archive_volumes": 2,
                    "handover_date": "2026-03-20"}),
    "C052": (INJURED, {"claimed_amount": "8800.50"}),
    "C053": (INJURED, {"disability_grade": "7", "approved_amount": "60000.00"}),
    "C054": (INJURED, {"disability_grade": "3", "own_wage": "5000.00", "nursing_level": "partial",
                       "benefit_kinds": ["lump_sum", "nursing"]}),
    "C062": (DEPENDANT, {"dependant_id_number": DEPENDANT, "change_kind": "change", "new_monthly_amount": "1100.00"}),
    "C063": (INJURED, {"benefit_kind": "allowance", "change_kind": "adjust", "effective_month": "2026-05",
                       "detail": "年度调整", "new_monthly_amount": "3300.00"}),
    "C064": (INJURED, {"claimed_amount": "620.00"}),
    "C068": (JOBLESS, {"benefit_start": "2026-02", "benefit_end": "2026-04"}),
    "C070": (JOBLESS, {"claimed_amount": "1500.00"}),
    "C071": (WORKER, {"approved_amount": "1500.00"}),
    "C072": (UNIT, {"approved_amount": "45000.00"}),
    "C073": (UNIT, {"approved_amount": "3000.00"}),
    "C074": (JOBLESS, {"approved_amount": "1200.00"}),
    "C075": (JOBLESS, {"approved_amount": "80.00"}),
    "C076": (JOBLESS, {"approved_amount": "2400.00"}),
    "C078": (JOBLESS, {"pension_pay_start": "2026-02", "pension_pay_end": "2026-04"}),
    "C079": (WORKER, {"claimed_amount": "3200.00"}),
    "C080": (WORKER, {"payee": "self", "approved_amount": "18000.00"}),
    "C082": (WORKER, {"claimed_amount": "450.00"}),
    "C086": (WORKER, {"scheme": "employee_medical", "claimed_amount": "2300.00"}),
    "C095": (INJURED, {"claimed_amount": "15000.00"}),
    "C098": (RETIREE, {"year": 2026, "issue": "2026 年调整", "new_monthly_amount": "3060.00"}),
    "C100": (JOBLESS, {"approved_amount": "1000.00"}),
}  # fmt: skip


def _person(conn: sa.Connection, id_number: str, name: str) -> None:
    conn.execute(
        sa.insert(persons).values(
            id_number=id_number, name=name, sex="male" if int(id_number[16]) % 2 else "female",
            birth_date=dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
            township_code=TOWNSHIP, phone="13800000000",
        )
    )  # fmt: skip


def _enrol(
    conn: sa.Connection, id_number: str, insurance: str, kind: str = "employee", unit: str | None = UNIT
) -> None:
    conn.execute(
        sa.insert(enrolments).values(
            id_number=id_number, insurance_type=insurance, county_code=COUNTY, kind=kind, status="active",
            unit_uscc=unit, since=dt.date(2011, 1, 1),
        )
    )  # fmt: skip


def _benefit(conn: sa.Connection, id_number: str, kind: str, status: str = "in_payment") -> None:
    conn.execute(
        sa.insert(benefits).values(
            id_number=id_number, kind=kind, monthly_amount=Decimal("3000.00"), calculation={},
            start_month="2015-03", status=status, paid_through="2026-03", county_code=COUNTY,
        )
    )  # fmt: skip


def build_world(db: Database) -> None:
    """Persons, units, enrolments, 15 years of contributions, accounts, benefits and cards."""
    with db.write() as conn:
        for uscc, name in ((UNIT, "乐山测试有限公司"), (OTHER_UNIT, "乐山另一有限公司")):
            conn.execute(sa.insert(units).values(uscc=uscc, name=name, county_code=COUNTY, risk_class=1))
        for id_number, name in ((WORKER, "王小明"), (NEWCOMER, "李新"), (RETIREE, "张老"), (SUSPENDED, "钱老"),
                                (RURAL, "赵老"), (JOBLESS, "孙某"), (INJURED, "周伤"), (DEPENDANT, "吴遗")):  # fmt: skip
            _person(conn, id_number, name)
        for insurance in ("enterprise_pension", "employee_medical", "unemployment", "work_injury"):
            _enrol(conn, WORKER, insurance)
        _enrol(conn, WORKER, "resident_pension", "resident", None)
        _enrol(conn, RURAL, "resident_pension", "resident", None)
        _enrol(conn, RETIREE, "enterprise_pension", "retired", None)
        rows = [
            {"id_number": WORKER, "insurance_type": insurance, "month": f"2025-{m:02d}", "base": Decimal("5000.00"),
             "employer_part": Decimal(part[0]), "personal_part": Decimal(part[1]), "account_part": Decimal(part[1]),
             "source": "unit_declaration", "county_code": COUNTY, "unit_uscc": UNIT, "recorded_at": NOW}
            for insurance, part in (("enterprise_pension", ("800.00", "400.00")), ("unemployment", ("30.00", "20.00")))
            for m in range(1, 13)
        ]  # fmt: skip
        conn.execute(sa.insert(contribution_records), rows)
        conn.execute(
            sa.insert(contribution_year_summaries),
            [
                {"id_number": WORKER, "insurance_type": "enterprise_pension", "year": year, "months": 12,
                 "base_sum": Decimal("48000.00"), "employer_sum": Decimal("7680.00"),
                 "personal_sum": Decimal("3840.00"), "account_sum": Decimal("3840.00"),
                 "index_sum": Decimal("9.6000"), "county_code": COUNTY}
                for year in range(2011, 2025)
            ],
        )  # fmt: skip
        conn.execute(
            sa.insert(personal_accounts),
            [
                {"id_number": WORKER, "insurance_type": insurance, "year": 2024, "opening": Decimal("0.00"),
                 "credited": Decimal(balance), "interest": Decimal("0.00"), "rate": Decimal("0.026200"),
                 "closing": Decimal(balance)}
                for insurance, balance in (("enterprise_pension", "60000.00"), ("resident_pension", "8340.00"))
            ],
        )  # fmt: skip
        _benefit(conn, RETIREE, "employee_pension")
        _benefit(conn, SUSPENDED, "employee_pension", "suspended")
        _benefit(conn, RURAL, "resident_pension")
        _benefit(conn, JOBLESS, "unemployment_benefit")
        _benefit(conn, INJURED, "disability_allowance")
        _benefit(conn, DEPENDANT, "survivor_pension")
        _enrol(conn, INJURED, "work_injury")
        for id_number in (RETIREE, WORKER):
            conn.execute(
                sa.insert(cards).values(id_number=id_number, card_number="A12345678", status="active",
                                        bank_name="中国工商银行", history=[], updated_at=NOW)
            )  # fmt: skip


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every record table, in a stable order."""
    with db.read() as conn:
        return {
            t.name: sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr) for t in RECORD_TABLES
        }


def changed_tables(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def add_case(db: Database, station: Station, code: str) -> tuple[str, Actor]:
    """A case of ``code``, claimed by a reviewer of its section (as after push and claim)."""
    item = load_catalog().item(code)
    applicant, form = CASES.get(code, (UNIT if item.applicant.value == "unit" else WORKER, {}))
    section = Section(item.section.value if item.section else "integrated")
    actor = Actor.reviewer(f"rev.{section.value}", section)
    case_id = str(uuid.uuid4())
    with db.write() as conn:
        conn.execute(
            sa.insert(cases).values(
                case_id=case_id, case_number=f"{station.id}-{case_id[:8]}", station_id=station.id,
                township_code=TOWNSHIP, county_code=COUNTY, item_code=code, tier=Tier.COMPLEX.value,
                section=section.value, status="claimed", applicant_kind=item.applicant.value,
                applicant_key=applicant, applicant_name="申请人", clerk="clerk01", registration_county=COUNTY,
                payload={"form": form}, accepted_at_station=NOW, accepted_at=NOW, received_at=NOW,
                claimed_by=actor.username, claimed_at=NOW, version=2, updated_at=NOW,
            )
        )  # fmt: skip
    return case_id, actor


COMPLEX = [item.code for item in load_catalog().by_tier(Tier.COMPLEX)]


@pytest.mark.parametrize("code", COMPLEX)
def test_approve_applies_the_declared_effect_reject_and_return_change_nothing(
    db: Database, code: str
) -> None:
    station = enrolled_station(db)
    build_world(db)
    effect = load_catalog().item(code).effect
    start = dump(db)
    for event, kw in (
        (CaseEvent.REJECT, {"reason": "材料不实"}),
        (CaseEvent.RETURN_FOR_SUPPLEMENT, {"reason": "请补充证明"}),
    ):
        case_id, actor = add_case(db, station, code)
        with db.write() as conn:
            review.decide(conn, case_id, event, actor=actor, now=NOW, **kw)
        assert dump(db) == start, f"{code}: {event} changed the records"

    case_id, actor = add_case(db, station, code)
    if code in REFUSED:
        with pytest.raises(ApiError) as refused, db.write() as conn:
            review.decide(conn, case_id, CaseEvent.APPROVE, actor=actor, now=NOW)
        assert refused.value.code == REFUSED[code]
        assert dump(db) == start
        with db.read() as conn:  # the decision was not recorded either
            assert (
                conn.execute(sa.select(cases.c.status).where(cases.c.case_id == case_id)).scalar_one()
                == "claimed"
            )
        return
    with db.write() as conn:
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=actor, now=NOW)
    changed = changed_tables(start, dump(db))
    expected = TABLES_OVERRIDE.get(code, set() if effect in NO_RECORD_EFFECTS else EFFECT_TABLES[effect])
    if expected:
        assert expected <= changed, (
            f"{code} ({effect}): expected {sorted(expected)}, changed {sorted(changed)}"
        )
    else:
        assert changed == set(), f"{code} ({effect}) changed {sorted(changed)}"


def test_death_registration_ends_the_pension_recovers_later_months_and_cancels_the_card(db: Database) -> None:
    station = enrolled_station(db)
    build_world(db)
    case_id, actor = add_case(db, station, "C018")
    with db.read() as conn:  # the reviewer sees what the approval will change before confirming
        shown = case_effects.preview(conn, review.load_case(conn, case_id), at=NOW)
    assert shown.refused is None and any("追回" in line for line in shown.lines), shown
    with db.write() as conn:
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=actor, now=NOW)
    with db.read() as conn:
        person = conn.execute(sa.select(persons).where(persons.c.id_number == RETIREE)).one()
        pension = conn.execute(sa.select(benefits).where(benefits.c.id_number == RETIREE)).one()
        recover = conn.execute(sa.select(payables).where(payables.c.id_number == RETIREE)).one()
        card = conn.execute(sa.select(cards).where(cards.c.id_number == RETIREE)).one()
        kept = conn.execute(sa.select(person_changes).where(person_changes.c.field == "status")).one()
    assert (person.status, person.death_date) == ("deceased", dt.date(2026, 1, 15))
    assert (pension.status, pension.end_month) == ("ended", "2026-01")
    # paid through 2026-03, died in 2026-01: February and March, 2 × 3000.00, are recovered
    assert (recover.kind, recover.direction, recover.amount) == (
        "overpayment_recovery",
        "recover",
        Decimal("6000.00"),
    )
    assert card.status == "cancelled"
    assert (kept.old_value, kept.new_value, kept.case_id) == ("alive", "deceased", case_id)


def test_an_approval_that_cannot_apply_is_refused_whole(db: Database) -> None:
    """Suspending a pension nobody draws: the coded refusal, and neither status nor records move."""
    station = enrolled_station(db)
    build_world(db)
    case_id, actor = add_case(db, station, "C031")
    with db.write() as conn:
        conn.execute(sa.update(cases).where(cases.c.case_id == case_id).values(applicant_key=WORKER))
    before = dump(db)
    with pytest.raises(ApiError) as refused, db.write() as conn:
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=actor, now=NOW)
    assert refused.value.code == "effect_no_benefit" and "发放中" in refused.value.message
    assert dump(db) == before


def test_the_case_page_shows_what_approval_changes_and_the_calculation(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    build_world(db)
    add_account(db, "rev.pension", Role.REVIEWER, section="pension")
    client = console_client(db, tmp_path)
    logged_in(client, "rev.pension")
    case_id, _ = add_case(db, station, "C023")
    before = dump(db)
    page = client.get(f"/console/cases/{case_id}").text
    assert "核准后参保记录的变化（养老金核定发放）" in page
    assert "待遇核定：职工基本养老金每月" in page and "待遇计算过程" in page
    assert "基础养老金" in page and "个人账户养老金" in page  # the steps behind the amount
    assert dump(db) == before  # the preview wrote nothing

    refused_id, _ = add_case(db, station, "C032")
    with db.write() as conn:  # a pension that is in payment cannot be resumed
        conn.execute(sa.update(cases).where(cases.c.case_id == refused_id).values(applicant_key=RETIREE))
    page = client.get(f"/console/cases/{refused_id}").text
    assert "核准将无法生效" in page and "没有暂停的相应待遇" in page


def _approve(db: Database, station: Station, code: str) -> str:
    case_id, actor = add_case(db, station, code)
    with db.write() as conn:
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=actor, now=NOW)
    return case_id


def test_only_items_that_record_nothing_declare_none() -> None:
    """Every complex item changes the records now (G01 consultation and G24 are general)."""
    assert [i.code for i in load_catalog().by_tier(Tier.COMPLEX) if i.effect is ItemEffect.NONE] == []


@pytest.mark.parametrize(
    ("code", "fund", "amount"),
    [
        # died 2026-01-15: the 2025 wage is not yet in the rate book, 2024's 7646 stands in
        ("C034", "enterprise_pension", Decimal("15292.00")),  # 7646 × 2 months (placeholder standard)
        ("C055", "work_injury", Decimal("45876.00")),  # 7646 × 6 months (工伤保险条例 §39)
        ("C043", "resident_pension", Decimal("400.00")),  # fixed amount (placeholder standard)
        ("C069", "unemployment", Decimal("15292.00")),  # 社会保险法 §49: as an employee's death
    ],
)
def test_funeral_grants_pay_the_rate_book_standard(
    db: Database, code: str, fund: str, amount: Decimal
) -> None:
    station = enrolled_station(db)
    build_world(db)
    case_id = _approve(db, station, code)
    with db.read() as conn:
        grant = conn.execute(
            sa.select(payables).where(payables.c.case_id == case_id, payables.c.kind == "funeral_grant")
        ).one()
    assert (grant.fund, grant.amount, grant.direction) == (fund, amount, "pay")
    assert (
        grant.detail["confirmed"] is False and "月平均工资" in grant.detail["formula"]
    ) or amount == Decimal("400.00")


def test_claims_and_subsidies_pay_the_case_amount_from_the_fund(db: Database) -> None:
    station = enrolled_station(db)
    build_world(db)
    paid = {code: _approve(db, station, code) for code in ("C052", "C072", "C086")}
    with db.read() as conn:
        rows = {
            r.case_id: r for r in conn.execute(sa.select(payables).where(payables.c.kind == "claim_payment"))
        }
    injury, unit, medical = (rows[paid[c]] for c in ("C052", "C072", "C086"))
    assert (injury.id_number, injury.fund, injury.amount) == (INJURED, "work_injury", Decimal("8800.50"))
    assert (unit.id_number, unit.unit_uscc, unit.fund, unit.amount) == (
        None,
        UNIT,
        "unemployment",
        Decimal("45000.00"),
    )
    assert (medical.fund, medical.amount) == ("employee_medical", Decimal("2300.00"))


def test_disability_benefits_follow_the_grade_and_the_wage(db: Database) -> None:
    station = enrolled_station(db)
    build_world(db)
    case_id = _approve(db, station, "C054")
    with db.read() as conn:
        lump = conn.execute(sa.select(payables).where(payables.c.case_id == case_id)).one()
        nursing = conn.execute(
            sa.select(benefits).where(benefits.c.id_number == INJURED, benefits.c.kind == "nursing_allowance")
        ).one()
    # grade 3: 23 months × 5000.00 = 115000.00 (条例 §35)
    assert (lump.kind, lump.amount) == ("disability_lump_sum", Decimal("115000.00"))
    # partial self-care: 30% × 7646 = 2293.80 a month from May (条例 §34)
    assert (nursing.monthly_amount, nursing.start_month, nursing.status) == (
        Decimal("2293.80"), "2026-05", "in_payment",
    )  # fmt: skip


def test_adjustments_change_the_monthly_amount_and_keep_the_old_one(db: Database) -> None:
    station = enrolled_station(db)
    build_world(db)
    _approve(db, station, "C063")
    with db.read() as conn:
        allowance = conn.execute(sa.select(benefits).where(benefits.c.id_number == INJURED)).one()
    assert allowance.monthly_amount == Decimal("3300.00")
    assert allowance.calculation["previous_monthly_amount"] == "3000.00"
    assert allowance.calculation["from_month"] == "2026-05"


def test_fund_paid_pension_months_are_contribution_records(db: Database) -> None:
    station = enrolled_station(db)
    build_world(db)
    case_id = _approve(db, station, "C078")
    with db.read() as conn:
        rows = conn.execute(
            sa.select(contribution_records)
            .where(contribution_records.c.case_id == case_id)
            .order_by(contribution_records.c.month)
        ).all()
    assert [(r.month, r.source, r.insurance_type) for r in rows] == [
        (m, "fund_paid", "enterprise_pension") for m in ("2026-02", "2026-03", "2026-04")
    ]
    # the lowest base 4588 × 20% = 917.60 a month, 8% of the base (367.04) to the account
    assert {(r.base, r.personal_part, r.account_part) for r in rows} == {
        (Decimal("4588.00"), Decimal("917.60"), Decimal("367.04"))
    }


def test_deemed_years_are_kept_and_count_in_the_pension(db: Database) -> None:
    station = enrolled_station(db)
    build_world(db)
    before = _approve(db, station, "C023")
    with db.read() as conn:
        plain = conn.execute(sa.select(benefits).where(benefits.c.case_id == before)).one()
    with db.write() as conn:
        conn.execute(sa.delete(benefits).where(benefits.c.case_id == before))
    _approve(db, station, "C022")
    with db.read() as conn:
        kept = conn.execute(sa.select(determinations).where(determinations.c.id_number == WORKER)).one()
    assert (kept.kind, kept.result["deemed_months"]) == ("deemed_years", 114)  # 1985-07 .. 1994-12
    assert (kept.valid_from, kept.valid_until) == (dt.date(1985, 7, 1), dt.date(1994, 12, 31))
    after = _approve(db, station, "C023")
    with db.read() as conn:
        deemed = conn.execute(sa.select(benefits).where(benefits.c.case_id == after)).one()
    # 过渡性养老金 for the 114 deemed months raises the pension
    assert deemed.monthly_amount > plain.monthly_amount


def test_a_determination_is_on_the_person_page(db: Database) -> None:
    from schema.rates import load_rates
    from sync_server.services.records.person_view import person_page

    station = enrolled_station(db)
    build_world(db)
    case_id, actor = add_case(db, station, "C048")
    with db.write() as conn:
        conn.execute(
            sa.update(cases)
            .where(cases.c.case_id == case_id)
            .values(
                payload={
                    "form": {"injury_date": "2026-02-03", "injury_kind": "accident", "contact_phone": "1"}
                }
            )
        )
        review.decide(conn, case_id, CaseEvent.APPROVE, actor=actor, now=NOW)
    with db.read() as conn:
        page = person_page(conn, WORKER, masking="full", book=load_rates())
    assert page is not None
    (shown,) = page.determinations
    assert shown["item"] == "C048 工伤认定申请" and shown["valid_from"] == "2026-02-03"
    assert "伤害类别：" in shown["result"] and "联系电话" not in shown["result"]
