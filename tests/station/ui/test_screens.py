"""The other screens in a real window: fee before confirming, the one-time notice, scans
refused with the reason, cases with filters and history, 补正, 交付, fixing a set-aside
operation, the idle lock, switching clerk, the recovery key, keys, and fitting 1366×768."""

from __future__ import annotations

import json
import subprocess
import tkinter as tk
from datetime import UTC, datetime, timedelta
from uuid import UUID

from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.records import DecisionRecord
from schema.vocabulary import Section
from station_client.core.intake_rules import ApplicantInput
from station_client.services import decisions
from station_client.services.intake import IntakeRequest, intake
from station_client.ui.cases import CaseDetailScreen, CasesScreen
from station_client.ui.finish import ConfirmScreen, FinishScreen
from station_client.ui.form import FormScreen
from station_client.ui.items import ItemsScreen
from station_client.ui.login import LockScreen, LoginScreen
from station_client.ui.person import PersonScreen
from station_client.ui.problems import ProblemsScreen
from station_client.ui.viewmodels.desk import Applicant
from station_client.ui.workbench import WorkbenchScreen
from tests.support.dates import month_of_this_year
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, PASSWORDS, YOUNG_ID, YOUNG_NAME
from tests.support.uidriver import Driver

TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    "transfer_month": "2026-11",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _accept(home, **form):
    session = home.login("clerk1", now=_now())
    return intake(
        session,
        IntakeRequest(
            "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER | form, ["id_card", "new_employer_proof"]
        ),
        now=_now(),
    )


def _decide(home, result, status, reason="", version=1):
    record = DecisionRecord(
        case_id=result.case_id,
        case_number=result.case_number,
        status=status,
        reason=reason,
        decided_at=_now(),
        decided_by="reviewer1",
        section=Section.PENSION,
        version=version,
    )
    with home.db.atomic():
        decisions.apply_decision(home.db, home.dek, record)


def _open_form(ui, code, applicant=(YOUNG_NAME, YOUNG_ID)):
    from schema.vocabulary import ApplicantKind

    ui.app.desk.applicant = Applicant(
        ApplicantKind.PERSON, applicant[0], id_number=applicant[1], verified=True
    )
    ui.app.nav.open_items()
    ui.wait_screen(ItemsScreen).pick(code)
    return ui.wait_screen(FormScreen)


def _fits(app) -> list[str]:
    """Widgets drawn outside the window (the layout does not fit)."""
    app.update_idletasks()
    right, bottom = app.winfo_rootx() + app.winfo_width(), app.winfo_rooty() + app.winfo_height()
    out = []

    def walk(w: tk.Misc) -> None:
        for child in w.winfo_children():
            if not child.winfo_ismapped() or (
                isinstance(child, tk.Canvas) and child.master.__class__.__name__ == "ScrollFrame"
            ):
                continue
            x, y = child.winfo_rootx() + child.winfo_width(), child.winfo_rooty() + child.winfo_height()
            if x > right + 1 or y > bottom + 1:
                out.append(f"{child} ends at {x}x{y}")
            if child.__class__.__name__ != "ScrollFrame":
                walk(child)

    walk(app)
    return out


