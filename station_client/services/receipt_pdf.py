"""The station's documents on paper, as PDFs (fpdf2, A4) with a Chinese font and a signed QR code.

* receipts kept in the store (:mod:`receipts`): 办结单, 受理回执 (the materials received,
  how to follow the case: the server's progress page and the 受理编号), 缴费收据 (the base,
  the months as one span, the decomposition; always ONE page);
* the 一次性告知单 (missing materials) with the applicant, the clerk and the station;
* the 补正告知书 and 办结通知书 of a case the city decided on (:mod:`core.case_notices`).

Every document ends alike: the clerk, the station to be sealed, its phone and address as
the city registered them (``services.station_contact``; 「（未登记电话）」 until then) and
the date. Every document fits one page: it is laid out again a little smaller until it
does (:func:`_fitted`), so 经办人 and the seal never spill onto a second sheet.

Rendering is pure (:func:`render_receipt`, :func:`render_notice`, :func:`render_sheet`);
:func:`receipt_pdf`, :func:`notice_pdf` and :func:`case_notice_pdf` read the store and
sign. :func:`export` writes the file under ``<home>/exports/`` for the PDF viewer to print.
Rendering takes ~0.2 s and importing fpdf2 ~0.3 s, so the UI calls these from its worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from schema.errors import ContractError
from station_client.core import case_notices
from station_client.core.case_notices import Sheet, Where
from station_client.core.money_words import in_words
from station_client.core.paper_words import cn_date, cn_month, local_time, mask_id, month_runs, month_span
from station_client.crypto.keys import DataKey
from station_client.paths import StationPaths
from station_client.services import pdf_signing, receipt_seal, station_contact
from station_client.services.errors import ServiceError
from station_client.services.pdf_fonts import PdfFont, find_font
from station_client.store import meta
from station_client.store import receipts as store
from station_client.sync import crash_points

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = [
    "Printable",
    "case_notice_pdf",
    "clear_exports",
    "export",
    "local_time",
    "mask_id",
    "notice_pdf",
    "receipt_pdf",
    "render_notice",
    "render_receipt",
    "render_sheet",
]

TITLES = {
    store.COMPLETION: "社会保险业务办结单",
    store.ACCEPTANCE: "社会保险业务受理回执",
    store.PAYMENT: "社会保险费缴费收据",
}
FOOTERS = {
    store.COMPLETION: "本业务已当场办结。如对办理结果有疑问，请凭本单到服务站咨询。",
    store.ACCEPTANCE: (
        "您的申请已受理，由市社保局业务科室在承诺时限内办结。请妥善保管本回执；"
        "办结后请持本回执和身份证件到本服务站领取结果。"
    ),
    store.PAYMENT: "本收据为缴纳社会保险费的凭证，请妥善保管。如有疑问，请凭收据号到服务站咨询。",
}
NUMBER_LABELS = {store.COMPLETION: "办结编号", store.ACCEPTANCE: "受理编号", store.PAYMENT: "收据号"}
_FONT = "cjk"
_LABEL_W = 36.0
# Each try lays the page out a little smaller; the last is the smallest still readable.
_SCALES = (1.0, 0.92, 0.85, 0.78, 0.72, 0.66)


@dataclass(frozen=True, slots=True)
class Printable:
    kind: str
    number: str
    pdf: bytes


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who hands the paper out: the station, how to reach it, how to follow a case online."""

    station: str
    contact: station_contact.StationContact = field(default_factory=station_contact.StationContact)
    progress_url: str | None = None

    def where(self) -> Where:
        return Where(self.station, self.contact.address_text, self.contact.phone_text, self.progress_url)


def issuer_of(db: Database, station_id: str | None = None) -> Issuer:
    """The station as the store knows it (name from its code, the city's contact, its server)."""
    station = receipt_seal.station_name(station_id or meta.station_id(db) or "")
    server = (meta.get(db, meta.SERVER_URL) or "").rstrip("/")
    return Issuer(station, station_contact.contact(db), f"{server}/progress" if server else None)


# ── layout ──────────────────────────────────────────────────────────────────────────


