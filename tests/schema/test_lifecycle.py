"""The case lifecycle: walk the table, refuse what it lacks, keep front and back office apart."""

from __future__ import annotations

import dataclasses
import re
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from schema.errors import TransitionError
from schema.lifecycle import (
    BACK_OFFICE_EVENTS,
    DECIDED_STATUSES,
    FINAL_DECISION_STATUSES,
    LIFECYCLE_ERROR_MESSAGES,
    SYSTEM_ACTOR,
    TERMINAL_STATUSES,
    TRANSITIONS,
    Actor,
    CaseEvent,
    CaseFacts,
    CaseStatus,
    allowed_events,
    can_hand_over,
    format_table,
    is_decided,
    is_final_decision,
    transition,
)
from schema.vocabulary import Role, Section, Tier

E, S = CaseEvent, CaseStatus
STATION = "511102004-00"
CLERK = Actor.clerk("li.mei", STATION)
CLERK_SAME_STATION = Actor.clerk("zhao.lei", STATION)
CLERK_ELSEWHERE = Actor.clerk("sun.li", "511123100-00")
# The accepting clerk's username also holds a reviewer account in the pension section.
CLERK_AS_REVIEWER = Actor.reviewer("li.mei", Section.PENSION)
REVIEWER = Actor.reviewer("wang.fang", Section.PENSION)
REVIEWER_2 = Actor.reviewer("chen.gang", Section.PENSION)
CHIEF = Actor.chief("liu.chief", Section.PENSION)
MEDICAL_REVIEWER = Actor.reviewer("he.yi", Section.MEDICAL)
MEDICAL_CHIEF = Actor.chief("ma.chief", Section.MEDICAL)
ADMIN = Actor.admin("admin.zh")
SUPERVISOR = Actor("zhou.jian", Role.SUPERVISOR)
SECTIONS = (Section.PENSION, Section.MEDICAL, Section.CARD)  # CARD: a section nobody here works in
ACTORS = (
    CLERK,
    CLERK_SAME_STATION,
    CLERK_ELSEWHERE,
    CLERK_AS_REVIEWER,
    REVIEWER,
    REVIEWER_2,
    CHIEF,
    MEDICAL_REVIEWER,
    MEDICAL_CHIEF,
    ADMIN,
    SUPERVISOR,
    SYSTEM_ACTOR,
)


def new_case(tier: Tier = Tier.COMPLEX) -> CaseFacts:
    return CaseFacts(tier=tier, status=S.DRAFT, station_id=STATION, clerk=CLERK.username)


def step(
    facts: CaseFacts,
    event: CaseEvent,
    actor: Actor,
    *,
    section: Section = Section.PENSION,
    assignee: str | None = None,
) -> CaseFacts:
    """What a caller records with the new status: the section on routing, the claim holder."""
    status = transition(facts, event, actor)
    claimed_by = {
        E.CLAIM: actor.username,
        E.REASSIGN: assignee,
    }.get(event, facts.claimed_by if status is S.CLAIMED else None)
    new_section = section if event is E.ROUTE else facts.section
    return dataclasses.replace(facts, status=status, section=new_section, claimed_by=claimed_by)


def claimed_case(by: Actor = REVIEWER) -> CaseFacts:
    facts = step(new_case(), E.ACCEPT, CLERK)
    facts = step(facts, E.SUBMIT, SYSTEM_ACTOR)
    facts = step(facts, E.ROUTE, SYSTEM_ACTOR)
    return step(facts, E.CLAIM, by)


def refusal(facts: CaseFacts, event: CaseEvent, actor: Actor) -> TransitionError:
    with pytest.raises(TransitionError) as info:
        transition(facts, event, actor)
    return info.value


def test_a_general_item_is_completed_at_the_desk():
    assert transition(new_case(Tier.GENERAL), E.COMPLETE_AT_DESK, CLERK) is S.COMPLETED


def test_a_complex_item_goes_from_desk_to_back_office_and_is_approved():
    facts = claimed_case()
    assert (facts.status, facts.section, facts.claimed_by) == (S.CLAIMED, Section.PENSION, "wang.fang")
    assert transition(facts, E.APPROVE, REVIEWER) is S.APPROVED


