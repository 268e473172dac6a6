"""The section chief's steps: reassign a case to a named reviewer, release it back to the
queue, send it on to another section; and the section's people, for the menus.

Like every review step (:mod:`services.review`), each asks the lifecycle first with the
chief as the actor, then records the case, its event, the station's feed change and the
audit entry in the caller's transaction. A reassignment also asks whether the assignee
could claim the case themselves, so a case is never handed to its accepting clerk or to
another section's reviewer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.lifecycle import Actor, CaseEvent, CaseStatus, transition
from schema.vocabulary import Role, Section, label
from sync_server.db.tables import staff
from sync_server.errors import ApiError
from sync_server.services.admin.staff_names import display_names
from sync_server.services.review.decide import CaseRow, facts_of, load_case, record


def _reviewer(conn: Connection, username: str, section: str | None) -> Actor:
    """The named account as a reviewer actor of its section (the console checks it can claim)."""
    row = conn.execute(sa.select(staff).where(staff.c.username == username.strip())).first()
    if row is None or row.disabled or row.role not in (Role.REVIEWER, Role.CHIEF) or row.section is None:
        where = label(Section(section)) if section else "本科室"
        raise ApiError(
            "request_invalid",
            f"“{username}”不是{where}在岗的审核人员。请从列表中选择。",
            {"field": "assignee", "username": username},
        )
    return Actor(row.username, Role(row.role), section=Section(row.section))


def reassign(conn: Connection, case_id: str, assignee: str, *, actor: Actor, now: dt.datetime) -> CaseRow:
    """The chief hands a routed or claimed case to a named reviewer of the section."""
    row = load_case(conn, case_id, for_update=True)
    facts = facts_of(row)
    transition(facts, CaseEvent.REASSIGN, actor)
    target = _reviewer(conn, assignee, row.section)
    # The assignee must be someone who could claim it: same section, not the accepting clerk.
    transition(replace(facts, status=CaseStatus.ROUTED, claimed_by=None), CaseEvent.CLAIM, target)
    if row.claimed_by == target.username:
        raise ApiError(
            "request_invalid",
            f"案件已由 {display_names(conn).get(target.username, target.username)} 办理，无需改派。",
            {"field": "assignee"},
        )
    return record(
        conn,
        row,
        {"status": CaseStatus.CLAIMED.value, "claimed_by": target.username, "claimed_at": now},
        event=CaseEvent.REASSIGN.value,
        actor=actor,
        now=now,
        detail={"assignee": target.username, "previous": row.claimed_by},
    )


def release(conn: Connection, case_id: str, *, actor: Actor, now: dt.datetime) -> CaseRow:
    """The chief puts a claimed case back in the section's queue."""
    row = load_case(conn, case_id, for_update=True)
    transition(facts_of(row), CaseEvent.RELEASE, actor)
    return record(
        conn,
        row,
        {"status": CaseStatus.ROUTED.value, "claimed_by": None, "claimed_at": None},
        event=CaseEvent.RELEASE.value,
        actor=actor,
        now=now,
        detail={"previous": row.claimed_by},
    )


def reroute(
    conn: Connection, case_id: str, section: str, *, actor: Actor, now: dt.datetime, note: str = ""
) -> CaseRow:
    """The chief sends a waiting case that reached the wrong section on to the right one."""
    row = load_case(conn, case_id, for_update=True)
    transition(facts_of(row), CaseEvent.ROUTE, actor)
    try:
        target = Section(section)
    except ValueError:
        raise ApiError("request_invalid", "请选择要转交的科室。", {"field": "section"}) from None
    if target.value == row.section:
        raise ApiError("request_invalid", "案件已在该科室，无需转交。", {"field": "section"})
    return record(
        conn,
        row,
        {"section": target.value},
        event=CaseEvent.ROUTE.value,
        actor=actor,
        now=now,
        detail={"from_section": row.section, "to_section": target.value, "note": note.strip()[:200]},
    )


def staff_of_section(conn: Connection, section: str) -> list[CaseRow]:
    """Enabled reviewers and chiefs of a section, for the reassign menu and the workload."""
    return list(
        conn.execute(
            sa.select(staff.c.username, staff.c.display_name, staff.c.role)
            .where(
                staff.c.section == section,
                staff.c.role.in_([Role.REVIEWER.value, Role.CHIEF.value]),
                staff.c.disabled == sa.false(),
            )
            .order_by(staff.c.role.desc(), staff.c.username)
        ).all()
    )