def test_a_fee_item_shows_the_amount_and_its_decomposition_before_confirming(ui):
    ui.login()
    form = _open_form(ui, "G14")
    ui.type_into(form.rows["base"].entry, "5000")
    ui.type_into(form.rows["period_start"].entry, month_of_this_year(1))  # the real clock's year
    ui.type_into(form.rows["period_end"].entry, month_of_this_year(3))
    form.rows["include_medical"].pick(True)
    form.refresh()
    assert form.side.fee_total.cget("text") == "应缴 4835.04 元"
    form.side.boxes["id_card"].toggle()
    ui.enter(form.rows["period_end"].entry)
    confirm = ui.wait_screen(ConfirmScreen)
    assert confirm.amount.cget("text") == "应缴 4835.04 元"
    texts = [
        str(w.cget("text"))
        for w in confirm.content.winfo_children()[-2].winfo_children()
        if hasattr(w, "cget")
    ]
    assert (
        "企业职工基本养老保险" in texts
        and "职工基本医疗保险" in texts
        and any("肆仟捌佰叁拾伍元零肆分" in t for t in texts)
    )
    ui.enter(confirm.confirm_button)
    finish = ui.wait_screen(FinishScreen)
    ui.pump(lambda: len(finish.files) == 2, what="the slip and the payment receipt")
    text = subprocess.run(
        ["pdftotext", str(finish.files[1]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert finish.result.receipt_number in text and "4835.04" in text


def test_missing_materials_are_listed_and_the_one_time_notice_prints(ui):
    ui.login()
    form = _open_form(ui, "C009", (KNOWN_NAME, KNOWN_ID))
    form.rows["by_agent"].pick(True)
    form.refresh()
    missing = form.side.missing.cget("text")
    assert "还缺 4 项材料" in missing and "授权委托书" in missing
    form.print_notice()
    ui.pump(lambda: ui.opened, what="the notice PDF")
    text = subprocess.run(
        ["pdftotext", str(ui.opened[-1]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "一次性告知单" in text and "代办人居民身份证" in text and "授权委托书" in text


def test_a_scan_of_the_wrong_type_or_too_large_is_refused_with_what_to_do(ui, tmp_path):
    ui.login()
    form = _open_form(ui, "C009", (KNOWN_NAME, KNOWN_ID))
    text = tmp_path / "申请书.docx"
    text.write_bytes(b"PK\x03\x04 not a scan")
    form.attach_files("id_card", [text])
    ui.settle()
    assert "不是 JPG、PNG 图片或 PDF 文件" in ui.banner and not form.model.scans
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024))
    form.attach_files("id_card", [big])
    ui.settle()
    assert "超过 10 MB" in ui.banner and "降低扫描分辨率" in ui.banner and not form.model.scans
    pdf = tmp_path / "ok.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    form.attach_files("id_card", [pdf])
    ui.settle()
    assert len(form.model.scans) == 1 and form.model.scans[0].media_type == "application/pdf"
    form.remove_scan(form.model.scans[0].key)
    assert not form.model.scans


def test_cases_filter_search_and_show_their_history(ui, ui_home):
    accepted = _accept(ui_home)
    ui.login()
    ui.app.nav.open_cases("waiting_sync")
    cases = ui.wait_screen(CasesScreen)
    assert cases.table.rows() == [str(accepted.case_id)]
    assert "待同步" in cases.table.values(str(accepted.case_id))[-1]
    cases.set_filter(next(f for f in cases.filter_buttons if f.value == "returned"))
    ui.settle()
    assert cases.table.rows() == [] and "没有退回补正的业务" in cases.count.cget("text")
    cases.set_filter(next(f for f in cases.filter_buttons if f.value == "all"))
    ui.type_into(cases.query, accepted.case_number[-4:])
    ui.enter(cases.query)
    ui.settle()
    assert cases.table.rows() == [str(accepted.case_id)]
    cases.table.select(str(accepted.case_id))
    ui.key(cases.table.view, "Return")
    detail = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: detail.detail is not None)
    assert detail.detail.history[0].text.startswith("受理")
    assert accepted.case_number in detail.head.cget("text")
    ui.escape()
    assert isinstance(ui.screen, CasesScreen)


def test_a_returned_case_is_supplemented(ui, ui_home, tmp_path):
    accepted = _accept(ui_home)
    _decide(ui_home, accepted, CaseStatus.RETURNED, "请补交新单位的录用通知原件。")
    ui.login()
    ui.app.nav.open_cases("returned")
    cases = ui.wait_screen(CasesScreen)
    cases.open_case(str(accepted.case_id))
    detail = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: detail.detail is not None)
    assert detail.detail.can_supplement and "请补交新单位的录用通知原件" in json.dumps(
        detail.detail.decision, ensure_ascii=False
    )
    detail.supplement()
    form = ui.wait_screen(FormScreen)
    assert form.rows["transfer_kind"].value() == "within_city"  # the case's values are filled in
    pdf = tmp_path / "录用通知.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    form.attach_files("new_employer_proof", [pdf])
    ui.settle()
    form.note_box.insert("1.0", "补交录用通知原件扫描件")
    ui.enter(form.rows["transfer_month"].entry)
    back = ui.wait_screen(CaseDetailScreen)
    assert "补正已保存" in ui.banner
    ui.pump(
        lambda: back.detail is not None and back.detail.summary.status == "supplemented",
        what="the supplemented case",
    )


def test_a_decision_is_marked_as_handed_to_the_applicant(ui, ui_home):
    accepted = _accept(ui_home)
    _decide(ui_home, accepted, CaseStatus.APPROVED)
    ui.login()
    bench = ui.screen
    ui.pump(lambda: bench.tiles["to_hand_over"].value == 1, what="the hand-over tile")
    bench._open_tile("to_hand_over")
    cases = ui.wait_screen(CasesScreen)
    cases.open_case(str(accepted.case_id))
    detail = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: detail.detail is not None)
    assert detail.detail.can_hand_over
    detail.show_handover()
    ui.type_into(detail.recipient, "王建国")
    ui.enter(detail.recipient)
    ui.settle()
    assert "已交付 王建国" in ui.banner
    ui.pump(lambda: detail.detail is not None and detail.detail.summary.handed_over)


def test_a_set_aside_operation_is_explained_corrected_and_resent(ui, ui_home):
    accepted = _accept(ui_home)
    db = ui_home.db
    local_id = db.execute(
        "SELECT local_id FROM outbox WHERE case_id = ?", [str(accepted.case_id)]
    ).fetchone()[0]
    result = {
        "detail": {"problems": [{"field": "transfer_month", "message": "新单位起缴年月早于劳动合同起始月"}]}
    }
    db.execute(
        "UPDATE outbox SET state = 'set_aside', seq = 1, last_error_code = 'op_validation_failed', "
        "last_error_message = '该业务未通过服务器校验：新单位起缴年月早于劳动合同起始月', result = ? WHERE local_id = ?",
        [json.dumps(result, ensure_ascii=False), local_id],
    )
    db.execute("UPDATE cases SET set_aside = 1 WHERE case_id = ?", [str(accepted.case_id)])
    ui.login()
    assert ui.screen.tiles["set_aside"].value == 1
    ui.app.nav.open_problems()
    problems = ui.wait_screen(ProblemsScreen)
    assert problems.table.rows() == [str(local_id)]
    assert "新单位起缴年月早于劳动合同起始月" in problems.reason.cget("text")
    assert "修正并重新上报" in problems.advice.cget("text")
    ui.enter(problems.table.view)
    form = ui.wait_screen(FormScreen)
    assert "服务器退回" in form.field_message("transfer_month")
    ui.type_into(form.rows["transfer_month"].entry, "2026-12")
    ui.enter(form.rows["transfer_month"].entry)
    back = ui.wait_screen(ProblemsScreen)
    assert "已更正并重新排队上报" in ui.banner
    ui.pump(lambda: back.table.rows() == [], what="an empty problem list")
    state, op_id = db.execute("SELECT state, op_id FROM outbox WHERE local_id = ?", [local_id]).fetchone()
    assert state == "pending" and UUID(op_id)


def test_the_desk_locks_when_idle_and_the_same_clerk_unlocks(ui_home):
    clock = [datetime.now(UTC)]
    driver = Driver.start(ui_home.paths.home, start_sync=False, clock=lambda: clock[0])
    try:
        driver.login()
        driver.app.nav.new_applicant()
        driver.wait_screen(PersonScreen)
        clock[0] += timedelta(minutes=11)
        driver.app._check_idle()
        lock = driver.wait_screen(LockScreen)
        driver.type_into(lock.password, "wrong")
        driver.enter(lock.password)
        driver.settle()
        assert "密码不正确" in driver.banner
        driver.type_into(lock.password, PASSWORDS["clerk1"])
        driver.enter(lock.password)
        driver.wait_screen(PersonScreen)  # back where the clerk was
    finally:
        driver.close()
    driver.assert_no_errors()


def test_another_clerk_takes_over_the_desk(ui):
    ui.login()
    ui.app.covers.switch_clerk()
    from station_client.ui.login import SwitchScreen

    switch = ui.wait_screen(SwitchScreen)
    ui.type_into(switch.username, "clerk2")
    ui.type_into(switch.password, PASSWORDS["clerk2"])
    ui.enter(switch.password)
    ui.wait_screen(WorkbenchScreen)
    assert ui.app.session.username == "clerk2" and "柜员clerk2" in ui.app.clerk_label.cget("text")


def test_a_first_login_on_this_pc_asks_for_the_recovery_key(station_home, city_ca):
    station_home.paths.ca.write_bytes(city_ca)
    driver = Driver.start(station_home.paths.home, start_sync=False)
    try:
        login = driver.wait_screen(LoginScreen)
        driver.type_into(login.username, "clerk1")
        driver.type_into(login.password, PASSWORDS["clerk1"])
        driver.enter(login.password)
        driver.settle()
        assert login.recovery.winfo_ismapped() and "恢复密钥" in driver.banner
        driver.type_into(login.recovery, station_home.recovery_key)
        driver.enter(login.recovery)
        driver.wait_screen(WorkbenchScreen)
    finally:
        driver.close()
    driver.assert_no_errors()


def test_keys_tab_follows_the_form_enter_checks_and_esc_goes_back(ui):
    ui.login()
    form = _open_form(ui, "C009", (KNOWN_NAME, KNOWN_ID))
    order = []
    widget = ui.inner(form.rows["old_employer_uscc"].entry)
    for _ in range(3):
        order.append(widget)
        widget = widget.tk_focusNext()
    owners = [
        next(name for name, row in form.rows.items() if str(w).startswith(str(row) + ".")) for w in order
    ]
    assert owners == ["old_employer_uscc", "new_employer_uscc", "old_insured_place"]
    ui.type_into(form.rows["new_employer_uscc"].entry, "123")
    ui.escape(form.rows["new_employer_uscc"].entry)  # typed something: Esc warns first
    assert isinstance(ui.screen, FormScreen) and "再按一次 Esc" in ui.banner
    ui.escape(form.rows["new_employer_uscc"].entry)
    assert isinstance(ui.wait_screen(ItemsScreen), ItemsScreen)
    ui.escape(ui.screen.query)
    ui.escape()
    assert isinstance(ui.screen, WorkbenchScreen)


def test_every_screen_fits_a_1366x768_screen(ui, ui_home, tmp_path):
    accepted = _accept(ui_home)
    _decide(ui_home, accepted, CaseStatus.RETURNED, "请补交材料。" * 20)
    assert (ui.app.winfo_width(), ui.app.winfo_height()) == (1366, 700)
    assert _fits(ui.app) == [], "login"
    ui.login()
    assert _fits(ui.app) == [], "workbench"
    ui.type_into(ui.screen.query, KNOWN_ID)
    ui.enter(ui.screen.query)
    person = ui.wait_screen(PersonScreen)
    ui.pump(lambda: person.found is not None)
    assert _fits(ui.app) == [], "person"
    for code in ("C055", "C001", "G09", "C009"):  # the longest forms and both applicant kinds
        ui.app.desk.applicant = None
        form = _open_form(ui, code, (KNOWN_NAME, KNOWN_ID))
        form.on_enter()
        ui.settle()
        assert _fits(ui.app) == [], code
        ui.app.nav.back()
        ui.app.nav.back()
    ui.app.nav.open_cases()
    ui.wait_screen(CasesScreen).open_case(str(accepted.case_id))
    detail = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: detail.detail is not None)
    assert _fits(ui.app) == [], "case detail"
    ui.app.nav.open_problems()
    ui.wait_screen(ProblemsScreen)
    assert _fits(ui.app) == [], "problems"
    ui.app.covers.lock()
    ui.wait_screen(LockScreen)
    assert _fits(ui.app) == [], "lock"
