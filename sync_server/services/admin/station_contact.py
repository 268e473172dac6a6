"""A station's public contact (phone, address), set by the city and printed on its documents.

The applicant reads them on every receipt and notice the station prints, so the city keeps
them here (``stations.phone``, ``stations.address``, migration 0010) and sends them down:
each change goes to the one station (scope ``station:<id>``) as a ``station`` change carrying
a :class:`schema.records.StationRecord`, and the snapshot serves the same record among the
reference data (:func:`station_change`). ``contact_version`` only grows, so a station keeps
the newest record whichever way it came.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.normalize import clean_text
from schema.protocol import Change, ChangeKind
from schema.records import StationRecord
from sync_server.db.tables import stations
from sync_server.services import audit
from sync_server.services.admin.stations import StationError, get_station
from sync_server.services.feed import changes as feed

MAX_ADDRESS = 200
# 0833-2123456(-801), 08332123456, a mobile number, or a short local number such as 12333.
_PHONE = re.compile(r"^(0\d{2,3}-?\d{7,8}(-\d{1,6})?|1\d{10}|\d{5,8})$")


def normalise_phone(text: str) -> str | None:
    """The phone as it will be printed (half-width, no spaces); None for an empty text.

    StationError ``station_phone_invalid`` for anything that is not one Chinese number."""
    phone = clean_text(text).replace(" ", "").replace("—", "-").replace("－", "-")
    if not phone:
        return None
    if not _PHONE.match(phone):
        raise StationError(
            "station_phone_invalid",
            f"联系电话「{text.strip()}」不是有效的电话号码。请给出一个号码，"
            "如 0833-2123456（固定电话带区号）或 13812345678（手机），不要写多个号码或文字。",
            {"phone": text.strip()[:40]},
        )
    return phone


def normalise_address(text: str) -> str | None:
    address = clean_text(text)
    if not address:
        return None
    if len(address) > MAX_ADDRESS:
        raise StationError(
            "station_address_invalid",
            f"地址有 {len(address)} 个字，最多 {MAX_ADDRESS} 个：请精简后重新设置，"
            "如「乐山市市中区大佛街道嘉定中路 1 号便民服务中心一楼」。",
            {"length": len(address)},
        )
    return address


def station_record(row: Row[Any]) -> StationRecord:
    return StationRecord(
        station_id=row.id,
        name=row.name,
        phone=row.phone,
        address=row.address,
        version=int(row.contact_version),
    )


def station_change(row: Row[Any]) -> Change:
    """The station's record as the feed and the snapshot serve it (key: the station id)."""
    record = station_record(row)
    return Change(
        kind=ChangeKind.STATION, key=row.id, version=record.version, data=record.model_dump(mode="json")
    )


def set_contact(
    conn: Connection,
    station_id: str,
    *,
    phone: str | None,
    address: str | None,
    now: dt.datetime,
    actor: str,
) -> StationRecord:
    """Set the phone and/or address (None: keep; empty text: clear), tell the station, audit it."""
    row = get_station(conn, station_id, for_update=True)
    values: dict[str, object] = {}
    if phone is not None:
        values["phone"] = normalise_phone(phone)
    if address is not None:
        values["address"] = normalise_address(address)
    if not values:
        raise StationError(
            "station_contact_missing",
            "没有给出要设置的内容：请用 --phone 给出联系电话，或用 --address 给出地址（给空字符串则清除）。",
        )
    values["contact_version"] = int(row.contact_version) + 1
    conn.execute(sa.update(stations).where(stations.c.id == row.id).values(**values))
    updated = get_station(conn, row.id)
    change = station_change(updated)
    feed.emit(
        conn,
        feed.FeedChange(
            feed.station_scope(row.id), change.kind.value, change.key, change.version, change.data
        ),
    )
    audit.append(
        conn,
        actor=actor,
        action="station.contact",
        entity="station",
        entity_id=row.id,
        detail={k: v for k, v in values.items() if k != "contact_version"},
        at=now,
    )
    return station_record(updated)
