"""Applying one batch's new operations in memory: the pure core decides, rows pile up.

:class:`Applier` holds what the push loaded (cases, the registry slice, taken case
numbers) and collects every row to write (cases, events, ledger, conflicts, feed, audit).
It never touches the database: :mod:`sync_server.services.ingest` loads before and
writes after, with one statement per table, so a batch of 500 costs a handful of round
trips. Follow-up operations (补正, 撤回, 交付) live in :mod:`.ingest_followups`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from schema.catalog import Catalog
from schema.fees import Contribution
from schema.lifecycle import SYSTEM_ACTOR, Actor, CaseEvent, CaseFacts, CaseStatus, transition
from schema.protocol import CaseAcceptOp, Operation, OpResult, OpStatus, StaffPasswordOp
from schema.rates import RateBook
from schema.records import CaseStatusRecord, ConflictNote
from schema.vocabulary import Section, Tier
from schema.workdays import WorkdayCalendar
from sync_server.core import ledger, routing, suspense
from sync_server.core.attribution import (
    HOUSEHOLD_FIELD,
    REGISTRATION_ITEMS,
    RESIDENCE_FIELD,
    TRANSFER_ITEMS,
    Facts,
    attribute,
    driving_insurance,
    form_division,
)
from sync_server.core.case_rules import CheckedCase, Rejection, case_exists, check_enrolments, subject_of
from sync_server.core.clock import TrustedTime, beijing_date, trusted_time
from sync_server.core.registry_effects import Change, Effect, creates_or_changes, effect_of
from sync_server.core.station import StationContext
from sync_server.services import ingest_staff
from sync_server.services.audit import AuditItem
from sync_server.services.bulk import model_json
from sync_server.services.feed import FeedChange, station_scope
from sync_server.services.ingest_staff import StaffAccounts
from sync_server.services.registry_updates import Registry


@dataclass(frozen=True)
class BatchContext:
    station: StationContext
    received_at: dt.datetime
    sent_at: dt.datetime
    catalog: Catalog
    rates: RateBook
    calendar: WorkdayCalendar | None
    max_offline_days: int
    clock_flag_seconds: int

    @property
    def actor(self) -> str:
        return f"station:{self.station.id}"


@dataclass
class Outputs:
    new_cases: list[dict[str, Any]] = field(default_factory=list)
    case_updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    feed: list[FeedChange] = field(default_factory=list)
    audit: list[AuditItem] = field(default_factory=list)


def trusted_for(ctx: BatchContext, station_time: dt.datetime) -> TrustedTime:
    """The time the server trusts for something the station stamped ``station_time``."""
    return trusted_time(
        received_at=ctx.received_at,
        sent_at=ctx.sent_at,
        station_time=station_time,
        max_offline_days=ctx.max_offline_days,
        flag_seconds=ctx.clock_flag_seconds,
    )


def check_date(ctx: BatchContext, t: TrustedTime) -> dt.date:
    """The date forms are checked on: the later of the two clocks' dates, never past today."""
    return min(max(t.local_date, beijing_date(t.station_accepted_at)), beijing_date(ctx.received_at))


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class Applier:
    def __init__(
        self,
        ctx: BatchContext,
        cases: dict[str, dict[str, Any]],
        taken_numbers: set[str],
        registry: Registry,
        checks: dict[str, CheckedCase | Rejection],
    ) -> None:
        self.ctx = ctx
        self.checks = checks  # case_accept checks done before the transaction, by op id
        self.cases = cases  # existing and new cases by case_id, as column dicts
        self.taken_numbers = taken_numbers
        self.registry = registry
        self.out = Outputs()
        self.staff_accounts = StaffAccounts()  # password changes (``ingest_staff``), loaded by the push
        self._postings: dict[tuple[int, str], tuple[Contribution, list[dict[str, Any]]]] = {}

    # ---- shared helpers -------------------------------------------------------------

    def trusted(self, station_time: dt.datetime) -> TrustedTime:
        return trusted_for(self.ctx, station_time)

    def today(self, t: TrustedTime) -> dt.date:
        return check_date(self.ctx, t)

    def result(self, op: Operation, status: OpStatus, case: dict[str, Any] | None, **detail: Any) -> OpResult:
        return OpResult(
            op_id=op.op_id,
            seq=op.seq,
            status=status,
            case_id=op.case_id,
            case_status=case["status"] if case else None,
            server_received_at=self.ctx.received_at,
            detail=detail,
        )

    def reject(self, op: Operation, rejection: Rejection) -> OpResult:
        self.out.audit.append(
            (self.ctx.received_at, self.ctx.actor, "push.rejected", "case", str(op.case_id),
             {"op_id": str(op.op_id), "seq": op.seq, "kind": op.kind.value, "code": rejection.code})
        )  # fmt: skip
        return OpResult(
            op_id=op.op_id,
            seq=op.seq,
            status=OpStatus.REJECTED,
            code=rejection.code,
            message=rejection.message,
            case_id=op.case_id,
            server_received_at=self.ctx.received_at,
            detail=rejection.detail,
        )

    def event(
        self,
        case_id: str,
        at: dt.datetime,
        actor: str,
        ev: str,
        move: tuple[str | None, str],
        **detail: Any,
    ) -> None:
        before, after = move
        self.out.events.append(
            {"case_id": case_id, "at": at, "actor": actor, "event": ev, "from_status": before, "to_status": after, "detail": detail}
        )  # fmt: skip

    def announce(self, case: dict[str, Any], conflict: ConflictNote | None = None) -> None:
        """Tell the accepting station where its case stands now (scope station:<id>)."""
        record = CaseStatusRecord(
            case_id=case["case_id"],
            case_number=case["case_number"],
            status=case["status"],
            section=case["section"],
            due_date=case["due_date"],
            version=case["version"],
            conflict=conflict,
        )
        self.out.feed.append(
            FeedChange(station_scope(case["station_id"]), "case_status", case["case_id"], case["version"],
                       model_json(record))
        )  # fmt: skip

    def audit(self, action: str, entity: str, entity_id: str, **detail: Any) -> None:
        self.out.audit.append((self.ctx.received_at, self.ctx.actor, action, entity, entity_id, detail))

    # ---- dispatch -----------------------------------------------------------------

    def apply(self, op: Operation, key: str | None = None) -> OpResult:
        """Apply one new operation (``key``: its op_id as text, when the caller has it)."""
        if isinstance(op, CaseAcceptOp):
            return self.accept(op, key or str(op.op_id))
        if isinstance(op, StaffPasswordOp):
            return ingest_staff.apply(self, op)
        from sync_server.services import ingest_followups

        return ingest_followups.apply(self, op)

    # ---- case_accept --------------------------------------------------------------

    def accept(self, op: CaseAcceptOp, key: str) -> OpResult:
        p, c = op.payload, self.ctx
        case_id = str(p.case_id)
        t = self.trusted(p.accepted_at)
        if case_id in self.cases or p.case_number in self.taken_numbers:
            return self.reject(op, case_exists(p.case_number))
        today = self.today(t)
        checked = self.checks[key]  # ingest.prepare checked every case_accept of the batch
        if isinstance(checked, Rejection):
            return self.reject(op, checked)
        item, fee = checked.item, checked.contribution
        subject = subject_of(p.item_code, checked, p.applicant.name, today)
        insurance = driving_insurance(item, fee_kind=fee.kind if fee else None)
        person = self.registry.persons.get(subject[0].number) if subject else None
        held = self.registry.enrolments_of(subject[0].number) if subject else {}
        if person is not None:  # eligibility the registry decides (G09: no other pension)
            refused = check_enrolments(item, ((e.insurance_type, e.status) for e in held.values()))
            if refused is not None:
                return self.reject(op, refused)
        enrolment = held.get(insurance.value) if insurance else None
        uscc = checked.unit_uscc
        attribution = attribute(
            Facts(
                station_county=c.station.county_code,
                applicant_kind=p.applicant.kind,
                insurance=insurance,
                registration=REGISTRATION_ITEMS.get(item.code),
                enrolment_county=enrolment.county_code if enrolment else None,
                household_township=person.township_code if person else None,
                id_area_code=subject[0].area_code if subject else None,
                unit_county=self.registry.unit_counties.get(uscc.code) if uscc else None,
                uscc_area_code=uscc.area_code if uscc else None,
                household_division=form_division(checked.values, HOUSEHOLD_FIELD),
                residence_division=form_division(checked.values, RESIDENCE_FIELD),
                transfer=item.code in TRANSFER_ITEMS,
            )
        )
        flags = attribution.flags_json() or None
        effect = Effect()
        if subject is not None and creates_or_changes(
            item.code, item.changes_registry and item.tier is Tier.GENERAL
        ):
            change = Change(item.code, checked.values, subject[0], subject[1], p.base_version, person, held,
                            attribution.county, c.station.township_code, t.local_date)  # fmt: skip
            effect = effect_of(change)
        conflict = effect.conflict
        if conflict is None:
            self._store_effect(effect)
        route = routing.route(item, t.local_date, conflict=conflict is not None, calendar=c.calendar)
        case = {
            "case_id": case_id,
            "case_number": p.case_number,
            "station_id": c.station.id,
            "township_code": c.station.township_code,
            "county_code": c.station.county_code,
            "item_code": item.code,
            "tier": item.tier.value,
            "section": route.section.value if route.section else None,
            "status": CaseStatus.DRAFT,
            "applicant_kind": p.applicant.kind.value,
            "applicant_key": p.applicant.id_number or p.applicant.uscc or "",
            "applicant_name": p.applicant.name,
            "clerk": p.clerk,
            "registration_county": attribution.county,
            "registration_rule": attribution.rule.value,
            "attribution_flags": flags,
            "fee_total": fee.total if fee else None,
            "payload": model_json(p),  # read back by a 补正 or 撤回 in this batch: payload_of
            "accepted_at_station": t.station_accepted_at,
            "accepted_at": t.accepted_at,
            "received_at": c.received_at,
            "clock_flag": t.flag.value if t.flag else None,
            "due_date": route.due_date,
            "due_provisional": route.due_provisional,
            "completed_at": None,
            # Set by later operations of the same batch (补正, 撤回, 交付) before the row is written:
            # present from the start so every new case row has the same columns.
            "claimed_by": None,
            "claimed_at": None,
            "handed_over_at": None,
            "version": 1,
            "updated_at": c.received_at,
        }
        self._lifecycle(case, t, route, conflict is not None)
        if conflict is not None:
            self._open_conflict(case, conflict)
        if fee is not None:
            received = c.received_at
            rows = self._ledger_rows(fee, attribution.county)
            if conflict is not None:  # nobody's income until 综合业务科 resolves the conflict
                rows = suspense.hold(ledger.post_fee(fee.lines, collecting_county=c.station.county_code,
                                                     owed_county=attribution.county, posted_at=received))  # fmt: skip
            self.out.ledger.extend({"case_id": case_id, "posted_at": received, **row} for row in rows)
        self.cases[case_id] = case
        self.taken_numbers.add(p.case_number)
        self.out.new_cases.append(case)
        self.announce(case, ConflictNote(reason=conflict.reason) if conflict is not None else None)
        self.audit("case.accept", "case", case_id, op_id=key, seq=op.seq, case_number=p.case_number,
                   item=item.code, status=str(case["status"]), registration_county=attribution.county)  # fmt: skip
        detail: dict[str, Any] = {
            "case_number": p.case_number,
            "case_version": 1,
            "registration_county": attribution.county,
            "registration_rule": attribution.rule.value,
            "collecting_county": c.station.county_code,
            "section": case["section"],
            "due_date": _iso(route.due_date),
            "due_provisional": route.due_provisional,
            "accepted_at": t.accepted_at.isoformat(),
            "clock_flag": case["clock_flag"],
            "fee_total": str(fee.total) if fee else None,
        }
        if flags:
            detail["attribution_flags"] = flags  # 参保地 is provisional: the back office checks why
        if route.note:
            detail["due_date_note"] = route.note
        if checked.warnings:
            detail["warnings"] = [w.model_dump() for w in checked.warnings]
        if conflict is not None:
            detail["conflict"] = {"entity": conflict.entity, "key": conflict.entity_key, "reason": conflict.reason,
                                  "base_version": conflict.base_version, "current_version": conflict.current_version}  # fmt: skip
            detail["message"] = "参保信息已被更新，本次变更未直接生效，已转综合业务科人工核对处理。"
        return self.result(op, OpStatus.APPLIED, case, **detail)

    def _ledger_rows(self, fee: Contribution, owed_county: str) -> list[dict[str, Any]]:
        """The ledger pairs of a fee: worked out once per (contribution, owed county) in a batch,
        since contributions are shared (many applicants pay the same base for the same months)."""
        key = (id(fee), owed_county)
        hit = self._postings.get(key)
        if hit is None or hit[0] is not fee:
            c = self.ctx
            postings = ledger.post_fee(fee.lines, collecting_county=c.station.county_code,
                                       owed_county=owed_county, posted_at=c.received_at)  # fmt: skip
            hit = self._postings[key] = (fee, [p.row() for p in postings])
        return hit[1]

    def _lifecycle(
        self, case: dict[str, Any], t: TrustedTime, route: routing.Route, conflicted: bool
    ) -> None:
        cid, tier = case["case_id"], Tier(case["tier"])
        clerk = Actor.clerk(case["clerk"], case["station_id"])
        facts = CaseFacts(tier, CaseStatus.DRAFT, case["station_id"], case["clerk"])
        clock = {"station_accepted_at": t.station_accepted_at.isoformat(), "clock_flag": case["clock_flag"]}
        received = self.ctx.received_at
        if conflicted:
            # The lifecycle has no conflict edge for a desk-finished case: the change waits for
            # 综合业务科, so the case is recorded as conflict rather than completed.
            case["status"] = CaseStatus.CONFLICT
            self.event(cid, received, SYSTEM_ACTOR.username, CaseEvent.FLAG_CONFLICT,
                       (CaseStatus.DRAFT, CaseStatus.CONFLICT), section=Section.INTEGRATED.value, **clock)  # fmt: skip
            return
        if tier is Tier.GENERAL:
            case["status"] = transition(facts, CaseEvent.COMPLETE_AT_DESK, clerk)
            case["completed_at"] = t.accepted_at
            self.event(cid, t.accepted_at, clerk.username, CaseEvent.COMPLETE_AT_DESK,
                       (CaseStatus.DRAFT, case["status"]), **clock)  # fmt: skip
            return
        accepted = transition(facts, CaseEvent.ACCEPT, clerk)
        self.event(
            cid, t.accepted_at, clerk.username, CaseEvent.ACCEPT, (CaseStatus.DRAFT, accepted), **clock
        )
        self.submit_and_route(case, accepted, route)

    def submit_and_route(self, case: dict[str, Any], status: CaseStatus, route: routing.Route) -> None:
        cid, received = case["case_id"], self.ctx.received_at
        facts = CaseFacts(Tier(case["tier"]), status, case["station_id"], case["clerk"])
        submitted = transition(facts, CaseEvent.SUBMIT, SYSTEM_ACTOR)
        self.event(cid, received, SYSTEM_ACTOR.username, CaseEvent.SUBMIT, (status, submitted))
        routed = transition(
            CaseFacts(facts.tier, submitted, facts.station_id, facts.clerk), CaseEvent.ROUTE, SYSTEM_ACTOR
        )
        note: dict[str, Any] = {"due_date_note": route.note} if route.note else {}
        if route.due_provisional:
            note["due_provisional"] = True
        self.event(cid, received, SYSTEM_ACTOR.username, CaseEvent.ROUTE, (submitted, routed),
                   section=case["section"], due_date=_iso(route.due_date), **note)  # fmt: skip
        case["status"] = routed

    def _store_effect(self, effect: Effect) -> None:
        for person in effect.persons:
            action = "person.update" if person.id_number in self.registry.persons else "person.create"
            self.audit(action, "person", person.id_number, version=person.version)
        for e in effect.enrolments:
            known = e.insurance_type in self.registry.enrolments_of(e.id_number)
            self.audit("enrolment.update" if known else "enrolment.create", "enrolment",
                       f"{e.id_number}:{e.insurance_type}", status=e.status, county=e.county_code, version=e.version)  # fmt: skip
        self.registry.apply(effect)

    def _open_conflict(self, case: dict[str, Any], conflict: Any) -> None:
        self.out.conflicts.append(
            {"case_id": case["case_id"], "entity": conflict.entity, "entity_key": conflict.entity_key,
             "base_version": conflict.base_version, "current_version": conflict.current_version,
             "proposed": conflict.proposed, "current": conflict.current, "status": "open",
             "created_at": self.ctx.received_at}
        )  # fmt: skip
        self.audit("conflict.open", "case", case["case_id"], registry_entity=conflict.entity, key=conflict.entity_key,
                   reason=conflict.reason)  # fmt: skip
