"""The township's 催缴名单 at the station: applied from a pull page by version, sealed in the
store (no name or ID number in the clear), dropped by a start-over, printed as a PDF."""

from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

from schema.protocol import Change, ChangeKind, PullPage
from schema.records import DueRecord, TownshipDuesRecord
from station_client.services import dues
from station_client.services.receipt_pdf import mask_id
from station_client.store.migrations import SCHEMA_VERSION, user_version
from station_client.sync.pull import apply_page
from tests.support.dues import due_item
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, TOWNSHIP, StationHome

D = Decimal


def _record(version: int, items: tuple[DueRecord, ...], township: str = TOWNSHIP) -> TownshipDuesRecord:
    return TownshipDuesRecord(township=township, as_of=date(2026, 11, 26), version=version, items=items)


def _page(*records: TownshipDuesRecord, start_over: bool = False) -> PullPage:
    made = tuple(
        Change(
            kind=ChangeKind.TOWNSHIP_DUES, key=r.township, version=r.version, data=r.model_dump(mode="json")
        )
        for r in records
    )
    return PullPage(changes=made, next_cursor=None, has_more=False, start_over=start_over)


def test_the_list_is_applied_by_version_sealed_and_dropped_by_a_start_over(station_home: StationHome) -> None:
    db, dek = station_home.db, station_home.dek
    assert user_version(db) == SCHEMA_VERSION and dues.township_list(db, dek) is None
    first = _record(100, (due_item(1, KNOWN_NAME, KNOWN_ID), due_item(2)))
    apply_page(db, dek, _page(first, _record(100, (due_item(3),), township="511102001")))
    held = dues.township_list(db, dek)
    assert held == first  # this station's township only
    raw = b"".join(bytes(r[0]) for r in db.execute("SELECT enc FROM township_dues").fetchall())
    assert KNOWN_NAME.encode() not in raw and KNOWN_ID.encode() not in raw
    apply_page(db, dek, _page(_record(99, ())))  # an older list never replaces a newer one
    assert dues.township_list(db, dek) == first
    paid = _record(101, (due_item(2),))
    apply_page(db, dek, _page(paid))
    assert dues.township_list(db, dek) == paid
    sums = dues.totals(paid.items)
    assert (sums.persons, sums.current, sums.arrears, sums.late_fees) == (
        1,
        D("1000.00"),
        D("0.00"),
        D("0.00"),
    )
    apply_page(db, dek, _page(start_over=True))
    assert dues.township_list(db, dek) is None


def test_the_printout_masks_id_numbers_and_carries_the_totals(tmp_path: Path) -> None:
    items = tuple(due_item(n) for n in range(1, 61))  # 60 persons: more than one A4 page
    pdf = tmp_path / "dues.pdf"
    pdf.write_bytes(dues.render_pdf(_record(5, items), station="五通桥区竹根镇社保服务站"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 2
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "灵活就业人员社会保险费催缴名单" in text and "2026年11月26日" in text
    assert mask_id(items[0].id_number) in text and items[0].id_number not in text
    assert "测试人060" in text and "60 人" in text
    # 60 × 1,000 current; 30 in arrears × 2,000 and 31.50
    assert "60000.00" in text and "945.00" in text and "应缴合计：120945.00 元" in text
