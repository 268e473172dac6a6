"""Receipts on paper: completion slips, acceptance receipts, payment receipts, and the
一次性告知单, as PDFs (fpdf2, A4) with a Chinese font and a signed QR code.

Rendering is pure (a receipt document in, PDF bytes out): :func:`render_receipt` and
:func:`render_notice`. :func:`receipt_pdf` reads the sealed receipt from the store and
signs its number with the station key (:mod:`receipt_seal`); :func:`export` writes the
file under ``<home>/exports/`` for the PDF viewer to print. Rendering takes ~0.2 s and
importing fpdf2 ~0.3 s, so the UI calls these from its worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from station_client.core.case_numbering import CHINA_TZ
from station_client.core.money_words import in_words
from station_client.crypto.keys import DataKey
from station_client.paths import StationPaths
from station_client.services import receipt_seal
from station_client.services.errors import ServiceError
from station_client.services.pdf_fonts import PdfFont, find_font
from station_client.store import receipts as store

TITLES = {
    store.COMPLETION: "社会保险业务办结单",
    store.ACCEPTANCE: "社会保险业务受理回执",
    store.PAYMENT: "社会保险费缴费收据",
}
FOOTERS = {
    store.COMPLETION: "本业务已当场办结。如对办理结果有疑问，请凭本单到服务站咨询。",
    store.ACCEPTANCE: (
        "您的申请已受理，由市社保局业务科室在承诺时限内办结。请妥善保管本回执，凭受理编号查询办理进度；"
        "办结后请持本回执和身份证件到本服务站领取结果。"
    ),
    store.PAYMENT: "本收据为缴纳社会保险费的凭证，请妥善保管。如有疑问，请凭收据号到服务站咨询。",
}
_FONT = "cjk"
_LABEL_W = 42.0


@dataclass(frozen=True, slots=True)
class Printable:
    kind: str
    number: str
    pdf: bytes


def mask_id(value: str | None) -> str:
    """A resident ID number with its birth date hidden (``511102********0123``); codes of units as they are."""
    if not value:
        return ""
    if len(value) == 18 and value[:17].isdigit():
        return f"{value[:6]}{'*' * 8}{value[14:]}"
    return value


def local_time(text: str | None) -> str:
    if not text:
        return ""
    moment = datetime.fromisoformat(text).astimezone(CHINA_TZ)
    return f"{moment:%Y年%m月%d日 %H:%M}"


def _date(text: str | None) -> str:
    """``2027-01-15`` → ``2027年01月15日``; a mark after the date (（暂定）) is kept."""
    if not text or len(text) < 10 or text[4] != "-" or text[7] != "-":
        return text or ""
    return f"{text[:4]}年{text[5:7]}月{text[8:10]}日{text[10:]}"


class _Page:
    """An fpdf2 document with our font and a few layout helpers."""

    def __init__(self, font: PdfFont, title: str, subtitle: str) -> None:
        from fpdf import FPDF

        self.pdf = pdf = FPDF(format="A4", unit="mm")
        pdf.set_margins(18, 16, 18)
        pdf.set_auto_page_break(True, margin=16)
        pdf.add_font(_FONT, fname=str(font.path), collection_font_number=font.index)
        pdf.set_title(title)
        pdf.set_creator("乡镇社保服务站工作站")
        pdf.add_page()
        pdf.set_font(_FONT, size=18)
        pdf.cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(_FONT, size=11)
        pdf.cell(0, 7, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)

    def qr(self, payload: str, caption: str) -> None:
        import qrcode

        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=1)
        code.add_data(payload)
        code.make(fit=True)
        image = code.make_image(fill_color="black", back_color="white").get_image()
        pdf, size = self.pdf, 30.0
        x = pdf.w - pdf.r_margin - size
        pdf.image(image, x=x, y=14, w=size, h=size)
        pdf.set_font(_FONT, size=7)
        pdf.set_xy(x - 6, 14 + size)
        pdf.cell(size + 12, 4, caption, align="C")
        pdf.set_xy(pdf.l_margin, 14 + size + 8)

    def rows(self, rows: Sequence[tuple[str, str]], width: float | None = None) -> None:
        pdf = self.pdf
        value_w = (width or (pdf.w - pdf.l_margin - pdf.r_margin)) - _LABEL_W
        pdf.set_font(_FONT, size=11)
        for label, value in rows:
            if not value:
                continue
            y = pdf.get_y()
            pdf.set_fill_color(240, 240, 240)
            lines = pdf.multi_cell(value_w, 8, value, dry_run=True, output="LINES")
            height = 8 * max(1, len(lines) if isinstance(lines, list) else 1)
            pdf.cell(_LABEL_W, height, label, border=1, fill=True, align="C")
            pdf.set_xy(pdf.l_margin + _LABEL_W, y)
            pdf.multi_cell(value_w, 8, value, border=1, new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        self.pdf.ln(3)
        self.pdf.set_font(_FONT, size=12)
        self.pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")

    def table(self, head: Sequence[str], body: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        pdf.set_font(_FONT, size=10)
        heads = FontFace(emphasis="", fill_color=(235, 235, 235))
        with pdf.table(
            col_widths=tuple(widths), text_align="CENTER", line_height=7, headings_style=heads
        ) as table:
            table.row(list(head))
            for values in body:
                table.row(list(values))

    def paragraph(self, text: str, size: int = 10) -> None:
        self.pdf.ln(3)
        self.pdf.set_font(_FONT, size=size)
        # Chinese wraps between any two characters; justified or word-wrapped, a line would
        # stretch or break at the few spaces around numbers
        from fpdf.enums import WrapMode

        self.pdf.multi_cell(0, 6, text, align="L", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")

    def signature_line(self, clerk: str, issued: str) -> None:
        self.pdf.ln(6)
        self.pdf.set_font(_FONT, size=11)
        self.pdf.cell(
            0, 8, f"经办人：{clerk}        办理时间：{issued}        （服务站盖章）", new_x="LMARGIN"
        )

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


def _fee_section(page: _Page, fee: Mapping[str, Any]) -> None:
    page.heading(f"缴费明细（{fee.get('kind_label', '')}，费率表 {fee.get('rates_version') or '—'}）")
    by_insurance = fee.get("by_insurance", {})
    page.table(["险种", "金额（元）"], [[k, v] for k, v in by_insurance.items()], (3, 1))
    page.pdf.ln(2)
    page.table(["资金去向", "金额（元）"], [[k, v] for k, v in fee.get("by_account", {}).items()], (3, 1))
    page.pdf.ln(2)
    page.table(["缴费人", "金额（元）"], [[k, v] for k, v in fee.get("by_payer", {}).items()], (3, 1))
    months = fee.get("by_month", {})
    if len(months) > 1:
        page.pdf.ln(2)
        page.table(["所属期", "金额（元）"], [[k, v] for k, v in months.items()], (3, 1))
    if provisional := fee.get("provisional_months"):
        page.paragraph(f"所属期 {'、'.join(provisional)}：当年度缴费基数尚未公布，暂按上年度基数。", size=11)
    collected = Decimal(str(fee.get("collected", "0")))
    page.paragraph(
        f"本次实缴金额：人民币 {collected:.2f} 元（大写：{in_words(collected)}）"
        + (f"；政府补贴 {fee['subsidy']} 元记入个人账户" if Decimal(str(fee.get("subsidy", "0"))) else ""),
        size=12,
    )


def render_receipt(
    doc: Mapping[str, Any], kind: str, *, station: str, seal: str, font: PdfFont | None = None
) -> bytes:
    """The PDF of one receipt document (as :mod:`station_client.services.receipts` stores it)."""
    number = str(doc.get("receipt_number") or doc["case_number"])
    page = _Page(font or find_font(), TITLES[kind], station)
    page.qr(receipt_seal.qr_payload(number, seal), f"核验码 {seal[:12]}")
    number_label = {store.COMPLETION: "办结编号", store.ACCEPTANCE: "受理编号", store.PAYMENT: "收据号"}[kind]
    rows = [(number_label, number)]
    if kind == store.PAYMENT:
        rows.append(("业务编号", str(doc["case_number"])))
    rows += [
        ("办理事项", f"{doc['item_code']} {doc['item_name']}"),
        ("业务类别", str(doc.get("tier_label", ""))),
        ("申请人", str(doc.get("applicant_name", ""))),
        ("证件号码", mask_id(doc.get("applicant_id"))),
        ("办理时间", local_time(doc.get("issued_at"))),
    ]
    if kind == store.ACCEPTANCE:
        rows += [
            ("承诺办结日期", _date(str(doc.get("promised_date", "")))),
            ("办理时限", str(doc.get("time_limit", ""))),
            ("办理科室", str(doc.get("section", ""))),
        ]
    page.rows(rows, width=page.pdf.w - page.pdf.l_margin - page.pdf.r_margin)
    if kind == store.ACCEPTANCE and doc.get("promised_note"):
        page.paragraph(str(doc["promised_note"]))  # why the promised date is 暂定
    if kind == store.PAYMENT and doc.get("fee"):
        _fee_section(page, doc["fee"])
    page.paragraph(FOOTERS[kind])
    page.signature_line(str(doc.get("clerk_name") or doc.get("clerk", "")), local_time(doc.get("issued_at")))
    return page.bytes()


def render_notice(text: str, *, station: str, issued: str, font: PdfFont | None = None) -> bytes:
    """The 一次性告知单 (``schema.catalog.notice_text``) on paper, for the applicant to take home."""
    lines = text.splitlines()
    title, body = (lines[0], lines[1:]) if lines else ("一次性告知单", [])
    page = _Page(font or find_font(), title, station)
    for line in body:
        page.paragraph(line, size=12)
    page.paragraph("材料备齐后，请带齐原件到本服务站办理。如有疑问，请向窗口工作人员咨询。", size=11)
    page.signature_line("", issued)
    return page.bytes()


def receipt_pdf(db: Database, dek: DataKey, number: str, *, font: PdfFont | None = None) -> Printable:
    """Read receipt ``number`` from the store, sign it, render it."""
    row = db.execute("SELECT kind FROM receipts WHERE number = ?", [number]).fetchone()
    doc = store.get(db, dek, number)
    if row is None or doc is None:
        raise ServiceError("receipt_not_found", f"本机没有编号为 {number} 的回执或收据：请核对编号后重试。")
    kind = str(row[0])
    seal = receipt_seal.sign_number(db, dek, number)
    station = receipt_seal.station_name(str(doc.get("station_id", "")))
    return Printable(kind, number, render_receipt(doc, kind, station=station, seal=seal, font=font))


def export(paths: StationPaths, name: str, pdf: bytes) -> Path:
    """Write ``<home>/exports/<name>.pdf`` (owner-only) for the viewer; returns the path."""
    folder = paths.exports
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
    target = folder / f"{safe}.pdf"
    target.write_bytes(pdf)
    return target


def clear_exports(paths: StationPaths, *, older_than_seconds: float, now: float) -> int:
    """Delete printed PDFs older than the limit (they hold personal data in the clear)."""
    removed = 0
    if not paths.exports.is_dir():
        return 0
    for file in paths.exports.glob("*.pdf"):
        try:
            if now - file.stat().st_mtime > older_than_seconds:
                file.unlink()
                removed += 1
        except OSError:
            continue
    return removed
