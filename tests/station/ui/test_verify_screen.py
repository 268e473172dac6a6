"""核验 in the window: F7 from 首页, a scanner types a receipt's QR code into the field and
Enter checks it offline; genuine (with where the case stands), tampered, and another
station's document before the city's keys came down; Esc goes back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schema import document_seal
from schema.document_seal import DocumentKind, SealedDocument
from schema.identifiers import make_uscc
from station_client.core.intake_rules import ApplicantInput
from station_client.services import receipt_seal, receipts
from station_client.services.intake import IntakeRequest, intake
from station_client.ui.verify import VerifyScreen
from station_client.ui.workbench import WorkbenchScreen
from tests.station.ui.test_screens import _fits
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW

TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    "transfer_month": "2026-11",
}


def _receipt_qr(home) -> tuple[str, str]:
    session = home.login("clerk1")
    result = intake(
        session, IntakeRequest("C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]), now=NOW
    )  # fmt: skip
    doc = receipts.read(home.db, home.dek, result.case_number)
    assert doc is not None
    return result.case_number, receipt_seal.document_qr(home.db, home.dek, "acceptance", doc)


def _scan(ui, screen: VerifyScreen, text: str) -> None:
    """A keyboard-wedge scanner: the characters, then Enter."""
    ui.type_into(screen.code, text)
    ui.enter(screen.code)
    ui.pump(lambda: not screen.checking, what="the check")
    ui.settle()


def _rows(screen: VerifyScreen) -> dict[str, str]:
    return {n.cget("text"): v.cget("text") for n, v in screen.cells if n.cget("text")}


def test_a_scanned_receipt_is_checked_offline_and_a_tampered_one_refused(ui, ui_home):
    number, qr = _receipt_qr(ui_home)
    ui.login()
    bench = ui.screen
    assert isinstance(bench, WorkbenchScreen) and "F7 核验" in bench.hint
    ui.key(bench.query, "F7")
    screen = ui.wait_screen(VerifyScreen)
    assert ui.app.focus_get() is ui.inner(screen.code)  # ready for the scanner

    _scan(ui, screen, qr)
    assert ui.banner.startswith("文件真实有效：由乐山市市中区大佛街道社保所出具")
    rows = _rows(screen)
    assert rows["文件类型"] == "社会保险业务受理回执" and rows["文件编号"] == number
    assert rows["办理事项"].startswith("C009 ")
    assert "本站记录的办理状态：受理" in screen.note.cget("text")
    assert screen.code.get() == ""  # cleared for the next scan
    assert _fits(ui.app) == [], "verify"

    raw = bytearray(document_seal._unb64url(qr.rsplit("/", 1)[1]))
    raw[24] ^= 0x01  # a second later, the signature kept
    _scan(ui, screen, qr.rsplit("/", 1)[0] + "/" + document_seal._b64url(bytes(raw)))
    assert ui.banner.startswith("核验未通过")
    assert _rows(screen) == {}  # nothing of a failed document is shown

    other = "511102005-00-20261126-0003"
    foreign = SealedDocument(
        DocumentKind.ACCEPTANCE, other, other, "C009", Decimal(0), dt.datetime.now(dt.UTC)
    )
    _scan(
        ui, screen, document_seal.url("https://x", document_seal.sign(Ed25519PrivateKey.generate(), foreign))
    )
    assert ui.banner.startswith("无法核验")
    assert "联网同步" in screen.note.cget("text")

    _scan(ui, screen, "不是二维码")
    assert "seal_unreadable" in ui.banner or "无法识别该核验码" in ui.banner

    ui.escape(screen.code)
    ui.wait_screen(WorkbenchScreen)
