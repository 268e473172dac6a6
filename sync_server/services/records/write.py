"""Apply record changes (``schema.record_changes``) in the caller's transaction.

The effect functions decide; this module only writes what they return, in order, with
the :class:`~schema.record_changes.ChangeContext` stamped on every row (case, source,
time). Rows that may be many (contribution records, person-change history) go in one
statement each; a person's key fields keep their old value in ``person_changes``. One
audit entry names what the batch changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Connection

from schema.person_records import BenefitStatus, CardEvent, CardStatus, PersonStatus, UnitStatus
from schema.record_changes import (
    AccountYearsWritten,
    BankAccountChanged,
    BenefitAdjusted,
    BenefitEnded,
    BenefitGranted,
    BenefitSuspended,
    CardStatusChanged,
    ChangeContext,
    ContributionsWritten,
    DeterminationRecorded,
    EnrolmentStarted,
    EnrolmentStopped,
    EnrolmentSuspended,
    PayableCreated,
    PersonChanged,
    RecordChange,
    TransferRecorded,
    UnitClosed,
    UnitOpened,
)
from sync_server.db.tables import (
    benefits,
    cards,
    contribution_records,
    determinations,
    enrolments,
    payables,
    person_changes,
    personal_accounts,
    persons,
    transfers,
    units,
)
from sync_server.db.upsert import upsert
from sync_server.services import audit, bulk
from sync_server.services.feed import person_slice


class WriteResult(BaseModel):
    """Who the changes touched: the feed tells these persons' townships (services.feed)."""

    model_config = ConfigDict(frozen=True)

    persons_touched: frozenset[str] = frozenset()
    units_touched: frozenset[str] = frozenset()
    change_kinds: tuple[str, ...] = ()


class RecordWriteError(Exception):
    """A change names a row that is not there (an effect built it from a stale slice)."""

    def __init__(self, message: str, detail: dict[str, Any]) -> None:
        super().__init__(message)
        self.detail = detail


_DATE_FIELDS = {"birth_date", "death_date"}


def _person_value(field: str, value: str | None) -> Any:
    if value is None:
        return None
    if field in _DATE_FIELDS:
        return date.fromisoformat(value)
    if field == "status":
        return PersonStatus(value).value
    return value


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


