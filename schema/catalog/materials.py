"""一次性告知: tell the applicant everything that is missing, at once.

The materials an item needs are its required ones plus the conditional ones whose
condition holds for the form (e.g. 代办人身份证 only when ``by_agent`` is true).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from schema.catalog.item import CatalogItem
from schema.catalog.models import Material
from schema.vocabulary import Tier, label


def missing_materials(
    item: CatalogItem, provided: Collection[str], values: Mapping[str, object]
) -> list[Material]:
    """Materials still to hand in, in catalog order: applicable to ``values`` and not in ``provided``.

    ``provided`` holds material codes; ``values`` are the form values (normalised ones
    from :func:`~schema.catalog.forms.validate_form` are best, raw ones work too).
    """
    return [m for m in item.applicable_materials(values) if m.code not in provided]


def notice_text(item: CatalogItem, missing: Collection[Material]) -> str:
    """The Chinese one-time notice (一次性告知单) listing every missing material."""
    lines = ["一次性告知单", f"办理事项：{item.code} {item.name}"]
    if not missing:
        lines.append("所需材料已齐全，可以受理。")
        return "\n".join(lines)
    lines.append(f"您办理此项业务还需提交以下 {len(missing)} 项材料，请一次备齐后再来办理：")
    for n, m in enumerate(missing, start=1):
        extra = "；".join(t for t in (m.condition_text, m.note) if t)
        lines.append(f"{n}. {m.name}" + (f"（{extra}）" if extra else ""))
    if item.tier == Tier.COMPLEX and item.section is not None:
        lines.append(
            f"材料齐全后予以受理，由{label(item.section)}办结；时限：{item.time_limit.description}。"
        )
    else:
        lines.append(f"材料齐全后在窗口办结；时限：{item.time_limit.description}。")
    return "\n".join(lines)
