"""Citizens' pages in Debian's Chromium on a phone-sized screen (390×844), against a real
``sync-server serve`` over HTTPS, on SQLite and on PostgreSQL.

A receipt's QR URL opens the verification page: genuine (what the paper states, the case's
status, the applicant masked), tampered, and a revoked station's later document. The
progress page answers the right pair with the status and due date, a wrong pair exactly as
an unknown number, and refuses with a coded 429 page once the case's limit is reached.
The genuine page is saved as docs/screenshots/public-verify-phone.png (README shows it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from schema import document_seal
from schema.cases import case_number
from schema.document_seal import DocumentKind, SealedDocument
from schema.protocol import CaseAcceptOp
from sync_server.services.admin import stations as station_admin
from tests.support.console_world import CHROMIUM, chromium_args, push_ops
from tests.support.factories import Station, accept_op, enrolled_station
from tests.support.serve_process import Served, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "public-verify-phone.png"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def served(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.setenv("SSB_PUBLIC_PROGRESS_PER_CASE", "3")  # the server process reads its settings here
    with serve(tmp_path / "server", database_url=database_url) as running:
        yield running


@pytest.fixture
def phone(served: Served) -> Iterator[Page]:
    with sync_playwright() as p:
        browser: Browser = p.chromium.launch(
            executable_path=CHROMIUM, args=chromium_args(served.data_dir / "tls" / "server.pem")
        )
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
        yield context.new_page()
        context.close()
        browser.close()


def _case(served: Served) -> tuple[Station, CaseAcceptOp]:
    station = enrolled_station(served.db)
    op = accept_op(station, "C019", name="罗小东")
    with served.client() as client:
        push_ops(client, station, [op])
    return station, op


def _url(served: Served, station: Station, op: CaseAcceptOp, at: dt.datetime | None = None) -> str:
    number = op.payload.case_number
    document = SealedDocument(
        DocumentKind.ACCEPTANCE,
        number,
        number,
        op.payload.item_code,
        Decimal(0),
        at or dt.datetime.now(dt.UTC),
    )
    return document_seal.url(served.url, document_seal.sign(station.key, document))


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        "the page scrolls sideways"
    )


def test_a_receipt_s_qr_opens_the_verdict_on_a_phone(served: Served, phone: Page, database_url: str) -> None:
    station, op = _case(served)
    phone.goto(_url(served, station, op))
    expect(phone.locator(".verdict.good")).to_contain_text("文件真实有效")
    facts = phone.locator("main")
    for words in (
        "社会保险业务受理回执",
        op.payload.case_number,
        "乐山市市中区大佛街道社保所",
        "职工正常退休（职）申请",
        "罗*东",
        "承诺办结日期",
    ):
        expect(facts).to_contain_text(words)
    expect(phone.locator(".status strong")).to_have_text("受理")
    assert "罗小东" not in phone.content()
    _fits_the_phone(phone)
    if database_url.startswith("sqlite"):
        phone.screenshot(path=str(SCREENSHOT))  # what the phone shows first, 390×844

    raw = bytearray(document_seal._unb64url(phone.url.rsplit("/", 1)[1]))
    raw[24] ^= 0x01  # the time, one second off, the signature kept
    phone.goto(f"{served.url}/v/{document_seal._b64url(bytes(raw))}")
    expect(phone.locator(".verdict.bad")).to_contain_text("核验未通过")
    expect(phone.locator(".verdict.bad")).to_contain_text("文件可能被改动过")
    expect(phone.locator("main")).not_to_contain_text("罗*东")

    revoked_at = dt.datetime.now(dt.UTC)
    with served.db.write() as conn:
        station_admin.revoke_station(conn, station.id, now=revoked_at, actor="demo.admin")
    phone.goto(_url(served, station, op, revoked_at + dt.timedelta(minutes=1)))
    expect(phone.locator(".verdict.bad")).to_contain_text("注销")
    phone.goto(_url(served, station, op, revoked_at - dt.timedelta(minutes=1)))
    expect(phone.locator(".verdict.good")).to_contain_text("文件真实有效")


def _ask(phone: Page, served: Served, number: str, tail: str) -> str:
    """Type the pair into the form and submit it; the words of the answer."""
    phone.goto(f"{served.url}/progress")
    phone.fill("#number", number)
    phone.fill("#id_tail", tail)
    with phone.expect_response(f"{served.url}/progress") as answer:
        phone.click("button[type=submit]")
    phone.wait_for_load_state()
    phone.answer_status = answer.value.status  # type: ignore[attr-defined]
    return phone.locator("main").inner_text()


def test_progress_on_a_phone_answers_the_right_pair_alone_and_is_rate_limited(
    served: Served, phone: Page
) -> None:
    station, op = _case(served)
    id_number = op.payload.applicant.id_number
    assert id_number is not None
    number = op.payload.case_number
    shown = _ask(phone, served, number, id_number[-6:])
    assert "受理" in shown and "承诺办结日期" in shown and "罗*东" in shown
    _fits_the_phone(phone)

    wrong = "000000" if id_number[-6:] != "000000" else "111111"
    unknown = case_number(station.id, dt.date(2026, 11, 26), 9999)
    by_wrong_pair, by_unknown = _ask(phone, served, number, wrong), _ask(phone, served, unknown, wrong)
    assert by_wrong_pair == by_unknown  # the same words, not a hint that the number exists
    assert "没有查到与该受理编号和证件号码后6位相符的业务" in by_wrong_pair

    assert phone.answer_status == 200  # type: ignore[attr-defined]
    _ask(phone, served, number, wrong)  # the third look-up of this number: the last one allowed (3)
    assert phone.answer_status == 200  # type: ignore[attr-defined]
    refusal = _ask(
        phone, served, number, id_number[-6:]
    )  # the fourth look-up of this number, even the right pair
    assert phone.answer_status == 429  # type: ignore[attr-defined]
    assert "查询过于频繁" in refusal and "public_rate_limited" in refusal
    with served.client() as client:
        again = client.post("/progress", data={"number": number, "id_tail": id_number[-6:]})
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
