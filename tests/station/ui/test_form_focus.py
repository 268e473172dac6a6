"""A form whose first control is a choice (C009 变更类别) or a check box (G08 变更项目),
worked from the keyboard only: the form opens with the keyboard on that control, Space
acts on it, the arrow keys move between its options, Tab goes on to the next field.

Keys are sent to whatever has the keyboard focus, as a real keyboard does.
"""

from __future__ import annotations

from schema.vocabulary import ApplicantKind
from station_client.ui.form import FormScreen
from station_client.ui.items import ItemsScreen
from station_client.ui.viewmodels.desk import Applicant
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME


def _open_form(ui, code: str) -> FormScreen:
    ui.login()
    ui.app.desk.applicant = Applicant(ApplicantKind.PERSON, KNOWN_NAME, id_number=KNOWN_ID, verified=True)
    ui.app.nav.open_items()
    ui.wait_screen(ItemsScreen).pick(code)
    return ui.wait_screen(FormScreen)


def _press(ui, keysym: str) -> None:
    widget = ui.app.focus_get()
    assert widget is not None, "nothing has the keyboard"
    widget.event_generate(f"<KeyPress-{keysym}>")
    ui.app.update()


def _tab(ui) -> None:
    _press(ui, "Tab")


def test_a_choice_first_in_the_form_takes_space_and_the_arrow_keys(ui):
    form = _open_form(ui, "C009")
    kind = form.rows["transfer_kind"]
    within, across = kind.buttons
    assert ui.app.focus_get() is within  # the button itself, where its keys are bound
    _press(ui, "space")
    assert kind.value() == "within_city" and form.model.raw["transfer_kind"] == "within_city"
    _press(ui, "Right")  # the option beside it, chosen as in a radio group
    assert ui.app.focus_get() is across and kind.value() == "within_province"
    _press(ui, "Right")  # the last option: stays
    assert ui.app.focus_get() is across and kind.value() == "within_province"
    _press(ui, "Left")
    assert ui.app.focus_get() is within and kind.value() == "within_city"
    _press(ui, "space")  # Space on the chosen one: none chosen
    assert kind.value() is None
    _tab(ui)
    _tab(ui)  # past the second option: the next field
    assert ui.app.focus_get() is ui.inner(form.rows["old_employer_uscc"].entry)


def test_check_boxes_first_in_the_form_tick_with_space_and_move_with_the_arrow_keys(ui):
    form = _open_form(ui, "G08")
    items = form.rows["change_items"]
    boxes = items.box.winfo_children()  # 联系电话, 居住地址, … in reading order
    phone, address, *_rest = boxes
    assert ui.app.focus_get() is phone
    _press(ui, "space")
    assert items.value() == ["phone"]
    _press(ui, "Right")  # moves without ticking
    assert ui.app.focus_get() is address and items.value() == ["phone"]
    _press(ui, "space")
    assert items.value() == ["phone", "address"]
    _press(ui, "Left")
    _press(ui, "space")  # unticks 联系电话
    assert items.value() == ["address"] and form.model.raw["change_items"] == ["address"]
    for _ in boxes:  # Tab goes through the boxes in reading order, then on to the next field
        _tab(ui)
    assert ui.app.focus_get() is ui.inner(form.rows["new_phone"].entry)


def test_focus_set_on_a_button_puts_the_keyboard_on_the_button_itself(ui):
    """Every screen that starts on a button (核对并确认, 办理完成) gets its keys, not its label's."""
    ui.login()
    from station_client.ui.widgets import button

    pressed = []
    b = button(ui.screen.content, "试一下", lambda: pressed.append(1))
    b.grid(row=9, column=0)
    b.focus_set()
    ui.app.update()
    assert ui.app.focus_get() is b
    _press(ui, "space")
    assert pressed == [1]
    b.destroy()
