"""Offline login and the clerk's session (docs/station.md "Encryption at rest").

:func:`login` checks the password against the hash pulled from the server, counts
failures (5 in a row lock the account on this PC for 15 minutes), refuses disabled
accounts, then unlocks the data key (DEK) with the same password. A clerk with no wrap
on this PC yet (first login here, or the password was reset on the server) gets one
when the DEK is already open: passed in from another session of this process
(``dek=`` / :meth:`Session.switch_clerk`) or opened with the recovery key.

A :class:`Session` locks itself after ``idle_timeout`` without :meth:`Session.touch`;
:meth:`Session.is_locked` answers for a given instant, :meth:`Session.unlock` takes the
same clerk's password again. Services call :meth:`Session.require_active`, which also
re-reads the account so one disabled by a pulled record stops working at once, and
refuses (``password_change_required``) while the clerk still has a one-time password
(``must_change_password``): the window and ``station-client passwd`` change it first
(:mod:`station_client.services.password_change`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlite_utils import Database

from schema.lifecycle import Actor
from schema.passwords import PASSWORD_ERROR_MESSAGES, verify_password
from schema.vocabulary import Role
from station_client.crypto.keys import DataKey, WrongCredential
from station_client.crypto.wraps import unwrap_with_password, unwrap_with_recovery, wrap_for_password
from station_client.services.errors import ServiceError
from station_client.store import keys, meta, staff
from station_client.store.staff import StaffRow


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    idle_timeout: timedelta = timedelta(minutes=10)


DEFAULT_POLICY = SessionPolicy()


def _minutes(delta: timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))  # round up: "1 分钟" rather than "0 分钟"


def _usable(row: StaffRow | None, username: str, now: datetime) -> StaffRow:
    if row is None:
        raise ServiceError(
            "login_unknown_user",
            f"账号“{username}”不在本服务站的人员名单中：请核对用户名；新开账号请先联网同步后再登录。",
        )
    if row.disabled:
        raise ServiceError(
            "login_disabled", "该账号已停用，不能登录：如有疑问请联系综合业务科。", {"username": username}
        )
    if row.locked_until is not None and row.locked_until > now:
        raise ServiceError(
            "login_locked",
            f"连续输错密码次数过多，账号已暂时锁定：请 {_minutes(row.locked_until - now)} 分钟后再试，"
            "或联系综合业务科重置密码。",
            {"username": username, "locked_until": row.locked_until.isoformat()},
        )
    return row


def _check_password(db: Database, row: StaffRow, password: str, now: datetime, policy: SessionPolicy) -> None:
    if verify_password(password, row.password_hash):
        staff.clear_failures(db, row.username)
        return
    failures = row.failed_logins + 1
    if failures >= policy.max_failures:
        staff.record_failure(db, row.username, 0, now + policy.lockout)
        raise ServiceError(
            "login_locked",
            f"连续 {policy.max_failures} 次密码错误，账号已锁定 {_minutes(policy.lockout)} 分钟："
            "请稍后再试，或联系综合业务科重置密码。",
            {"username": row.username},
        )
    staff.record_failure(db, row.username, failures, None)
    raise ServiceError(
        "login_wrong_password",
        f"密码不正确：请重新输入（再错 {policy.max_failures - failures} 次账号将被锁定 "
        f"{_minutes(policy.lockout)} 分钟）。",
        {"username": row.username, "remaining": policy.max_failures - failures},
    )


def check_credentials(
    db: Database, username: str, password: str, *, now: datetime, policy: SessionPolicy = DEFAULT_POLICY
) -> StaffRow:
    """Another staff member's password, checked offline as at login (failures count, a locked
    or disabled account is refused) without logging them in: a second person's consent."""
    row = _usable(staff.get(db, username), username, now)
    _check_password(db, row, password, now, policy)
    return row


