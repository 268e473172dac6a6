"""The 缴费通知单 on paper: ONE A4 page the person takes to the bank or the tax channel.

It says who pays (masked ID), for which item and months, how much in figures and in words,
the 22-digit payment reference in groups of four (what the teller or the 税务 app asks for),
until when it is valid, how to pay, and how to reach the station. The QR holds the station's
seal over the reference (``SSB1|<reference>|<seal>``, as the 补正告知书 does: the city's
verification page, ``document_qr``, knows receipts only, and a notice is no receipt). The
page says plainly that it is not a receipt: the bank's slip or the 完税凭证 is.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from station_client.core.money_words import in_words
from station_client.core.paper_words import cn_date, local_time, mask_id, month_span
from station_client.crypto.keys import DataKey
from station_client.services import receipt_seal
from station_client.services.errors import ServiceError
from station_client.services.pdf_fonts import PdfFont, find_font
from station_client.services.receipt_pdf import Issuer, Printable, _fitted, _Page, issuer_of
from station_client.store import payment_notices as store

KIND = "notice"
TITLE = "社会保险费缴费通知单"


def how_to_pay(amount: Decimal, until: str, phone: str) -> list[str]:
    return [
        "银行柜台：到任一代收社会保险费的银行网点，出示本通知单，由柜员按上面的缴费参考号收款。",
        "税务渠道：在四川税务 App、电子税务局或办税服务厅选择「社保费缴纳」，输入上面的 22 位缴费参考号缴费。",
        f"请按应缴金额 {amount:.2f} 元一次缴足，多缴或少缴都不能入账；请在 {until} 前缴费，逾期请到本服务站重新开具。",
        "本通知单不是缴费凭证：缴费后请保管好银行回单或完税凭证。银行到账后市社保局记入您的缴费记录，"
        f"一般需 3 个工作日；如有疑问请致电本服务站 {phone}。",
    ]


def render_payment_notice(
    doc: Mapping[str, Any], *, issuer: Issuer, qr: str, caption: str, font: PdfFont | None = None
) -> bytes:
    """The PDF of one notice document (as :mod:`station_client.services.payment_notice` stores it)."""
    amount = Decimal(str(doc["amount"]))
    until = cn_date(str(doc.get("valid_until", "")))
    issued = local_time(doc.get("issued_at"))
    request = doc.get("request") or {}
    rows = [
        ("缴费参考号", str(doc.get("grouped", doc["reference"]))),
        ("缴费项目", f"{doc['item_code']} {doc.get('item_name', '')}"),
        ("缴费人", str(doc.get("name", ""))),
        ("证件号码", mask_id(doc.get("id_number"))),
        ("缴费基数", f"{Decimal(str(request.get('base', '0'))):.2f} 元/月" if request.get("base") else ""),
        ("缴费所属期", month_span(list(doc.get("months", ())))),
        ("应缴金额", f"人民币 {amount:.2f} 元（大写：{in_words(amount)}）"),
        ("有效期至", until),
        ("开具时间", issued),
    ]
    fee = doc.get("fee") or {}
    by_insurance: Mapping[str, str] = fee.get("by_insurance", {})

    def draw(page: _Page) -> None:
        page.qr(qr, caption)
        page.rows(rows)
        if by_insurance:
            page.heading("应缴明细")
            body = [[k, v] for k, v in by_insurance.items()] + [["合计", f"{amount:.2f}"]]
            page.table(["险种", "金额（元）"], body, (6, 4))
        page.numbered("缴费方式", how_to_pay(amount, until, issuer.contact.phone_text))
        page.closing(str(doc.get("clerk_name") or doc.get("clerk", "")), issued[:11], issuer)

    return _fitted(font or find_font(), TITLE, issuer.station, draw)


def payment_notice_pdf(
    db: Database, dek: DataKey, reference: str, *, font: PdfFont | None = None
) -> Printable:
    """Read notice ``reference`` (22 digits, spaces allowed) from the store, seal it, render it."""
    digits = "".join(reference.split())
    doc = store.read(db, dek, digits)
    if doc is None:
        raise ServiceError(
            "notice_not_found",
            f"本机没有参考号为 {reference} 的缴费通知单：请核对通知单上的 22 位缴费参考号。",
            {"reference": reference},
        )
    seal = receipt_seal.sign_number(db, dek, digits)
    issuer = issuer_of(db, str(doc.get("station_id", "")) or None)
    pdf = render_payment_notice(
        doc, issuer=issuer, qr=receipt_seal.qr_payload(digits, seal), caption=f"核验码 {seal[:12]}", font=font
    )
    return Printable(KIND, digits, pdf)
