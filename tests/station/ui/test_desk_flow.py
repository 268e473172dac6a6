"""The desk, end to end in a real window: log in, find a person, pick an item by pinyin
initials, fill a form with one wrong field (the message shows) and correct it, attach a
scan, finish a complex item and get a receipt PDF whose text holds the case number."""

from __future__ import annotations

import io
import subprocess

import customtkinter as ctk
from PIL import Image

from schema.identifiers import make_uscc
from station_client.ui.finish import ConfirmScreen, FinishScreen
from station_client.ui.form import FormScreen
from station_client.ui.items import ItemsScreen
from station_client.ui.person import PersonScreen
from station_client.ui.workbench import WorkbenchScreen
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, UNKNOWN_ID

EMPLOYER = make_uscc("91511102MA62ABCDE")


def _jpeg(path, size=(900, 1200)):
    image = Image.new("RGB", size, "white")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    path.write_bytes(buffer.getvalue())
    return path


def test_log_in_and_see_the_workbench(ui):
    ui.login()
    bench = ui.screen
    assert isinstance(bench, WorkbenchScreen)
    assert "柜员clerk1" in ui.app.clerk_label.cget("text")
    assert ui.app.syncbar.view.pending_text == "待上报 0 笔"


def test_a_wrong_password_says_what_to_do_and_keeps_the_login_window(ui):
    from station_client.ui.login import LoginScreen

    screen = ui.wait_screen(LoginScreen)
    ui.type_into(screen.username, "clerk1")
    ui.type_into(screen.password, "not-the-password")
    ui.enter(screen.password)
    ui.settle()
    assert "密码不正确" in ui.banner and "再错 4 次" in ui.banner
    assert isinstance(ui.screen, LoginScreen)


def test_an_id_number_is_normalised_as_typed_and_an_invalid_one_says_why(ui):
    ui.login()
    ui.app.nav.new_applicant()
    person = ui.wait_screen(PersonScreen)
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in KNOWN_ID[:10]) + " " + KNOWN_ID[10:]
    ui.type_into(person.query, wide)  # full-width digits and a space, as a Chinese IME leaves them
    assert KNOWN_ID in person.check.cget("text") and "号码有效" in person.check.cget("text")
    bad = KNOWN_ID[:-1] + ("0" if KNOWN_ID[-1] != "0" else "1")
    ui.type_into(person.query, bad)
    assert "校验位不正确" in person.check.cget("text")
    ui.enter(person.query)
    ui.settle()
    assert "校验位不正确" in ui.banner


def test_find_a_person_pick_by_pinyin_fill_attach_and_finish_a_complex_item(ui, tmp_path):
    ui.login()
    bench = ui.screen
    # The ID-card reader types the number into the focused field and presses Enter.
    ui.type_into(bench.query, KNOWN_ID)
    ui.enter(bench.query)
    person = ui.wait_screen(PersonScreen)
    ui.pump(lambda: person.found is not None, what="the registry record")
    assert person.name.get() == KNOWN_NAME
    shown = [
        w.cget("text")
        for frame in person.result.winfo_children()
        for w in frame.winfo_children()
        if isinstance(w, ctk.CTkLabel)
    ]
    assert "参保地" in shown  # a line of the registry card, its value beside it
    ui.enter()
    items = ui.wait_screen(ItemsScreen)

    ui.type_into(items.query, "lhjy")
    names = [items.table.values(i)[1] for i in items.table.rows() if ":" in i]
    assert names and all(n.startswith("灵活就业") for n in names)

    ui.type_into(items.query, "cbgx")  # 参保关系（隶属关系）变更: a complex item
    first = next(i for i in items.table.rows() if ":" in i)
    assert items.table.values(first)[0] == "C009"
    ui.enter(items.query)
    form = ui.wait_screen(FormScreen)
    assert form.item.code == "C009"

    rows = form.rows
    rows["transfer_kind"].pick("within_city")
    ui.type_into(rows["new_employer_uscc"].entry, EMPLOYER)
    ui.type_into(rows["transfer_month"].entry, "2026-13")  # the wrong field
    form._left("transfer_month")
    ui.pump()
    assert "不是有效年月" in form.field_message("transfer_month")
    ui.enter(rows["transfer_month"].entry)  # Enter: check everything
    ui.settle()
    assert isinstance(ui.screen, FormScreen)
    assert "新单位起缴年月" in ui.banner or "有 1 处需要更正" in ui.banner
    ui.type_into(rows["transfer_month"].entry, "2026-11")  # corrected
    form._left("transfer_month")
    assert form.field_message("transfer_month") == ""

    form.side.boxes["id_card"].toggle()
    scan = _jpeg(tmp_path / "录用通知.jpg")
    form.attach_files("new_employer_proof", [scan])
    ui.settle()
    assert len(form.model.scans) == 1 and form.side.thumbs["new_employer_proof"].winfo_children()
    assert "所需材料已齐全" in form.side.missing.cget("text")

    ui.enter(rows["transfer_month"].entry)
    confirm = ui.wait_screen(ConfirmScreen)
    ui.enter(confirm.confirm_button)
    finish = ui.wait_screen(FinishScreen)
    result = finish.result
    assert result.item_code == "C009" and result.status.value == "accepted"
    ui.pump(lambda: finish.files, what="the acceptance receipt")
    [receipt] = finish.files
    assert receipt in ui.opened and receipt.suffix == ".pdf"
    text = subprocess.run(["pdftotext", str(receipt), "-"], capture_output=True, text=True, check=True).stdout
    assert result.case_number in text and "受理回执" in text
    ui.pump(lambda: ui.app.syncbar.view.pending_text == "待上报 1 笔", what="the pending count")


def test_an_unknown_person_is_served_unverified(ui):
    ui.login()
    ui.type_into(ui.screen.query, UNKNOWN_ID)
    ui.enter(ui.screen.query)
    person = ui.wait_screen(PersonScreen)
    ui.pump(lambda: person.looked_up, what="the look-up")
    texts = [str(w.cget("text")) for w in person.result.winfo_children()]
    assert "【未核实】" in texts and any("离线" in t or "未核实" in t for t in texts)
    ui.enter()
    assert "请填写申请人姓名" in ui.banner
    ui.type_into(person.name, "赵大山")
    ui.enter(person.name)
    items = ui.wait_screen(ItemsScreen)
    assert "未核实" in items.who.cget("text")
