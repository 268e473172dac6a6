"""The case lifecycle: an explicit transition table, in the manner of h11.

No I/O and no clock: ``transition(facts, event, actor)`` reads the table and answers
the next status or raises :class:`~schema.errors.TransitionError`. The station and the
server both call it, so a step refused at the desk is refused in the back office too.
``print(format_table())`` prints every edge; in outline::

    general   draft -complete_at_desk-> completed
    complex   draft -accept-> accepted -submit-> submitted -route-> routed -claim-> claimed
              claimed -approve-> approved | -reject-> rejected | -return_for_supplement-> returned
              returned -supplement-> supplemented -submit-> submitted (and on, as above)
              submitted, claimed -flag_conflict-> conflict -resolve_conflict-> routed
              routed -reassign-> claimed, claimed -release-> routed (the section chief)
              every open status after draft -withdraw-> withdrawn
              approved, rejected, returned -hand_over-> (unchanged)

Terminal states (``completed``, ``approved``, ``rejected``, ``withdrawn``) accept no
event but the hand-over of their decision, which records that the applicant has it and
changes nothing else. ``accepted`` and ``supplemented`` exist only on the station: the
server's ``submit`` is what moves a case on, so the station shows the truth about what
was sent.

Questions about a status are answered from the table, not from lists of their own:
:func:`is_decided` (a reviewer's decision stands), :func:`is_final_decision` (and it
closed the case), :func:`can_hand_over`, and :func:`allowed_events` (with
:data:`BACK_OFFICE_EVENTS` for the console's buttons).

Who may fire an edge is a named rule (:class:`ActorRule`), part of the table's data.
Separation of duties (前后台分离) sits on top of the rules: the clerk who accepted a case
may not claim or decide it, whatever role the same username holds elsewhere.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from schema.errors import TransitionError
from schema.vocabulary import Role, Section, Tier


class CaseStatus(StrEnum):
    """Where a case stands. Values travel on the wire; ``label`` is for people."""

    DRAFT = "draft"  # 录入中 (only on the station, before the clerk finishes)
    COMPLETED = "completed"  # 前台办结 (general items)
    ACCEPTED = "accepted"  # 已受理 (complex, still only on the station)
    SUPPLEMENTED = "supplemented"  # 已补正，待上报 (only on the station)
    SUBMITTED = "submitted"  # 已上报: the server has it
    ROUTED = "routed"  # 待认领: in a section queue
    CLAIMED = "claimed"  # 审核中
    APPROVED = "approved"  # 已办结（核准）
    # 不予核准（审核不通过）: refused after review (不予受理 is only the desk refusing to accept)
    REJECTED = "rejected"
    RETURNED = "returned"  # 退回补正
    WITHDRAWN = "withdrawn"  # 已撤回
    CONFLICT = "conflict"  # 数据冲突，待综合业务科处理

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


class CaseEvent(StrEnum):
    COMPLETE_AT_DESK = "complete_at_desk"
    ACCEPT = "accept"
    SUBMIT = "submit"  # the server received it
    ROUTE = "route"  # to a section queue (system), or to another section (chief)
    CLAIM = "claim"
    RELEASE = "release"  # the chief puts a claimed case back in the queue
    REASSIGN = "reassign"  # the chief hands the case to a named reviewer
    APPROVE = "approve"
    REJECT = "reject"
    RETURN_FOR_SUPPLEMENT = "return_for_supplement"
    SUPPLEMENT = "supplement"
    WITHDRAW = "withdraw"
    FLAG_CONFLICT = "flag_conflict"  # a registry change met newer data than it was based on
    RESOLVE_CONFLICT = "resolve_conflict"
    # The clerk gave the decision to the applicant. The value is the name the server's
    # case history has stored for it from the start.
    HAND_OVER = "handed_over"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


STATUS_LABELS: Mapping[CaseStatus, str] = MappingProxyType(
    {
        CaseStatus.DRAFT: "录入中",
        CaseStatus.COMPLETED: "前台办结",
        CaseStatus.ACCEPTED: "已受理",
        CaseStatus.SUPPLEMENTED: "已补正待上报",
        CaseStatus.SUBMITTED: "已上报",
        CaseStatus.ROUTED: "待认领",
        CaseStatus.CLAIMED: "审核中",
        CaseStatus.APPROVED: "已办结（核准）",
        CaseStatus.REJECTED: "不予核准（审核不通过）",
        CaseStatus.RETURNED: "退回补正",
        CaseStatus.WITHDRAWN: "已撤回",
        CaseStatus.CONFLICT: "数据冲突待处理",
    }
)

EVENT_LABELS: Mapping[CaseEvent, str] = MappingProxyType(
    {
        CaseEvent.COMPLETE_AT_DESK: "前台办结",
        CaseEvent.ACCEPT: "受理",
        CaseEvent.SUBMIT: "上报",
        CaseEvent.ROUTE: "分派科室",
        CaseEvent.CLAIM: "认领",
        CaseEvent.RELEASE: "释放认领",
        CaseEvent.REASSIGN: "改派经办人",
        CaseEvent.APPROVE: "核准",
        CaseEvent.REJECT: "驳回",
        CaseEvent.RETURN_FOR_SUPPLEMENT: "退回补正",
        CaseEvent.SUPPLEMENT: "补正",
        CaseEvent.WITHDRAW: "撤回",
        CaseEvent.FLAG_CONFLICT: "标记数据冲突",
        CaseEvent.RESOLVE_CONFLICT: "处理数据冲突",
        CaseEvent.HAND_OVER: "交付审核决定",
    }
)

TERMINAL_STATUSES: frozenset[CaseStatus] = frozenset(
    {CaseStatus.COMPLETED, CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN}
)
# Decisions need the deciding reviewer to hold the claim.
DECISION_EVENTS: frozenset[CaseEvent] = frozenset(
    {CaseEvent.APPROVE, CaseEvent.REJECT, CaseEvent.RETURN_FOR_SUPPLEMENT}
)
# The accepting clerk may not take part in these (前后台分离); claiming is included so the
# clerk cannot park a case they could never decide.
SEPARATED_EVENTS: frozenset[CaseEvent] = DECISION_EVENTS | {CaseEvent.CLAIM}


class ActorRule(StrEnum):
    """Who may fire an edge."""

    SYSTEM = "system"  # the server itself
    ACCEPTING_STATION_CLERK = "accepting_station_clerk"  # a clerk of the station that accepted it
    SECTION_REVIEWER = "section_reviewer"  # reviewer or chief of the case's section
    SECTION_CHIEF = "section_chief"  # chief of the case's section
    ADMIN = "admin"  # system administrator (综合业务科)


_RULE_TEXT: Mapping[ActorRule, str] = MappingProxyType(
    {
        ActorRule.SYSTEM: "该操作只能由系统自动完成",
        ActorRule.ACCEPTING_STATION_CLERK: "只有受理该案件的服务站柜员可以办理",
        ActorRule.SECTION_REVIEWER: "只有案件所属科室的审核人员或科室负责人可以办理",
        ActorRule.SECTION_CHIEF: "只有案件所属科室的负责人可以办理",
        ActorRule.ADMIN: "只有系统管理员（综合业务科）可以办理",
    }
)


class Edge(NamedTuple):
    target: CaseStatus
    rule: ActorRule
    tier: Tier  # the only tier the edge applies to


def _table() -> dict[tuple[CaseStatus, CaseEvent], Edge]:
    s, e, r, c = CaseStatus, CaseEvent, ActorRule, Tier.COMPLEX
    table = {
        (s.DRAFT, e.COMPLETE_AT_DESK): Edge(s.COMPLETED, r.ACCEPTING_STATION_CLERK, Tier.GENERAL),
        (s.DRAFT, e.ACCEPT): Edge(s.ACCEPTED, r.ACCEPTING_STATION_CLERK, c),
        (s.ACCEPTED, e.SUBMIT): Edge(s.SUBMITTED, r.SYSTEM, c),
        (s.SUPPLEMENTED, e.SUBMIT): Edge(s.SUBMITTED, r.SYSTEM, c),
        (s.SUBMITTED, e.ROUTE): Edge(s.ROUTED, r.SYSTEM, c),
        (s.SUBMITTED, e.FLAG_CONFLICT): Edge(s.CONFLICT, r.SYSTEM, c),
        (s.ROUTED, e.ROUTE): Edge(s.ROUTED, r.SECTION_CHIEF, c),  # wrong section: send it on
        (s.ROUTED, e.CLAIM): Edge(s.CLAIMED, r.SECTION_REVIEWER, c),
        (s.ROUTED, e.REASSIGN): Edge(s.CLAIMED, r.SECTION_CHIEF, c),
        (s.CLAIMED, e.REASSIGN): Edge(s.CLAIMED, r.SECTION_CHIEF, c),
        (s.CLAIMED, e.RELEASE): Edge(s.ROUTED, r.SECTION_CHIEF, c),
        (s.CLAIMED, e.APPROVE): Edge(s.APPROVED, r.SECTION_REVIEWER, c),
        (s.CLAIMED, e.REJECT): Edge(s.REJECTED, r.SECTION_REVIEWER, c),
        (s.CLAIMED, e.RETURN_FOR_SUPPLEMENT): Edge(s.RETURNED, r.SECTION_REVIEWER, c),
        (s.CLAIMED, e.FLAG_CONFLICT): Edge(s.CONFLICT, r.SYSTEM, c),  # found when applying approval
        (s.CONFLICT, e.RESOLVE_CONFLICT): Edge(s.ROUTED, r.ADMIN, c),
        (s.RETURNED, e.SUPPLEMENT): Edge(s.SUPPLEMENTED, r.ACCEPTING_STATION_CLERK, c),
    }
    # The applicant may withdraw any complex case that has no final decision yet.
    for status in (s.ACCEPTED, s.SUPPLEMENTED, s.SUBMITTED, s.ROUTED, s.CLAIMED, s.RETURNED, s.CONFLICT):
        table[(status, e.WITHDRAW)] = Edge(s.WITHDRAWN, r.ACCEPTING_STATION_CLERK, c)
    # Any decision can be handed to the applicant at the station; the status stays.
    decided = {edge.target for (_, event), edge in table.items() if event in DECISION_EVENTS}
    for status in decided:
        table[(status, e.HAND_OVER)] = Edge(status, r.ACCEPTING_STATION_CLERK, c)
    return table


TRANSITIONS: Mapping[tuple[CaseStatus, CaseEvent], Edge] = MappingProxyType(_table())

# A reviewer's decision stands (the case carries a DecisionRecord): where decisions lead.
DECIDED_STATUSES: frozenset[CaseStatus] = frozenset(
    edge.target for (_, event), edge in TRANSITIONS.items() if event in DECISION_EVENTS
)
# Decisions that closed the case (核准, 不予核准); a return waits for 补正 instead.
FINAL_DECISION_STATUSES: frozenset[CaseStatus] = DECIDED_STATUSES & TERMINAL_STATUSES
# What section staff do on the console's case page (claim, decide, and the chief's steps).
BACK_OFFICE_EVENTS: frozenset[CaseEvent] = frozenset(
    event
    for (_, event), edge in TRANSITIONS.items()
    if edge.rule in (ActorRule.SECTION_REVIEWER, ActorRule.SECTION_CHIEF)
)


def is_decided(status: str) -> bool:
    """Whether a reviewer's decision stands on a case in ``status`` (approved, rejected, returned)."""
    return status in DECIDED_STATUSES


