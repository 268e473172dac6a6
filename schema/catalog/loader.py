"""The catalog as a whole: its version, the item look-ups, loading the shipped JSON, the digest.

A station proves it holds the same catalog as the server by comparing
:func:`catalog_digest`: SHA-256 over the catalog's canonical JSON (every default
filled in, keys sorted, no spaces, UTF-8), so formatting of the file does not matter
but any change of content does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import date
from importlib import resources
from typing import Annotated, Any, Self

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from schema.catalog.item import CatalogItem, first_duplicate
from schema.catalog.models import CatalogErrorCode, FrozenModel
from schema.errors import CatalogError
from schema.normalize import compact_code
from schema.vocabulary import Tier

EXPECTED_COUNTS: dict[Tier, int] = {Tier.GENERAL: 25, Tier.COMPLEX: 100}
_SHORT_CODE = re.compile(r"([CG])([0-9]{1,3})")


class Catalog(FrozenModel):
    """The versioned list of business items (G01–G25 general, C001–C100 complex)."""

    version: Annotated[str, Field(pattern=r"^\d{4}\.\d+$")]  # e.g. "2026.1"
    effective_from: date
    items: tuple[CatalogItem, ...]
    _by_code: dict[str, CatalogItem] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        codes = [i.code for i in self.items]
        duplicate = first_duplicate(codes)
        if duplicate is not None:
            raise _error(
                "catalog_duplicate_code",
                f"业务目录中事项编码 {duplicate} 重复：请改正目录数据（catalog.json）后重新加载。",
                {"code": duplicate},
            )
        for tier, expected in EXPECTED_COUNTS.items():
            found = sum(1 for i in self.items if i.tier == tier)
            if found != expected:
                raise _error(
                    "catalog_tier_count",
                    f"业务目录应有{expected}项{_TIER_WORD[tier]}，实际为{found}项："
                    "请改正目录数据（catalog.json）后重新加载。",
                    {"tier": tier.value, "expected": expected, "found": found},
                )
        self._by_code = dict(zip(codes, self.items, strict=True))
        return self

    def __iter__(self) -> Iterator[CatalogItem]:  # type: ignore[override]
        # Iterating a catalog yields its items (pydantic's default yields field pairs).
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def item(self, code: str) -> CatalogItem:
        """The item with this code (``"c48"`` and ``"Ｃ048"`` are accepted); CatalogError if none."""
        exact = self._by_code.get(code)
        if exact is not None:  # the usual case: a code as the catalog spells it
            return exact
        wanted = compact_code(code)
        short = _SHORT_CODE.fullmatch(wanted)
        if short is not None:  # zero padding left out: c48 → C048, g9 → G09
            wanted = f"{short[1]}{int(short[2]):0{3 if short[1] == 'C' else 2}d}"
        found = self._by_code.get(wanted)
        if found is None:
            raise _error(
                "catalog_item_unknown",
                f"业务事项编码“{code}”不存在：请核对编码（一般业务 G01–G25，复杂业务 C001–C100），"
                "或按名称、拼音首字母查找事项。",
                {"code": code},
            )
        return found

    def by_tier(self, tier: Tier) -> tuple[CatalogItem, ...]:
        return tuple(i for i in self.items if i.tier == tier)


_TIER_WORD = {Tier.GENERAL: "一般业务", Tier.COMPLEX: "复杂业务"}


def _error(code: CatalogErrorCode, message: str, detail: dict[str, object]) -> CatalogError:
    return CatalogError(code, message, detail)


def parse_catalog(data: Any) -> Catalog:
    """Validate catalog data (the parsed JSON); CatalogError on any problem."""
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _error(
            "catalog_invalid",
            f"业务目录数据格式错误（{where}：{first['msg']}）：请改正目录数据（catalog.json）后重新加载。",
            {"errors": exc.error_count(), "location": where},
        ) from exc


@functools.cache
def load_catalog() -> Catalog:
    """The catalog shipped with the package (read and validated once, then cached)."""
    text = resources.files("schema").joinpath("data/catalog.json").read_text(encoding="utf-8")
    return parse_catalog(json.loads(text))


def catalog_json(catalog: Catalog) -> str:
    """The canonical JSON text the digest is computed over."""
    return json.dumps(
        catalog.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def catalog_digest(catalog: Catalog) -> str:
    """SHA-256 hex of the canonical JSON: equal digests mean the same catalog content."""
    return hashlib.sha256(catalog_json(catalog).encode("utf-8")).hexdigest()
