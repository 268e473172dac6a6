"""A clerk changes their password at the station (forced after a one-time password).

In ONE transaction: the new hash replaces the old one in ``staff`` (no longer one-time),
the data key is wrapped anew for the new password (the old wrap goes: the old password
no longer opens this PC's data), a ``staff_password`` operation carrying the new hash
(never the password) joins the outbox for the server, and the local audit records it.
The server applies it exactly once unless the account changed there since (a reset
wins: ``op_staff_changed``); its feed then brings the account back at its new version.
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from schema.passwords import PASSWORD_ERROR_MESSAGES, hash_password, password_problem
from schema.protocol import OperationKind, StaffPasswordPayload, staff_subject_id
from station_client.core import operation_drafts
from station_client.crypto.wraps import wrap_for_password
from station_client.services.errors import ServiceError
from station_client.services.session import Session
from station_client.store import audit, keys, outbox, staff


def change_password(session: Session, current: str, new: str, repeat: str, *, now: datetime) -> None:
    """Check ``current`` (failures count as at login) and the rules, then change; ServiceError otherwise."""
    if session.is_locked(now):
        raise ServiceError("session_locked", "工作站已锁定（长时间未操作）：请重新输入密码解锁后继续办理。")
    row = session.check_password(current, now)
    problem = password_problem(session.username, new, repeat, current=current)
    if problem is not None:
        raise ServiceError(problem, PASSWORD_ERROR_MESSAGES[problem], {"username": session.username})
    password_hash = hash_password(new)
    wrap = wrap_for_password(session.dek, session.username, new)
    op_id, subject = uuid4(), staff_subject_id(session.username)
    draft = operation_drafts.draft(
        kind=OperationKind.STAFF_PASSWORD,
        op_id=op_id,
        station_id=session.station_id,
        case_id=subject,
        created_at=now,
        payload=StaffPasswordPayload(
            username=session.username, password_hash=password_hash, based_on_version=row.version
        ),
    )
    db = session.db
    with db.atomic():
        staff.set_password(db, session.username, password_hash)
        keys.put_wrap(db, wrap)
        outbox.enqueue(
            db,
            session.dek,
            op_id=str(op_id),
            case_id=str(subject),
            kind=OperationKind.STAFF_PASSWORD.value,
            created_at=now,
            draft=draft,
        )
        audit.append(
            db,
            at=now,
            actor=session.username,
            action="staff.change_password",
            entity="staff",
            entity_id=session.username,
            detail={
                "op_id": str(op_id),
                "based_on_version": row.version,
                "was_one_time": row.must_change_password,
            },
        )
    session.must_change_password = False
    session.last_activity = now
