"""The 日结单 (daily close sheet) as a PDF: the count, the sums, and every receipt it covers.

Same look as the receipts (:mod:`receipt_pdf`: its page, font and closing). Page 1 carries
the sums (应收 = 开具 − 作废, 实点, 差额 and its reason), the count by denomination and each
clerk's subtotal; the receipt list follows, about 40 to a page, its header repeated on every
page, and each page is numbered 第 n 页 共 m 页. It ends with 经办人 / 复核人 lines to sign
and the station to seal, since the sheet goes with the cash to the bank and the city.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlite_utils import Database

from schema.daily_close import DENOMINATION_LABELS, DENOMINATIONS, difference_words, part_label
from station_client.core.case_numbering import CHINA_TZ
from station_client.core.daily_close import DayReceipt, by_clerk
from station_client.core.money_words import in_words
from station_client.crypto.keys import DataKey
from station_client.services.daily_close import CloseDocument, close_document
from station_client.services.pdf_fonts import PdfFont, find_font
from station_client.services.receipt_pdf import _FONT, Issuer, Printable, _Page, issuer_of

KIND = "daily_close"
TITLE = "服务站现金日结单"
ROWS_PER_PAGE = 40
_ROW_MM = 5.0  # one line of the receipt list
_TAIL_MM = 10.0  # kept free at the foot of page 1 for the page number
_LIST_HEAD = ("序号", "票据号码", "业务编号", "缴费项目", "缴费人", "金额（元）", "收款人", "状态")
_LIST_WIDTHS = (8, 34, 15, 58, 14, 18, 17, 10)
_ITEM_CHARS = 18  # what one line of the 缴费项目 column holds


def _short_case(number: str) -> str:
    # The 业务编号's own counter (…-20261126-W0008 → W0008): station and day head the sheet.
    return number.rsplit("-", 1)[-1] if number else ""


def _receipt_rows(receipts: Sequence[DayReceipt]) -> list[list[str]]:
    return [
        [
            str(n),
            r.stock or r.number,  # the 票据号码 once the city's stock numbers receipts
            _short_case(r.case_number),
            r.item_name if len(r.item_name) <= _ITEM_CHARS else r.item_name[: _ITEM_CHARS - 1] + "…",
            r.applicant,
            f"{r.amount:.2f}",
            r.clerk_name or r.clerk,
            "作废" if r.voided else "",
        ]
        for n, r in enumerate(receipts, start=1)
    ]


def render_close(doc: CloseDocument, *, issuer: Issuer, font: PdfFont | None = None) -> bytes:
    """The 日结单 of one recorded close."""
    sums = doc.figures
    closed = doc.closed_at.astimezone(CHINA_TZ)
    page = _Page(font or find_font(), TITLE, issuer.station)
    pdf = page.pdf
    page.rows(
        [
            ("日结日期", f"{doc.day:%Y年%m月%d日}（{part_label(doc.part)}）"),
            ("日结时间", f"{closed:%Y年%m月%d日 %H:%M}"),
            (
                "收据张数",
                f"开具 {sums.issued} 张，其中作废 {sums.voided} 张，有效 {sums.issued - sums.voided} 张",
            ),
            (
                "应收现金",
                f"{sums.expected:.2f} 元（开具 {sums.issued_total:.2f} − 作废 {sums.voided_total:.2f}）",
            ),
            ("实点现金", f"{sums.counted:.2f} 元（{in_words(sums.counted)}）"),
            ("差额", f"{sums.difference:+.2f} 元　{difference_words(sums.difference)}"),
            ("差额原因", doc.reason),
        ]
    )
    page.heading("现金清点")
    faces = list(DENOMINATIONS)
    page.table(
        ["面额", *(DENOMINATION_LABELS[f] for f in faces), "合计"],
        [
            ["张数", *(str(doc.counts.get(f, 0)) for f in faces), str(sum(doc.counts.values()))],
            ["金额", *(f"{_face_total(f, doc.counts.get(f, 0)):.2f}" for f in faces), f"{sums.counted:.2f}"],
        ],
        (16, *([17] * len(faces)), 22),
    )
    groups = by_clerk(doc.receipts)
    if groups:
        page.heading("按收款人小计")
        page.table(
            ["收款人", "收据张数", "作废张数", "应收金额（元）"],
            [
                [name, str(len(rows)), str(sum(r.voided for r in rows)), f"{kept:.2f}"]
                for name, rows, kept in groups
            ],
            (50, 40, 40, 44),
        )
    page.heading(f"收据明细（共 {len(doc.receipts)} 张）")
    if doc.receipts:
        _receipt_list(page, doc.receipts)
    else:
        page.paragraph("本次日结没有缴费收据。")
    page.paragraph("本单随现金解缴银行；长款、短款按财务规定处理，差额原因须如实填写。")
    page.closing(doc.clerk_name, f"{closed:%Y年%m月%d日}", issuer)
    pdf.ln(page.s(2))
    pdf.set_font(_FONT, size=page.s(11))
    pdf.cell(0, page.s(7), "复核人（签字）：　　　　　　　　站长（签字）：", new_x="LMARGIN", new_y="NEXT")
    _number_pages(page)
    return page.bytes()


def _face_total(face: str, pieces: int) -> Decimal:
    return (Decimal(face) * pieces).quantize(Decimal("0.01"))


def _receipt_list(page: _Page, receipts: Sequence[DayReceipt]) -> None:
    """The receipts under the sums, then ``ROWS_PER_PAGE`` to a page, the header on every page."""
    rows = _receipt_rows(receipts)
    pdf = page.pdf
    room = pdf.h - pdf.b_margin - pdf.get_y() - _TAIL_MM  # what page 1 has left, the ending kept clear
    first = max(0, min(ROWS_PER_PAGE, int(room // page.s(_ROW_MM)) - 1))
    chunks = [rows[:first]] if first else []
    chunks += [rows[i : i + ROWS_PER_PAGE] for i in range(first, len(rows), ROWS_PER_PAGE)]
    for n, chunk in enumerate(chunks):
        if n > 0 or not first:
            pdf.add_page()
        _small_table(page, chunk)


def _small_table(page: _Page, body: Sequence[Sequence[str]]) -> None:
    from fpdf.fonts import FontFace

    pdf = page.pdf
    pdf.set_font(_FONT, size=page.s(8.5))
    heads = FontFace(emphasis="", fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=_LIST_WIDTHS, text_align="CENTER", line_height=page.s(_ROW_MM), headings_style=heads
    ) as table:
        table.row(list(_LIST_HEAD))
        for values in body:
            table.row(list(values))


def _number_pages(page: _Page) -> None:
    pdf = page.pdf
    total = pdf.pages_count
    pdf.set_auto_page_break(False)  # the number sits in the bottom margin
    for n in range(1, total + 1):
        pdf.page = n
        pdf.set_font(_FONT, size=8)
        pdf.set_xy(pdf.l_margin, pdf.h - 10)
        pdf.cell(0, 4, f"第 {n} 页 共 {total} 页", align="C")
    pdf.page = total


def close_pdf(db: Database, dek: DataKey, close_id: str, *, font: PdfFont | None = None) -> Printable:
    """Read close ``close_id`` from the store and render its 日结单."""
    doc = close_document(db, dek, close_id)
    issuer = issuer_of(db, doc.station_id or None)
    return Printable(KIND, f"{doc.day:%Y%m%d}-{doc.part}", render_close(doc, issuer=issuer, font=font))
