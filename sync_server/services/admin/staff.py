"""Staff accounts, issued centrally with a role.

Clerks belong to a station, reviewers and chiefs to a back-office section; supervisors and
administrators to neither. Every new or reset password is one-time (``must_change_password``).

Stations log their clerks in offline from password hashes they pull, so every change to
a clerk's account is also a feed change for that station (scope ``station:<id>``, kind
``staff``, key the username, version ``staff.version``, bumped on every change): a
disabled account stops working at the station's next pull.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.errors import ContractError
from schema.normalize import clean_text
from schema.passwords import generate_password, hash_password
from schema.protocol import ChangeKind
from schema.records import StaffAccount
from schema.vocabulary import Role, Section, label
from sync_server.db.tables import staff
from sync_server.services import audit
from sync_server.services.admin.stations import REVOKED, get_station
from sync_server.services.feed import changes as feed

USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,32}")
FEED_KIND = ChangeKind.STAFF.value


class StaffError(ContractError):
    """A staff-account request an administrator can correct."""


@dataclass(frozen=True)
class IssuedPassword:
    username: str
    password: str  # shown once, never stored


def check_username(username: str) -> str:
    name = username.strip()
    if not USERNAME_PATTERN.fullmatch(name):
        hint = f"（如 {name.lower()}）" if USERNAME_PATTERN.fullmatch(name.lower()) else ""
        raise StaffError(
            "staff_username_invalid",
            f"用户名「{username}」不符合要求：须为 3–32 位小写字母、数字或 . _ -{hint}。请修改后重试。",
        )
    return name


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        choices = "、".join(f"{r.value}（{label(r)}）" for r in Role)
        raise StaffError(
            "staff_role_invalid", f"角色「{text}」不存在。请从以下角色中选择：{choices}。"
        ) from None


def parse_section(text: str) -> Section:
    try:
        return Section(text.strip().lower())
    except ValueError:
        choices = "、".join(f"{s.value}（{label(s)}）" for s in Section)
        raise StaffError(
            "staff_section_invalid", f"科室「{text}」不存在。请从以下科室中选择：{choices}。"
        ) from None


def _check_placement(role: Role, station_id: str | None, section: Section | None) -> None:
    needs_station = role == Role.CLERK
    needs_section = role in (Role.REVIEWER, Role.CHIEF)
    if needs_station and (station_id is None or section is not None):
        raise StaffError(
            "staff_needs_station",
            "前台综合柜员属于服务站：请指定所属服务站（命令行用 --station），不要指定科室。",
        )
    if needs_section and (section is None or station_id is not None):
        raise StaffError(
            "staff_needs_section",
            f"{label(role)}属于后台科室：请指定所属科室（命令行用 --section），不要指定服务站。",
        )
    if not (needs_station or needs_section) and (station_id is not None or section is not None):
        raise StaffError(
            "staff_no_placement",
            f"{label(role)}不属于服务站或科室：请不要指定服务站（--station）或科室（--section）。",
        )


def get_staff(conn: Connection, username: str, *, for_update: bool = False) -> Row[tuple[Any, ...]]:
    query = sa.select(staff).where(staff.c.username == username.strip())
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise StaffError(
            "staff_not_found", f"找不到账号「{username}」。请用 `sync-server staff list` 查看已有账号。"
        )
    return row


def staff_feed_change(row: Row[tuple[Any, ...]]) -> feed.FeedChange | None:
    """The feed change that tells a clerk's station about the account (None for other roles)."""
    if row.role != Role.CLERK or row.station_id is None:
        return None
    return feed.FeedChange(
        scope=feed.station_scope(row.station_id),
        kind=FEED_KIND,
        key=row.username,
        version=int(row.version),
        data=staff_account(row).model_dump(mode="json"),
    )


def staff_account(row: Row[tuple[Any, ...]]) -> StaffAccount:
    """The account as stations receive it (``schema.records.StaffAccount``, validated here)."""
    values: dict[str, Any] = {
        "username": row.username,
        "display_name": row.display_name,
        "role": row.role,
        "station_id": row.station_id,
        "password_hash": row.password_hash,
        "disabled": bool(row.disabled),
        "version": int(row.version),
    }
    # Sent once the contract carries it, so a station can force the change offline too.
    if "must_change_password" in StaffAccount.model_fields:
        values["must_change_password"] = bool(row.must_change_password)
    return StaffAccount(**values)


def _changed(conn: Connection, username: str, *, now: dt.datetime, actor: str, action: str) -> None:
    """After a change: the station's feed (clerks) and the audit log, in this transaction."""
    row = get_staff(conn, username)
    change = staff_feed_change(row)
    if change is not None:
        feed.emit(conn, change)
    detail = {"role": row.role, "station_id": row.station_id, "section": row.section, "version": row.version}
    audit.append(conn, actor=actor, action=action, entity="staff", entity_id=username, detail=detail, at=now)


