"""Horizontal bar charts as inline SVG, rendered on the server. Pure: data in, markup out.

No script and no external resource, so the charts obey the console's content security
policy, print, and read the same in every browser. Each chart is ``role="img"`` with a
``<title>`` and a ``<desc>`` that states the values, and the page puts the same numbers in
a table beside it, so a screen reader loses nothing.

One bar per label; several series are drawn side by side (``stacked=False``) or end to
end (``stacked=True``, e.g. 前台办结 + 后台办理 = 受理量).

Drawn at the size it is shown: ``WIDTH`` fits a half-width card of the console at 1280 px
and more, and the stylesheet never shrinks a chart below it (a narrower card scrolls), so
text of ``font-size`` 14 reads as 14 px on screen, not a scaled-down 11.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH = 540  # keep in step with svg.chart and .charts in console.css
LABEL_WIDTH = 190
VALUE_GAP = 6
BAR_HEIGHT = 18
ROW_GAP = 10
TOP = 36
MIN_TEXT = 14  # px: the smallest text a chart draws
LEGEND_HEIGHT = 22
FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif"
PALETTE = ("#1f5fa8", "#e08a1e", "#3a8f4b", "#b03a48")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str = PALETTE[0]


def number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _shorten(label: str, limit: int = 13) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def text_width(text: str, size: float) -> float:
    """Roughly how wide ``text`` draws: CJK characters one em, digits and Latin ~0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[float | None], str] = number,
    stacked: bool = False,
    chart_id: str = "chart",
    empty_text: str = "所选期间没有数据。",
    label_size: int = MIN_TEXT,
    value_size: int = MIN_TEXT,
) -> str:
    """A horizontal bar chart; values None draw no bar and read “—”. Text is never under
    ``MIN_TEXT`` px; the bars leave room for the longest value written after them."""
    label_size, value_size = max(label_size, MIN_TEXT), max(value_size, MIN_TEXT)
    rows = len(labels)
    lanes = 1 if stacked or len(series) == 1 else len(series)
    row_height = BAR_HEIGHT * lanes + ROW_GAP
    legend = LEGEND_HEIGHT if len(series) > 1 else 0
    height = TOP + legend + max(rows, 1) * row_height + 8
    totals = [
        sum(v or 0.0 for v in (s.values[i] for s in series))
        if stacked
        else max((s.values[i] or 0.0) for s in series)
        for i in range(rows)
    ]
    written = [fmt(t) for t in totals] if stacked else [fmt(v) for s in series for v in s.values]
    room = max((text_width(w, value_size) for w in written), default=0.0) + VALUE_GAP + 4
    plot = max(WIDTH - LABEL_WIDTH - room, 80.0)
    top = max([*totals, 0.0]) or 1.0
    desc = "；".join(
        f"{label}：" + "，".join(f"{s.name} {fmt(s.values[i])}" for s in series)
        for i, label in enumerate(labels)
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-labelledby="{chart_id}-t {chart_id}-d" font-family="{_attr(FONT)}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc or empty_text)}</desc>',
        f'<text x="0" y="18" font-size="{label_size + 2}" font-weight="bold" fill="#1a1a1a">{escape(title)}</text>',
    ]
    if legend:
        lx = float(LABEL_WIDTH)
        for s in series:
            out.append(f'<rect x="{lx:.1f}" y="{TOP - 8}" width="12" height="12" fill="{_attr(s.color)}"/>')
            out.append(
                f'<text x="{lx + 16:.1f}" y="{TOP + 2}" font-size="{label_size}" fill="#333">{escape(s.name)}</text>'
            )
            lx += 28 + text_width(s.name, label_size)
    if not rows:
        out.append(
            f'<text x="{LABEL_WIDTH}" y="{TOP + legend + 14}" font-size="{label_size}" fill="#555">{escape(empty_text)}</text>'
        )
    for i, label in enumerate(labels):
        y = TOP + legend + i * row_height
        middle = y + (BAR_HEIGHT * lanes) / 2 + 5
        out.append(
            f'<text x="{LABEL_WIDTH - VALUE_GAP}" y="{middle:.1f}" font-size="{label_size}" text-anchor="end" fill="#1a1a1a">'
            f"<title>{escape(label)}</title>{escape(_shorten(label))}</text>"
        )
        x = float(LABEL_WIDTH)
        for lane, s in enumerate(series):
            value = s.values[i]
            width = plot * (value or 0.0) / top
            bar_y = y if stacked else y + lane * BAR_HEIGHT
            if value:
                out.append(
                    f'<rect x="{x:.1f}" y="{bar_y}" width="{max(width, 1):.1f}" height="{BAR_HEIGHT - 2}" '
                    f'fill="{_attr(s.color)}"><title>{escape(f"{label} {s.name}：{fmt(value)}")}</title></rect>'
                )
            if not stacked:
                out.append(
                    f'<text x="{x + width + VALUE_GAP:.1f}" y="{bar_y + BAR_HEIGHT - 4}" font-size="{value_size}" '
                    f'fill="#333">{escape(fmt(value))}</text>'
                )
            else:
                x += width
        if stacked:
            out.append(
                f'<text x="{x + VALUE_GAP:.1f}" y="{y + BAR_HEIGHT - 4}" font-size="{value_size}" fill="#333">'
                f"{escape(fmt(totals[i]))}</text>"
            )
    out.append("</svg>")
    return "\n".join(out)
