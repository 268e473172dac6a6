"""The city's receipt stock (票据号段): ranges allocated to stations, and the receipts they voided.

The city allocates each station ranges of numbered payment receipts (a ``series``, 票据代码,
and numbers ``first`` … ``last``; ``schema.receipt_numbers``). Ranges of one series never
overlap, whichever station holds them: :func:`allocate` locks the series' row
(``receipt_series``) and refuses an overlap (``receipt_range_overlap``), so two allocations
at once cannot both pass. Each allocation sends the station its whole stock as a
``receipt_stock`` change (scope ``station:<id>``); the snapshot serves the same record
among the reference data (:func:`stock_change`). Stations number receipts from it offline
and report voids (``receipt_void`` operations, :mod:`sync_server.core.ingest.receipt_void`),
recorded here once per number (:func:`load_book`, :func:`write_voids`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.errors import ContractError
from schema.protocol import Change, ChangeKind
from schema.receipt_numbers import MAX_NUMBER, MAX_RANGE_SIZE, ReceiptRange, StockRef, number_text
from schema.records import ReceiptStockRecord
from sync_server.core.receipt_book import ReceiptBook
from sync_server.db.tables import receipt_ranges, receipt_series, receipt_voids, stations
from sync_server.db.upsert import upsert
from sync_server.services import audit, bulk
from sync_server.services.admin.stations import get_station
from sync_server.services.feed import changes as feed


class ReceiptStockError(ContractError):
    """An allocation the city's administrator can correct."""


def _range(row: Any) -> ReceiptRange:
    return ReceiptRange(
        range_id=int(row.id),
        series=row.series,
        first=int(row.first),
        last=int(row.last),
        allocated_at=row.allocated_at,
    )


def station_ranges(conn: Connection, station_id: str) -> list[ReceiptRange]:
    rows = conn.execute(
        sa.select(receipt_ranges)
        .where(receipt_ranges.c.station_id == station_id)
        .order_by(receipt_ranges.c.id)
    )
    return [_range(r) for r in rows]


def stock_record(conn: Connection, station_id: str) -> ReceiptStockRecord:
    ranges = station_ranges(conn, station_id)
    return ReceiptStockRecord(
        station_id=station_id, ranges=tuple(ranges), version=max((r.range_id for r in ranges), default=0)
    )


def stock_change(conn: Connection, station_id: str) -> Change:
    """The station's whole stock as the feed and the snapshot serve it (key: the station id)."""
    record = stock_record(conn, station_id)
    return Change(
        kind=ChangeKind.RECEIPT_STOCK,
        key=station_id,
        version=record.version,
        data=record.model_dump(mode="json"),
    )


def _check_series(series: str) -> str:
    text = series.strip()
    if not (len(text) == 8 and text.isascii() and text.isdigit()):
        raise ReceiptStockError(
            "receipt_series_invalid",
            f"票据代码「{series.strip()[:20]}」不对：应为财政部门印制在收据上的 8 位数字，如 51110026。",
            {"series": series.strip()[:20]},
        )
    return text


def _next_free(conn: Connection, series: str) -> int:
    top = conn.execute(sa.select(sa.func.max(receipt_ranges.c.last)).where(receipt_ranges.c.series == series))
    return int(top.scalar_one() or 0) + 1


def _bounds(
    conn: Connection, series: str, first: int | None, last: int | None, count: int | None
) -> tuple[int, int]:
    if count is not None and (first is None) == (last is None):
        first = first if first is not None else _next_free(conn, series)
        last = first + count - 1
    if first is None or last is None or (count is not None and last - first + 1 != count):
        raise ReceiptStockError(
            "receipt_range_invalid",
            "号段给法不对：请用 --first 起始号 --last 终止号 给出号段，或用 --count 张数（从该票据代码已分配的最大号之后接着分配）。",
        )
    if not (1 <= first <= last <= MAX_NUMBER) or last - first + 1 > MAX_RANGE_SIZE:
        raise ReceiptStockError(
            "receipt_range_invalid",
            f"号段 {first}–{last} 不对：号码须在 1 至 {MAX_NUMBER} 之间、起始号不大于终止号，"
            f"一次最多分配 {MAX_RANGE_SIZE} 张。",
            {"first": first, "last": last},
        )
    return first, last


