"""Stations: registering them, their one-time enrolment codes, revoking them.

A station is created ``pending`` with an enrolment code that a clerk types into the new
installation. Only the code's SHA-256 and expiry are stored. The code's life is read from
the row: ``enrol_code_hash`` set and ``enrol_expires_at`` set means it is live; after a
successful enrolment (:func:`complete_enrolment`) the hash stays but the expiry is cleared,
so the same code answers ``enrol_code_used`` rather than ``enrol_code_invalid``.
Revoking clears the code, so a code issued before a revocation never works.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.divisions import StationCode, load_divisions
from schema.errors import ContractError
from schema.normalize import clean_text, compact_code
from sync_server.db.tables import stations
from sync_server.errors import ApiError
from sync_server.services import audit
from sync_server.services.admin import document_ca, station_keys

# No 0/O, 1/I/L: a clerk reads the code off paper and types it.
ENROL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ENROL_GROUPS, ENROL_GROUP_SIZE = 4, 4  # 16 characters of 31: about 79 bits

PENDING, ACTIVE, REVOKED = "pending", "active", "revoked"
STATUS_LABELS = {PENDING: "待注册", ACTIVE: "已启用", REVOKED: "已注销"}


class StationError(ContractError):
    """A station request an administrator can correct."""


@dataclass(frozen=True)
class IssuedCode:
    station_id: str
    code: str  # shown once, never stored
    expires_at: dt.datetime


# ---- enrolment codes ----------------------------------------------------------------


def generate_enrolment_code() -> str:
    """A random code such as ``K7PQ-3MXD-9RTA-WZ2E``."""
    chars = "".join(secrets.choice(ENROL_ALPHABET) for _ in range(ENROL_GROUPS * ENROL_GROUP_SIZE))
    return "-".join(chars[i : i + ENROL_GROUP_SIZE] for i in range(0, len(chars), ENROL_GROUP_SIZE))


def normalise_enrolment_code(text: str) -> str | None:
    """The 16 code characters (full-width, spaces, dashes and case forgiven), or None."""
    compact = compact_code(text)
    if len(compact) != ENROL_GROUPS * ENROL_GROUP_SIZE or any(c not in ENROL_ALPHABET for c in compact):
        return None
    return compact


def enrol_code_hash(code: str) -> str:
    """SHA-256 (hex) of the normalised code: what ``stations.enrol_code_hash`` holds."""
    normalised = normalise_enrolment_code(code) or compact_code(code)
    return hashlib.sha256(normalised.encode("ascii", "replace")).hexdigest()


# ---- stations -----------------------------------------------------------------------


def resolve_township(division: str) -> str:
    """A township code from a code (``511102004``) or a name (``大佛街道``, ``乐山市市中区大佛街道``)."""
    divisions = load_divisions()
    text = division.strip()
    code = compact_code(text) if compact_code(text).isdigit() else divisions.code_of(text)
    found = divisions.get(code)
    if not found.is_township:
        raise StationError(
            "station_division_not_township",
            f"{divisions.full_name(found.code)}（{found.code}）不是乡镇（街道）。"
            "服务站设在乡镇（街道），请给出 9 位乡镇（街道）代码或名称，如 511102004 或 大佛街道。",
        )
    return found.code


def get_station(conn: Connection, station_id: str, *, for_update: bool = False) -> Row[tuple[object, ...]]:
    """The station row; StationError ``station_not_found`` when there is none."""
    code = str(StationCode.parse(station_id))
    query = sa.select(stations).where(stations.c.id == code)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise StationError(
            "station_not_found",
            f"找不到服务站 {code}。请用 `sync-server station list` 查看已登记的服务站编码。",
        )
    return row


def _next_free_point(conn: Connection, township_code: str) -> int:
    taken = {
        StationCode.parse(sid).point
        for sid in conn.execute(sa.select(stations.c.id).where(stations.c.township_code == township_code))
        .scalars()
        .all()
    }
    for point in range(100):
        if point not in taken:
            return point
    raise StationError(
        "station_points_full",
        f"乡镇（街道）{township_code} 的 100 个站点号（00–99）都已使用。请注销不用的站点后重新分配。",
    )


def _new_code(station_id: str, now: dt.datetime, hours: int) -> tuple[IssuedCode, dict[str, object]]:
    code = generate_enrolment_code()
    issued = IssuedCode(station_id, code, now + dt.timedelta(hours=hours))
    return issued, {"enrol_code_hash": enrol_code_hash(code), "enrol_expires_at": issued.expires_at}


def add_station(
    conn: Connection,
    *,
    division: str,
    name: str,
    point: int | None = None,
    now: dt.datetime,
    code_hours: int,
    actor: str,
) -> IssuedCode:
    """Register a pending station in a township and issue its first enrolment code."""
    township = resolve_township(division)
    display = clean_text(name)
    if not display or len(display) > 100:
        raise StationError(
            "station_name_invalid",
            "服务站名称为空或过长。请用 --name 给出不超过 100 个字的名称，如「市中区大佛街道社保所」。",
        )
    if point is None:
        point = _next_free_point(conn, township)
    station_id = str(StationCode(township, point))
    if conn.execute(sa.select(stations.c.id).where(stations.c.id == station_id)).first() is not None:
        raise StationError(
            "station_exists",
            f"服务站 {station_id} 已存在。请换一个站点号，或不指定 --point 由系统分配下一个空闲站点号。",
        )
    issued, code_values = _new_code(station_id, now, code_hours)
    conn.execute(
        sa.insert(stations).values(
            id=station_id,
            township_code=township,
            county_code=load_divisions().county_of(township).code,
            name=display,
            status=PENDING,
            created_at=now,
            **code_values,
        )
    )
    audit.append(
        conn,
        actor=actor,
        action="station.add",
        entity="station",
        entity_id=station_id,
        detail={
            "name": display,
            "township_code": township,
            "enrol_expires_at": issued.expires_at.isoformat(),
        },
        at=now,
    )
    return issued


def list_stations(
    conn: Connection, *, county_code: str | None = None, status: str | None = None
) -> list[Row[tuple[object, ...]]]:
    query = sa.select(stations).order_by(stations.c.id)
    if county_code is not None:
        query = query.where(stations.c.county_code == county_code)
    if status is not None:
        query = query.where(stations.c.status == status)
    return list(conn.execute(query).all())


def revoke_station(conn: Connection, station_id: str, *, now: dt.datetime, actor: str) -> None:
    """Revoke a station: its signed requests are refused and its enrolment code dies."""
    row = get_station(conn, station_id, for_update=True)
    if row.status == REVOKED:
        raise StationError(
            "station_already_revoked",
            f"服务站 {row.id} 已经注销，无需再次注销。"
            "如要在新电脑上恢复该站，请用 `sync-server station new-code` 发放新的注册码。",
        )
    conn.execute(
        sa.update(stations)
        .where(stations.c.id == row.id)
        .values(status=REVOKED, revoked_at=now, enrol_code_hash=None, enrol_expires_at=None)
    )
    station_keys.publish(conn)  # its documents signed from now on fail, at the desks too
    document_ca.revoke_station(conn, row.id, now=now)  # its PDF receipts' certificate too
    audit.append(
        conn,
        actor=actor,
        action="station.revoke",
        entity="station",
        entity_id=row.id,
        detail={"previous_status": row.status},
        at=now,
    )


def issue_enrolment_code(
    conn: Connection, station_id: str, *, now: dt.datetime, hours: int, actor: str
) -> IssuedCode:
    """A new code for a station (pending, re-installed, or revoked and replaced by a new PC).

    Any earlier code stops working. The station's key is replaced only when the code is
    used, so an active station keeps syncing until then.
    """
    row = get_station(conn, station_id, for_update=True)
    issued, code_values = _new_code(row.id, now, hours)
    conn.execute(sa.update(stations).where(stations.c.id == row.id).values(**code_values))
    audit.append(
        conn,
        actor=actor,
        action="station.new_code",
        entity="station",
        entity_id=row.id,
        detail={"status": row.status, "enrol_expires_at": issued.expires_at.isoformat()},
        at=now,
    )
    return issued


def verify_enrolment_code(conn: Connection, code: str, now: dt.datetime) -> Row[tuple[object, ...]]:
    """The station a live code belongs to (row locked on PostgreSQL).

    ApiError ``enrol_code_invalid`` (malformed or unknown), ``enrol_code_expired`` or
    ``enrol_code_used``. Lockout after repeated failures is the caller's, with
    :mod:`sync_server.services.access.throttle`.
    """
    if normalise_enrolment_code(code) is None:
        raise ApiError("enrol_code_invalid")
    query = sa.select(stations).where(stations.c.enrol_code_hash == enrol_code_hash(code))
    row = conn.execute(query.with_for_update()).first()
    if row is None:
        raise ApiError("enrol_code_invalid")
    expires_at = row.enrol_expires_at
    if expires_at is None:
        raise ApiError("enrol_code_used", detail={"station_id": row.id})
    if expires_at <= now:
        raise ApiError("enrol_code_expired", detail={"station_id": row.id})
    return row


def complete_enrolment(
    conn: Connection, station_id: str, public_key: bytes, *, now: dt.datetime, actor: str = "system"
) -> None:
    """Bind the station's new public key and use up its code (call after verify_enrolment_code)."""
    station_keys.retire_current_key(conn, get_station(conn, station_id), public_key, now)
    conn.execute(
        sa.update(stations)
        .where(stations.c.id == station_id)
        .values(status=ACTIVE, public_key=public_key, enrolled_at=now, enrol_expires_at=None, revoked_at=None)
    )
    station_keys.publish(conn)
    audit.append(
        conn,
        actor=actor,
        action="station.enrol",
        entity="station",
        entity_id=station_id,
        detail={"public_key_sha256": hashlib.sha256(public_key).hexdigest()},
        at=now,
    )