def _unlock_dek(
    db: Database, username: str, password: str, dek: DataKey | None, recovery_key: str | None
) -> DataKey:
    wrap = keys.get_wrap(db, "staff", username)
    if wrap is not None:
        try:
            return unwrap_with_password(wrap, password)
        except WrongCredential:
            pass  # the password was reset on the server: wrap it anew below
    if dek is None and recovery_key:
        recovery = keys.get_wrap(db, "recovery")
        if recovery is None:
            raise ServiceError(
                "login_no_recovery_wrap", "本机没有恢复密钥记录：请联系综合业务科重新注册本服务站。"
            )
        try:
            dek = unwrap_with_recovery(recovery, recovery_key)
        except WrongCredential as exc:
            raise ServiceError("login_wrong_recovery_key", exc.message) from None
    if dek is None:
        raise ServiceError(
            "login_needs_key",
            "本机尚未保存该账号的数据密钥（首次在本机登录，或密码已在服务器重置）："
            "请输入本服务站注册时打印、由站长保管的恢复密钥（形如 ABCD-EFGH-…），只需这一次；"
            "或由已在本机登录过的柜员登录后切换到本账号。",
            {"username": username},
        )
    keys.put_wrap(db, wrap_for_password(dek, username, password))
    return dek


def login(
    db: Database,
    username: str,
    password: str,
    *,
    now: datetime,
    dek: DataKey | None = None,
    recovery_key: str | None = None,
    policy: SessionPolicy = DEFAULT_POLICY,
) -> Session:
    """Log a clerk in offline; ServiceError ``login_*`` with the reason otherwise."""
    station_id = meta.station_id(db)
    if station_id is None:
        raise ServiceError(
            "station_not_enrolled", "本机尚未注册为服务站：请先用综合业务科发放的注册码完成注册（enroll）。"
        )
    row = _usable(staff.get(db, username), username, now)
    _check_password(db, row, password, now, policy)
    key = _unlock_dek(db, username, password, dek, recovery_key)
    station_code = meta.get(db, meta.STATION_CODE) or station_id
    session = Session(
        db, station_id, station_code, row.username, row.display_name, row.role, key, policy, now
    )
    session.must_change_password = row.must_change_password
    return session


@dataclass(eq=False)
class Session:
    """A logged-in clerk on this PC. Holds the DEK in memory only."""

    db: Database
    station_id: str
    station_code: str
    username: str
    display_name: str
    role: str
    dek: DataKey = field(repr=False)
    policy: SessionPolicy
    last_activity: datetime
    _locked: bool = False
    must_change_password: bool = False  # a one-time password: changed before any business

    @property
    def actor(self) -> Actor:
        return Actor(self.username, Role(self.role), station_id=self.station_id)

    def touch(self, now: datetime) -> None:
        """Record activity (a key press, a click): postpones the idle lock."""
        if not self.is_locked(now):
            self.last_activity = now

    def is_locked(self, now: datetime) -> bool:
        if not self._locked and now - self.last_activity >= self.policy.idle_timeout:
            self._locked = True  # stays locked until the password is entered again
        return self._locked

    def lock(self) -> None:
        self._locked = True

    def unlock(self, password: str, now: datetime) -> None:
        """The same clerk comes back: the password again (failures count as at login)."""
        self.check_password(password, now)
        self._locked = False
        self.last_activity = now

    def check_password(self, password: str, now: datetime) -> StaffRow:
        """This clerk's current password (failures count as at login); the account's row."""
        row = _usable(staff.get(self.db, self.username), self.username, now)
        _check_password(self.db, row, password, now, self.policy)
        return row

    def switch_clerk(self, username: str, password: str, now: datetime) -> Session:
        """Another clerk takes the desk; this session's DEK lets them log in even with no wrap here."""
        new = login(self.db, username, password, now=now, dek=self.dek, policy=self.policy)
        self.lock()
        return new

    def require_active(self, now: datetime) -> StaffRow:
        """The clerk's current account row, or ServiceError when locked or disabled."""
        if self.is_locked(now):
            raise ServiceError(
                "session_locked", "工作站已锁定（长时间未操作）：请重新输入密码解锁后继续办理。"
            )
        row = staff.get(self.db, self.username)
        if row is None or row.disabled:
            self._locked = True
            raise ServiceError("login_disabled", "该账号已停用，不能继续办理业务：如有疑问请联系综合业务科。")
        if row.must_change_password:
            raise ServiceError(
                "password_change_required",
                PASSWORD_ERROR_MESSAGES["password_change_required"],
                {"username": self.username},
            )
        self.last_activity = now
        return row
