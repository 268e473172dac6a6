"""Eligibility in the real form window: C005's wage below the base floor is a warning the
clerk must confirm (the base is then raised to the floor), and a G09 student is stopped
inline, before the confirm step."""

from __future__ import annotations

from schema.identifiers import make_uscc
from schema.vocabulary import ApplicantKind
from station_client.store import cases
from station_client.ui.finish import ConfirmScreen, FinishScreen
from station_client.ui.form import FormScreen
from station_client.ui.items import ItemsScreen
from station_client.ui.viewmodels.desk import Applicant
from tests.support.stationkit import YOUNG_ID, YOUNG_NAME

EMPLOYER = make_uscc("91511102MA62ABCDE")


def _open_form(ui, code: str, applicant: Applicant) -> FormScreen:
    ui.app.desk.applicant = applicant
    ui.app.nav.open_items()
    ui.wait_screen(ItemsScreen).pick(code)
    return ui.wait_screen(FormScreen)


def test_c005_a_wage_below_the_floor_waits_for_the_clerks_confirmation(ui, ui_home):
    ui.login()
    form = _open_form(ui, "C005", Applicant(ApplicantKind.UNIT, "乐山某某有限公司", uscc=EMPLOYER))
    rows = form.rows
    assert "contribution_base" not in rows  # the rules fill it; the clerk never types it
    ui.type_into(rows["employee_id_number"].entry, YOUNG_ID)
    ui.type_into(rows["employee_name"].entry, YOUNG_NAME)
    ui.type_into(rows["employment_start"].entry, "2026-11-01")
    rows["contract_type"].set_value("fixed_term")
    ui.type_into(rows["monthly_wage"].entry, "3000")
    rows["insurance_types"].set_value(["enterprise_pension"])
    rows["household_type"].pick("urban")
    form._changed("insurance_types")
    for code in ("labour_contract", "employee_id_card"):
        form.side.boxes[code].toggle()
    ui.enter(rows["monthly_wage"].entry)  # Enter: check everything
    ui.settle()
    assert isinstance(ui.screen, FormScreen)  # not silently accepted
    message = form.field_message("wage_floor_confirmed")
    assert "低于" in message and "4,588.00" in message and "选“是”" in message

    rows["wage_floor_confirmed"].pick(True)
    form._left("wage_floor_confirmed")
    assert form.field_message("wage_floor_confirmed") == ""
    assert "已按下限 4,588.00 元核定" in form.field_message(
        "monthly_wage"
    )  # a warning, shown beside the wage
    ui.enter(rows["monthly_wage"].entry)
    confirm = ui.wait_screen(ConfirmScreen)
    assert "已按下限 4,588.00 元核定" in ui.banner
    ui.enter(confirm.confirm_button)
    finish = ui.wait_screen(FinishScreen)
    doc = cases.get_doc(ui_home.db, ui_home.dek, str(finish.result.case_id))  # the test thread's connection
    assert doc is not None
    form_values = doc.payload.form
    assert (form_values["monthly_wage"], form_values["contribution_base"]) == ("3000.00", "4588.00")


def test_g09_a_student_is_stopped_in_the_form(ui):
    ui.login()
    applicant = Applicant(ApplicantKind.PERSON, YOUNG_NAME, id_number=YOUNG_ID, verified=True)
    form = _open_form(ui, "G09", applicant)
    rows = form.rows
    assert rows["is_student"].f.label == "是否全日制在校学生"
    rows["is_student"].pick(True)
    form._left("is_student")
    assert "全日制在校学生不参加城乡居民养老保险" in form.field_message("is_student")