class _Writer:
    def __init__(self, conn: Connection, context: ChangeContext) -> None:
        self.conn = conn
        self.ctx = context
        self.persons: set[str] = set()
        self.units: set[str] = set()
        self.contributions: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self.person_rows: dict[str, dict[str, Any]] = {}
        self.bumped: set[str] = set()

    # -- persons -----------------------------------------------------------------------
    def _load_persons(self, changes: Sequence[RecordChange]) -> None:
        ids = sorted({c.id_number for c in changes if isinstance(c, PersonChanged)})
        if ids:
            query = sa.select(persons).where(bulk.in_list(self.conn, persons.c.id_number, ids))
            self.person_rows = {r.id_number: dict(r._mapping) for r in self.conn.execute(query)}

    def person_changed(self, c: PersonChanged) -> None:
        row = self.person_rows.get(c.id_number)
        if row is None:
            raise RecordWriteError("人员不在参保登记库中", {"id_number": c.id_number})
        new = _person_value(c.field, c.value)
        old = row[c.field]
        if old == new:
            return
        bump = 0 if c.id_number in self.bumped else 1  # one registry version per decision
        self.conn.execute(
            sa.update(persons)
            .where(persons.c.id_number == c.id_number)
            .values({c.field: new, "version": persons.c.version + bump, "updated_at": self.ctx.at})
        )
        self.bumped.add(c.id_number)
        row[c.field] = new
        self.history.append(
            {
                "id_number": c.id_number,
                "field": c.field,
                "old_value": _as_text(old),
                "new_value": _as_text(new),
                "case_id": self.ctx.case_id,
                "source": self.ctx.source,
                "at": self.ctx.at,
            }
        )

    # -- enrolments --------------------------------------------------------------------
    def _enrolment(self, id_number: str, insurance: str, values: dict[str, Any]) -> None:
        done = self.conn.execute(
            sa.update(enrolments)
            .where(enrolments.c.id_number == id_number, enrolments.c.insurance_type == insurance)
            .values(**values, version=enrolments.c.version + 1, updated_at=self.ctx.at)
        )
        if done.rowcount == 0:
            raise RecordWriteError("该险种没有参保记录", {"id_number": id_number, "insurance": insurance})

    def enrolment_started(self, c: EnrolmentStarted) -> None:
        values = {
            "county_code": c.county,
            "kind": c.kind,
            "status": "active",
            "unit_uscc": c.unit_uscc,
            "since": c.since,
            "until": None,
            "stop_reason": None,
            "updated_at": self.ctx.at,
        }
        statement = upsert(
            self.conn,
            enrolments,
            on=[enrolments.c.id_number, enrolments.c.insurance_type],
            update={**values, "version": enrolments.c.version + 1},
        )
        self.conn.execute(statement.values(id_number=c.id_number, insurance_type=c.insurance.value, **values))

    def enrolment_stopped(self, c: EnrolmentStopped) -> None:
        values = {"status": "stopped", "until": c.until, "stop_reason": c.reason.value}
        self._enrolment(c.id_number, c.insurance.value, values)

    def enrolment_suspended(self, c: EnrolmentSuspended) -> None:
        self._enrolment(c.id_number, c.insurance.value, {"status": "active" if c.resumed else "suspended"})

    # -- money records -----------------------------------------------------------------
    def contributions_written(self, c: ContributionsWritten) -> None:
        for r in c.rows:
            self.persons.add(r.id_number)
            self.contributions.append(
                {
                    "id_number": r.id_number,
                    "insurance_type": r.insurance.value,
                    "month": r.month,
                    "base": r.base,
                    "employer_part": r.employer_part,
                    "personal_part": r.personal_part,
                    "account_part": r.account_part,
                    "source": r.source.value,
                    "case_id": r.case_id or self.ctx.case_id,
                    "county_code": r.county,
                    "unit_uscc": r.unit_uscc,
                    "recorded_at": self.ctx.at,
                }
            )

    def account_years_written(self, c: AccountYearsWritten) -> None:
        rows = [
            {
                "id_number": a.id_number,
                "insurance_type": a.insurance.value,
                "year": a.year,
                "opening": a.opening,
                "credited": a.credited,
                "interest": a.interest,
                "rate": a.rate,
                "closing": a.closing,
            }
            for a in c.rows
        ]
        self.persons.update(a.id_number for a in c.rows)
        key = [personal_accounts.c.id_number, personal_accounts.c.insurance_type, personal_accounts.c.year]
        statement = upsert(
            self.conn,
            personal_accounts,
            on=key,
            update=["opening", "credited", "interest", "rate", "closing"],
        )
        self.conn.execute(statement, rows)

    # -- benefits ----------------------------------------------------------------------
    def benefit_granted(self, c: BenefitGranted) -> None:
        b = c.benefit
        self.conn.execute(
            sa.insert(benefits).values(
                id_number=b.id_number,
                kind=b.kind.value,
                monthly_amount=b.monthly_amount,
                calculation=b.calculation,
                start_month=b.start_month,
                end_month=b.end_month,
                status=b.status.value,
                status_reason=b.status_reason,
                paid_through=b.paid_through,
                bank_name=b.bank_name,
                bank_account=b.bank_account,
                county_code=b.county,
                case_id=b.case_id or self.ctx.case_id,
                updated_at=self.ctx.at,
            )
        )

    def _benefit(self, id_number: str, kind: str, values: dict[str, Any], *, status_in: list[str]) -> None:
        done = self.conn.execute(
            sa.update(benefits)
            .where(
                benefits.c.id_number == id_number, benefits.c.kind == kind, benefits.c.status.in_(status_in)
            )
            .values(**values, version=benefits.c.version + 1, updated_at=self.ctx.at)
        )
        if done.rowcount == 0:
            raise RecordWriteError("没有可变更的该项待遇", {"id_number": id_number, "kind": kind})

    def benefit_ended(self, c: BenefitEnded) -> None:
        values = {"status": BenefitStatus.ENDED.value, "end_month": c.end_month, "status_reason": c.reason}
        live = [BenefitStatus.IN_PAYMENT.value, BenefitStatus.SUSPENDED.value]
        self._benefit(c.id_number, c.kind.value, values, status_in=live)

    def benefit_suspended(self, c: BenefitSuspended) -> None:
        before, after = (
            (BenefitStatus.SUSPENDED, BenefitStatus.IN_PAYMENT)
            if c.resumed
            else (
                BenefitStatus.IN_PAYMENT,
                BenefitStatus.SUSPENDED,
            )
        )
        values = {"status": after.value, "status_reason": c.reason}
        self._benefit(c.id_number, c.kind.value, values, status_in=[before.value])

    def benefit_adjusted(self, c: BenefitAdjusted) -> None:
        values = {"monthly_amount": c.monthly_amount, "calculation": c.calculation}
        live = [BenefitStatus.IN_PAYMENT.value, BenefitStatus.SUSPENDED.value]
        self._benefit(c.id_number, c.kind.value, values, status_in=live)

    def determination_recorded(self, c: DeterminationRecorded) -> None:
        d = c.determination
        self.conn.execute(
            sa.insert(determinations).values(
                id_number=d.id_number,
                unit_uscc=d.unit_uscc,
                kind=d.kind,
                item_code=d.item_code,
                result=d.result,
                valid_from=d.valid_from,
                valid_until=d.valid_until,
                county_code=d.county,
                case_id=d.case_id or self.ctx.case_id,
                created_at=d.created_at or self.ctx.at,
            )
        )
        if d.unit_uscc is not None:
            self.units.add(d.unit_uscc)

    def bank_account_changed(self, c: BankAccountChanged) -> None:
        self.conn.execute(
            sa.update(benefits)
            .where(benefits.c.id_number == c.id_number, benefits.c.status != BenefitStatus.ENDED.value)
            .values(
                bank_name=c.bank_name,
                bank_account=c.bank_account,
                version=benefits.c.version + 1,
                updated_at=self.ctx.at,
            )
        )

    def payable_created(self, c: PayableCreated) -> None:
        p = c.payable
        self.conn.execute(
            sa.insert(payables).values(
                id_number=p.id_number,
                unit_uscc=p.unit_uscc,
                payee_name=p.payee_name,
                kind=p.kind.value,
                amount=p.amount,
                direction=p.direction.value,
                status=p.status.value,
                case_id=p.case_id or self.ctx.case_id,
                county_code=p.county,
                fund=p.fund,
                detail=p.detail,
                created_at=p.created_at or self.ctx.at,
                settled_at=p.settled_at,
            )
        )

    # -- cards and transfers -----------------------------------------------------------
    def card_status_changed(self, c: CardStatusChanged) -> None:
        event = CardEvent(status=c.status, at=self.ctx.at, case_id=self.ctx.case_id).model_dump(mode="json")
        current = self.conn.execute(
            sa.select(cards.c.id, cards.c.history, cards.c.card_number, cards.c.bank_name)
            .where(cards.c.id_number == c.id_number, cards.c.status != CardStatus.CANCELLED.value)
            .order_by(cards.c.id.desc())
            .limit(1)
            .with_for_update()
        ).first()
        if current is None:  # the first card, or a new one after the last was cancelled
            self.conn.execute(
                sa.insert(cards).values(
                    id_number=c.id_number,
                    card_number=c.card_number,
                    status=c.status.value,
                    bank_name=c.bank_name,
                    history=[event],
                    updated_at=self.ctx.at,
                )
            )
            return
        self.conn.execute(
            sa.update(cards)
            .where(cards.c.id == current.id)
            .values(
                status=c.status.value,
                card_number=c.card_number or current.card_number,
                bank_name=c.bank_name or current.bank_name,
                history=[*current.history, event],
                version=cards.c.version + 1,
                updated_at=self.ctx.at,
            )
        )

    def transfer_recorded(self, c: TransferRecorded) -> None:
        t = c.transfer
        self.conn.execute(
            sa.insert(transfers).values(
                id_number=t.id_number,
                direction=t.direction.value,
                insurance_type=t.insurance.value,
                region_from=t.region_from,
                region_to=t.region_to,
                months=t.months,
                pooled_amount=t.pooled_amount,
                account_amount=t.account_amount,
                county_code=t.county,
                case_id=t.case_id or self.ctx.case_id,
                at=t.at,
            )
        )

    # -- units -------------------------------------------------------------------------
    def unit_opened(self, c: UnitOpened) -> None:
        values = {
            "name": c.name,
            "county_code": c.county,
            "township_code": c.township,
            "risk_class": c.risk_class,
            "status": UnitStatus.ACTIVE.value,
            "closed_on": None,
            "updated_at": self.ctx.at,
        }
        statement = upsert(
            self.conn, units, on=[units.c.uscc], update={**values, "version": units.c.version + 1}
        )
        self.conn.execute(statement.values(uscc=c.uscc, **values))

    def unit_closed(self, c: UnitClosed) -> None:
        done = self.conn.execute(
            sa.update(units)
            .where(units.c.uscc == c.uscc)
            .values(
                status=UnitStatus.CLOSED.value,
                closed_on=c.closed_on,
                version=units.c.version + 1,
                updated_at=self.ctx.at,
            )
        )
        if done.rowcount == 0:
            raise RecordWriteError("单位不在参保登记库中", {"uscc": c.uscc})


