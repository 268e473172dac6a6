"""The desk's jobs from the command line, as a clerk at a station with cases in every state:
``cases`` (with the decisions that came down), ``case show``, ``supplement`` and
``handover``. Each logs the clerk in, calls the window's services and writes the same
audit entries; ``--json`` answers with one document, a refusal with its code."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner, Result

from schema.error_codes import error_codes
from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.records import DecisionRecord
from schema.vocabulary import Section
from station_client.cli import main
from station_client.commands.common import PASSWORD_ENV
from station_client.core.intake_rules import ApplicantInput
from station_client.services import decisions
from station_client.services.intake import IntakeRequest, intake
from station_client.services.session import Session
from station_client.store import audit, cases, staff
from tests.support.stationkit import (
    KNOWN_ID,
    KNOWN_NAME,
    NOW,
    PASSWORDS,
    YOUNG_ID,
    YOUNG_NAME,
    StationHome,
    staff_account,
)

EMPLOYER = make_uscc("91511102MA62ABCDE")
OTHER_EMPLOYER = make_uscc("91511102MA62FGHJK")
TRANSFER = {"transfer_kind": "within_city", "new_employer_uscc": EMPLOYER, "transfer_month": "2026-11"}
RETURN_REASON = "请补正以下材料：1. 新单位参保证明或录用通知。录用通知未盖单位公章。"


def _transfer(session: Session, name: str, id_number: str) -> str:
    request = IntakeRequest(
        "C009", ApplicantInput(name, id_number), TRANSFER, ["id_card", "new_employer_proof"]
    )
    return intake(session, request, now=NOW).case_number


def _decide(session: Session, number: str, status: CaseStatus, reason: str = "") -> None:
    row = cases.find_by_number(session.db, number)
    assert row is not None
    record = DecisionRecord(
        case_id=UUID(row.case_id),
        case_number=number,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        decided_at=NOW + timedelta(hours=2),
        decided_by="reviewer1",
        section=Section.PENSION,
        version=4,
    )
    assert decisions.apply_decision(session.db, session.dek, record)


class Desk:
    """A station whose clerk1 has: one case waiting at the city, one returned, one approved,
    one finished at the desk with money collected."""

    def __init__(self, home: StationHome) -> None:
        self.home = home
        session = home.login("clerk1")
        self.waiting = _transfer(session, KNOWN_NAME, KNOWN_ID)
        self.returned = _transfer(session, YOUNG_NAME, YOUNG_ID)
        _decide(session, self.returned, CaseStatus.RETURNED, RETURN_REASON)
        self.approved = _transfer(session, KNOWN_NAME, KNOWN_ID)
        _decide(session, self.approved, CaseStatus.APPROVED)
        flexible = IntakeRequest(
            "G14",
            ApplicantInput(KNOWN_NAME, KNOWN_ID),
            {"base": "5000", "period_start": "2026-01", "period_end": "2026-03"},  # taken in at NOW
            ["id_card"],
        )
        self.general = intake(session, flexible, now=NOW).case_number

    def run(self, *args: str) -> Result:
        words = [*args, "--home", str(self.home.paths.home), "--user", "clerk1"]
        return CliRunner().invoke(main, words, env={PASSWORD_ENV: PASSWORDS["clerk1"]})

    def json(self, *args: str) -> dict:
        result = self.run(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def refusal(self, *args: str) -> dict:
        result = self.run(*args, "--json")
        assert result.exit_code == 1, result.output
        body = json.loads(result.stdout)
        assert set(body) == {"code", "message", "detail"} and body["code"] in error_codes()
        return body

    def audit_actions(self, number: str) -> list[tuple[str, str]]:
        row = cases.find_by_number(self.home.db, number)
        assert row is not None
        return [(e["action"], e["actor"]) for e in audit.entries(self.home.db, entity_id=row.case_id)]

    def outbox_kinds(self, number: str) -> list[str]:
        row = cases.find_by_number(self.home.db, number)
        assert row is not None
        sql = "SELECT kind FROM outbox WHERE case_id = ? ORDER BY local_id"
        return [k for (k,) in self.home.db.execute(sql, [row.case_id])]


@pytest.fixture
def desk(station_home: StationHome) -> Desk:
    return Desk(station_home)


# ── cases ───────────────────────────────────────────────────────────────────────────


def test_cases_lists_every_case_with_the_decisions_that_came_down(desk: Desk):
    result = desk.run("cases")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "本站业务（全部）：共 4 件" in out
    for number in (desk.waiting, desk.returned, desk.approved, desk.general):
        assert number in out
    returned_line = next(line for line in out.splitlines() if desk.returned in line)
    assert "【退回补正】" in returned_line and "待补正" in returned_line and YOUNG_NAME in returned_line
    approved_line = next(line for line in out.splitlines() if desk.approved in line)
    assert "【已办结（核准）】" in approved_line and "待交付" in approved_line


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("审核结果待交付", "approved"),
        ("to_hand_over", "approved"),
        ("退回补正", "returned"),
        ("returned", "returned"),
        ("已受理", "waiting"),
        ("ACCEPTED", "waiting"),
        ("已办结（核准）", "approved"),
        ("已办结", "approved"),
        ("前台办结", "general"),
    ],
)
def test_the_status_filter_takes_the_label_on_screen_or_the_code(desk: Desk, status: str, expected: str):
    body = desk.json("cases", "--status", status)
    assert [c["case_number"] for c in body["cases"]] == [getattr(desk, expected)]
    assert body["count"] == 1


def test_an_unknown_status_is_refused_with_its_code_and_the_choices(desk: Desk):
    body = desk.refusal("cases", "--status", "已领取")
    assert body["code"] == "case_status_unknown" and "审核结果待交付" in body["message"]


def test_a_one_time_password_is_refused_as_in_the_window(desk: Desk):
    staff.apply_account(
        desk.home.db, staff_account("clerk1", version=2).model_copy(update={"must_change_password": True})
    )
    body = desk.refusal("cases")
    assert body["code"] == "password_change_required" and "station-client passwd" in body["message"]


# ── case show ───────────────────────────────────────────────────────────────────────


def test_case_show_reads_like_the_windows_detail_with_peoples_names(desk: Desk):
    result = desk.run("case", "show", desk.returned)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"{desk.returned}　C009 ")
    assert "【退回补正】" in out
    assert f"证件号码：{YOUNG_ID}" in out  # the clerk is logged in: shown as on screen, not masked
    assert "录用通知未盖单位公章" in out  # the reviewer's reason
    assert "居民身份证（原件）" in out  # materials by name
    assert "办结期限：" in out
    assert "柜员clerk1" in out and "经办：clerk1）" not in out  # the clerk's name, not the account
    assert f"station-client supplement {desk.returned} --template" in out


def test_case_show_finds_a_case_by_the_last_part_of_its_number_and_answers_json(desk: Desk):
    body = desk.json("case", "show", desk.general.split("-")[-1])  # W0001: the only general case
    assert body["case_number"] == desk.general and body["status"] == "completed"
    assert body["fee"]["collected"] == "3000.00"
    assert body["applicant"]["id_number"] == KNOWN_ID
    assert sorted(r["kind_label"] for r in body["receipts"]) == ["办结单", "缴费收据"]
    assert body["history"][0]["text"].startswith("前台办结")


def test_a_number_several_cases_share_is_refused_with_the_candidates(desk: Desk):
    day = desk.waiting.split("-")[2]  # every case was taken in on that day
    body = desk.refusal("case", "show", day)
    assert body["code"] == "case_ambiguous" and desk.waiting in body["detail"]["case_numbers"]
    assert desk.refusal("case", "show", "511102004-00-20200101-0001")["code"] == "case_not_found"


# ── supplement ──────────────────────────────────────────────────────────────────────


def _fill(tmp_path: Path, template: dict, **changes: object) -> Path:
    data = {**template, **changes}
    path = tmp_path / "supplement.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_supplement_template_shows_the_form_as_it_stands_and_what_was_asked_for(desk: Desk):
    template = desk.json("supplement", desk.returned, "--template")
    assert template["case"] == desk.returned
    assert template["form"]["new_employer_uscc"] == EMPLOYER
    assert template["_case"]["returned_reason"] == RETURN_REASON
    assert template["_case"]["requested_materials"] == ["新单位参保证明或录用通知"]
    materials = {m["code"]: m for m in template["_materials"]}
    assert materials["new_employer_proof"]["requested"] and not materials["new_employer_proof"]["received"]
    assert materials["id_card"]["received"]


def test_a_returned_case_is_supplemented_from_the_file_and_queued_with_its_audit_entry(desk: Desk, tmp_path):
    template = desk.json("supplement", desk.returned, "--template")
    (tmp_path / "录用通知.pdf").write_bytes(b"%PDF-1.4 offer letter with the seal")
    path = _fill(
        tmp_path,
        template,
        form={**template["form"], "new_employer_uscc": OTHER_EMPLOYER},
        materials_provided=["new_employer_proof"],
        scans=[{"material_code": "new_employer_proof", "path": "录用通知.pdf"}],
        note="已补盖公章",
    )
    body = desk.json("supplement", desk.returned, "--input", str(path))
    assert body["status"] == "supplemented" and body["status_label"] == "已补正待上报"
    assert desk.outbox_kinds(desk.returned) == ["case_accept", "case_supplement"]
    assert desk.audit_actions(desk.returned)[-1] == ("case.supplement", "clerk1")
    assert desk.json("cases", "--status", "退回补正")["count"] == 0


def test_a_supplement_that_changes_nothing_is_refused_by_the_same_rule_as_the_window(desk: Desk, tmp_path):
    session = desk.home.login("clerk1")
    number = _transfer(session, KNOWN_NAME, KNOWN_ID)
    _decide(session, number, CaseStatus.RETURNED, "请与申请人核对调入时间。")  # names no material
    template = desk.json("supplement", number, "--template")
    body = desk.refusal("supplement", number, "--input", str(_fill(tmp_path, template)))
    assert body["code"] == "supplement_unchanged"
    assert desk.outbox_kinds(number) == ["case_accept"]


def test_a_material_the_reviewer_asked_for_must_be_handed_in_again(desk: Desk, tmp_path):
    template = desk.json("supplement", desk.returned, "--template")
    body = desk.refusal("supplement", desk.returned, "--input", str(_fill(tmp_path, template)))
    assert body["code"] == "materials_missing" and body["detail"]["missing"] == ["new_employer_proof"]
    text = desk.run("supplement", desk.returned, "--input", str(_fill(tmp_path, template)))
    assert text.exit_code == 1 and "一次性告知" in text.stderr and "新单位参保证明或录用通知" in text.stderr
    assert desk.outbox_kinds(desk.returned) == ["case_accept"]


def test_only_a_returned_case_can_be_supplemented_and_the_file_must_be_for_it(desk: Desk, tmp_path):
    template = desk.json("supplement", desk.returned, "--template")
    path = _fill(tmp_path, template, materials_provided=["new_employer_proof"])
    assert desk.refusal("supplement", desk.waiting, "--input", str(path))["code"] == "case_file_case_mismatch"
    other = _fill(tmp_path, template, case=desk.waiting, materials_provided=["new_employer_proof"])
    refused = desk.run("supplement", desk.waiting, "--input", str(other))
    assert refused.exit_code == 1 and "错误（case_transition_not_allowed）" in refused.stderr
    assert "Traceback" not in refused.output


# ── handover ────────────────────────────────────────────────────────────────────────


def test_a_decision_is_handed_over_once_to_the_applicant_as_in_the_window(desk: Desk):
    assert desk.json("cases", "--status", "审核结果待交付")["count"] == 1
    result = desk.run("handover", desk.approved)
    assert result.exit_code == 0, result.output
    assert f"已交付 {KNOWN_NAME}" in result.stdout
    assert desk.outbox_kinds(desk.approved) == ["case_accept", "decision_handed_over"]
    assert desk.audit_actions(desk.approved)[-1] == ("case.hand_over", "clerk1")
    assert desk.json("cases", "--status", "审核结果待交付")["count"] == 0
    handed = desk.json("cases", "--status", "已交付")["cases"]
    assert [c["case_number"] for c in handed] == [desk.approved] and handed[0]["handed_over"]
    assert desk.refusal("handover", desk.approved)["code"] == "case_already_handed_over"


def test_handover_names_another_recipient_and_refuses_what_is_not_a_final_decision(desk: Desk):
    body = desk.json("handover", desk.approved, "--recipient", "王小明（代领）")
    assert body["recipient"] == "王小明（代领）" and body["handed_over"] is True
    returned = desk.refusal("handover", desk.returned)
    assert returned["code"] == "case_transition_not_allowed" and "supplement" in returned["message"]
    assert desk.refusal("handover", desk.waiting)["code"] == "case_no_decision"
    assert desk.outbox_kinds(desk.returned) == ["case_accept"]
