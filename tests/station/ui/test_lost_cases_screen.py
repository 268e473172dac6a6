"""A PC restored from a backup shows, on 同步问题 (F4), the cases it lost: those taken after
the backup, which the city holds and this store lacks. Each row gives the 受理编号, the
applicant and the 票据号码 the city knows, and says 「请根据纸质回执重新受理」; once the clerk
has retaken one, Enter marks it done and the window stops listing it (the CLI still does)."""

from __future__ import annotations

import datetime as dt
import uuid

from schema.lifecycle import CaseStatus
from schema.protocol import IssuedStock
from schema.receipt_numbers import StockRef
from station_client.services import backup
from station_client.store import meta
from station_client.store.codec import iso
from station_client.ui.problems import LOST_ROW, ProblemsScreen
from tests.support.stationkit import StationHome
from tests.support.uidriver import Driver

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


def test_the_lost_cases_are_listed_until_retaken(ui_home: StationHome) -> None:
    db = ui_home.db
    code = meta.get(db, meta.STATION_CODE)
    meta.put(db, backup.RESTORED_AT, iso(NOW))  # this store came back from a backup
    paid = IssuedStock(
        case_id=uuid.uuid4(), case_number=f"{code}-20261206-0007", status=CaseStatus.COMPLETED,
        stock=StockRef(series="51110026", number=12), applicant_name="李小红",
    )  # fmt: skip
    with db.atomic():
        backup.note_lost_receipt(db, ui_home.dek, paid, NOW)
        backup.note_lost(db, str(uuid.uuid4()), f"{code}-20261206-0008", "completed", NOW)  # no fee paid

    ui = Driver.start(ui_home.paths.home, start_sync=False)
    try:
        ui.login("clerk1")
        ui.key(ui.screen.query, "F4")  # 同步问题
        problems = ui.wait_screen(ProblemsScreen)
        row = LOST_ROW + str(paid.case_id)
        ui.pump(lambda: row in problems.table.rows(), what="the lost cases")
        assert len(problems.table.rows()) == 2
        assert problems.table.values(row) == [
            paid.case_number,
            "（本机无记录）票据号码 51110026-00000012",
            "李小红",
            "备份后受理",
            "市局：前台办结",
            "备份后丢失",
        ]
        assert "请根据纸质回执重新受理" in problems.summary.cget("text")
        problems.table.select(row)
        ui.settle()
        assert "李小红" in problems.reason.cget("text") and "51110026-00000012" in problems.reason.cget(
            "text"
        )
        assert problems.advice.cget("text").startswith("请根据纸质回执重新受理")
        assert problems.fix_button.cget("text") == "已重新受理，不再提示 (回车)"

        ui.enter(problems.table.view)  # retaken from the paper receipt: marked, gone from the list
        ui.pump(lambda: row not in problems.table.rows(), what="the retaken case gone")
        assert len(problems.table.rows()) == 1
        ui.settle()
    finally:
        ui.close()
    ui.assert_no_errors()
    assert [c.acknowledged_at is not None for c in backup.lost_cases(db)] == [
        True,
        False,
    ]  # the CLI lists both
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'case.lost_acknowledged'").fetchone()[0] == 1