def _person_of(change: RecordChange) -> str | None:
    if isinstance(change, BenefitGranted):
        return change.benefit.id_number
    if isinstance(change, PayableCreated):
        return change.payable.id_number
    if isinstance(change, TransferRecorded):
        return change.transfer.id_number
    if isinstance(change, DeterminationRecorded):
        return change.determination.id_number  # a unit's is added to units as it is written
    if isinstance(change, UnitOpened | UnitClosed | ContributionsWritten | AccountYearsWritten):
        return None  # contributions and accounts add their persons as they are written
    return change.id_number


def write_record_changes(
    conn: Connection, changes: Sequence[RecordChange], context: ChangeContext
) -> WriteResult:
    """Write ``changes`` in order inside the caller's transaction; nothing when there are none."""
    if not changes:
        return WriteResult()
    writer = _Writer(conn, context)
    writer._load_persons(changes)
    for change in changes:
        getattr(writer, change.change)(change)
        if isinstance(change, UnitOpened | UnitClosed):
            writer.units.add(change.uscc)
        elif (person := _person_of(change)) is not None:
            writer.persons.add(person)
    bulk.insert_rows(conn, contribution_records, writer.contributions)
    bulk.insert_rows(conn, person_changes, writer.history)
    kinds = tuple(change.change for change in changes)
    audit.append(
        conn,
        actor=context.actor,
        action="records_changed",
        entity="case" if context.case_id else "records",
        entity_id=context.case_id or context.source,
        detail={"changes": list(kinds), "persons": len(writer.persons), "units": sorted(writer.units)},
        at=context.at,
    )
    # The township's stations carry part of these records: they learn of it on their next pull.
    person_slice.tell_townships(conn, writer.persons)
    return WriteResult(
        persons_touched=frozenset(writer.persons), units_touched=frozenset(writer.units), change_kinds=kinds
    )
