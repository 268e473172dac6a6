"""Receipt PDFs: a Chinese font, the case number in the text, a QR code signed by the station key."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from schema.identifiers import make_uscc
from station_client.core.intake_rules import ApplicantInput
from station_client.core.money_words import in_words
from station_client.services import receipt_pdf, receipt_seal
from station_client.services.errors import ServiceError
from station_client.services.intake import IntakeRequest, intake
from station_client.services.pdf_fonts import find_font
from station_client.store import meta
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW

FLEXIBLE = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True}
TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    "transfer_month": "2026-11",
}
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@needs_poppler
def test_an_acceptance_receipt_holds_the_case_number_promised_date_and_a_masked_id(session, tmp_path):
    result = intake(
        session,
        IntakeRequest(
            "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
        ),
        now=NOW,
    )
    printable = receipt_pdf.receipt_pdf(session.db, session.dek, result.case_number)
    assert printable.kind == "acceptance" and printable.pdf.startswith(b"%PDF")
    text = _text(printable.pdf, tmp_path)
    assert result.case_number in text
    assert "社会保险业务受理回执" in text and "2026年12月03日" in text and KNOWN_NAME in text
    assert KNOWN_ID not in text and receipt_pdf.mask_id(KNOWN_ID) in text
    assert "乐山市市中区大佛街道社保所" in text


@needs_poppler
def test_a_provisional_promised_date_is_printed_as_such(station_home, tmp_path):
    on = datetime(2026, 12, 29, 2, 0, tzinfo=UTC)  # 5 working days reach 2027, whose notice is not loaded
    session = station_home.login("clerk1", now=on)
    form = TRANSFER | {"transfer_month": "2026-12"}
    result = intake(
        session,
        IntakeRequest("C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card", "new_employer_proof"]),
        now=on,
    )
    text = _text(receipt_pdf.receipt_pdf(session.db, session.dek, result.case_number).pdf, tmp_path)
    assert "2027年01月06日（暂定）" in text  # 30, 31 December; 4, 5, 6 January (元旦 off)
    assert "安排公布后将重新计算" in text


@needs_poppler
def test_a_payment_receipt_shows_the_decomposition_and_the_amount_in_words(session, tmp_path):
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"]), now=NOW
    )
    assert result.receipt_number and result.fee
    text = _text(receipt_pdf.receipt_pdf(session.db, session.dek, result.receipt_number).pdf, tmp_path)
    assert result.receipt_number in text and result.case_number in text
    for name, amount in result.fee["by_insurance"].items():
        assert name in text and amount in text
    assert in_words(Decimal(result.fee["collected"])) in text


def test_the_qr_value_is_the_station_signature_over_the_number(session):
    number = "511102004-00-20261126-0001"
    value = receipt_seal.sign_number(session.db, session.dek, number)
    public = meta.get(session.db, meta.PUBLIC_KEY)
    assert public is not None
    assert receipt_seal.verify(public, number, value)
    assert not receipt_seal.verify(public, number.replace("0001", "0002"), value)
    assert receipt_seal.qr_payload(number, value) == f"SSB1|{number}|{value}"


def test_an_unknown_receipt_number_says_what_to_do(session):
    with pytest.raises(ServiceError) as info:
        receipt_pdf.receipt_pdf(session.db, session.dek, "511102004-00-20261126-0099")
    assert "请核对编号" in info.value.message


@needs_poppler
def test_the_one_time_notice_prints_every_missing_material(tmp_path):
    text = "一次性告知单\n办理事项：C009 参保关系变更\n1. 居民身份证（原件）\n2. 新单位参保证明或录用通知"
    pdf = receipt_pdf.render_notice(text, station="乐山市市中区大佛街道社保所", issued="2026年11月26日 10:00")
    out = _text(pdf, tmp_path)
    assert "一次性告知单" in out and "新单位参保证明或录用通知" in out


def test_a_chinese_font_is_found_on_this_machine():
    font = find_font()
    assert font.path.is_file()


def test_old_exports_are_cleared(station_home):
    path = receipt_pdf.export(station_home.paths, "x/../y", b"%PDF-1.4")
    assert path.parent == station_home.paths.exports and path.name == "x____y.pdf"
    assert (
        receipt_pdf.clear_exports(station_home.paths, older_than_seconds=3600, now=path.stat().st_mtime + 10)
        == 0
    )
    assert (
        receipt_pdf.clear_exports(
            station_home.paths, older_than_seconds=3600, now=path.stat().st_mtime + 7200
        )
        == 1
    )


def test_amounts_in_words():
    assert in_words(Decimal("1529.20")) == "壹仟伍佰贰拾玖元贰角整"
    assert in_words(Decimal("300.05")) == "叁佰元零伍分"
    assert in_words(Decimal("10005")) == "壹万零伍元整"
    assert in_words(Decimal("0")) == "零元整"
