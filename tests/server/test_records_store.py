"""The records repository on both backends: typed changes written, a slice read back.

A death registration's changes are the example: the person becomes deceased with the old
status kept, the pension ends with the month of death, an overpayment is recovered and
the card is cancelled, all in one transaction with one audit entry.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from schema.person_records import (
    Benefit,
    BenefitKind,
    BenefitStatus,
    CardStatus,
    ContributionMonth,
    ContributionSource,
    Payable,
    PayableDirection,
    PayableKind,
    PersonStatus,
    StopReason,
    UnitStatus,
)
from schema.record_changes import (
    BenefitEnded,
    BenefitGranted,
    BenefitSuspended,
    CardStatusChanged,
    ChangeContext,
    ContributionsWritten,
    EnrolmentStarted,
    EnrolmentStopped,
    PayableCreated,
    PersonChanged,
    UnitClosed,
    UnitOpened,
)
from schema.vocabulary import InsuranceType
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, persons
from sync_server.services.records.load import load_person_records, load_units
from sync_server.services.records.write import RecordWriteError, write_record_changes
from tests.support.factories import COUNTY, add_person, person_id, unit_uscc

PENSION = InsuranceType.ENTERPRISE_PENSION
AT = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
CASE = "0b9d7f4e-1c0a-4d7e-9a53-2f1f0d3c5e11"


def context(case_id: str | None = CASE) -> ChangeContext:
    return ChangeContext(case_id=case_id, source="review", actor="reviewer1", at=AT)


def _pension(id_number: str) -> Benefit:
    return Benefit(
        id_number=id_number,
        kind=BenefitKind.EMPLOYEE_PENSION,
        monthly_amount=Decimal("2856.40"),
        calculation={"basic": "1500.00", "account": "1356.40"},
        start_month="2020-06",
        paid_through="2026-03",
        bank_account="6228480000000000001",
        county=COUNTY,
    )


def _month(id_number: str, month: str) -> ContributionMonth:
    return ContributionMonth(
        id_number=id_number,
        insurance=PENSION,
        month=month,
        base=Decimal("4000.00"),
        employer_part=Decimal("640.00"),
        personal_part=Decimal("320.00"),
        account_part=Decimal("320.00"),
        source=ContributionSource.UNIT_DECLARATION,
        county=COUNTY,
    )


def test_death_changes_are_written_and_read_back(db: Database) -> None:
    alive, other = person_id(1), person_id(2)
    add_person(db, alive, enrolled={PENSION.value: COUNTY})
    add_person(db, other)
    with db.write() as conn:
        write_record_changes(
            conn,
            [
                ContributionsWritten(rows=(_month(alive, "2019-12"), _month(alive, "2020-01"))),
                BenefitGranted(benefit=_pension(alive)),
                CardStatusChanged(id_number=alive, status=CardStatus.APPLIED),
                CardStatusChanged(id_number=alive, status=CardStatus.ACTIVE, card_number="A12345678"),
            ],
            context(case_id=None),
        )
    with db.write() as conn:
        result = write_record_changes(
            conn,
            [
                PersonChanged(id_number=alive, field="status", value="deceased"),
                PersonChanged(id_number=alive, field="death_date", value="2026-01-15"),
                BenefitEnded(
                    id_number=alive, kind=BenefitKind.EMPLOYEE_PENSION, end_month="2026-01", reason="死亡"
                ),
                EnrolmentStopped(
                    id_number=alive, insurance=PENSION, until=dt.date(2026, 1, 15), reason=StopReason.DECEASED
                ),
                PayableCreated(
                    payable=Payable(
                        id_number=alive,
                        payee_name="王小明",
                        kind=PayableKind.OVERPAYMENT_RECOVERY,
                        amount=Decimal("5712.80"),
                        direction=PayableDirection.RECOVER,
                        county=COUNTY,
                        fund=PENSION.value,
                        detail={"months": ["2026-02", "2026-03"]},
                    )
                ),
                CardStatusChanged(id_number=alive, status=CardStatus.CANCELLED),
            ],
            context(),
        )
    assert result.persons_touched == {alive}

    with db.read() as conn:
        slices = load_person_records(conn, [alive, other, person_id(3)])
        version = conn.execute(sa.select(persons.c.version).where(persons.c.id_number == alive)).scalar_one()
        audit = conn.execute(
            sa.select(audit_log.c.action, audit_log.c.entity_id).order_by(audit_log.c.seq)
        ).all()
    assert set(slices) == {alive, other}  # the unknown ID number is simply absent
    records = slices[alive]
    assert records.person.status == PersonStatus.DECEASED
    assert records.person.death_date == dt.date(2026, 1, 15)
    assert version == 2  # one registry version for the decision, not one per field
    assert [(c.field, c.old_value, c.new_value, c.case_id) for c in records.changes] == [
        ("status", "alive", "deceased", CASE),
        ("death_date", None, "2026-01-15", CASE),
    ]
    (benefit,) = records.benefits
    assert (benefit.status, benefit.end_month, benefit.status_reason) == (
        BenefitStatus.ENDED,
        "2026-01",
        "死亡",
    )
    assert benefit.calculation == {"basic": "1500.00", "account": "1356.40"}
    assert records.current_benefit(BenefitKind.EMPLOYEE_PENSION) is None
    (payable,) = records.payables
    assert (payable.amount, payable.direction, payable.case_id) == (
        Decimal("5712.80"),
        PayableDirection.RECOVER,
        CASE,
    )
    (card,) = records.cards
    assert card.status == CardStatus.CANCELLED and card.card_number == "A12345678"
    assert [e.status for e in card.history] == [CardStatus.APPLIED, CardStatus.ACTIVE, CardStatus.CANCELLED]
    enrolment = records.enrolment(PENSION)
    assert (
        enrolment is not None
        and enrolment.status == "stopped"
        and enrolment.stop_reason == StopReason.DECEASED
    )
    assert [r.month for r in records.contributions] == ["2019-12", "2020-01"]
    assert records.contributions[0].employer_part == Decimal("640.00")
    assert slices[other].benefits == () and slices[other].person.status == PersonStatus.ALIVE
    assert audit == [("records_changed", "review"), ("records_changed", CASE)]  # no case: by source


def test_a_new_card_after_a_cancelled_one_and_suspend_resume(db: Database) -> None:
    pid = person_id(4)
    add_person(db, pid)
    with db.write() as conn:
        write_record_changes(
            conn,
            [
                CardStatusChanged(id_number=pid, status=CardStatus.ACTIVE, card_number="B00000001"),
                CardStatusChanged(id_number=pid, status=CardStatus.CANCELLED),
                CardStatusChanged(id_number=pid, status=CardStatus.APPLIED),
                BenefitGranted(benefit=_pension(pid)),
                BenefitSuspended(id_number=pid, kind=BenefitKind.EMPLOYEE_PENSION, reason="未按时认证"),
            ],
            context(),
        )
    with db.read() as conn:
        records = load_person_records(conn, [pid])[pid]
    assert [c.status for c in records.cards] == [CardStatus.CANCELLED, CardStatus.APPLIED]
    current = records.current_card()
    assert current is not None and current.card_number is None
    assert records.benefits[0].status == BenefitStatus.SUSPENDED
    with db.write() as conn:
        write_record_changes(
            conn,
            [
                BenefitSuspended(
                    id_number=pid, kind=BenefitKind.EMPLOYEE_PENSION, reason="已认证", resumed=True
                )
            ],
            context(),
        )
    with db.read() as conn:
        assert load_person_records(conn, [pid])[pid].benefits[0].status == BenefitStatus.IN_PAYMENT


def test_enrolment_started_reopens_and_units_open_and_close(db: Database) -> None:
    pid, uscc = person_id(5), unit_uscc(5)
    add_person(db, pid)
    with db.write() as conn:
        write_record_changes(
            conn,
            [
                UnitOpened(uscc=uscc, name="乐山新开有限公司", county="511100", risk_class=3),
                EnrolmentStarted(
                    id_number=pid,
                    insurance=PENSION,
                    county="511100",
                    kind="employee",
                    unit_uscc=uscc,
                    since=dt.date(2026, 3, 1),
                ),
                EnrolmentStopped(
                    id_number=pid, insurance=PENSION, until=dt.date(2026, 3, 31), reason=StopReason.LEFT_UNIT
                ),
                EnrolmentStarted(
                    id_number=pid,
                    insurance=PENSION,
                    county="511100",
                    kind="employee",
                    unit_uscc=uscc,
                    since=dt.date(2026, 5, 1),
                ),
                UnitClosed(uscc=uscc, closed_on=dt.date(2026, 6, 30)),
            ],
            context(),
        )
    with db.read() as conn:
        enrolment = load_person_records(conn, [pid])[pid].enrolment(PENSION)
        unit = load_units(conn, [uscc])[uscc]
    assert enrolment is not None
    assert (enrolment.status, enrolment.since, enrolment.until, enrolment.version) == (
        "active",
        dt.date(2026, 5, 1),
        None,
        3,
    )
    assert (unit.status, unit.closed_on, unit.county, unit.risk_class) == (
        UnitStatus.CLOSED,
        dt.date(2026, 6, 30),
        "511100",
        3,
    )


def test_a_change_to_a_missing_row_fails_the_whole_transaction(db: Database) -> None:
    pid = person_id(6)
    add_person(db, pid)
    with pytest.raises(RecordWriteError), db.write() as conn:
        write_record_changes(
            conn,
            [
                PersonChanged(id_number=pid, field="phone", value="13900000000"),
                BenefitEnded(
                    id_number=pid, kind=BenefitKind.EMPLOYEE_PENSION, end_month="2026-01", reason="死亡"
                ),
            ],
            context(),
        )
    with db.read() as conn:
        records = load_person_records(conn, [pid])[pid]
    assert records.person.phone == "13800000000" and records.changes == ()