def add_staff(
    conn: Connection,
    *,
    username: str,
    role: Role | str,
    station_id: str | None = None,
    section: Section | str | None = None,
    display_name: str | None = None,
    now: dt.datetime,
    actor: str,
    password: str | None = None,
    must_change_password: bool = True,
) -> IssuedPassword:
    """Create an account with a one-time password (generated unless given).

    ``must_change_password=False`` is for demo accounts only.
    """
    name = check_username(username)
    role = parse_role(role)
    placed_section = parse_section(section) if section is not None else None
    station = get_station(conn, station_id) if station_id is not None else None
    _check_placement(role, station_id, placed_section)
    if station is not None and station.status == REVOKED:
        raise StaffError(
            "staff_station_revoked", f"服务站 {station.id} 已注销，不能再添加柜员。请先为该站重新发放注册码。"
        )
    shown = clean_text(display_name) if display_name is not None else name
    if not shown or len(shown) > 64:
        raise StaffError(
            "staff_display_name_invalid",
            "显示名为空或过长。请用 --name 给出不超过 64 个字的姓名，如「张丽」。",
        )
    if conn.execute(sa.select(staff.c.id).where(staff.c.username == name)).first() is not None:
        raise StaffError(
            "staff_exists", f"账号「{name}」已存在。请换一个用户名，或用 staff reset-password 重置密码。"
        )
    password = password or generate_password()
    conn.execute(
        sa.insert(staff).values(
            username=name,
            display_name=shown,
            role=role.value,
            station_id=station.id if station is not None else None,
            section=placed_section.value if placed_section is not None else None,
            password_hash=hash_password(password),
            must_change_password=must_change_password,
            created_at=now,
            updated_at=now,
        )
    )
    _changed(conn, name, now=now, actor=actor, action="staff.add")
    return IssuedPassword(name, password)


def list_staff(
    conn: Connection, *, station_id: str | None = None, role: str | None = None
) -> list[Row[tuple[Any, ...]]]:
    query = sa.select(staff).order_by(staff.c.role, staff.c.station_id, staff.c.section, staff.c.username)
    if station_id is not None:
        query = query.where(staff.c.station_id == get_station(conn, station_id).id)
    if role is not None:
        query = query.where(staff.c.role == parse_role(role).value)
    return list(conn.execute(query).all())


def _update(conn: Connection, username: str, now: dt.datetime, **values: Any) -> None:
    conn.execute(
        sa.update(staff)
        .where(staff.c.username == username)
        .values(version=staff.c.version + 1, updated_at=now, **values)
    )


def set_disabled(conn: Connection, username: str, disabled: bool, *, now: dt.datetime, actor: str) -> None:
    """Disable an account (it stops working at once here, at the station's next pull) or enable it."""
    row = get_staff(conn, username, for_update=True)
    if bool(row.disabled) == disabled:
        state = "已停用" if disabled else "未停用"
        raise StaffError("staff_unchanged", f"账号「{row.username}」{state}，无需重复操作。")
    if disabled and row.role == Role.ADMIN:
        admins = conn.execute(
            sa.select(sa.func.count()).where(staff.c.role == Role.ADMIN.value, staff.c.disabled == sa.false())
        ).scalar_one()
        if admins <= 1:
            raise StaffError(
                "staff_last_admin", "这是最后一个可用的系统管理员账号，不能停用。请先添加另一个管理员。"
            )
    _update(conn, row.username, now, disabled=disabled)
    _changed(conn, row.username, now=now, actor=actor, action="staff.disable" if disabled else "staff.enable")


def reset_password(
    conn: Connection, username: str, *, now: dt.datetime, actor: str, password: str | None = None
) -> IssuedPassword:
    """A new one-time password; also lifts a login lockout."""
    row = get_staff(conn, username, for_update=True)
    password = password or generate_password()
    _update(
        conn,
        row.username,
        now,
        password_hash=hash_password(password),
        must_change_password=True,
        failed_logins=0,
        locked_until=None,
    )
    _changed(conn, row.username, now=now, actor=actor, action="staff.reset_password")
    return IssuedPassword(row.username, password)


def change_role(
    conn: Connection,
    username: str,
    role: Role | str,
    *,
    station_id: str | None = None,
    section: Section | str | None = None,
    now: dt.datetime,
    actor: str,
) -> None:
    """Move an account to another role and placement (a clerk transferred to a section …).

    A clerk's old station is told to drop the account (a deleted ``staff`` change), so it
    no longer logs in there offline; a new station receives it as usual. The accepting
    clerk of a case stays that case's clerk: the lifecycle's separation of duties keys on
    the username, so a clerk who became a reviewer still cannot decide their own cases.
    """
    row = get_staff(conn, username, for_update=True)
    new_role = parse_role(role)
    new_section = parse_section(section) if section is not None else None
    station = get_station(conn, station_id) if station_id is not None else None
    _check_placement(new_role, station_id, new_section)
    if station is not None and station.status == REVOKED:
        raise StaffError("staff_station_revoked", f"服务站 {station.id} 已注销，不能再添加柜员。")
    new_station = station.id if station is not None else None
    placed = new_section.value if new_section is not None else None
    if (row.role, row.station_id, row.section) == (new_role.value, new_station, placed):
        raise StaffError("staff_unchanged", f"账号「{row.username}」的角色和所属单位未改变，无需保存。")
    if row.role == Role.ADMIN and new_role != Role.ADMIN and not row.disabled:
        admins = conn.execute(
            sa.select(sa.func.count()).where(staff.c.role == Role.ADMIN.value, staff.c.disabled == sa.false())
        ).scalar_one()
        if admins <= 1:
            raise StaffError(
                "staff_last_admin",
                "这是最后一个可用的系统管理员账号，不能改为其他角色。请先添加另一个管理员。",
            )
    _update(conn, row.username, now, role=new_role.value, station_id=new_station, section=placed)
    after = get_staff(conn, row.username)
    if row.role == Role.CLERK and row.station_id is not None and row.station_id != new_station:
        gone = feed.FeedChange(
            feed.station_scope(row.station_id), FEED_KIND, row.username, int(after.version), {}, deleted=True
        )
        feed.emit(conn, gone)
    change = staff_feed_change(after)
    if change is not None:
        feed.emit(conn, change)
    detail = {
        "role": after.role,
        "station_id": after.station_id,
        "section": after.section,
        "version": after.version,
        "from_role": row.role,
        "from_station": row.station_id,
        "from_section": row.section,
    }
    audit.append(
        conn,
        actor=actor,
        action="staff.change_role",
        entity="staff",
        entity_id=row.username,
        detail=detail,
        at=now,
    )