def test_tiers_keep_to_their_own_path():
    general = refusal(new_case(Tier.GENERAL), E.ACCEPT, CLERK)
    complex_ = refusal(new_case(Tier.COMPLEX), E.COMPLETE_AT_DESK, CLERK)
    assert general.code == complex_.code == "case_transition_not_allowed"
    assert "一般业务" in general.message and "复杂业务" in complex_.message


def test_accepting_clerk_cannot_decide_even_with_a_reviewer_account():
    # The same person claimed it through a reviewer account before the rule was checked.
    facts = dataclasses.replace(claimed_case(), claimed_by=CLERK_AS_REVIEWER.username)
    for event in (E.APPROVE, E.REJECT, E.RETURN_FOR_SUPPLEMENT):
        error = refusal(facts, event, CLERK_AS_REVIEWER)
        assert error.code == "case_separation_of_duties"
        assert "前后台分离" in error.message
    routed = dataclasses.replace(facts, status=S.ROUTED, claimed_by=None)
    assert refusal(routed, E.CLAIM, CLERK_AS_REVIEWER).code == "case_separation_of_duties"
    assert refusal(facts, E.APPROVE, CLERK).code == "case_separation_of_duties"


def test_only_the_reviewer_who_claimed_it_decides():
    facts = claimed_case(by=REVIEWER)
    assert refusal(facts, E.APPROVE, REVIEWER_2).code == "case_not_claimed_by_actor"
    assert refusal(facts, E.REJECT, CHIEF).code == "case_not_claimed_by_actor"
    unclaimed = dataclasses.replace(facts, claimed_by=None)
    assert refusal(unclaimed, E.APPROVE, REVIEWER).code == "case_not_claimed_by_actor"
    # The chief hands it over; now the new holder decides.
    facts = step(facts, E.REASSIGN, CHIEF, assignee=REVIEWER_2.username)
    assert transition(facts, E.REJECT, REVIEWER_2) is S.REJECTED


def test_staff_outside_the_case_section_or_station_are_refused():
    facts = claimed_case()
    assert refusal(facts, E.APPROVE, MEDICAL_REVIEWER).code == "case_actor_not_allowed"
    assert refusal(facts, E.RELEASE, MEDICAL_CHIEF).code == "case_actor_not_allowed"
    assert refusal(facts, E.RELEASE, REVIEWER).code == "case_actor_not_allowed"
    assert refusal(facts, E.WITHDRAW, CLERK_ELSEWHERE).code == "case_actor_not_allowed"
    assert refusal(facts, E.FLAG_CONFLICT, ADMIN).code == "case_actor_not_allowed"
    error = refusal(new_case(), E.ACCEPT, SUPERVISOR)
    assert error.detail["rule"] == "accepting_station_clerk"


def test_a_returned_case_is_supplemented_and_goes_round_again():
    facts = step(claimed_case(), E.RETURN_FOR_SUPPLEMENT, REVIEWER)
    assert (facts.status, facts.claimed_by) == (S.RETURNED, None)
    assert refusal(facts, E.SUPPLEMENT, CLERK_ELSEWHERE).code == "case_actor_not_allowed"
    facts = step(facts, E.SUPPLEMENT, CLERK_SAME_STATION)  # any clerk of the accepting station
    assert facts.status is S.SUPPLEMENTED
    facts = step(facts, E.SUBMIT, SYSTEM_ACTOR)
    facts = step(facts, E.ROUTE, SYSTEM_ACTOR)
    facts = step(facts, E.CLAIM, REVIEWER_2)
    assert transition(facts, E.APPROVE, REVIEWER_2) is S.APPROVED


def test_withdrawal_is_possible_until_a_final_decision():
    facts = claimed_case()
    assert transition(facts, E.WITHDRAW, CLERK_SAME_STATION) is S.WITHDRAWN
    approved = step(facts, E.APPROVE, REVIEWER)
    error = refusal(approved, E.WITHDRAW, CLERK)
    assert error.code == "case_terminal"
    assert "已办结（核准）" in error.message


def test_a_conflict_waits_for_the_integrated_section():
    facts = step(claimed_case(), E.FLAG_CONFLICT, SYSTEM_ACTOR)
    assert facts.status is S.CONFLICT
    assert refusal(facts, E.RESOLVE_CONFLICT, CHIEF).code == "case_actor_not_allowed"
    assert transition(facts, E.RESOLVE_CONFLICT, ADMIN) is S.ROUTED


