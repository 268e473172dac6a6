"""``case_accept``: a case the station accepted joins the server. Pure.

The checks that need no database ran before the transaction (:mod:`.prepare`);
here the registry slice decides the rest: eligibility the registry knows (G09: no other
pension), 参保地 (:mod:`sync_server.core.attribution`), the registry change of a finished
general item or a conflict for 综合业务科 (:mod:`sync_server.core.registry_effects`), the
route and due date, the lifecycle steps and the ledger pairs (held in suspense while a
conflict is open).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from schema.catalog import Problem
from schema.fees import Contribution
from schema.identifiers import ResidentId
from schema.lifecycle import SYSTEM_ACTOR, Actor, CaseEvent, CaseFacts, CaseStatus, transition
from schema.protocol import CaseAcceptOp, OpResult, OpStatus
from schema.records import ConflictNote
from schema.vocabulary import Section, Tier
from sync_server.core import ledger, routing, suspense
from sync_server.core.attribution import (
    HOUSEHOLD_FIELD,
    REGISTRATION_ITEMS,
    RESIDENCE_FIELD,
    TRANSFER_ITEMS,
    Attribution,
    attribute_of,
    driving_insurance,
    form_division,
)
from sync_server.core.case_moved import Step
from sync_server.core.case_rules import (
    CheckedCase,
    Rejection,
    case_exists,
    check_enrolments,
    invalid,
    subject_of,
)
from sync_server.core.clock import TrustedTime
from sync_server.core.contribution_rows import Paid, Part, month_parts, rows_of, source_of
from sync_server.core.effects import Arrival, applies_on_arrival
from sync_server.core.ingest.batch import IngestBatch
from sync_server.core.ingest.case import IngestCase
from sync_server.core.json_doc import model_json
from sync_server.core.registry_effects import (
    Change,
    Conflict,
    Effect,
    Enrolment,
    Person,
    creates_or_changes,
    effect_of,
)

CONFLICT_MESSAGE = "参保信息已被更新，本次变更未直接生效，已转综合业务科人工核对处理。"


def case_id_refused() -> Rejection:
    """A case id another station's case holds: refused with no word of that case, so a
    station cannot probe which ids exist (the id is a UUID the station's own intake makes)."""
    return invalid(
        [
            Problem(
                field="case_id",
                code="case_id_refused",
                message="本案件的案件标识无法使用：请在本机重新受理该业务（会生成新的标识）；如反复出现，请联系综合业务科。",
                severity="error",
            )
        ]
    )


def accept(b: IngestBatch, op: CaseAcceptOp, key: str) -> OpResult:
    p, c = op.payload, b.ctx
    case_id = str(p.case_id)
    t = b.trusted(p.accepted_at)
    existing = b.cases.get(case_id)
    if existing is not None and existing.station_id != c.station.id:
        return b.reject(op, case_id_refused())  # no word that another station holds this id
    if existing is not None or p.case_number in b.taken_numbers:
        return b.reject(op, case_exists(p.case_number))
    checked = b.checks[key]  # prepare() checked every case_accept of the batch
    if isinstance(checked, Rejection):
        return b.reject(op, checked)
    item, fee = checked.item, checked.contribution
    day = t.local_date  # the trusted acceptance date (Beijing)
    subject = subject_of(p.item_code, checked, p.applicant.name, b.today(t))
    person = b.registry.persons.get(subject[0].number) if subject else None
    held = b.registry.enrolments_of(subject[0].number) if subject else {}
    if person is not None:  # eligibility the registry decides (G09: no other pension)
        refused = check_enrolments(item, ((e.insurance_type, e.status) for e in held.values()))
        if refused is not None:
            return b.reject(op, refused)
    attribution = _attribute(
        b, op, checked, subject=subject[0] if subject else None, person=person, held=held
    )
    effect = Effect()
    if subject is not None and creates_or_changes(
        item.code, item.changes_registry and item.tier is Tier.GENERAL
    ):
        change = Change(item.code, checked.values, subject[0], subject[1], p.base_version, person, held,
                        attribution.county, c.station.township_code, day, p.base_record)  # fmt: skip
        effect = effect_of(change)
    conflict = effect.conflict
    if conflict is None:
        _store_effect(b, effect)
        if applies_on_arrival(item):  # cards, benefit accounts...: the records path, when written
            b.out.arrivals.append(Arrival(case_id, item.code, checked.values, p.applicant.id_number or "",
                                          p.applicant.name, attribution.county, day, p.clerk))  # fmt: skip
    route = routing.route(item, day, conflict=conflict is not None, calendar=c.calendar)
    flags = attribution.flags_json() or None
    case = IngestCase(
        case_id=case_id, case_number=p.case_number, station_id=c.station.id,
        township_code=c.station.township_code, county_code=c.station.county_code, item_code=item.code,
        tier=item.tier.value, section=route.section.value if route.section else None, status=CaseStatus.DRAFT,
        applicant_kind=p.applicant.kind.value, applicant_key=p.applicant.id_number or p.applicant.uscc or "",
        applicant_name=p.applicant.name, clerk=p.clerk, registration_county=attribution.county,
        registration_rule=attribution.rule.value, attribution_flags=flags,
        fee_total=fee.total if fee else None,
        payload=model_json(p),  # read back by a 补正 or 撤回 in this batch: IngestCase.payload_dict
        accepted_at_station=t.station_accepted_at, accepted_at=t.accepted_at, received_at=c.received_at,
        clock_flag=t.flag.value if t.flag else None, due_date=route.due_date,
        due_provisional=route.due_provisional, completed_at=None,
        # Set by later operations of the same batch (补正, 撤回, 交付) before the row is written.
        claimed_by=None, claimed_at=None, handed_over_at=None, version=1, updated_at=c.received_at,
    )  # fmt: skip
    steps = _lifecycle(b, case, t, route, conflict is not None, tier=item.tier)
    if conflict is not None:
        _open_conflict(b, case, conflict)
    if fee is not None:
        _take_fee(b, case, fee, held=conflict is not None or suspense.held_until_decision(case.tier))
    b.cases[case_id] = case
    b.accepted.add(case_id)
    b.taken_numbers.add(p.case_number)
    b.out.new_cases.append(case)
    b.moved(case, steps, "case.accept", conflict=ConflictNote(reason=conflict.reason) if conflict else None,
            op_id=key, seq=op.seq, case_number=p.case_number, item=item.code, status=str(case.status),
            registration_county=attribution.county)  # fmt: skip
    detail: dict[str, Any] = {
        "case_number": p.case_number,
        "case_version": 1,
        "registration_county": attribution.county,
        "registration_rule": attribution.rule.value,
        "collecting_county": c.station.county_code,
        "section": case.section,
        "due_date": route.due_date.isoformat() if route.due_date else None,
        "due_provisional": route.due_provisional,
        "accepted_at": t.accepted_at.isoformat(),
        "clock_flag": case.clock_flag,
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
        detail["message"] = CONFLICT_MESSAGE
    return b.result(op, OpStatus.APPLIED, case, **detail)


def _attribute(
    b: IngestBatch,
    op: CaseAcceptOp,
    checked: CheckedCase,
    *,
    subject: ResidentId | None,
    person: Person | None,
    held: Mapping[str, Enrolment],
) -> Attribution:
    """参保地 from the registry slice and the form (:func:`core.attribution.attribute`)."""
    p, item, fee, uscc = op.payload, checked.item, checked.contribution, checked.unit_uscc
    insurance = driving_insurance(item, fee_kind=fee.kind if fee else None)
    enrolment = held.get(insurance.value) if insurance else None
    return attribute_of(  # the fields of attribution.Facts, in its order
        b.ctx.station.county_code,
        p.applicant.kind,
        insurance,
        REGISTRATION_ITEMS.get(item.code),
        enrolment.county_code if enrolment else None,
        person.township_code if person else None,
        subject.area_code if subject else None,
        b.registry.unit_counties.get(uscc.code) if uscc else None,
        uscc.area_code if uscc else None,
        form_division(checked.values, HOUSEHOLD_FIELD),
        form_division(checked.values, RESIDENCE_FIELD),
        item.code in TRANSFER_ITEMS,
    )


def _take_fee(b: IngestBatch, case: IngestCase, fee: Contribution, *, held: bool) -> None:
    """The desk money: in suspense while nobody owns it yet (a conflict for 综合业务科, a
    complex item before its decision); otherwise the counties' pairs and, from the same
    lines, the months of contribution it paid for (``core.contribution_rows``)."""
    c, owed = b.ctx, case.registration_county or case.county_code
    if held:
        rows = suspense.hold(ledger.post_fee(fee.lines, collecting_county=c.station.county_code,
                                             owed_county=owed, posted_at=c.received_at))  # fmt: skip
    else:
        rows = _ledger_rows(b, fee, owed)
        paid = Paid(case.applicant_key, owed, source_of(case.tier), case.case_id, fee.base, fee.year)
        b.out.contributions.extend(rows_of(_month_parts(b, fee), paid, recorded_at=c.received_at))
    b.out.ledger.extend({"case_id": case.case_id, "posted_at": c.received_at, **row} for row in rows)


def _ledger_rows(b: IngestBatch, fee: Contribution, owed_county: str) -> list[dict[str, Any]]:
    """The ledger pairs of a fee: worked out once per (contribution, owed county) in a batch,
    since contributions are shared (many applicants pay the same base for the same months)."""
    key = (id(fee), owed_county)
    hit = b.postings.get(key)
    if hit is None or hit[0] is not fee:
        c = b.ctx
        rows = ledger.fee_rows(fee.lines, collecting_county=c.station.county_code,
                               owed_county=owed_county, posted_at=c.received_at)  # fmt: skip
        hit = b.postings[key] = (fee, rows)
    return hit[1]


def _month_parts(b: IngestBatch, fee: Contribution) -> list[Part]:
    """The months a fee paid for (``core.contribution_rows``), once per contribution in a batch."""
    hit = b.month_parts.get(id(fee))
    if hit is None or hit[0] is not fee:
        hit = b.month_parts[id(fee)] = (fee, month_parts(fee.lines, fee.base, fee.year, rates=b.ctx.rates))
    return hit[1]


def _lifecycle(
    b: IngestBatch, case: IngestCase, t: TrustedTime, route: routing.Route, conflicted: bool, *, tier: Tier
) -> list[Step]:
    """The new case's first steps: to conflict, finished at the desk, or accepted and routed."""
    clock = {"station_accepted_at": t.station_accepted_at.isoformat(), "clock_flag": case.clock_flag}
    if conflicted:
        # The lifecycle has no conflict edge for a desk-finished case: the change waits for
        # 综合业务科, so the case is recorded as conflict rather than completed.
        case.status = CaseStatus.CONFLICT
        return [Step(b.ctx.received_at, SYSTEM_ACTOR.username, CaseEvent.FLAG_CONFLICT, CaseStatus.DRAFT,
                     CaseStatus.CONFLICT, {"section": Section.INTEGRATED.value, **clock})]  # fmt: skip
    if tier is Tier.GENERAL:
        case.status = next_status(
            tier, CaseStatus.DRAFT, CaseEvent.COMPLETE_AT_DESK, case.station_id, case.clerk
        )
        case.completed_at = t.accepted_at
        return [
            Step(
                t.accepted_at,
                case.clerk,
                CaseEvent.COMPLETE_AT_DESK,
                CaseStatus.DRAFT,
                case.status,
                clock,
            )
        ]
    accepted = next_status(tier, CaseStatus.DRAFT, CaseEvent.ACCEPT, case.station_id, case.clerk)
    steps = [Step(t.accepted_at, case.clerk, CaseEvent.ACCEPT, CaseStatus.DRAFT, accepted, clock)]
    return steps + submit_and_route(b, case, accepted, route, tier)


@functools.lru_cache(maxsize=1024)
def next_status(  # noqa: PLR0917  (positional: the cache key is built fastest from them)
    tier: Tier, status: CaseStatus, event: CaseEvent, station_id: str, clerk: str, by_clerk: bool = True
) -> CaseStatus:
    """:func:`schema.lifecycle.transition` of a case of ``clerk`` at ``station_id`` (the
    event fired by that clerk, else by the system), remembered: a push moves hundreds of
    cases of a few clerks along the same edges. A refused step is refused every time."""
    actor = Actor.clerk(clerk, station_id) if by_clerk else SYSTEM_ACTOR
    return transition(CaseFacts(tier, status, station_id, clerk), event, actor)


def submit_and_route(
    b: IngestBatch, case: IngestCase, status: CaseStatus, route: routing.Route, tier: Tier | None = None
) -> list[Step]:
    """Submit the case to the back office and route it to its section (a new or supplemented case)."""
    received = b.ctx.received_at
    tier = Tier(case.tier) if tier is None else tier
    submitted = next_status(tier, status, CaseEvent.SUBMIT, case.station_id, case.clerk, False)
    routed = next_status(tier, submitted, CaseEvent.ROUTE, case.station_id, case.clerk, False)
    detail: dict[str, Any] = {
        "section": case.section,
        "due_date": route.due_date.isoformat() if route.due_date else None,
    }
    if route.note:
        detail["due_date_note"] = route.note
    if route.due_provisional:
        detail["due_provisional"] = True
    case.status = routed
    return [
        Step(received, SYSTEM_ACTOR.username, CaseEvent.SUBMIT, status, submitted),
        Step(received, SYSTEM_ACTOR.username, CaseEvent.ROUTE, submitted, routed, detail),
    ]


def _store_effect(b: IngestBatch, effect: Effect) -> None:
    for person in effect.persons:
        action = "person.update" if person.id_number in b.registry.persons else "person.create"
        b.audit(action, "person", person.id_number, version=person.version)
    for e in effect.enrolments:
        known = e.insurance_type in b.registry.enrolments_of(e.id_number)
        b.audit("enrolment.update" if known else "enrolment.create", "enrolment",
                f"{e.id_number}:{e.insurance_type}", status=e.status, county=e.county_code, version=e.version)  # fmt: skip
    b.registry.apply(effect)


def _open_conflict(b: IngestBatch, case: IngestCase, conflict: Conflict) -> None:
    b.out.conflicts.append(
        {"case_id": case.case_id, "entity": conflict.entity, "entity_key": conflict.entity_key,
         "base_version": conflict.base_version, "current_version": conflict.current_version,
         "proposed": conflict.proposed, "current": conflict.current, "status": "open",
         "created_at": b.ctx.received_at}
    )  # fmt: skip
    b.audit("conflict.open", "case", case.case_id, registry_entity=conflict.entity, key=conflict.entity_key,
            reason=conflict.reason)  # fmt: skip