def is_final_decision(status: str) -> bool:
    """Whether ``status`` is a decision that closed the case: the applicant is waiting for it."""
    return status in FINAL_DECISION_STATUSES


def can_hand_over(status: str) -> bool:
    """Whether the decision of a case in ``status`` can be handed to the applicant."""
    return (status, CaseEvent.HAND_OVER) in TRANSITIONS  # a StrEnum hashes as its value


@dataclass(frozen=True, slots=True)
class Actor:
    """Who fires an event. ``role is None`` means the server itself (:data:`SYSTEM_ACTOR`)."""

    username: str
    role: Role | None
    station_id: str | None = None  # clerks: the station they work at
    section: Section | None = None  # reviewers and chiefs: their section

    def __post_init__(self) -> None:
        if not self.username:
            raise ValueError("an actor needs a username")
        if self.role is Role.CLERK and not self.station_id:
            raise ValueError("a clerk actor needs station_id")
        if self.role in (Role.REVIEWER, Role.CHIEF) and self.section is None:
            raise ValueError("a reviewer or chief actor needs section")

    @property
    def is_system(self) -> bool:
        return self.role is None

    @classmethod
    def clerk(cls, username: str, station_id: str) -> Actor:
        return cls(username, Role.CLERK, station_id=station_id)

    @classmethod
    def reviewer(cls, username: str, section: Section) -> Actor:
        return cls(username, Role.REVIEWER, section=section)

    @classmethod
    def chief(cls, username: str, section: Section) -> Actor:
        return cls(username, Role.CHIEF, section=section)

    @classmethod
    def admin(cls, username: str) -> Actor:
        return cls(username, Role.ADMIN)