def test_a_missing_edge_names_the_current_state_in_chinese():
    submitted = step(step(new_case(), E.ACCEPT, CLERK), E.SUBMIT, SYSTEM_ACTOR)
    error = refusal(submitted, E.CLAIM, REVIEWER)
    assert error.code == "case_transition_not_allowed"
    assert "已上报" in error.message and "认领" in error.message
    assert error.detail == {"status": "submitted", "event": "claim", "actor": "wang.fang"}


@pytest.mark.parametrize("status", sorted(TERMINAL_STATUSES))
def test_terminal_states_accept_nothing_but_handing_the_decision_over(status: CaseStatus):
    facts = dataclasses.replace(claimed_case(), status=status, claimed_by=None)
    for event in set(CaseEvent) - {E.HAND_OVER}:
        for actor in ACTORS:
            assert refusal(facts, event, actor).code == "case_terminal"
    handing_over = [CLERK, CLERK_SAME_STATION] if status in (S.APPROVED, S.REJECTED) else []
    assert [a for a in ACTORS if allowed_events(facts, a)] == handing_over
    assert all(allowed_events(facts, a) == (E.HAND_OVER,) for a in handing_over)


def test_a_decision_is_handed_over_by_the_accepting_station_and_changes_nothing():
    for decision in (E.APPROVE, E.REJECT, E.RETURN_FOR_SUPPLEMENT):
        decided = step(claimed_case(), decision, REVIEWER)
        assert transition(decided, E.HAND_OVER, CLERK_SAME_STATION) is decided.status
        assert refusal(decided, E.HAND_OVER, CLERK_ELSEWHERE).code == "case_actor_not_allowed"
        assert refusal(decided, E.HAND_OVER, REVIEWER).code == "case_actor_not_allowed"
    error = refusal(claimed_case(), E.HAND_OVER, CLERK)
    assert error.code == "case_transition_not_allowed" and "交付审核决定" in error.message
    withdrawn = step(claimed_case(), E.WITHDRAW, CLERK)
    assert refusal(withdrawn, E.HAND_OVER, CLERK).code == "case_terminal"
    assert E.HAND_OVER.value == "handed_over"  # the name the server's case history has stored


def test_status_questions_are_answered_from_the_table():
    assert {S.APPROVED, S.REJECTED, S.RETURNED} == DECIDED_STATUSES
    assert {S.APPROVED, S.REJECTED} == FINAL_DECISION_STATUSES
    for status in CaseStatus:
        assert is_decided(status) is is_decided(status.value) is (status in DECIDED_STATUSES)
        assert is_final_decision(status.value) is (status in (S.APPROVED, S.REJECTED))
        assert can_hand_over(status.value) is is_decided(status)
    assert not is_decided("no_such_status") and not can_hand_over("no_such_status")


def test_back_office_events_are_what_section_staff_fire():
    assert {
        E.CLAIM,
        E.APPROVE,
        E.REJECT,
        E.RETURN_FOR_SUPPLEMENT,
        E.REASSIGN,
        E.RELEASE,
        E.ROUTE,
    } == BACK_OFFICE_EVENTS
    facts = claimed_case()
    assert allowed_events(facts, CLERK, among=BACK_OFFICE_EVENTS) == ()
    assert allowed_events(facts, CHIEF, among=BACK_OFFICE_EVENTS) == (E.RELEASE, E.REASSIGN)
    conflict = step(facts, E.FLAG_CONFLICT, SYSTEM_ACTOR)
    assert allowed_events(conflict, ADMIN) == (E.RESOLVE_CONFLICT,)
    assert allowed_events(conflict, ADMIN, among=BACK_OFFICE_EVENTS) == ()


def test_the_table_is_closed_and_every_state_is_reachable():
    reached, queue = {S.DRAFT}, deque([S.DRAFT])
    while queue:
        here = queue.popleft()
        for (source, _), edge in TRANSITIONS.items():
            if source is here and edge.target not in reached:
                reached.add(edge.target)
                queue.append(edge.target)
    assert reached == set(CaseStatus)
    sources = {source for source, event in TRANSITIONS if event is not E.HAND_OVER}
    assert sources == set(CaseStatus) - TERMINAL_STATUSES
    assert re.search(r"^claimed +approve +approved +section_reviewer +complex$", format_table(), re.M)


