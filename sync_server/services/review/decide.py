"""Back-office review: claim and decide (the section chief's steps: ``services.review_chief``).

Every step asks :func:`schema.lifecycle.transition` first, with the acting reviewer as the
:class:`~schema.lifecycle.Actor`, so the console refuses exactly what the lifecycle table
refuses, with its codes: ``case_separation_of_duties`` (the clerk who accepted the case),
``case_actor_not_allowed`` (outside the case's section, or not a chief),
``case_not_claimed_by_actor`` (deciding a case someone else holds), ``case_terminal`` …

Each step, in the caller's transaction: update the case (version + 1), append a
``case_events`` row, write the feed change the accepting station pulls (scope
``station:<id>``; a decision travels as a ``DecisionRecord`` with its reason, other steps
as a ``CaseStatusRecord``, both built by :func:`services.case_records.case_change`) and
append the audit entry: the case's move, built by :func:`core.case_moved.case_moved` as
ingest and conflict resolution build theirs.

Claiming is one conditional ``UPDATE … WHERE status = 'routed' AND claimed_by IS NULL``:
when two reviewers claim the same case at the same moment, PostgreSQL lets one update
through and re-checks the other's condition against the committed row, which no longer
matches, so exactly one wins and the other gets ``case_already_claimed``. Other steps
update ``WHERE version = <the version read>`` after reading the row ``FOR UPDATE``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.catalog import load_catalog
from schema.errors import TransitionError
from schema.lifecycle import (
    BACK_OFFICE_EVENTS,
    Actor,
    CaseEvent,
    CaseFacts,
    CaseStatus,
    allowed_events,
    transition,
)
from schema.vocabulary import Role, Section, Tier
from sync_server.core import suspense
from sync_server.core.case_moved import Step, case_moved
from sync_server.db.tables import case_events, cases
from sync_server.errors import ApiError
from sync_server.services.feed.case_records import case_change
from sync_server.services.review import case_effects, case_money, case_moves

DbRow = Any  # a result row (SQLAlchemy 2.1 types rows by their columns)

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_REASON = 1000
DECISIONS = (CaseEvent.APPROVE, CaseEvent.REJECT, CaseEvent.RETURN_FOR_SUPPLEMENT)
CaseRow = DbRow


def load_case(conn: Connection, case_id: str, *, for_update: bool = False) -> CaseRow:
    """The case row; ApiError ``not_found`` for an unknown or malformed id."""
    if not _UUID.fullmatch(case_id or ""):
        raise ApiError("not_found", "找不到该案件。请从队列中重新打开。", {"case_id": case_id})
    query = sa.select(cases).where(cases.c.case_id == case_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise ApiError("not_found", "找不到该案件。请从队列中重新打开。", {"case_id": case_id})
    return row


def facts_of(row: CaseRow) -> CaseFacts:
    return CaseFacts(
        tier=Tier(row.tier),
        status=CaseStatus(row.status),
        station_id=row.station_id,
        clerk=row.clerk,
        section=Section(row.section) if row.section else None,
        claimed_by=row.claimed_by,
    )


def can_view(row: CaseRow, actor: Actor) -> bool:
    """Reviewers and chiefs see their section's cases; administrators every case."""
    if actor.role is Role.ADMIN:
        return True
    return (
        actor.role in (Role.REVIEWER, Role.CHIEF) and row.section is not None and row.section == actor.section
    )


def require_view(row: CaseRow, actor: Actor) -> None:
    if not can_view(row, actor):
        raise ApiError(
            "forbidden",
            "该案件不属于您所在的科室，您无权查看。如需协办，请联系科室负责人改派。",
            {"case_id": row.case_id},
        )


def record(
    conn: Connection,
    before: CaseRow,
    values: Mapping[str, Any],
    *,
    event: str,
    actor: Actor,
    now: dt.datetime,
    detail: Mapping[str, Any],
    condition: sa.ColumnElement[bool] | None = None,
) -> CaseRow:
    """Update the case (guarded), then its event, the station's feed and the audit log."""
    guard = condition if condition is not None else cases.c.version == before.version
    done = conn.execute(
        sa.update(cases)
        .where(cases.c.case_id == before.case_id, guard)
        .values(**values, version=before.version + 1, updated_at=now)
    )
    if done.rowcount != 1:
        _refuse_changed(conn, before.case_id, actor)
    after = load_case(conn, before.case_id)
    step = Step(now, actor.username, event, before.status, after.status, detail)
    audited = {
        "case_number": before.case_number,
        "from": before.status,
        "to": after.status,
        "version": after.version,
        **detail,
    }
    case_moves.write(
        conn,
        case_moved(before.case_id, after.station_id, [step], tell=case_change(dict(after._mapping)), at=now,
                   actor=actor.username, action=f"case.{event}", detail=audited),
    )  # fmt: skip
    return after


def _refuse_changed(conn: Connection, case_id: str, actor: Actor) -> None:
    """The guarded update matched nothing: someone else moved the case first."""
    now_row = load_case(conn, case_id)
    if now_row.status == CaseStatus.CLAIMED and now_row.claimed_by not in (None, actor.username):
        raise ApiError("case_already_claimed", detail={"claimed_by": now_row.claimed_by})
    raise TransitionError(
        "case_transition_not_allowed",
        f"案件刚被他人办理，当前状态为「{CaseStatus(now_row.status).label}」。"
        "案件当前状态不允许此操作。请刷新查看案件最新状态后再办理。",
        {"status": now_row.status},
    )


