"""``sync-server catalog``: show the business catalog the server hands to stations."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence

import click

from schema.catalog import Catalog, CatalogItem, catalog_digest, load_catalog
from schema.vocabulary import Tier, label

HEADERS = ("编码", "名称", "类别", "办结科室", "承诺时限", "材料数", "收费")
_TIER_SHORT = {Tier.GENERAL: "一般业务", Tier.COMPLEX: "复杂业务"}


def catalog_document(catalog: Catalog) -> dict[str, object]:
    """The catalog as one JSON-ready document: version, digest and every item in full."""
    return {
        "version": catalog.version,
        "effective_from": catalog.effective_from.isoformat(),
        "digest": catalog_digest(catalog),
        "items": [item.model_dump(mode="json") for item in catalog],
    }


def display_width(text: str) -> int:
    """Columns a terminal uses for ``text``: wide (W) and full-width (F) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def table_row(item: CatalogItem) -> tuple[str, ...]:
    finished_by = "前台办结" if item.tier == Tier.GENERAL else label(item.section) if item.section else "—"
    fee = label(item.fee_kind) if item.fee_kind else "不收费"
    return (
        item.code,
        item.name,
        _TIER_SHORT[item.tier],
        finished_by,
        item.time_limit.label,
        str(len(item.materials)),
        fee,
    )


def format_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows under ``HEADERS``, each column padded to its widest cell in display columns."""
    widths = [max(display_width(r[i]) for r in (HEADERS, *rows)) for i in range(len(HEADERS))]
    lines = []
    for row in (HEADERS, *rows):
        lines.append("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


@click.command("catalog")
@click.option("--json", "as_json", is_flag=True, help="输出完整目录（UTF-8 JSON），含版本、摘要和全部事项。")
def catalog(as_json: bool) -> None:
    """显示业务事项目录（125 项：一般业务 25 项，复杂业务 100 项）。"""
    book = load_catalog()
    if as_json:
        click.echo(json.dumps(catalog_document(book), ensure_ascii=False, indent=1))
        return
    click.echo(f"业务事项目录 版本 {book.version}（{book.effective_from.isoformat()} 起施行）")
    click.echo(f"摘要 {catalog_digest(book)}")
    click.echo(format_table([table_row(item) for item in book]))
