"""The screens' state and wording, without a window."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta

from schema.cases import MAX_ATTACHMENT_BYTES
from schema.catalog import load_catalog
from schema.rates import load_rates
from schema.records import EnrolmentRecord
from schema.vocabulary import ApplicantKind, InsuranceType
from schema.workdays import default_calendar
from station_client.core.pinyin_search import Usage, build_index, shipped_readings
from station_client.services.desk import TodayCounts
from station_client.sync.status import SyncProblem, SyncStatus
from station_client.ui.viewmodels import cases, workbench
from station_client.ui.viewmodels import person as person_vm
from station_client.ui.viewmodels.desk import Applicant
from station_client.ui.viewmodels.divisions import division_index
from station_client.ui.viewmodels.form import FormModel, ScanDraft, check_scan, sniff, widget_kind
from station_client.ui.viewmodels.items import FAVOURITES, DeskReference, choose
from station_client.ui.viewmodels.sync import SyncState, alert_text, sync_view, when
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, TODAY, person

CATALOG = load_catalog()
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def _reference(usage: Usage | None = None) -> DeskReference:
    index = build_index([(i.code, i.name) for i in CATALOG], shipped_readings())
    return DeskReference(CATALOG, load_rates(), default_calendar(), index, usage or Usage())


def _status(**changes: object) -> SyncStatus:
    values: dict[str, object] = {
        "station_id": "511102004-00", "pending": 0, "blocked": 0, "set_aside": 0, "failed": 0, "retrying": 0,
        "pending_attachments": 0, "pending_attachment_bytes": 0, "failed_attachments": 0, "last_success_at": None,
        "last_attempt_at": None, "last_error": None, "cursor": None, "catalog_version": "2026.1",
        "clock_offset_seconds": 0.0,
    }  # fmt: skip
    return SyncStatus(**(values | changes))  # type: ignore[arg-type]


def test_no_viewmodel_imports_tk():
    import subprocess

    code = (
        "import sys, station_client.ui.viewmodels.form, station_client.ui.viewmodels.sync, "
        "station_client.ui.viewmodels.cases; print('tkinter' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_sync_bar_tells_offline_online_and_what_waits():
    assert sync_view(SyncState(), NOW).online_text == "尚未连接"
    offline = sync_view(SyncState(online=False, store=_status(pending=2, blocked=1)), NOW)
    assert (offline.online_text, offline.pending_text, offline.state) == ("离线", "待上报 3 笔", "offline")
    assert "无法连接" in offline.error_text
    problem = SyncProblem(
        "auth_clock_skew", "本机时间与服务器相差过大。请将电脑的日期和时间校准后重试。", NOW
    )
    online = sync_view(
        SyncState(
            online=True,
            running=True,
            store=_status(
                set_aside=1, failed=1, last_success_at=NOW - timedelta(minutes=5), last_error=problem
            ),
        ),
        NOW,
    )
    assert (online.online_text, online.set_aside_text, online.button_text) == (
        "在线",
        "待更正 2 笔",
        "正在同步…",
    )
    assert online.error_text == problem.message and online.last_success_text == "上次成功同步：今天 09:55"
    assert when(NOW - timedelta(days=1), NOW).startswith("昨天") and when(None, NOW) == "从未成功"


def test_an_offline_station_still_hears_that_its_backup_is_stale():
    stale = "本机数据已 2 天未备份：备份位置不可用，请插好备份 U 盘"
    offline = sync_view(SyncState(online=False, store=_status()), NOW)
    assert alert_text(offline, stale) == offline.error_text + "\n" + stale
    online = sync_view(SyncState(online=True, store=_status()), NOW)
    assert alert_text(online, stale) == stale and alert_text(online, None) == ""
    assert alert_text(offline, None) == offline.error_text


def test_workbench_tiles_mark_what_needs_the_clerk():
    tiles = {t.key: t for t in workbench.tiles(TodayCounts(3, 2, 1, 4, 1, 0, 2, 0))}
    assert tiles["set_aside"].alert and tiles["to_hand_over"].alert and not tiles["returned"].alert
    assert tiles["to_hand_over"].target == "decided" and tiles["set_aside"].target == workbench.PROBLEMS
    assert workbench.today_line(NOW) == "今天是 2026年11月26日 星期四"


def test_id_numbers_are_checked_as_typed():
    ok = person_vm.check_id(KNOWN_ID[:6] + " " + KNOWN_ID[6:], TODAY)
    assert ok.ok and ok.value == KNOWN_ID and "46周岁" in ok.message
    old = person_vm.check_id(KNOWN_ID[:6] + KNOWN_ID[8:17], TODAY)  # the 15-digit form
    assert old.ok and old.value == KNOWN_ID and "15 位旧号码" in old.message
    bad = person_vm.check_id(KNOWN_ID[:17] + "0" if KNOWN_ID[17] != "0" else KNOWN_ID[:17] + "1", TODAY)
    assert not bad.ok and "校验位不正确" in bad.message
    assert person_vm.looks_like_code("５１１１") and not person_vm.looks_like_code("王建国")
    assert not person_vm.check_name("").ok


def test_the_registry_card_shows_where_the_person_is_insured():
    record = person(KNOWN_ID, KNOWN_NAME).model_copy(
        update={
            "enrolments": (
                EnrolmentRecord(
                    insurance=InsuranceType.ENTERPRISE_PENSION,
                    county="511102",
                    status="active",
                    since=date(2005, 3, 1),
                    version=1,
                ),
            )
        }
    )
    card = person_vm.person_card(record, TODAY)
    # The last month paid comes with the slice (issue 12); a record without it says so.
    assert card.enrolments == [("企业职工基本养老保险", "乐山市市中区", "正常参保", "2005年3月", "无记录")]
    assert card.insured_places == "乐山市市中区"
    assert "离线" in person_vm.unknown_note(False) and "未核实" in person_vm.unknown_note(True)


def test_items_are_grouped_with_recent_and_frequent_first_and_filtered_by_applicant():
    groups = choose(_reference(Usage(counts={"G14": 3}, recent=("C009",))), "", ApplicantKind.PERSON)
    assert groups[0].title == FAVOURITES and [r.code for r in groups[0].rows] == ["C009", "G14"]
    assert all(CATALOG.item(r.code).applicant is ApplicantKind.PERSON for g in groups for r in g.rows)
    [found] = choose(_reference(), "lhjy", None)
    assert {r.code for r in found.rows} == {"G12", "G13", "G14"} and found.rows[
        0
    ].kind_text == "一般·当场办结"
    assert choose(_reference(), "C048", None)[0].rows[0].kind_text == "复杂·60日"


def test_townships_are_found_by_pinyin_with_the_place_name_corrections():
    assert division_index().search("dfjd")[0].key == "511102004"
    assert division_index().search("qfz")[0].name == "千佛镇"


def test_the_form_model_reports_by_field_lists_missing_materials_and_the_fee():
    applicant = Applicant(ApplicantKind.PERSON, KNOWN_NAME, id_number=KNOWN_ID, verified=True)
    model = FormModel(CATALOG.item("G14"), _reference(), applicant, TODAY)
    model.set_raw("base", "5000")
    model.set_raw("period_start", "2026-01")
    model.set_raw("period_end", "2026-13")
    verdict = model.verdict()
    assert "period_end" in verdict.errors and model.message("period_end", verdict) is None  # not yet visited
    model.touch("period_end")
    assert model.message("period_end", verdict) == (verdict.errors["period_end"], "error")
    assert [m.code for m in verdict.missing] == ["id_card"] and not verdict.ok
    model.set_raw("period_end", "2026-03")
    model.provided.add("id_card")
    verdict = model.verdict()
    assert verdict.ok and verdict.fee is not None and verdict.fee.fee is not None
    assert verdict.fee.fee["collected"] == "3000.00"
    checked = model.final_check()
    assert checked.fee is not None and str(checked.fee.collected) == "3000.00"


def test_scans_are_checked_by_content_and_size():
    assert (
        sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
        and sniff(b"%PDF-1.7") == "application/pdf"
        and sniff(b"GIF89a") is None
    )
    assert check_scan("a.pdf", b"")[1] and "空的" in str(check_scan("a.pdf", b"")[1])
    media, problem = check_scan("big.jpg", b"\xff\xd8\xff" + b"0" * MAX_ATTACHMENT_BYTES)
    assert media is None and "超过 10 MB" in str(problem)
    assert check_scan("ok.png", b"\x89PNG\r\n\x1a\n...") == ("image/png", None)
    model = FormModel(CATALOG.item("C009"), _reference(), None, TODAY)
    draft = ScanDraft("id_card", "a.pdf", "application/pdf", b"%PDF-1.4 x")
    assert model.add_scan(draft) is None and model.add_scan(draft) is not None
    assert "id_card" in model.all_provided()


def test_each_field_type_gets_its_widget():
    kinds = {f.name: widget_kind(f) for f in CATALOG.item("G09").form}
    assert kinds == {
        "grade": "combo", "year": "entry", "household_division": "division", "not_in_other_pension": "yesno",
        "is_student": "yesno", "contact_phone": "entry",
    }  # fmt: skip
    assert widget_kind(CATALOG.item("C009").field("transfer_kind")) == "radio"  # type: ignore[arg-type]


def test_case_marks_say_what_waits():
    from station_client.services.caselist import CaseSummary

    case = CaseSummary(
        "id", "511102004-00-20261126-0001", "C009", "参保关系变更", "complex", "approved", "已办结（核准）", KNOWN_NAME,
        NOW, date(2026, 12, 3), None, True, False, False, False,
    )  # fmt: skip
    assert cases.marks(case) == "待同步、待交付"
    assert cases.row_values(case)[3] == "11-26 10:00" and cases.row_values(case)[5] == "12月3日"
