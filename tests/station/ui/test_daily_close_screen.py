"""日结 in the window, keyboard only: F8 from 首页, the count typed box by box with Tab, 应收
against 实点 as it is typed, a difference that demands a reason, Enter closes and the 日结单
is opened for printing; the screen then offers only a 补充日结 and Esc goes back."""

from __future__ import annotations

from datetime import timedelta

from station_client.store import daily_closes as close_store
from station_client.ui.daily_close import DailyCloseScreen
from station_client.ui.workbench import WorkbenchScreen
from tests.station.test_daily_close import give_stock, pay, void
from tests.station.ui.test_screens import _fits
from tests.support.stationkit import NOW, TODAY
from tests.support.uidriver import Driver

LATER = NOW + timedelta(hours=8)  # 18:00 in Leshan, the desk closing


def test_the_clerk_counts_the_drawer_by_keyboard_gives_the_reason_and_enter_closes(ui_home):
    session = ui_home.login("clerk1")
    give_stock(ui_home.db)
    numbers = pay(session, 3)  # 920.00 + 922.00 + 924.00
    void(session, numbers[1], at=NOW + timedelta(minutes=1))  # 922.00 voided: 1,844.00 expected
    ui = Driver.start(ui_home.paths.home, start_sync=False, clock=lambda: LATER)
    try:
        ui.login()
        bench = ui.screen
        assert isinstance(bench, WorkbenchScreen) and "F8 日结" in bench.hint
        ui.key(bench.query, "F8")
        screen = ui.wait_screen(DailyCloseScreen)
        assert screen.headline.cget("text") == "2026年11月26日 日结：收据 3 张（作废 1 张）"
        assert screen.table.values("1")[-1] == "作废"
        assert ui.app.focus_get() is ui.inner(screen.boxes["100"])  # the count starts at 100元
        assert screen.expected.cget("text").startswith("应收 1844.00 元")
        assert _fits(ui.app) == [], "daily close"

        # 18 × 100 + 4 × 10 + 3 × 1 + 1 × 5角 = 1,843.50: typed box by box, Tab between them
        for face, typed in (
            ("100", "18"),
            ("50", ""),
            ("20", ""),
            ("10", "4"),
            ("5", ""),
            ("1", "3"),
            ("0.5", "1"),
        ):
            box = screen.boxes[face]
            assert ui.app.focus_get() is ui.inner(box), face
            if typed:
                ui.type_into(box, typed)
            ui.key(box, "Tab")
        assert screen.amounts["100"].cget("text") == "= 1800.00"
        assert screen.counted.cget("text") == "实点 1843.50 元"
        assert screen.difference.cget("text") == "差额 -0.50 元　短款 0.50 元"

        ui.enter(screen.boxes["0.1"])  # no reason yet: refused, the keyboard goes to the reason
        ui.settle()
        assert ui.banner.startswith("实点现金与应收不符（短款 0.50 元）") and "差额原因" in ui.banner
        assert ui.app.focus_get() is ui.inner(screen.reason)
        assert close_store.of_day(ui_home.db, TODAY) == []

        ui.type_into(screen.reason, "找零时多找 5 角")
        ui.enter(screen.reason)
        ui.pump(lambda: ui.opened, what="the close sheet")
        ui.settle()
        assert ui.opened[-1].name == f"close-{session.station_id}-20261126-1.pdf"
        assert ui.banner.startswith(
            "2026年11月26日日结已完成：应收 1844.00 元，实点 1843.50 元，短款 0.50 元"
        )
        [closed] = close_store.of_day(ui_home.db, TODAY)
        assert closed.part == 1 and closed.clerk == "clerk1"
        # what is left of the day: nothing, until a later payment makes a 补充日结
        assert screen.headline.cget("text") == "2026年11月26日 补充日结（第2次）：收据 0 张（作废 0 张）"
        assert "无需再日结" in screen.note.cget("text")

        ui.escape(screen.boxes["100"])
        ui.wait_screen(WorkbenchScreen)
    finally:
        ui.close()
    ui.assert_no_errors()
