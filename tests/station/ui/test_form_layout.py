"""The form's right side at 1366×768, as a part-time clerk uses it with the keyboard.

* The materials checklist is a list, not a stack of empty thumbnail frames: rows follow
  each other; a scan's thumbnails open room under their material, removing it closes it.
* The fee stays where the clerk reads it from while materials are ticked and the amount
  changes: only the checklist scrolls.
* The one-time notice (what is missing, 打印一次性告知单) is seen whole at 1366×768 and goes
  away once the materials are complete; so does the form's banner about them.
* A paid item with three materials and a scan shows every material whole at 1366×768; the
  checklist's heading never scrolls (under the fee or anywhere), and Tab onto a material
  scrolls the list just enough to show that material.
* A base below the 缴费基数 floor is said at the base field too, with what to do.
* Wrapped text breaks the Chinese way: "PDF" stays whole, no line starts with "。".
"""

from __future__ import annotations

import io
import itertools
import tkinter as tk

import customtkinter as ctk
from PIL import Image

from schema.catalog.models import Material
from schema.vocabulary import ApplicantKind
from station_client.ui.form import FormScreen
from station_client.ui.items import ItemsScreen
from station_client.ui.viewmodels.desk import Applicant
from station_client.ui.viewmodels.linebreak import NO_START
from tests.support.dates import month_of_this_year
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME


def _open_form(ui, code: str) -> FormScreen:
    ui.login()
    ui.app.desk.applicant = Applicant(ApplicantKind.PERSON, KNOWN_NAME, id_number=KNOWN_ID, verified=True)
    ui.app.nav.open_items()
    ui.wait_screen(ItemsScreen).pick(code)
    return ui.wait_screen(FormScreen)


def _rect(w: tk.Misc) -> tuple[int, int, int, int]:
    x, y = w.winfo_rootx(), w.winfo_rooty()
    return x, y, x + w.winfo_width(), y + w.winfo_height()


def _seen_whole(w: tk.Misc) -> bool:
    """Drawn, and not cut by any area around it (a scrolled canvas, the pane, the window)."""
    if not w.winfo_viewable():
        return False
    left, top, right, bottom = _rect(w)
    parent = w.master
    while parent is not None:
        p_left, p_top, p_right, p_bottom = _rect(parent)
        if left < p_left or top < p_top or right > p_right or bottom > p_bottom:
            return False
        parent = parent.master
    return True


def _descendants(w: tk.Misc) -> list[tk.Misc]:
    return [d for child in w.winfo_children() for d in (child, *_descendants(child))]


def _space_on(ui, widget) -> None:
    """Tab to a check box (its own frame takes the keyboard) and press Space."""
    tk.Misc.focus_force(widget)
    ui.app.update()
    widget.event_generate("<KeyPress-space>")
    ui.app.update()


def _jpeg(path, color: str = "white"):
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), color).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_materials_follow_each_other_and_a_scan_opens_room_only_under_its_material(ui, tmp_path):
    form = _open_form(ui, "C009")
    side = form.side
    codes = [m.code for m in form.item.materials]

    def gaps() -> list[int]:
        ui.app.update_idletasks()
        tops = [side.boxes[c].winfo_rooty() for c in codes]
        return [b - a for a, b in itertools.pairwise(tops)]

    assert all(gap < 90 for gap in gaps()), gaps()  # a box and its note; an empty strip was 200 px high
    form.attach_files("id_card", [_jpeg(tmp_path / "身份证.jpg")])
    ui.settle()
    first, *rest = gaps()
    assert first > 90 and all(gap < 90 for gap in rest)  # the thumbnail is under 居民身份证 only
    form.remove_scan(form.model.scans[0].key)
    ui.app.update()
    assert all(gap < 90 for gap in gaps()), gaps()


