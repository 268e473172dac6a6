"""The 日结 screen in words: which day and which close, the count as typed so far, the sums
(应收 / 实点 / 差额) and what the clerk does next. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from schema.daily_close import DENOMINATIONS, CloseFigures, difference_words, part_label
from station_client.core.case_numbering import CHINA_TZ
from station_client.core.daily_close import close_figures, parse_count
from station_client.core.errors import StationError

if TYPE_CHECKING:
    from station_client.core.daily_close import DayReceipt
    from station_client.services.daily_close import Closed, DayView

REASON_PROMPT = "差额原因（有差额时必填）"


def cn_day(day: date) -> str:
    return f"{day:%Y年%m月%d日}"


def headline(view: DayView) -> str:
    """``2026年11月26日 日结：收据 30 张（作废 2 张）``."""
    voided = sum(1 for r in view.receipts if r.voided)
    return f"{cn_day(view.day)} {part_label(view.part)}：收据 {len(view.receipts)} 张（作废 {voided} 张）"


def note(view: DayView, today: date) -> str:
    """What else the clerk should know: an earlier day left open, or the day already closed."""
    parts = []
    if view.day < today:
        parts.append(f"{cn_day(view.day)}的缴费收据尚未日结，请先清点并完成该日日结，再做今天的日结。")
    later = [d for d in view.pending_days if d > view.day]
    if later:
        parts.append("之后还有未日结的日期：" + "、".join(f"{d:%m月%d日}" for d in later) + "。")
    if view.earlier:
        last = view.earlier[-1]
        when = last.closed_at.astimezone(CHINA_TZ)
        parts.append(
            f"本日已于 {when:%H:%M} 完成{part_label(last.part)}；"
            + (
                "以下是之后新开的收据，请清点这部分现金做补充日结。"
                if view.receipts
                else "之后没有新开的收据，无需再日结。"
            )
        )
    if not view.receipts and not view.earlier:
        parts.append("本日没有开具缴费收据；如无现金收入，实点 0 元直接回车完成日结。")
    if view.lost:
        parts.append(lost_words(view.lost))
    return "".join(parts)


def lost_words(lost: tuple[str, ...]) -> str:
    """A restored store's day with lost cases: their receipts are not on this PC."""
    return (
        f"注意：本机数据从备份恢复，本日有 {len(lost)} 件业务已丢失（{'、'.join(lost)}），"
        "其收据不在本机、未列入本次日结：请将这些收据的现金单独清点并报综合业务科，再按纸质回执重新受理。"
    )


@dataclass(frozen=True, slots=True)
class Count:
    """The drawer as typed so far: pieces per denomination, and the boxes that make no sense."""

    pieces: dict[str, int]
    bad: tuple[str, ...]  # denominations whose box is not a whole number


def read_counts(texts: Mapping[str, str]) -> Count:
    pieces: dict[str, int] = {}
    bad: list[str] = []
    for face in DENOMINATIONS:
        try:
            pieces[face] = parse_count(face, texts.get(face, ""))
        except StationError:
            pieces[face], bad = 0, [*bad, face]
    return Count(pieces, tuple(bad))


def line_amount(face: str, count: Count) -> str:
    """``= 1000.00`` beside a box, ``？`` while it holds no whole number."""
    if face in count.bad:
        return "= ？"
    return f"= {Decimal(face) * count.pieces[face]:.2f}"


@dataclass(frozen=True, slots=True)
class Sums:
    expected: str
    counted: str
    difference: str
    kind: str  # success (账款相符) or error (长款/短款): the colour of the difference
    figures: CloseFigures


def sums(count: Count, receipts: Sequence[DayReceipt]) -> Sums:
    f = close_figures(count.pieces, receipts)
    return Sums(
        expected=f"应收 {f.expected:.2f} 元（开具 {f.issued_total:.2f} − 作废 {f.voided_total:.2f}）",
        counted=f"实点 {f.counted:.2f} 元",
        difference=f"差额 {f.difference:+.2f} 元　{difference_words(f.difference)}",
        kind="success" if f.difference == 0 else "error",
        figures=f,
    )


def receipt_row(r: DayReceipt) -> list[str]:
    return [
        r.stock or r.number,  # the 票据号码 once the city's stock numbers receipts
        f"{r.issued_at.astimezone(CHINA_TZ):%H:%M}",
        r.clerk_name or r.clerk,
        r.item_name,
        f"{r.amount:.2f}",
        "作废" if r.voided else "",
    ]


def closed_line(closed: Closed) -> str:
    f = closed.figures
    tail = "账款相符" if f.difference == 0 else difference_words(f.difference)
    return (
        f"{cn_day(closed.day)}{part_label(closed.part)}已完成：应收 {f.expected:.2f} 元，实点 {f.counted:.2f} 元，"
        f"{tail}。日结单已生成，请在打开的 PDF 阅读器中打印，连同现金一并解缴；联网后自动上报市局。"
    )


def export_name(closed: Closed, station_id: str) -> str:
    return f"close-{station_id}-{closed.day:%Y%m%d}-{closed.part}"