def allocate(
    conn: Connection,
    station_id: str,
    *,
    series: str,
    first: int | None = None,
    last: int | None = None,
    count: int | None = None,
    now: dt.datetime,
    actor: str,
) -> ReceiptRange:
    """Allocate ``first`` … ``last`` (or the next ``count`` numbers) of ``series`` to a station,
    tell the station, audit it. ReceiptStockError when the range is invalid or overlaps."""
    station = get_station(conn, station_id)
    if station.status == "revoked":
        raise ReceiptStockError(
            "receipt_station_revoked",
            f"服务站 {station.id} 已注销，不能再分配票据号段：请先重新登记该服务站。",
            {"station_id": station.id},
        )
    code = _check_series(series)
    # The series row is the lock: a second allocation of this series waits here, then sees ours.
    conn.execute(
        upsert(conn, receipt_series, on=[receipt_series.c.series], values={"series": code, "created_at": now})
    )
    conn.execute(sa.select(receipt_series.c.series).where(receipt_series.c.series == code).with_for_update())
    low, high = _bounds(conn, code, first, last, count)
    clash = conn.execute(
        sa.select(receipt_ranges)
        .where(receipt_ranges.c.series == code, receipt_ranges.c.first <= high, receipt_ranges.c.last >= low)
        .order_by(receipt_ranges.c.first)
        .limit(1)
    ).first()
    if clash is not None:
        raise ReceiptStockError(
            "receipt_range_overlap",
            f"号段 {number_text(code, low)} 至 {high:08d} 与已分配给服务站 {clash.station_id} 的号段 "
            f"{number_text(code, int(clash.first))} 至 {int(clash.last):08d} 重叠：同一号码只能分给一个服务站，"
            f"请改用其后的号码（--count 会自动接着分配）。",
            {"station_id": clash.station_id, "first": int(clash.first), "last": int(clash.last)},
        )
    range_id = conn.execute(
        sa.insert(receipt_ranges)
        .values(
            station_id=station.id, series=code, first=low, last=high, allocated_at=now, allocated_by=actor
        )
        .returning(receipt_ranges.c.id)
    ).scalar_one()
    change = stock_change(conn, station.id)
    feed.emit(
        conn,
        feed.FeedChange(
            feed.station_scope(station.id), change.kind.value, change.key, change.version, change.data
        ),
    )
    audit.append(
        conn,
        actor=actor,
        action="receipt.allocate",
        entity="station",
        entity_id=station.id,
        detail={"range_id": int(range_id), "series": code, "first": low, "last": high},
        at=now,
    )
    return next(r for r in station_ranges(conn, station.id) if r.range_id == int(range_id))


@dataclass(frozen=True, slots=True)
class RangeView:
    """One allocated range as ``sync-server receipts show`` lists it."""

    station_id: str
    station_name: str
    range: ReceiptRange
    voided: int  # receipts of the range the station reported void


def show(conn: Connection, station_id: str | None = None) -> list[RangeView]:
    """Every allocated range (of one station, or all), by station then allocation order."""
    query = sa.select(receipt_ranges, stations.c.name).join(
        stations, stations.c.id == receipt_ranges.c.station_id
    )
    if station_id is not None:
        query = query.where(receipt_ranges.c.station_id == str(get_station(conn, station_id).id))
    rows = conn.execute(query.order_by(receipt_ranges.c.station_id, receipt_ranges.c.id)).all()
    voids = conn.execute(sa.select(receipt_voids.c.series, receipt_voids.c.number)).all()
    out = []
    for row in rows:
        r = _range(row)
        out.append(RangeView(row.station_id, row.name, r, sum(1 for s, n in voids if r.holds(s, int(n)))))
    return out


def voids_of(conn: Connection, station_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(receipt_voids)
        .where(receipt_voids.c.station_id == station_id)
        .order_by(receipt_voids.c.voided_at)
    )
    return [dict(r._mapping) for r in rows]


# ---- the push ---------------------------------------------------------------------------


def load_book(conn: Connection, station_id: str, refs: Iterable[StockRef]) -> ReceiptBook:
    """What a push needs to apply its voids: the station's ranges, and which of ``refs`` are void."""
    wanted = sorted({(r.series, r.number) for r in refs})
    voided: set[tuple[str, int]] = set()
    for series in sorted({s for s, _ in wanted}):
        numbers = [n for s, n in wanted if s == series]
        rows = conn.execute(
            sa.select(receipt_voids.c.number).where(
                receipt_voids.c.series == series, bulk.in_list(conn, receipt_voids.c.number, numbers)
            )
        )
        voided |= {(series, int(n)) for (n,) in rows}
    return ReceiptBook(tuple(station_ranges(conn, station_id)), voided)


def write_voids(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    bulk.insert_rows(conn, receipt_voids, rows)