def test_the_fee_stays_in_view_and_in_place_while_materials_are_ticked_and_the_amount_changes(ui):
    form = _open_form(ui, "G12")  # a fee and two materials: the list was longer than the pane
    rows = form.rows
    rows["employment_type"].set_value("individual_business")
    ui.type_into(rows["base"].entry, "5000")
    ui.type_into(rows["period_start"].entry, month_of_this_year(1))
    ui.type_into(rows["period_end"].entry, month_of_this_year(3))
    form.refresh()
    ui.app.update_idletasks()
    fee = form.side.fee
    top = fee.winfo_rooty()
    assert _seen_whole(fee) and "元" in form.side.fee_total.cget("text")

    for code in ("id_card", "business_licence", "id_card"):
        _space_on(ui, form.side.boxes[code])  # the keyboard goes down the list and ticks
        ui.app.update_idletasks()
        assert fee.winfo_rooty() == top and _seen_whole(fee), code
    assert form.side.vars["business_licence"].get() is True

    before = form.side.fee_total.cget("text")
    ui.type_into(rows["base"].entry, "8000")
    form.rows["include_medical"].pick(True)
    form.refresh()
    ui.app.update_idletasks()
    assert form.side.fee_total.cget("text") != before
    assert fee.winfo_rooty() == top and _seen_whole(fee)


def test_the_one_time_notice_is_seen_whole_and_goes_away_once_the_materials_are_complete(ui):
    form = _open_form(ui, "C009")
    form.rows["by_agent"].pick(True)  # four materials: the longest list of this item
    form.on_enter()  # check: the banner says what is missing
    ui.settle()
    side = form.side
    assert "还缺 4 项材料" in ui.banner and "还缺 4 项材料" in side.missing.cget("text")
    assert _seen_whole(side.notice_button) and _seen_whole(side.missing)

    for code in ("id_card", "new_employer_proof", "agent_id_card"):
        _space_on(ui, side.boxes[code])
    ui.app.update_idletasks()
    assert "还缺 1 项材料" in ui.banner  # the banner says what is left
    assert "还缺 1 项材料" in side.missing.cget("text") and _seen_whole(side.notice_button)

    _space_on(ui, side.boxes["power_of_attorney"])
    ui.app.update_idletasks()
    assert "所需材料已齐全" in side.missing.cget("text")
    assert not side.notice_button.winfo_ismapped()
    assert "材料" not in ui.banner  # the banner about the materials is gone too


def test_a_base_below_the_floor_is_said_at_the_base_field_with_what_to_do(ui):
    form = _open_form(ui, "G14")
    ui.type_into(form.rows["period_start"].entry, month_of_this_year(1))
    ui.type_into(form.rows["period_end"].entry, month_of_this_year(3))
    ui.type_into(form.rows["base"].entry, "1000")
    form._left("base")  # the clerk leaves the field
    message = form.field_message("base")
    assert "1,000.00 元低于" in message and "下限" in message and "请在" in message and "之间选择" in message
    assert form.rows["base"].msg.winfo_ismapped()
    assert form.side.fee_total.cget("text") == "待计算"  # and the fee panel says it too
    ui.type_into(form.rows["base"].entry, "5000")
    form._left("base")
    assert form.field_message("base") == ""


def test_wrapped_text_keeps_latin_words_whole_and_starts_no_line_with_punctuation(ui):
    form = _open_form(ui, "G14")
    ui.type_into(form.rows["period_start"].entry, month_of_this_year(1))
    ui.type_into(form.rows["period_end"].entry, month_of_this_year(3))
    ui.type_into(form.rows["base"].entry, "1000")
    form._left("base")
    ui.app.update_idletasks()
    reason = form.side.fee_summary  # why the fee is 待计算, in the narrow fee box
    for widget in (reason, form.rows["base"].msg, form.rows["base"].help):
        inner = widget._label  # the tk label: the lines as drawn
        font, width = inner.cget("font"), widget.cget("wraplength")
        lines = str(inner.cget("text")).split("\n")
        assert len(lines) > 1, lines  # long enough to wrap at this width
        for line in lines:
            assert int(inner.tk.call("font", "measure", font, line)) <= width, line
            assert line[0] not in NO_START, lines
        assert "".join(lines).replace(" ", "") == str(widget.cget("text")).replace(" ", "")
    reason_lines = str(reason._label.cget("text")).split("\n")
    assert any("1,000.00" in line for line in reason_lines)  # an amount is one word, never split


def _with_third_material(ui, monkeypatch, code: str) -> None:
    """The item as it looks with one more material (an agent's ID card): no paid item of
    today's catalog asks for three, but the panel must hold a paid item that does."""
    catalog = ui.app.reference.catalog
    item = catalog.item(code)
    extra = Material(code="agent_id_card", name="代办人居民身份证（原件）")
    monkeypatch.setitem(
        catalog._by_code, code, item.model_copy(update={"materials": (*item.materials, extra)})
    )