SYSTEM_ACTOR = Actor("system", None)


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the lifecycle needs to know about a case; nothing else."""

    tier: Tier
    status: CaseStatus
    station_id: str  # the accepting station
    clerk: str  # username of the accepting clerk
    section: Section | None = None  # set once routed
    claimed_by: str | None = None


LIFECYCLE_ERROR_MESSAGES: dict[str, str] = {
    "case_transition_not_allowed": "案件当前状态不允许此操作。请刷新查看案件最新状态后再办理。",
    "case_actor_not_allowed": (
        "您无权对该案件执行此操作。如认为角色或所属科室有误，请联系综合业务科核对账号。"
    ),
    "case_separation_of_duties": (
        "前后台分离：受理该案件的柜员不能认领或审批该案件，请由所属科室的其他审核人员办理。"
    ),
    "case_not_claimed_by_actor": (
        "该案件不是由您认领的，不能作出审核决定。请先认领；如已被他人认领，请联系科室负责人改派。"
    ),
    "case_terminal": "案件已办结或已撤回，不能再变更。如需继续办理，请受理新的申请。",
}


def _error(code: str, specific: str, **detail: str | None) -> TransitionError:
    return TransitionError(code, f"{specific}{LIFECYCLE_ERROR_MESSAGES[code]}", dict(detail))


def _rule_admits(rule: ActorRule, facts: CaseFacts, actor: Actor) -> bool:
    if rule is ActorRule.SYSTEM:
        return actor.is_system
    if rule is ActorRule.ACCEPTING_STATION_CLERK:
        return actor.role is Role.CLERK and actor.station_id == facts.station_id
    in_section = facts.section is not None and actor.section == facts.section
    if rule is ActorRule.SECTION_REVIEWER:
        return in_section and actor.role in (Role.REVIEWER, Role.CHIEF)
    if rule is ActorRule.SECTION_CHIEF:
        return in_section and actor.role is Role.CHIEF
    return actor.role is Role.ADMIN


def transition(facts: CaseFacts, event: CaseEvent, actor: Actor) -> CaseStatus:
    """The status after ``event``, or :class:`TransitionError` with a stable code.

    Checks run in a fixed order so the code names the first thing wrong: terminal state,
    missing edge (or wrong tier), separation of duties, actor rule, then the claim.
    What else changes with the status (``claimed_by``, ``section``) is the caller's to
    record: the table only says whether the step may happen.
    """
    detail = {"status": facts.status.value, "event": event.value, "actor": actor.username}
    edge = TRANSITIONS.get((facts.status, event))
    if facts.status in TERMINAL_STATUSES and edge is None:  # only a hand-over leaves one
        raise _error("case_terminal", f"案件已处于「{facts.status.label}」状态。", **detail)
    if edge is None:
        specific = f"案件当前状态为「{facts.status.label}」，不能「{event.label}」。"
        raise _error("case_transition_not_allowed", specific, **detail)
    if edge.tier is not facts.tier:
        specific = (
            "一般业务应当场前台办结，不能受理上报。"
            if facts.tier is Tier.GENERAL
            else "复杂业务须受理后上报后台办结，不能前台办结。"
        )
        raise _error("case_transition_not_allowed", specific, **detail)
    if event in SEPARATED_EVENTS and actor.username == facts.clerk:
        raise _error("case_separation_of_duties", "", **detail)
    if not _rule_admits(edge.rule, facts, actor):
        raise _error("case_actor_not_allowed", f"{_RULE_TEXT[edge.rule]}。", rule=edge.rule.value, **detail)
    if event in DECISION_EVENTS and facts.claimed_by != actor.username:
        raise _error("case_not_claimed_by_actor", "", claimed_by=facts.claimed_by, **detail)
    return edge.target


def allowed_events(
    facts: CaseFacts, actor: Actor, among: Collection[CaseEvent] = tuple(CaseEvent)
) -> tuple[CaseEvent, ...]:
    """The events of ``among`` that ``actor`` may fire now, in declaration order (for buttons
    and menus)."""
    allowed = []
    for event in CaseEvent:
        if event not in among:
            continue
        try:
            transition(facts, event, actor)
        except TransitionError:
            continue
        allowed.append(event)
    return tuple(allowed)


def format_table() -> str:
    """The transition table as aligned text, one edge a line."""
    rows = [("from", "event", "to", "who", "tier")]
    rows += [
        (s.value, e.value, edge.target.value, edge.rule.value, edge.tier.value)
        for (s, e), edge in TRANSITIONS.items()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