class _Page:
    """An fpdf2 document with our font and a few layout helpers, every size times ``scale``."""

    def __init__(self, font: PdfFont, title: str, subtitle: str, scale: float = 1.0) -> None:
        from fpdf import FPDF

        self.scale = scale
        self.pdf: FPDF = FPDF(format="A4", unit="mm")
        pdf = self.pdf
        pdf.set_margins(18, 14, 18)
        pdf.set_auto_page_break(True, margin=14)
        pdf.add_font(_FONT, fname=str(font.path), collection_font_number=font.index)
        pdf.set_title(title)
        pdf.set_creator("乡镇社保服务站工作站")
        pdf.add_page()
        pdf.set_font(_FONT, size=self.s(18))
        pdf.cell(0, self.s(10), title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(_FONT, size=self.s(11))
        pdf.cell(0, self.s(7), subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(self.s(3))

    def s(self, size: float) -> float:
        return size * self.scale

    @property
    def width(self) -> float:
        return self.pdf.w - self.pdf.l_margin - self.pdf.r_margin

    def qr(self, payload: str, caption: str) -> None:
        import qrcode

        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=1)
        code.add_data(payload)
        code.make(fit=True)
        image = code.make_image(fill_color="black", back_color="white").get_image()
        pdf, size = self.pdf, 28.0
        x = pdf.w - pdf.r_margin - size
        pdf.image(image, x=x, y=10, w=size, h=size)
        pdf.set_font(_FONT, size=7)
        pdf.set_xy(x - 6, 10 + size)
        pdf.cell(size + 12, 4, caption, align="C")
        pdf.set_xy(pdf.l_margin, max(10 + size + 6, pdf.get_y()))

    def rows(self, rows: Sequence[tuple[str, str]]) -> None:
        from fpdf.enums import WrapMode

        pdf, line = self.pdf, self.s(7.5)
        label_w = self.s(_LABEL_W)
        value_w = self.width - label_w
        pdf.set_font(_FONT, size=self.s(11))
        pdf.set_fill_color(240, 240, 240)
        for label, value in rows:
            if not value:
                continue
            lines = pdf.multi_cell(value_w, line, value, dry_run=True, output="LINES", wrapmode=WrapMode.CHAR)
            height = line * max(1, len(lines) if isinstance(lines, list) else 1)
            if pdf.will_page_break(height):
                pdf.add_page()
            y = pdf.get_y()
            pdf.cell(label_w, height, label, border=1, fill=True, align="C")
            pdf.set_xy(pdf.l_margin + label_w, y)
            pdf.multi_cell(
                value_w, line, value, border=1, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT"
            )

    def heading(self, text: str) -> None:
        self.pdf.ln(self.s(2))
        self.pdf.set_font(_FONT, size=self.s(12))
        self.pdf.cell(0, self.s(7), text, new_x="LMARGIN", new_y="NEXT")

    def table(self, head: Sequence[str], body: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        pdf.set_font(_FONT, size=self.s(10))
        heads = FontFace(emphasis="", fill_color=(235, 235, 235))
        with pdf.table(
            col_widths=tuple(widths), text_align="CENTER", line_height=self.s(6.5), headings_style=heads
        ) as table:
            table.row(list(head))
            for values in body:
                table.row(list(values))

    def paragraph(self, text: str, size: float = 10.5) -> None:
        # Chinese wraps between any two characters; justified or word-wrapped, a line would
        # stretch or break at the few spaces around numbers
        from fpdf.enums import WrapMode

        self.pdf.ln(self.s(2))
        self.pdf.set_font(_FONT, size=self.s(size))
        self.pdf.multi_cell(
            0, self.s(size * 0.56), text, align="L", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT"
        )

    def numbered(self, heading: str, items: Sequence[str]) -> None:
        if not items:
            return
        self.heading(heading)
        for n, text in enumerate(items, start=1):
            self.paragraph(f"{n}. {text}", size=11)

    def closing(self, clerk: str, issued: str, issuer: Issuer) -> None:
        """经办人 and the station's contact at the left, the station to seal and the date at the right."""
        from fpdf.enums import WrapMode

        pdf, line = self.pdf, self.s(7)
        pdf.ln(self.s(5))
        pdf.set_font(_FONT, size=self.s(11))
        half = self.width / 2
        left = [f"经办人：{clerk or '　　　　'}", f"联系电话：{issuer.contact.phone_text}"]
        right = [f"{issuer.station}（盖章）", issued]
        needed = line * (len(left) + 2)
        if pdf.will_page_break(needed):
            pdf.add_page()
        top = pdf.get_y()
        for n, text in enumerate(left):
            pdf.set_xy(pdf.l_margin, top + n * line)
            pdf.cell(half, line, text)
        for n, text in enumerate(right):
            pdf.set_xy(pdf.l_margin + half, top + n * line)
            pdf.cell(half, line, text, align="R")
        pdf.set_xy(pdf.l_margin, top + len(left) * line)
        pdf.multi_cell(
            0,
            line,
            f"地址：{issuer.contact.address_text}",
            wrapmode=WrapMode.CHAR,
            new_x="LMARGIN",
            new_y="NEXT",
        )

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())

    def discard(self) -> None:
        # fpdf2 closes the font file when it writes the PDF; a try that is thrown away must too
        for font in self.pdf.fonts.values():
            close = getattr(font, "close", None)
            if close is not None:
                close()


def _fitted(font: PdfFont, title: str, subtitle: str, draw: Callable[[_Page], None]) -> bytes:
    """The document on ONE page: laid out again, smaller, until nothing spills over."""
    for scale in _SCALES[:-1]:
        page = _Page(font, title, subtitle, scale)
        draw(page)
        crash_points.reach("receipt.rendering")  # the crash test's kill while printing
        if page.pdf.pages_count == 1:
            return page.bytes()
        page.discard()
    page = _Page(font, title, subtitle, _SCALES[-1])
    draw(page)
    return page.bytes()


# ── payment receipts ───────────────────────────────────────────────────────────────


def _basis_rows(fee: Mapping[str, Any]) -> list[tuple[str, str]]:
    """缴费基数 (or 档次) and the months paid for, as one span: 2026年01月—2026年12月，共12个月."""
    basis: Mapping[str, Any] = fee.get("basis") or {}
    months = [m for m in fee.get("by_month", {}) if m != "全年"]
    rows = []
    if basis.get("base"):
        rows.append(("缴费基数", f"{Decimal(str(basis['base'])):.2f} 元/月"))
    if basis.get("grade"):
        rows.append(("缴费档次", f"{basis['grade']} 元/年"))
    if months:
        rows.append(("缴费所属期", month_span(months)))
    elif basis.get("year"):
        rows.append(("缴费所属期", f"{basis['year']}年度"))
    return rows


def _monthly_line(by_month: Mapping[str, str]) -> str:
    """每月金额 by runs of months with the same amount (never one row a month)."""
    months = sorted(m for m in by_month if m != "全年")
    if len(months) < 2:
        return ""
    parts: list[str] = []
    start = 0
    for n in range(1, len(months) + 1):
        if n == len(months) or by_month[months[n]] != by_month[months[start]]:
            for a, b in month_runs(months[start:n]):
                span = cn_month(a) if a == b else f"{cn_month(a)}—{cn_month(b)}"
                parts.append(f"{span} 每月 {by_month[months[start]]} 元")
            start = n
    return "按月：" + "；".join(parts) + "。"


def _fee_section(page: _Page, fee: Mapping[str, Any]) -> None:
    page.heading(f"缴费明细（{fee.get('kind_label', '')}，费率表 {fee.get('rates_version') or '—'}）")
    body = [["险种", k, v] for k, v in fee.get("by_insurance", {}).items()]
    body += [["资金去向", k, v] for k, v in fee.get("by_account", {}).items()]
    body += [["缴费人", k, v] for k, v in fee.get("by_payer", {}).items()]
    body.append(["合计", "", str(fee.get("total", ""))])
    page.table(["类别", "项目", "金额（元）"], body, (2, 5, 3))
    if line := _monthly_line(fee.get("by_month", {})):
        page.paragraph(line)
    if provisional := fee.get("provisional_months"):
        page.paragraph(f"所属期 {month_span(provisional)}：当年度缴费基数尚未公布，暂按上年度基数。")
    collected = Decimal(str(fee.get("collected", "0")))
    page.paragraph(
        f"本次实缴金额：人民币 {collected:.2f} 元（大写：{in_words(collected)}）"
        + (f"；政府补贴 {fee['subsidy']} 元记入个人账户" if Decimal(str(fee.get("subsidy", "0"))) else ""),
        size=12,
    )


# ── receipts ───────────────────────────────────────────────────────────────────────


def _progress_line(number: str, issuer: Issuer) -> str:
    phone = issuer.contact.phone_text
    if issuer.progress_url:
        return (
            f"查询办理进度：访问 {issuer.progress_url} ，输入受理编号 {number} 和申请人身份证号码后6位；"
            f"或致电本服务站 {phone}。"
        )
    return f"查询办理进度：请凭受理编号 {number} 到本服务站或致电 {phone} 查询。"


def render_receipt(
    doc: Mapping[str, Any],
    kind: str,
    *,
    station: str,
    seal: str,
    font: PdfFont | None = None,
    issuer: Issuer | None = None,
    qr: str | None = None,
) -> bytes:
    """The PDF of one receipt document (as :mod:`station_client.services.receipts` stores it).

    ``qr``: what the QR code holds (``receipt_seal.document_qr``: the city's verification page);
    without it, the older ``SSB1|<number>|<seal>``."""
    number = str(doc.get("receipt_number") or doc["case_number"])
    issuer = issuer or Issuer(station)
    issued = local_time(doc.get("issued_at"))
    rows = [(NUMBER_LABELS[kind], number)]
    if kind == store.PAYMENT and doc.get("stock_number"):  # the number of the city's receipt stock
        rows.insert(0, ("票据号码", str(doc["stock_number"])))
        if doc.get("replaces"):
            rows.append(("换开说明", f"原票据号码 {doc['replaces']} 已作废，以本收据为准"))
    if kind == store.PAYMENT:
        rows += [
            ("业务编号", str(doc["case_number"])),
            ("缴费项目", f"{doc['item_code']} {doc['item_name']}"),
            ("缴费人", str(doc.get("applicant_name", ""))),
            ("证件号码", mask_id(doc.get("applicant_id"))),
            *_basis_rows(doc.get("fee") or {}),
            ("收款时间", issued),
        ]
    else:
        rows += [
            ("办理事项", f"{doc['item_code']} {doc['item_name']}"),
            ("业务类别", str(doc.get("tier_label", ""))),
            ("申请人", str(doc.get("applicant_name", ""))),
            ("证件号码", mask_id(doc.get("applicant_id"))),
            ("办理时间", issued),
        ]
    if kind == store.ACCEPTANCE:
        rows += [
            ("承诺办结日期", cn_date(str(doc.get("promised_date", "")))),
            ("办理时限", str(doc.get("time_limit", ""))),
            ("办理科室", str(doc.get("section", ""))),
        ]

    def draw(page: _Page) -> None:
        page.qr(qr or receipt_seal.qr_payload(number, seal), "扫码核验真伪" if qr else f"核验码 {seal[:12]}")
        page.rows(rows)
        if kind == store.ACCEPTANCE:
            page.numbered("已收材料", [str(x) for x in doc.get("materials", ())])
            if doc.get("promised_note"):
                page.paragraph(str(doc["promised_note"]))  # why the promised date is 暂定
        if kind == store.PAYMENT and doc.get("fee"):
            _fee_section(page, doc["fee"])
        page.paragraph(FOOTERS[kind])
        if kind == store.ACCEPTANCE:
            page.paragraph(_progress_line(number, issuer))
        page.closing(str(doc.get("clerk_name") or doc.get("clerk", "")), issued[:11], issuer)

    return _fitted(font or find_font(), TITLES[kind], issuer.station, draw)


def _qr_value(db: Database, dek: DataKey, number: str) -> tuple[str, str]:
    """The seal over ``number`` and what the QR code holds, for a notice: ``SSB1|…`` (the
    city's verification page seals receipts only; a notice names its case's 受理编号)."""
    seal = receipt_seal.sign_number(db, dek, number)
    return seal, receipt_seal.qr_payload(number, seal)


def receipt_pdf(db: Database, dek: DataKey, number: str, *, font: PdfFont | None = None) -> Printable:
    """Read receipt ``number`` from the store, sign it, render it."""
    row = db.execute("SELECT kind FROM receipts WHERE number = ?", [number]).fetchone()
    doc = store.get(db, dek, number)
    if row is None or doc is None:
        raise ServiceError("receipt_not_found", f"本机没有编号为 {number} 的回执或收据：请核对编号后重试。")
    kind = str(row[0])
    if db.execute("SELECT 1 FROM receipt_voids WHERE number = ?", [number]).fetchone():
        raise ServiceError(
            "receipt_voided",
            f"收据 {number}（票据号码 {doc.get('stock_number', '')}）已作废，不能再打印：请打印换开的新收据。",
            {"number": number},
        )
    qr = receipt_seal.document_qr(db, dek, kind, doc)  # <server>/v/<code>: what the paper states, sealed
    issuer = issuer_of(db, str(doc.get("station_id", "")) or None)
    pdf = render_receipt(doc, kind, station=issuer.station, seal="", font=font, issuer=issuer, qr=qr)
    if kind == store.PAYMENT:  # a PDF reader verifies the file too (PAdES, the city's document CA)
        pdf = pdf_signing.sign_receipt(db, dek, pdf, location=issuer.station)
    return Printable(kind, number, pdf)


# ── notices ────────────────────────────────────────────────────────────────────────


def render_notice(
    text: str,
    *,
    station: str,
    issued: str,
    font: PdfFont | None = None,
    applicant_name: str = "",
    applicant_id: str = "",
    clerk: str = "",
    issuer: Issuer | None = None,
) -> bytes:
    """The 一次性告知单 (``schema.catalog.notice_text``) on paper, for the applicant to take home."""
    lines = text.splitlines()
    title, body = (lines[0], lines[1:]) if lines else ("一次性告知单", [])
    issuer = issuer or Issuer(station)
    rows = [("申请人", applicant_name), ("证件号码", mask_id(applicant_id)), ("告知时间", issued)]

    def draw(page: _Page) -> None:
        if applicant_name or applicant_id:
            page.rows(rows)
        for line in body:
            page.paragraph(line, size=12)
        page.paragraph(
            f"材料备齐后，请带齐原件到{issuer.station}办理（地址：{issuer.contact.address_text}）。"
            f"如有疑问，请致电 {issuer.contact.phone_text} 或向窗口工作人员咨询。",
            size=11,
        )
        page.closing(clerk, issued[:11], issuer)

    return _fitted(font or find_font(), title, issuer.station, draw)


def notice_pdf(
    db: Database,
    text: str,
    *,
    issued: str,
    applicant_name: str = "",
    applicant_id: str = "",
    clerk: str = "",
    font: PdfFont | None = None,
) -> bytes:
    """The 一次性告知单 with this station's name and contact (nothing is stored)."""
    issuer = issuer_of(db)
    return render_notice(
        text,
        station=issuer.station,
        issued=issued,
        font=font,
        applicant_name=applicant_name,
        applicant_id=applicant_id,
        clerk=clerk,
        issuer=issuer,
    )


def render_sheet(
    sheet: Sheet,
    *,
    issuer: Issuer,
    clerk: str,
    issued: str,
    qr: str,
    caption: str,
    font: PdfFont | None = None,
) -> bytes:
    """A 补正告知书 or 办结通知书 (:mod:`station_client.core.case_notices`) on one page."""

    def draw(page: _Page) -> None:
        page.qr(qr, caption)
        page.rows(sheet.rows)
        page.numbered(sheet.list_heading, sheet.items)
        for text in sheet.paragraphs:
            page.paragraph(text, size=11)
        page.closing(clerk, issued[:11], issuer)

    return _fitted(font or find_font(), sheet.title, issuer.station, draw)


def case_notice_pdf(
    db: Database,
    dek: DataKey,
    case_id: str,
    kind: str,
    *,
    clerk: str,
    now: datetime,
    font: PdfFont | None = None,
) -> Printable:
    """The case's 补正告知书 (``supplement_notice``) or 办结通知书 (``decision_notice``), signed.

    ServiceError ``notice_not_available`` when the case does not stand on that decision now."""
    from station_client.services import reference
    from station_client.services.caselist import load

    row, doc = load(db, dek, case_id)
    decided = doc.decision.status if doc.decision is not None else None
    if kind not in case_notices.notices_for(row.status, decided):
        raise ServiceError(
            "notice_not_available",
            "这件业务现在没有可打印的告知书：补正告知书在退回补正后、办结通知书在核准或不予核准后才能打印；"
            "请联网同步后再查看。",
            {"case_id": case_id, "kind": kind, "status": row.status},
        )
    try:
        item = reference.catalog(db).item(row.item_code)
    except ContractError:
        item = None
    issuer = issuer_of(db, doc.payload.station_id)
    build = (
        case_notices.supplement_notice
        if kind == case_notices.SUPPLEMENT_NOTICE
        else case_notices.decision_notice
    )
    sheet = build(doc, item, issuer.where())
    seal, qr = _qr_value(db, dek, sheet.number)
    pdf = render_sheet(
        sheet,
        issuer=issuer,
        clerk=clerk,
        issued=local_time(now.isoformat()),
        qr=qr,
        caption=f"核验码 {seal[:12]}",
        font=font,
    )
    return Printable(kind, sheet.number, pdf)


# ── files ──────────────────────────────────────────────────────────────────────────


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