def _tab_to(ui, widget, limit: int = 40) -> None:
    """Press Tab from the focused widget until ``widget`` has the keyboard."""
    for _ in range(limit):
        if ui.app.focus_get() is widget:
            return
        ui.app.focus_get().event_generate("<Tab>")
        ui.app.update()
    raise AssertionError(f"Tab never reached {widget}")


def _material(side, code: str) -> list[tk.Misc]:
    """What the clerk reads and uses of one material: box, scan button, note, thumbnails."""
    parts = [side.boxes[code], side.attach_buttons[code], side.notes[code]]
    return parts + ([side.thumbs[code]] if side.thumbs[code].winfo_ismapped() else [])


def _heading(side) -> tk.Misc:
    return next(
        w
        for w in _descendants(side)
        if isinstance(w, ctk.CTkLabel) and w.cget("text") == "材料清单（一次性告知）"
    )


def test_a_paid_item_with_three_materials_and_a_scan_shows_every_row_whole_under_its_heading(
    ui, tmp_path, monkeypatch
):
    ui.login()
    _with_third_material(ui, monkeypatch, "C012")
    ui.app.desk.applicant = Applicant(ApplicantKind.PERSON, KNOWN_NAME, id_number=KNOWN_ID, verified=True)
    ui.app.nav.open_items()
    ui.wait_screen(ItemsScreen).pick("C012")
    form = ui.wait_screen(FormScreen)
    side = form.side
    form.rows["grade"].set_value("300")
    ui.type_into(form.rows["year"].entry, month_of_this_year(1)[:4])
    form.rows["reason"].set_value("interrupted")
    for name in ("grade", "year", "reason"):
        form._left(name)  # the clerk leaves each field
    form.attach_files("id_card", [_jpeg(tmp_path / "身份证.jpg")])
    ui.settle()
    codes = [m.code for m in form.item.materials]
    assert len(codes) == 3 and side.fee_total.cget("text") == "应缴 300.00 元"
    assert side.thumbs["id_card"].winfo_ismapped()

    for code in codes:  # as the form opens: every material whole, its scan too, nothing scrolled
        for part in _material(side, code):
            assert _seen_whole(part), (code, part)
    assert _seen_whole(side.fee) and _seen_whole(side.missing) and _seen_whole(side.notice_button)

    form.focus_first()
    ui.app.update()
    for code in codes:  # the keyboard goes down the list: heading, row and fee stay in view
        _tab_to(ui, side.boxes[code])
        ui.app.update_idletasks()
        assert _seen_whole(_heading(side)) and all(_seen_whole(p) for p in _material(side, code)), code
        assert _seen_whole(side.fee), code


def test_focusing_a_material_scrolls_the_list_just_enough_to_show_that_material(ui, tmp_path):
    form = _open_form(ui, "C009")
    form.rows["by_agent"].pick(True)  # four materials, and a scan under each: longer than the list
    side = form.side
    codes = [m.code for m in form.item.materials]
    for n, code in enumerate(codes):
        form.attach_files(code, [_jpeg(tmp_path / f"{n}.jpg", ("white", "gray", "tan", "navy")[n])])
    ui.settle()
    canvas = side.list.canvas
    assert side.list.inner.winfo_height() > canvas.winfo_height()  # it has to scroll
    list_bottom = canvas.winfo_rooty() + canvas.winfo_height()

    form.focus_first()
    ui.app.update()
    for code in codes:
        _tab_to(ui, side.boxes[code])
        ui.app.update_idletasks()
        parts = _material(side, code)
        assert all(_seen_whole(p) for p in parts) and _seen_whole(_heading(side)), code
        if canvas.yview()[0] > 0:  # scrolled, then no further than this material's last line
            assert max(p.winfo_rooty() + p.winfo_height() for p in parts) >= list_bottom - 4, code

    _tab_to(ui, side.boxes[codes[0]], limit=80)  # Tab goes on round the window and back up
    ui.app.update_idletasks()
    assert all(_seen_whole(p) for p in _material(side, codes[0])) and canvas.yview()[0] == 0
