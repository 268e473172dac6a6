"""The item search keeps its order: the same keys always land on the same item, however the
desk has been used; recent and frequent items only lead the list shown before typing."""

from __future__ import annotations

from schema.catalog import load_catalog
from schema.rates import load_rates
from schema.workdays import default_calendar
from station_client.core.pinyin_search import Usage, build_index, shipped_readings
from station_client.ui.viewmodels.items import FAVOURITES, DeskReference, choose

CATALOG = load_catalog()
INDEX = build_index([(i.code, i.name) for i in CATALOG], shipped_readings())
FRESH = Usage()
BUSY = Usage(counts={"G14": 40, "G13": 12, "C009": 3}, recent=("G14", "C009", "G13"))


def _reference(usage: Usage) -> DeskReference:
    return DeskReference(CATALOG, load_rates(), default_calendar(), INDEX, usage)


def _codes(usage: Usage, query: str) -> list[str]:
    return [row.code for group in choose(_reference(usage), query, None) for row in group.rows]


def test_a_query_lists_its_items_in_the_same_order_whatever_was_used_lately():
    for query in ("lhjy", "灵活就业", "g1", "yanglao", "zc"):
        assert _codes(BUSY, query) == _codes(FRESH, query), query
    assert _codes(BUSY, "lhjy") == ["G12", "G13", "G14"]  # by how well they match, then catalog order


def test_ties_among_equally_good_matches_follow_the_catalog():
    hits = INDEX.search("lhjy")
    assert [h.score for h in hits] == [78, 78, 78]
    assert [h.key for h in hits] == sorted(h.key for h in hits)


def test_only_the_empty_query_puts_recent_and_frequent_items_first():
    groups = choose(_reference(BUSY), "", None)
    assert groups[0].title == FAVOURITES and [r.code for r in groups[0].rows] == ["G14", "C009", "G13"]
    assert choose(_reference(FRESH), "", None)[0].title != FAVOURITES
