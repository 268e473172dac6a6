"""The keyboard on the form and in the ID field, driven with key presses in a real window.

* Enter on a focused 是/否 choice (or a materials check box) confirms the form, as the
  header says, and never changes the choice: the fee stays what the applicant was told.
* Space toggles the choice or check box that has the focus.
* After a refused ID number the field's content is selected, so the next swipe of the
  card (or typing) replaces it instead of making a 36-digit string.
"""

from __future__ import annotations

import tkinter as tk

from station_client.ui.finish import ConfirmScreen
from station_client.ui.form import FormScreen
from station_client.ui.items import ItemsScreen
from station_client.ui.person import PersonScreen
from tests.support.dates import month_of_this_year
from tests.support.stationkit import KNOWN_ID


def _press_keys(ui, widget, text: str) -> None:
    """Type ``text`` key by key into the focused entry, as an ID-card reader does."""
    target = ui.inner(widget)
    target.focus_force()
    ui.app.update()
    for char in text:
        target.event_generate("<KeyPress>", keysym=char)
        target.event_generate("<KeyRelease>", keysym=char)
    ui.app.update()


def _key_on(ui, widget, keysym: str) -> None:
    """Press a key on a canvas-drawn button or check box focused as Tab leaves it: its own frame
    (customtkinter's focus methods would hand the focus to the text label inside)."""
    tk.Misc.focus_force(widget)
    ui.app.update()
    assert ui.app.focus_get() is widget
    widget.event_generate(f"<{keysym}>")
    ui.app.update()


def _g14_form(ui) -> FormScreen:
    ui.login()
    ui.type_into(ui.screen.query, KNOWN_ID)
    ui.enter(ui.screen.query)
    person = ui.wait_screen(PersonScreen)
    ui.pump(lambda: person.found is not None, what="the registry record")
    ui.enter()
    items = ui.wait_screen(ItemsScreen)
    ui.type_into(items.query, "G14")
    ui.enter(items.query)
    form = ui.wait_screen(FormScreen)
    assert form.item.code == "G14"
    ui.type_into(form.rows["base"].entry, "5000")
    # the window reads the real clock: G14 takes only months of this year
    ui.type_into(form.rows["period_start"].entry, month_of_this_year(1))
    ui.type_into(form.rows["period_end"].entry, month_of_this_year(12))
    return form


def _fee(form: FormScreen) -> str:
    form.refresh()
    return str(form.side.fee_total.cget("text")).replace(",", "")


def test_space_picks_yes_and_enter_on_it_confirms_the_form_without_changing_it(ui):
    form = _g14_form(ui)
    medical = form.rows["include_medical"]
    yes, _no = medical.buttons
    assert medical.value() is False  # the catalog's default: 否
    _key_on(ui, yes, "space")
    assert medical.value() is True
    assert "19340.16" in _fee(form)

    box = form.side.boxes["id_card"]  # the materials check box toggles with Space too
    _key_on(ui, box, "space")
    assert form.side.vars["id_card"].get() is True and "id_card" in form.model.provided
    _key_on(ui, box, "space")
    assert form.side.vars["id_card"].get() is False and "id_card" not in form.model.provided
    _key_on(ui, box, "space")
    assert form.side.vars["id_card"].get() is True

    _key_on(ui, yes, "Return")  # the clerk presses Enter on the focused 是: confirm, as the header says
    confirm = ui.wait_screen(ConfirmScreen)
    assert medical.value() is True and form.model.raw["include_medical"] is True
    assert confirm.checked.form["include_medical"] is True
    assert "19340.16" in str(confirm.amount.cget("text")).replace(",", "")
    assert form.side.vars["id_card"].get() is True


def test_enter_on_a_check_box_confirms_and_space_on_a_choice_toggles_it_off(ui):
    form = _g14_form(ui)
    medical = form.rows["include_medical"]
    yes, no = medical.buttons
    _key_on(ui, yes, "space")
    _key_on(ui, yes, "space")  # Space again on the chosen one: none chosen
    assert medical.value() is None
    _key_on(ui, no, "space")
    assert medical.value() is False
    assert "12000.00" in _fee(form)
    box = form.side.boxes["id_card"]
    _key_on(ui, box, "space")
    _key_on(ui, box, "Return")  # Enter on the check box: the form is confirmed, the box stays ticked
    confirm = ui.wait_screen(ConfirmScreen)
    assert form.side.vars["id_card"].get() is True
    assert confirm.checked.form["include_medical"] is False
    assert "12000.00" in str(confirm.amount.cget("text")).replace(",", "")


def test_enter_on_a_choice_of_an_incomplete_form_shows_the_problems_and_keeps_the_choice(ui):
    form = _g14_form(ui)
    medical = form.rows["include_medical"]
    yes, _no = medical.buttons
    _key_on(ui, yes, "space")
    _key_on(ui, yes, "Return")  # the material is not ticked: the form says what is missing
    ui.settle()
    assert isinstance(ui.screen, FormScreen)
    assert "居民身份证" in ui.banner
    assert medical.value() is True and "19340.16" in _fee(form)


def test_a_refused_id_number_is_selected_so_the_next_swipe_replaces_it(ui):
    ui.login()
    ui.app.nav.new_applicant()
    person = ui.wait_screen(PersonScreen)
    bad = KNOWN_ID[:-1] + ("0" if KNOWN_ID[-1] != "0" else "1")
    _press_keys(ui, person.query, bad)
    assert person.query.get() == bad
    ui.enter(person.query)
    ui.settle()
    assert "校验位不正确" in ui.banner
    entry = ui.inner(person.query)
    assert entry.selection_present() and entry.selection_get() == bad
    assert ui.app.focus_get() is entry

    _press_keys(ui, person.query, KNOWN_ID)  # the card swiped again
    assert person.query.get() == KNOWN_ID
    ui.enter(person.query)
    ui.pump(lambda: person.found is not None, what="the registry record")


def test_a_refused_id_number_from_the_workbench_is_selected_on_the_person_screen(ui):
    ui.login()
    bad = KNOWN_ID[:-1] + ("0" if KNOWN_ID[-1] != "0" else "1")
    _press_keys(ui, ui.screen.query, bad)
    ui.enter(ui.screen.query)
    person = ui.wait_screen(PersonScreen)
    assert "校验位不正确" in ui.banner
    _press_keys(ui, person.query, "123")  # typing replaces the refused number
    assert person.query.get() == "123"
