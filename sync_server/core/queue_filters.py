"""The review queue's filters, tabs and page cursor, parsed from a query string. Pure.

A reviewer's queue is one section's cases in one tab, filtered by county, township,
item, a due-by date and "overdue only", sorted by due date. Every value comes from a
URL the browser sends, so each is checked against the reference data and a value that
does not fit is dropped with a message, never trusted or turned into an error page.

Pages are walked with a keyset cursor (no OFFSET: page 500 costs what page 1 costs):
``d.<due date>.<case id>`` while cases with a due date are served in date order, then
``n.<case id>`` for the few without one (a year whose holiday calendar is not loaded).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from schema.catalog import Catalog
from schema.divisions import load_divisions
from schema.vocabulary import Section, Tier

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Tab(StrEnum):
    ROUTED = "routed"  # 待认领
    MINE = "mine"  # 我认领的
    CLAIMED = "claimed"  # 科室审核中
    DONE = "done"  # 我已办理（按决定时间倒序）

    @property
    def label(self) -> str:
        return TAB_LABELS[self]


TAB_LABELS: Mapping[Tab, str] = {
    Tab.ROUTED: "待认领",
    Tab.MINE: "我认领的",
    Tab.CLAIMED: "科室审核中",
    Tab.DONE: "我已办理",
}


@dataclass(frozen=True)
class QueueFilters:
    tab: Tab = Tab.ROUTED
    county: str | None = None
    township: str | None = None
    item: str | None = None
    due_before: dt.date | None = None  # due on or before this date
    overdue: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)  # values that were dropped, in Chinese

    def query(self, **override: str | None) -> dict[str, str]:
        """The filters as query parameters (for links that keep them), minus empty ones."""
        values: dict[str, str | None] = {
            "tab": self.tab.value,
            "county": self.county,
            "township": self.township,
            "item": self.item,
            "due_before": self.due_before.isoformat() if self.due_before else None,
            "overdue": "1" if self.overdue else None,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return any((self.county, self.township, self.item, self.due_before, self.overdue))


def section_items(catalog: Catalog, section: Section) -> list[tuple[str, str]]:
    """(code, name) of the complex items a section finishes, in code order."""
    return [(i.code, i.name) for i in catalog.items if i.tier is Tier.COMPLEX and i.section is section]


def parse_filters(params: Mapping[str, str], *, catalog: Catalog, section: Section) -> QueueFilters:
    """Filters from query parameters; anything malformed or out of place is dropped with a note."""
    notes: list[str] = []
    divisions = load_divisions()
    try:
        tab = Tab(params.get("tab") or Tab.ROUTED.value)
    except ValueError:
        tab = Tab.ROUTED
        notes.append("未知的队列页签，已显示“待认领”。")
    county = (params.get("county") or "").strip() or None
    if county is not None and county not in {c.code for c in divisions.counties()}:
        notes.append(f"区县代码“{county}”不是乐山市的区县，已忽略。")
        county = None
    township = (params.get("township") or "").strip() or None
    if township is not None:
        found = divisions.find(township)
        if found is None or not found.is_township or not divisions.is_in_leshan(township):
            notes.append(f"乡镇（街道）代码“{township}”不存在，已忽略。")
            township = None
        elif county is not None and divisions.county_of(township).code != county:
            notes.append(f"{found.name}不属于所选区县，已忽略乡镇（街道）筛选。")
            township = None
    item = (params.get("item") or "").strip().upper() or None
    if item is not None and item not in {code for code, _ in section_items(catalog, section)}:
        notes.append(f"事项“{item}”不由本科室办结，已忽略。")
        item = None
    due_before = None
    if params.get("due_before"):
        try:
            due_before = dt.date.fromisoformat(params["due_before"].strip())
        except ValueError:
            notes.append("到期日期格式应为 2026-03-01，已忽略。")
    overdue = (params.get("overdue") or "") in ("1", "on", "true", "yes")
    return QueueFilters(tab, county, township, item, due_before, overdue, tuple(notes))


# ---- keyset cursor ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueCursor:
    """After this case. ``due`` None: in the second phase (cases without a due date)."""

    due: dt.date | None
    case_id: str
    at: dt.datetime | None = None  # the DONE tab pages by decision time instead

    def encode(self) -> str:
        if self.at is not None:
            return f"t.{self.at.strftime('%Y%m%dT%H%M%S%f')}.{self.case_id}"
        if self.due is None:
            return f"n.{self.case_id}"
        return f"d.{self.due.isoformat()}.{self.case_id}"


def parse_cursor(text: str | None) -> QueueCursor | None:
    """The cursor, or None for the first page (also for anything malformed)."""
    if not text:
        return None
    kind, _, rest = text.partition(".")
    try:
        if kind == "n" and _UUID.fullmatch(rest):
            return QueueCursor(None, rest)
        value, _, case_id = rest.rpartition(".")
        if not _UUID.fullmatch(case_id):
            return None
        if kind == "d":
            return QueueCursor(dt.date.fromisoformat(value), case_id)
        if kind == "t":
            at = dt.datetime.strptime(value, "%Y%m%dT%H%M%S%f").replace(tzinfo=dt.UTC)
            return QueueCursor(None, case_id, at)
    except ValueError:
        return None
    return None


def mask_id_number(value: str) -> str:
    """``511102197505170012`` → ``511102********0012``: enough to tell people apart in a list."""
    if len(value) < 10:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
