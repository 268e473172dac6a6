"""What the demo stations need at the desk besides their staff: a contact and receipt stock.

Every document a station prints shows its phone and address, and a fee is refused without a
缴费收据 number from the city's stock (``receipt_stock_empty``). So each demo station gets a
realistic contact (services.admin.station_contact) and a range of receipt numbers
(services.finance.receipt_stock), through the same services the administrator's commands call.

:func:`furnish` only fills what a station never had: a station whose contact was once set
(``contact_version`` > 0, even if cleared since) or that holds any range is left alone. That
makes it safe on every ``make demo`` start, which calls it so a demo-data directory seeded by
an older release gets them too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync_server.db.tables import receipt_ranges, stations
from sync_server.services.admin.station_contact import set_contact
from sync_server.services.admin.stations import REVOKED
from sync_server.services.finance.receipt_stock import allocate

BEIJING = dt.timezone(dt.timedelta(hours=8))
RECEIPTS_PER_STATION = 500  # a township desk's stock for a few months
DEMO_CONTACTS = {  # station → (phone, address): Leshan numbers (0833) and streets of each township
    "511102004-00": ("0833-2132580", "乐山市市中区大佛街道嘉定中路56号便民服务中心一楼"),
    "511102004-01": ("0833-2436127", "乐山市市中区大佛街道嘉州路118号嘉州社区党群服务中心"),
    "511123100-00": ("0833-4211635", "乐山市犍为县玉津镇文庙街25号"),
    "511181100-00": ("0833-5522318", "乐山市峨眉山市绥山镇名山中路78号"),
    "511112100-00": ("0833-3302146", "乐山市五通桥区竹根镇新华路32号"),
    "511111100-00": ("0833-3412259", "乐山市沙湾区沙湾镇沫若大道105号"),
    "511113100-00": ("0833-2713308", "乐山市金口河区永和镇金河大道16号"),
    "511124001-00": ("0833-3712684", "乐山市井研县研城街道迎宾大道88号"),
    "511126001-00": ("0833-5621437", "乐山市夹江县青衣街道迎春南路21号"),
    "511129100-00": ("0833-4602913", "乐山市沐川县沐溪镇城南路47号"),
    "511132100-00": ("0833-5121176", "乐山市峨边彝族自治县沙坪镇民族路12号"),
    "511133100-00": ("0833-4512235", "乐山市马边彝族自治县民建镇建设路9号"),
}


@dataclass
class Furnished:
    """What :func:`furnish` gave: station ids with a new contact, and the ranges allocated."""

    contacts: list[str] = field(default_factory=list)
    ranges: list[tuple[str, str]] = field(default_factory=list)  # (station, range text)


def receipt_series(station_id: str, on: dt.date) -> str:
    """The 8-digit 票据代码 of the station's county for the year: 511102 + 26 → 51110226."""
    return f"{station_id[:6]}{on.year % 100:02d}"


def furnish(conn: Connection, station_ids: Iterable[str], *, now: dt.datetime, actor: str) -> Furnished:
    """Give each of ``station_ids`` (if registered and not revoked) the contact and the receipt
    range it never had; what was done."""
    done = Furnished()
    wanted = sorted(set(station_ids))
    rows = conn.execute(
        sa.select(stations.c.id, stations.c.status, stations.c.contact_version)
        .where(stations.c.id.in_(wanted))
        .order_by(stations.c.id)
    ).all()
    stocked = set(
        conn.execute(
            sa.select(receipt_ranges.c.station_id).distinct().where(receipt_ranges.c.station_id.in_(wanted))
        ).scalars()
    )
    for row in rows:
        if row.status == REVOKED:
            continue
        contact = DEMO_CONTACTS.get(row.id)
        if contact is not None and not row.contact_version:
            phone, address = contact
            set_contact(conn, row.id, phone=phone, address=address, now=now, actor=actor)
            done.contacts.append(row.id)
        if row.id not in stocked:
            series = receipt_series(row.id, now.astimezone(BEIJING).date())
            made = allocate(conn, row.id, series=series, count=RECEIPTS_PER_STATION, now=now, actor=actor)
            done.ranges.append((row.id, made.text))
    return done
