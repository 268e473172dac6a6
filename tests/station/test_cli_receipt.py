"""``station-client receipt``: a case's receipt (or the notice it stands on) printed again to
a PDF file, rendered and sealed as the window's 重印 does; refusals carry their codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner, Result

from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.records import DecisionRecord
from schema.vocabulary import Section
from station_client.cli import main
from station_client.commands.common import PASSWORD_ENV
from station_client.core.intake_rules import ApplicantInput
from station_client.services import decisions
from station_client.services.intake import IntakeRequest, IntakeResult, intake
from station_client.store import cases
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, PASSWORDS, StationHome


@pytest.fixture
def paid(station_home: StationHome) -> IntakeResult:
    """A flexible worker's contributions taken at the desk: 办结单 and 缴费收据."""
    session = station_home.login("clerk1")
    form = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03"}  # taken in at NOW
    return intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card"]), now=NOW
    )


def _receipt(home: StationHome, *args: str) -> Result:
    words = ["receipt", *args, "--home", str(home.paths.home), "--user", "clerk1"]
    return CliRunner().invoke(main, words, env={PASSWORD_ENV: PASSWORDS["clerk1"]})


def _text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def test_the_case_number_prints_its_slip_to_the_file_named(station_home: StationHome, paid, tmp_path):
    out = tmp_path / "slip.pdf"
    result = _receipt(station_home, paid.case_number, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"已生成办结单 {paid.case_number}：{out}" in result.stdout
    assert out.read_bytes().startswith(b"%PDF")
    text = _text(out)
    assert "办结单" in text and paid.case_number in text and KNOWN_NAME in text


def test_the_payment_receipt_by_kind_or_by_its_own_number(station_home: StationHome, paid, tmp_path):
    by_kind = tmp_path / "by-kind.pdf"
    body = json.loads(
        _receipt(station_home, paid.case_number, "--kind", "缴费收据", "--out", str(by_kind), "--json").stdout
    )
    assert body["kind"] == "payment" and body["number"] == paid.receipt_number
    by_number = tmp_path / "by-number.pdf"
    assert _receipt(station_home, paid.receipt_number or "", "--out", str(by_number)).exit_code == 0
    assert "缴费收据" in _text(by_number) and "3000.00" in _text(by_number)


def test_without_out_the_file_goes_where_the_window_puts_printed_files(station_home: StationHome, paid):
    body = json.loads(_receipt(station_home, paid.case_number, "--json").stdout)
    assert Path(body["path"]).parent == station_home.paths.exports and Path(body["path"]).is_file()


def test_a_returned_case_prints_its_supplement_notice(station_home: StationHome, tmp_path):
    session = station_home.login("clerk1")
    employer = make_uscc("91511102MA62ABCDE")
    transfer = {"transfer_kind": "within_city", "new_employer_uscc": employer, "transfer_month": "2026-11"}
    request = IntakeRequest(
        "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), transfer, ["id_card", "new_employer_proof"]
    )
    number = intake(session, request, now=NOW).case_number
    row = cases.find_by_number(session.db, number)
    assert row is not None
    decision = DecisionRecord(
        case_id=UUID(row.case_id),
        case_number=number,
        status=CaseStatus.RETURNED,  # type: ignore[arg-type]
        reason="请补正以下材料：1. 新单位参保证明或录用通知。",
        decided_at=NOW + timedelta(hours=1),
        decided_by="reviewer1",
        section=Section.PENSION,
        version=3,
    )
    assert decisions.apply_decision(session.db, session.dek, decision)
    out = tmp_path / "notice.pdf"
    result = _receipt(station_home, number, "--kind", "补正告知书", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "补正告知书" in _text(out) and "新单位参保证明或录用通知" in _text(out)
    refused = json.loads(_receipt(station_home, number, "--kind", "办结通知书", "--json").stdout)
    assert refused["code"] == "receipt_not_found" and "补正告知书" in refused["message"]


def test_unknown_kinds_and_numbers_are_refused_with_their_codes(station_home: StationHome, paid):
    kind = json.loads(_receipt(station_home, paid.case_number, "--kind", "发票", "--json").stdout)
    assert kind["code"] == "receipt_kind_unknown" and "缴费收据" in kind["message"]
    missing = _receipt(station_home, "511102004-00-20200101-F0009")
    assert missing.exit_code == 1 and "错误（receipt_not_found）" in missing.stderr