def test_allowed_events_offer_the_buttons_an_actor_may_press():
    facts = claimed_case()
    assert allowed_events(facts, REVIEWER) == (E.APPROVE, E.REJECT, E.RETURN_FOR_SUPPLEMENT)
    assert allowed_events(facts, CHIEF) == (E.RELEASE, E.REASSIGN)
    assert allowed_events(facts, CLERK) == (E.WITHDRAW,)
    assert allowed_events(facts, SUPERVISOR) == ()


def test_actors_must_say_where_they_work():
    with pytest.raises(ValueError, match="station_id"):
        Actor("li.mei", Role.CLERK)
    with pytest.raises(ValueError, match="section"):
        Actor("wang.fang", Role.REVIEWER)


@settings(max_examples=300)
@given(
    tier=st.sampled_from(Tier),
    moves=st.lists(
        st.tuples(st.sampled_from(CaseEvent), st.sampled_from(ACTORS), st.sampled_from(SECTIONS)),
        max_size=40,
    ),
)
def test_no_sequence_of_events_leaves_the_table(tier, moves):
    facts = new_case(tier)
    for event, actor, section in moves:
        before = facts
        try:
            facts = step(facts, event, actor, section=section, assignee=REVIEWER_2.username)
        except TransitionError as error:
            assert error.code in LIFECYCLE_ERROR_MESSAGES
            assert facts == before
            continue
        assert TRANSITIONS[(before.status, event)].target is facts.status
        assert facts.status in CaseStatus


class CaseMachine(RuleBasedStateMachine):
    """Random events by random staff; the table is the only way to move."""

    @initialize(tier=st.sampled_from(Tier))
    def start(self, tier: Tier) -> None:
        self.facts = new_case(tier)
        self.history = [self.facts.status]

    @rule(event=st.sampled_from(CaseEvent), actor=st.sampled_from(ACTORS), section=st.sampled_from(SECTIONS))
    def fire(self, event: CaseEvent, actor: Actor, section: Section) -> None:
        offered = event in allowed_events(self.facts, actor)
        before = self.facts
        try:
            self.facts = step(before, event, actor, section=section, assignee=REVIEWER.username)
        except TransitionError as error:
            assert not offered
            assert self.facts is before
            assert error.code in LIFECYCLE_ERROR_MESSAGES
            assert error.message.endswith(LIFECYCLE_ERROR_MESSAGES[error.code])
            return
        assert offered
        self.history.append(self.facts.status)

    @rule(data=st.data(), section=st.sampled_from(SECTIONS))
    def fire_an_offered_event(self, data: st.DataObject, section: Section) -> None:
        # Random events rarely get far; this rule walks the case deep into the table. It leaves
        # withdrawal (offered almost everywhere) to `fire`, or few cases would reach a decision.
        offered = {e: a for a in ACTORS for e in allowed_events(self.facts, a) if e is not E.WITHDRAW}
        if offered:
            event = data.draw(st.sampled_from(sorted(offered)))
            actor = offered[event]
            self.facts = step(self.facts, event, actor, section=section, assignee=REVIEWER.username)
            self.history.append(self.facts.status)

    @invariant()
    def status_is_known(self) -> None:
        assert self.facts.status in CaseStatus

    @invariant()
    def terminal_is_final(self) -> None:
        if self.facts.status in TERMINAL_STATUSES:
            assert all(set(allowed_events(self.facts, actor)) <= {E.HAND_OVER} for actor in ACTORS)
            if E.HAND_OVER in allowed_events(self.facts, CLERK):
                assert transition(self.facts, E.HAND_OVER, CLERK) is self.facts.status

    @invariant()
    def a_general_case_only_ever_completes(self) -> None:
        if self.facts.tier is Tier.GENERAL:
            assert set(self.history) <= {S.DRAFT, S.COMPLETED}

    @invariant()
    def a_claimed_case_has_a_holder(self) -> None:
        assert (self.facts.status is S.CLAIMED) == (self.facts.claimed_by is not None)


TestCaseMachine = CaseMachine.TestCase
TestCaseMachine.settings = settings(max_examples=200, stateful_step_count=30)
