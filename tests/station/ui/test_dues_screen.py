"""催缴名单 in the window: opened from 首页 by F6, the township's list with its totals and the
time the city built it, printed by Enter into exports/ (ID numbers masked), and what to do
when no list has come down yet."""

from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal

from schema.protocol import Change, ChangeKind
from schema.records import DueRecord, TownshipDuesRecord, dues_version
from station_client.services import dues
from station_client.services.receipt_pdf import mask_id
from station_client.ui import events
from station_client.ui.dues import DuesScreen
from station_client.ui.viewmodels.dues import NO_LIST
from station_client.ui.workbench import WorkbenchScreen
from tests.station.ui.test_screens import _fits
from tests.support.dues import due_item
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, TOWNSHIP

D = Decimal


def _pull(home, items: tuple[DueRecord, ...]) -> TownshipDuesRecord:
    """The list as a pull applies it (built by the city at NOW, 10:00 in Leshan)."""
    record = TownshipDuesRecord(
        township=TOWNSHIP, as_of=date(2026, 11, 26), version=dues_version(NOW), items=items
    )
    change = Change(
        kind=ChangeKind.TOWNSHIP_DUES,
        key=TOWNSHIP,
        version=record.version,
        data=record.model_dump(mode="json"),
    )
    with home.db.atomic():
        assert dues.apply_change(home.db, home.dek, change)
    return record


def _open_by_keyboard(ui) -> DuesScreen:
    bench = ui.screen
    assert isinstance(bench, WorkbenchScreen) and "F6 催缴名单" in bench.hint
    ui.key(bench.query, "F6")
    screen = ui.wait_screen(DuesScreen)
    ui.pump(lambda: screen.loaded, what="the list")
    return screen


def test_the_list_is_shown_with_its_totals_and_printed_by_enter(ui, ui_home):
    items = (due_item(1, KNOWN_NAME, KNOWN_ID), *(due_item(n) for n in range(2, 41)))  # 40: the list scrolls
    record = _pull(ui_home, items)
    ui.login()
    assert _fits(ui.app) == [], "workbench"
    screen = _open_by_keyboard(ui)
    assert [type(s).__name__ for s in ui.app.nav.stack] == ["WorkbenchScreen", "DuesScreen"]
    rows = screen.table.rows()
    assert [list(screen.table.view.item(r, "values")) for r in rows] == [dues.row_texts(x) for x in items]
    first = screen.table.view.item(rows[0], "values")
    assert first[0] == KNOWN_NAME and first[1] == mask_id(KNOWN_ID) != KNOWN_ID
    assert "alert" in screen.table.view.item(rows[0], "tags")  # in arrears
    assert "alert" not in screen.table.view.item(rows[1], "tags")  # only this month due
    # 40 × 1,000 this month; 20 in arrears × 2,000 and 31.50
    summary = screen.summary.cget("text")
    assert "共 40 人" in summary and "欠费 40000.00 元" in summary and "滞纳金 630.00 元" in summary
    assert "应缴合计 80630.00 元" in summary
    version = screen.version.cget("text")
    assert f"名单版本 {record.version}" in version and "2026年11月26日 10:00（北京时间）" in version
    assert _fits(ui.app) == [], "dues"

    ui.enter(screen.table.view)  # the first row is selected: Enter prints
    # a guard against a hang, not a speed check: a loaded CI box renders the 40-row list slowly
    ui.pump(lambda: ui.opened, timeout=120, what="the printout")
    ui.settle(timeout=120)
    (pdf,) = ui.opened
    assert pdf.parent == ui_home.paths.exports and pdf.is_file() and screen.printed == pdf
    assert "催缴名单" in ui.banner
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert mask_id(KNOWN_ID) in text and KNOWN_ID not in text
    assert "40 人" in text and "应缴合计：80630.00 元" in text

    ui.escape(screen.table.view)
    assert isinstance(ui.wait_screen(WorkbenchScreen), WorkbenchScreen)


def test_before_any_list_came_down_the_screen_says_to_sync(ui, ui_home):
    ui.login()
    screen = _open_by_keyboard(ui)
    assert screen.summary.cget("text") == NO_LIST and "联网同步" in NO_LIST
    assert screen.table.rows() == [] and screen.print_button.cget("state") == "disabled"
    ui.enter(screen.summary)  # Enter on the screen: nothing to print, and it says why
    ui.settle()
    assert ui.banner == NO_LIST and ui.opened == [] and not list(ui_home.paths.exports.glob("dues-*.pdf"))

    _pull(ui_home, ())  # the township's list became empty at the city
    ui.app.bus.broadcast(events.CASES_CHANGED)  # as after a pull
    ui.pump(lambda: "无需催缴" in screen.summary.cget("text"), what="the empty list")
    assert screen.print_button.cget("state") == "disabled" and "市局生成于" in screen.version.cget("text")