# ---- claim --------------------------------------------------------------------------------


def claim(conn: Connection, case_id: str, *, actor: Actor, now: dt.datetime) -> CaseRow:
    """Take a routed case of the actor's section; ``case_already_claimed`` when beaten to it."""
    row = load_case(conn, case_id)
    if row.status == CaseStatus.CLAIMED and row.claimed_by == actor.username:
        return row  # a double click: it is already yours
    try:
        transition(facts_of(row), CaseEvent.CLAIM, actor)
    except TransitionError as exc:
        if exc.code == "case_transition_not_allowed" and row.status == CaseStatus.CLAIMED:
            raise ApiError("case_already_claimed", detail={"claimed_by": row.claimed_by}) from None
        raise
    return record(
        conn,
        row,
        {"status": CaseStatus.CLAIMED.value, "claimed_by": actor.username, "claimed_at": now},
        event=CaseEvent.CLAIM.value,
        actor=actor,
        now=now,
        detail={},
        condition=sa.and_(cases.c.status == CaseStatus.ROUTED.value, cases.c.claimed_by.is_(None)),
    )


# ---- decide -------------------------------------------------------------------------------


def return_reason(item_code: str, missing: Sequence[str], note: str) -> str:
    """What the applicant must supplement: the named materials first, then the reviewer's note."""
    item = load_catalog().item(item_code)
    names = {m.code: m.name for m in item.materials}
    parts = []
    if missing:
        listed = "；".join(f"{n}. {names[code]}" for n, code in enumerate(missing, start=1))
        parts.append(f"请补正以下材料：{listed}。")
    if note:
        parts.append(f"说明：{note}" if missing else note)
    return "".join(parts)


def _checked_reason(event: CaseEvent, row: CaseRow, reason: str, missing: Sequence[str]) -> str:
    note = " ".join(reason.split()) if reason else ""
    if len(note) > MAX_REASON:
        raise ApiError(
            "request_invalid",
            f"理由或说明最多 {MAX_REASON} 个字，现有 {len(note)} 个。请精简后重新提交。",
            {"field": "reason", "max_length": MAX_REASON},
        )
    if event is CaseEvent.REJECT and not note:
        raise ApiError(
            "request_invalid",
            "驳回（不予受理）必须填写理由：申请人和服务站会看到这段文字。请填写后重新提交。",
            {"field": "reason"},
        )
    if event is CaseEvent.RETURN_FOR_SUPPLEMENT:
        known = {m.code for m in load_catalog().item(row.item_code).materials}
        unknown = [code for code in missing if code not in known]
        if unknown:
            raise ApiError(
                "request_invalid",
                "所选补正材料不属于该事项。请刷新页面后重新选择。",
                {"field": "missing", "unknown": unknown},
            )
        if not missing and not note:
            raise ApiError(
                "request_invalid",
                "退回补正必须写明需要补正的内容：请勾选缺少的材料，或在说明中写明需补正的事项。",
                {"field": "missing"},
            )
        return return_reason(row.item_code, missing, note)
    return note


def decide(
    conn: Connection,
    case_id: str,
    event: CaseEvent,
    *,
    actor: Actor,
    now: dt.datetime,
    reason: str = "",
    missing: Sequence[str] = (),
) -> CaseRow:
    """Approve, reject (reason required) or return for supplement (what is missing, required)."""
    if event not in DECISIONS:
        raise ApiError("request_invalid", "未知的审核决定。请刷新页面后重试。", {"event": str(event)})
    row = load_case(conn, case_id, for_update=True)
    target = transition(facts_of(row), event, actor)
    text = _checked_reason(event, row, reason, missing)
    values: dict[str, Any] = {
        "status": target.value,
        "decided_by": actor.username,
        "decided_at": now,
        "decision_reason": text,
    }
    if target in (CaseStatus.APPROVED, CaseStatus.REJECTED):
        values["completed_at"] = now
    detail: dict[str, Any] = {"reason": text} if text else {}
    if missing:
        detail["missing"] = list(missing)
    if event is CaseEvent.APPROVE:  # the decision takes effect in the records (一库)
        changes = case_effects.apply_approval(conn, row, actor=actor.username, at=now)
        if changes:
            detail["records"] = [change.change for change in changes]
    moved = case_money.settle_decision(conn, row, event, now)  # money follows the decision
    if moved:
        detail["money"] = {"to": suspense.on_decision(event), "ledger_entries": len(moved)}
    return record(conn, row, values, event=event.value, actor=actor, now=now, detail=detail)


def allowed_actions(row: CaseRow, actor: Actor) -> set[CaseEvent]:
    """What the case page offers ``actor`` now (the lifecycle decides, the page just asks)."""
    return set(allowed_events(facts_of(row), actor, among=BACK_OFFICE_EVENTS))


def history(conn: Connection, case_id: str) -> list[DbRow]:
    return list(
        conn.execute(
            sa.select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.id)
        ).all()
    )
