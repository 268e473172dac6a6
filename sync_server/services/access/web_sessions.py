"""Console logins and sessions (``web_sessions``), kept in the database so any server process
can serve any request of a session.

* A session id is 32 random bytes, given to the browser once (cookie) and stored only as
  its SHA-256 (``id_hash``): a copy of the table logs nobody in.
* Each session has its own CSRF token, which every form of the console carries.
* Idle timeout: a session unused for ``session_idle_minutes`` is over (``session_expired``);
  an absolute limit of :data:`MAX_SESSION_HOURS` ends even a busy one. ``last_seen_at`` is
  written at most once a minute, so reading the queue does not write on every click.
* Lockout: failed logins count per username in ``throttle`` (key ``login:<username>``,
  :mod:`services.throttle`), so the lock holds across processes; ``account_locked`` until
  it passes or an administrator resets the password.
* Station clerks (``clerk``) do not log in here: they work in the station client.

Logins, failed logins, logouts and password changes are audited. Touching
``last_seen_at`` is bookkeeping and is not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema import passwords
from schema.passwords import hash_password, verify_password
from schema.vocabulary import Role
from sync_server.db.engine import Database
from sync_server.db.tables import staff, web_sessions
from sync_server.errors import ApiError
from sync_server.services import audit
from sync_server.services.access import throttle
from sync_server.settings import Settings

DbRow = Any  # a result row (SQLAlchemy 2.1 types rows by their columns)

MAX_SESSION_HOURS = 12
TOUCH_SECONDS = 60
MIN_PASSWORD = passwords.MIN_PASSWORD_LENGTH
CONSOLE_ROLES = frozenset(
    {
        Role.REVIEWER,
        Role.CHIEF,
        Role.SUPERVISOR,
        Role.ADMIN,
        Role.FINANCE_MAKER,
        Role.FINANCE_CHECKER,
        Role.AUDITOR,
    }
)
# Verifying against this when the username is unknown keeps the answer's timing the same.
_DUMMY_HASH = hash_password("not-a-real-password", salt=b"\x00" * 16)


def hash_session_id(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


LOGIN_PREFIX = "login:"


def login_key(username: str) -> str:
    return f"{LOGIN_PREFIX}{username.strip().lower()[:64]}"


def login_locks(conn: Connection, now: dt.datetime) -> dict[str, dt.datetime]:
    """Usernames locked out after failed logins at ``now``, and until when."""
    return throttle.locked_keys(conn, LOGIN_PREFIX, now)


@dataclass(frozen=True)
class NewSession:
    raw_id: str  # for the cookie; never stored
    csrf_token: str
    username: str
    must_change_password: bool


@dataclass(frozen=True)
class Session:
    id_hash: str
    username: str
    csrf_token: str
    staff: DbRow


def _staff(conn: Connection, username: str) -> DbRow | None:
    return conn.execute(sa.select(staff).where(staff.c.username == username)).first()


def authenticate(
    db: Database, username: str, password: str, *, now: dt.datetime, settings: Settings
) -> NewSession:
    """Check the password and open a session; ApiError ``login_failed``, ``account_locked``,
    ``account_disabled`` or ``forbidden`` (a station clerk) otherwise."""
    name = username.strip()
    key = login_key(name)
    with db.read() as conn:
        throttle.check(conn, key, now, code="account_locked")
        row = _staff(conn, name) if name else None
    matched = verify_password(password, row.password_hash if row is not None else _DUMMY_HASH)
    if row is None or not matched:
        with db.write() as conn:
            locked = throttle.record_failure(
                conn,
                key,
                now,
                max_failures=settings.login_max_failures,
                lockout=dt.timedelta(minutes=settings.lockout_minutes),
            )
            audit.append(
                conn,
                actor=name[:64] or "-",
                action="console.login_failed",
                entity="staff",
                entity_id=name[:64] or "-",
                detail={"known": row is not None, "locked": locked},
                at=now,
            )
        if locked:
            raise ApiError("account_locked", detail={"minutes": settings.lockout_minutes})
        raise ApiError("login_failed")
    if row.disabled:
        raise ApiError("account_disabled")
    if Role(row.role) not in CONSOLE_ROLES:
        raise ApiError(
            "forbidden",
            "前台综合柜员请在服务站客户端登录办理业务；市局业务系统只对后台科室、监管考核和综合业务科开放。",
        )
    raw, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with db.write() as conn:
        throttle.reset(conn, key)
        _purge(conn, now, settings)
        conn.execute(
            sa.insert(web_sessions).values(
                id_hash=hash_session_id(raw),
                username=row.username,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=now + dt.timedelta(hours=MAX_SESSION_HOURS),
            )
        )
        audit.append(
            conn,
            actor=row.username,
            action="console.login",
            entity="staff",
            entity_id=row.username,
            detail={"role": row.role},
            at=now,
        )
    return NewSession(raw, csrf, row.username, bool(row.must_change_password))


def _purge(conn: Connection, now: dt.datetime, settings: Settings) -> None:
    idle = now - dt.timedelta(minutes=settings.session_idle_minutes)
    conn.execute(
        sa.delete(web_sessions).where(
            sa.or_(web_sessions.c.expires_at <= now, web_sessions.c.last_seen_at <= idle)
        )
    )


def resume(db: Database, raw_id: str | None, *, now: dt.datetime, settings: Settings) -> Session:
    """The session of a cookie; ApiError ``session_expired`` when there is none, it idled out
    or expired, or its account was disabled meanwhile."""
    if not raw_id:
        raise ApiError("session_expired", "请先登录。", {"reason": "no_session"})
    id_hash = hash_session_id(raw_id)
    with db.read() as conn:
        found = conn.execute(sa.select(web_sessions).where(web_sessions.c.id_hash == id_hash)).first()
        account = _staff(conn, found.username) if found is not None else None
    if found is None:
        raise ApiError("session_expired", detail={"reason": "unknown"})
    idle = now - found.last_seen_at > dt.timedelta(minutes=settings.session_idle_minutes)
    if idle or found.expires_at <= now or account is None or account.disabled:
        with db.write() as conn:
            conn.execute(sa.delete(web_sessions).where(web_sessions.c.id_hash == id_hash))
        reason = (
            "idle" if idle else ("expired" if account is not None and not account.disabled else "disabled")
        )
        if reason == "disabled":
            raise ApiError("account_disabled")
        raise ApiError("session_expired", detail={"reason": reason})
    if (now - found.last_seen_at).total_seconds() >= TOUCH_SECONDS:
        with db.write() as conn:
            conn.execute(
                sa.update(web_sessions).where(web_sessions.c.id_hash == id_hash).values(last_seen_at=now)
            )
    return Session(id_hash, found.username, found.csrf_token, account)


def logout(db: Database, raw_id: str | None, *, now: dt.datetime) -> None:
    if not raw_id:
        return
    id_hash = hash_session_id(raw_id)
    with db.write() as conn:
        gone = conn.execute(
            sa.select(web_sessions.c.username).where(web_sessions.c.id_hash == id_hash)
        ).scalar()
        if gone is not None:
            conn.execute(sa.delete(web_sessions).where(web_sessions.c.id_hash == id_hash))
            audit.append(conn, actor=gone, action="console.logout", entity="staff", entity_id=gone, at=now)


def end_sessions(conn: Connection, username: str) -> int:
    """End every session of an account (disabled, password reset, role changed)."""
    return int(conn.execute(sa.delete(web_sessions).where(web_sessions.c.username == username)).rowcount or 0)


def password_problem(username: str, new: str, repeat: str) -> str | None:
    """Why a new password is refused, in Chinese; None when it is acceptable (the rules are
    shared with the stations: :func:`schema.passwords.password_problem`)."""
    code = passwords.password_problem(username, new, repeat)
    return None if code is None else passwords.PASSWORD_ERROR_MESSAGES[code]


def change_password(
    conn: Connection, username: str, current: str, new: str, repeat: str, *, now: dt.datetime
) -> None:
    """Replace the password (the one-time one after a reset); ``request_invalid`` with the reason."""
    row = _staff(conn, username)
    if row is None or not verify_password(current, row.password_hash):
        raise ApiError("request_invalid", "当前密码不正确，请重新输入。", {"field": "current"})
    problem = password_problem(username, new, repeat)
    if problem is None and new == current:
        problem = "新密码不能与当前密码相同。"
    if problem is not None:
        raise ApiError("request_invalid", problem, {"field": "new"})
    conn.execute(
        sa.update(staff)
        .where(staff.c.username == username)
        .values(
            password_hash=hash_password(new),
            must_change_password=False,
            version=staff.c.version + 1,
            updated_at=now,
        )
    )
    audit.append(
        conn, actor=username, action="staff.change_password", entity="staff", entity_id=username, at=now
    )
