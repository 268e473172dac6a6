"""The township's 催缴名单 at the station: applying the pulled list, reading it, printing it.

The server sends the whole list of the township's flexible workers due or in arrears
(``township_dues``, schema.records.TownshipDuesRecord) at each collection plan build; the
station keeps it sealed (``store.dues``) and shows it on the 催缴名单 screen. The amounts
and late fees are those of ``as_of`` (the day the server computed them); the printout says
so. Printed ID numbers are masked like every station printout (``receipt_pdf.mask_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlite_utils import Database

from schema.protocol import Change, ChangeKind
from schema.records import DueRecord, TownshipDuesRecord
from station_client.crypto.keys import DataKey
from station_client.services.pdf_fonts import PdfFont, find_font
from station_client.services.receipt_pdf import _Page, mask_id
from station_client.store import dues as store
from station_client.store import meta

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class DuesTotals:
    persons: int
    current: Decimal
    arrears: Decimal
    late_fees: Decimal

    @property
    def total(self) -> Decimal:
        return self.current + self.arrears + self.late_fees


def apply_change(db: Database, dek: DataKey, change: Change) -> bool:
    """Apply a pulled ``township_dues`` change; True when the held list changed."""
    if change.kind is not ChangeKind.TOWNSHIP_DUES:
        return False
    return store.put(db, dek, TownshipDuesRecord.model_validate(change.data))


def township_list(db: Database, dek: DataKey) -> TownshipDuesRecord | None:
    """The list of this station's township, or None before the first one arrived."""
    township = meta.get(db, meta.TOWNSHIP_CODE)
    return store.get(db, dek, township) if township else None


def totals(items: tuple[DueRecord, ...]) -> DuesTotals:
    return DuesTotals(
        len(items),
        sum((x.current_amount for x in items), ZERO),
        sum((x.arrears_amount for x in items), ZERO),
        sum((x.late_fee for x in items), ZERO),
    )


def row_texts(item: DueRecord) -> list[str]:
    """One line of the list as the screen and the printout show it."""
    return [
        item.name,
        mask_id(item.id_number),
        item.current_month or "—",
        f"{item.current_amount:.2f}",
        "、".join(item.arrears_months) or "—",
        f"{item.arrears_amount:.2f}",
        f"{item.late_fee:.2f}",
    ]


HEAD = ("姓名", "证件号码", "本期月份", "本期应缴", "欠费月份", "欠费金额", "滞纳金")


def render_pdf(record: TownshipDuesRecord, *, station: str, font: PdfFont | None = None) -> bytes:
    """The printable 催缴名单 (A4, the station's receipt style), several pages when long."""
    page = _Page(font or find_font(), "灵活就业人员社会保险费催缴名单", station)
    sums = totals(record.items)
    page.paragraph(
        f"乡镇（街道）代码 {record.township}；金额和滞纳金计算至 {record.as_of:%Y年%m月%d日}"
        "（滞纳金按日万分之五）；本期应缴须在次月 15 日前缴清。请逐一提醒缴费，缴费后以下次名单为准。",
        size=10,
    )
    page.pdf.ln(2)
    body = [[str(n), *row_texts(x)] for n, x in enumerate(record.items, 1)]
    body.append(["合计", f"{sums.persons} 人", "", "", f"{sums.current:.2f}", "", f"{sums.arrears:.2f}",
                 f"{sums.late_fees:.2f}"])  # fmt: skip
    page.table(["序号", *HEAD], body, (8, 23, 38, 17, 19, 31, 19, 15))
    page.paragraph(f"应缴合计：{sums.total:.2f} 元（本期 {sums.current:.2f}，欠费 {sums.arrears:.2f}，"
                   f"滞纳金 {sums.late_fees:.2f}）。", size=11)  # fmt: skip
    return page.bytes()
