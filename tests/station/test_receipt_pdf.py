"""Receipt PDFs: a Chinese font, the case number in the text, a QR code signed by the station key;
each fits one A4 page, ends with the clerk, the station to seal and its contact, and says
what the applicant needs to know (the base and months paid, the materials received, how to
follow the case)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from schema.identifiers import make_uscc
from schema.protocol import Change, ChangeKind
from schema.records import StationRecord
from station_client.core.intake_rules import ApplicantInput
from station_client.core.money_words import in_words
from station_client.services import receipt_pdf, receipt_seal, station_contact
from station_client.services.errors import ServiceError
from station_client.services.intake import IntakeRequest, intake
from station_client.services.pdf_fonts import find_font
from station_client.store import meta
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, STATION_ID

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


def _pages(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "p.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _words(pdf: bytes, tmp_path) -> str:
    """The text in drawing order with no white space: a table cell's wrapped lines read on."""
    path = tmp_path / "w.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def set_contact(db, phone: str | None, address: str | None, version: int = 1) -> None:
    """As a pulled ``station`` change leaves the store (``sync-server station contact`` on the city's side)."""
    record = StationRecord(
        station_id=STATION_ID, name="市中区大佛街道社保所", phone=phone, address=address, version=version
    )
    change = Change(
        kind=ChangeKind.STATION, key=STATION_ID, version=version, data=record.model_dump(mode="json")
    )
    with db.atomic():
        station_contact.apply_change(db, change)


LONG_NAME = "阿卜杜热合曼·艾合买提江·买买提依明"  # a long transliterated name, as the ID card prints it


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


@needs_poppler
def test_a_twelve_month_payment_receipt_is_one_page_with_the_base_and_the_months(session, tmp_path):
    form = FLEXIBLE | {"period_start": "2026-01", "period_end": "2026-12"}
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card"]), now=NOW
    )
    assert result.receipt_number
    pdf = receipt_pdf.receipt_pdf(session.db, session.dek, result.receipt_number).pdf
    assert _pages(pdf, tmp_path) == 1  # 经办人 and the seal on the same sheet as the amounts
    text = _words(pdf, tmp_path)
    assert "缴费基数5000.00元/月" in text
    assert "2026年01月—2026年12月，共12个月" in text
    assert "经办人：" in text and "（盖章）" in text and "（未登记电话）" in text


@needs_poppler
def test_the_longest_receipt_still_fits_one_page(tmp_path):
    """36 months (the longest span one payment covers), every month provisional, the longest
    item name of the catalog and a long name: everything on one page, nothing dropped."""
    months = [f"{y}-{m:02d}" for y in (2026, 2027, 2028) for m in range(1, 13)]
    fee = {
        "kind_label": "灵活就业人员社会保险费",
        "rates_version": "2025.2",
        "total": "69624.48",
        "collected": "69624.48",
        "subsidy": "0.00",
        "by_insurance": {"企业职工基本养老保险": "43200.00", "职工基本医疗保险": "26424.48"},
        "by_account": {"个人账户": "17280.00", "统筹账户": "52344.48"},
        "by_payer": {"个人缴纳": "69624.48"},
        "by_month": {m: ("1934.01" if m < "2027-07" else "1934.02") for m in months},
        "provisional_months": months,
        "basis": {"base": "5000.00", "period_start": "2026-01", "period_end": "2028-12"},
    }
    doc = {
        "receipt_number": "511102004-00-20261126-F0001",
        "case_number": "511102004-00-20261126-W0001",
        "item_code": "C055",
        "item_name": "工亡待遇申领（丧葬补助金、供养亲属抚恤金、一次性工亡补助金）",
        "applicant_name": LONG_NAME,
        "applicant_id": KNOWN_ID,
        "clerk_name": "欧阳娜娜",
        "issued_at": NOW.isoformat(),
        "fee": fee,
    }
    contact = station_contact.StationContact(
        "0833-2123456", "乐山市市中区大佛街道嘉定中路 1 号便民服务中心一楼 3 号窗口" * 2
    )
    issuer = receipt_pdf.Issuer(
        "乐山市市中区大佛街道第03社区服务点", contact, "https://ssb.leshan.test/progress"
    )
    pdf = receipt_pdf.render_receipt(doc, "payment", station=issuer.station, seal="x" * 86, issuer=issuer)
    assert _pages(pdf, tmp_path) == 1
    text = _words(pdf, tmp_path)
    assert LONG_NAME in text and "工亡待遇申领（丧葬补助金、供养亲属抚恤金、一次性工亡补助金）" in text
    assert "2026年01月—2028年12月，共36个月" in text
    assert "2026年01月—2027年06月每月1934.01元；2027年07月—2028年12月每月1934.02元" in text
    assert in_words(Decimal("69624.48")) in text and "欧阳娜娜" in text and "0833-2123456" in text


@needs_poppler
def test_an_acceptance_receipt_lists_the_materials_and_how_to_follow_the_case(session, tmp_path):
    set_contact(session.db, "0833-2123456", "乐山市市中区大佛街道嘉定中路 1 号")
    result = intake(
        session,
        IntakeRequest(
            "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
        ),
        now=NOW,
    )
    pdf = receipt_pdf.receipt_pdf(session.db, session.dek, result.case_number).pdf
    assert _pages(pdf, tmp_path) == 1
    text = _words(pdf, tmp_path)
    assert "已收材料" in text and "1.居民身份证（原件）" in text and "2.新单位参保证明或录用通知" in text
    # H7's progress page on the station's server: the 受理编号 and the ID number's last 6 characters
    assert (
        f"https://ssb.leshan.test/progress，输入受理编号{result.case_number}和申请人身份证号码后6位" in text
    )
    assert "联系电话：0833-2123456" in text and "地址：乐山市市中区大佛街道嘉定中路1号" in text
    assert "乐山市市中区大佛街道社保所（盖章）" in text and "经办人：" in text


@needs_poppler
def test_the_one_time_notice_names_the_applicant_the_clerk_and_the_station(session, tmp_path):
    set_contact(session.db, "0833-2123456", None)
    text = "一次性告知单\n办理事项：C009 参保关系变更\n您办理此项业务还需提交以下 1 项材料：\n1. 新单位参保证明或录用通知"
    pdf = receipt_pdf.notice_pdf(
        session.db,
        text,
        issued="2026年11月26日 10:00",
        applicant_name=KNOWN_NAME,
        applicant_id=KNOWN_ID,
        clerk="张晓梅",
    )
    assert _pages(pdf, tmp_path) == 1
    out = _words(pdf, tmp_path)
    assert KNOWN_NAME in out and receipt_pdf.mask_id(KNOWN_ID) in out and KNOWN_ID not in out
    assert "经办人：张晓梅" in out and "乐山市市中区大佛街道社保所（盖章）" in out
    assert "联系电话：0833-2123456" in out and "地址：（未登记地址）" in out


def test_a_station_record_is_kept_by_version(station_home):
    db = station_home.db
    assert station_contact.contact(db) == station_contact.StationContact()
    assert station_contact.contact(db).phone_text == "（未登记电话）"
    set_contact(db, "0833-2123456", "嘉定中路 1 号", version=2)
    set_contact(db, "0833-9999999", None, version=1)  # an older record arriving late changes nothing
    assert station_contact.contact(db) == station_contact.StationContact("0833-2123456", "嘉定中路 1 号")
