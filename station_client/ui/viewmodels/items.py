"""Choosing a business item: the catalog grouped by insurance type (recent and frequent items
first, before anything is typed), searched by name, code or pinyin in an order that never
changes with use, general and complex items marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from schema.catalog import GROUP_LABELS, Catalog, CatalogItem, ItemGroup
from schema.rates import RateBook
from schema.vocabulary import ApplicantKind, Tier
from schema.workdays import WorkdayCalendar
from station_client.core.pinyin_search import SearchIndex, Usage, build_index, shipped_readings

FAVOURITES = "最近和常用"


@dataclass(frozen=True)
class DeskReference:
    """What the desk works from, loaded once after login (on the worker thread)."""

    catalog: Catalog
    rates: RateBook
    calendar: WorkdayCalendar
    index: SearchIndex
    usage: Usage


def load_reference(db: Database, now: datetime) -> DeskReference:
    from station_client.services import desk, reference

    catalog = reference.catalog(db)
    index = build_index([(i.code, i.name) for i in catalog], shipped_readings())
    return DeskReference(
        catalog, reference.rates(db), reference.calendar(db), index, desk.item_usage(db, now=now)
    )


@dataclass(frozen=True)
class ItemRow:
    code: str
    name: str
    group: str
    kind_text: str  # 一般·当场办结 / 复杂·5个工作日
    fee: bool

    @property
    def values(self) -> tuple[str, str, str, str]:
        return (self.code, self.name + ("（收费）" if self.fee else ""), self.group, self.kind_text)


@dataclass(frozen=True)
class Group:
    title: str
    rows: tuple[ItemRow, ...]


def kind_text(item: CatalogItem) -> str:
    if item.tier is Tier.GENERAL:
        return "一般·当场办结"
    return f"复杂·{item.time_limit.label}"


def row_of(item: CatalogItem) -> ItemRow:
    return ItemRow(item.code, item.name, GROUP_LABELS[item.group], kind_text(item), item.fee_kind is not None)


def choose(reference: DeskReference, query: str, applicant: ApplicantKind | None) -> list[Group]:
    """Groups to show: favourites then one group per insurance type; with a query, one ranked list."""
    catalog = reference.catalog
    allowed = {i.code for i in catalog if applicant is None or i.applicant is applicant}
    if query.strip():
        hits = reference.index.search(query)  # not by usage: the same keys land on the same item
        rows = tuple(row_of(catalog.item(h.key)) for h in hits if h.key in allowed)
        return [Group(f"查找“{query.strip()}”：{len(rows)} 项", rows)] if rows else []
    groups: list[Group] = []
    favourites = [code for code in reference.usage.favourites() if code in allowed]
    if favourites:
        groups.append(Group(FAVOURITES, tuple(row_of(catalog.item(c)) for c in favourites)))
    for group in ItemGroup:
        rows = tuple(row_of(i) for i in catalog if i.group is group and i.code in allowed)
        if rows:
            groups.append(Group(f"{GROUP_LABELS[group]}（{len(rows)}）", rows))
    return groups


def applicant_note(applicant: ApplicantKind | None, shown: int, total: int) -> str:
    if applicant is None or shown == total:
        return f"共 {shown} 项。"
    who = "个人" if applicant is ApplicantKind.PERSON else "单位"
    return f"只列出申请人为{who}的事项（{shown} 项）；如需办理其他事项，请按 F2 重新选择申请人。"
