"""补正 at the desk, pure: what the reviewer asked for, and whether a resubmission changes anything.

The city's return decision reaches the station as words only (``DecisionRecord.reason``):
the console writes the materials it ticked by name (``请补正以下材料：1. 授权委托书……；2. …。``,
``sync_server.services.review.decide.return_reason``) and the reviewer's note after them.
:func:`requested_materials` reads the item's material names back out of those words, so
the desk can show each one as 还缺 (not as already received) until the clerk ticks it
again or scans it. A note that names no material asks for nothing the desk can tick: the
reason is shown whole on the form all the same.

:func:`unchanged` is the one rule the window and the command line share: a 补正 must
change a field, hand in a material again (or a new one), or add a scan; sending the case
back as it was only costs the reviewer another round.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from schema.catalog import CatalogItem

UNCHANGED_MESSAGE = (
    "补正内容与退回前完全相同，未保存：请按退回原因更正表单、重新勾选已收到的材料或添加扫描件后再保存。"
)


@dataclass(frozen=True)
class SupplementRequest:
    """What a returned case asks of the desk."""

    reason: str  # the reviewer's words, whole
    requested: tuple[str, ...]  # material codes the reviewer named, catalog order
    kept: tuple[str, ...]  # materials received before and not asked for again (locked on the form)
    requested_names: tuple[str, ...] = ()  # the catalog's names of ``requested``


def requested_materials(item: CatalogItem, reason: str) -> tuple[str, ...]:
    """Codes of the item's materials named in ``reason``, in catalog order.

    Longer names are matched first and blanked out, so 居民身份证（原件） is not found inside
    代办人居民身份证（原件）.
    """
    text = reason
    found: set[str] = set()
    for material in sorted(item.materials, key=lambda m: -len(m.name)):
        if material.name and material.name in text:
            found.add(material.code)
            text = text.replace(material.name, "\0")
    return tuple(m.code for m in item.materials if m.code in found)


def supplement_request(item: CatalogItem, reason: str, received: Collection[str]) -> SupplementRequest:
    requested = requested_materials(item, reason)
    kept = tuple(code for code in received if code not in requested)
    names = {m.code: m.name for m in item.materials}
    return SupplementRequest(reason, requested, kept, tuple(names[code] for code in requested))


def unchanged(
    changed_fields: Mapping[str, object], handed_in: Collection[str], kept: Collection[str], scans: int
) -> bool:
    """True when a 补正 changes nothing: no field, no material beyond those kept, no scan."""
    return not changed_fields and not (set(handed_in) - set(kept)) and scans == 0
