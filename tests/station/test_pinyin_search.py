"""Item search by Chinese name, code, pinyin initials and full pinyin; place-name corrections."""

from __future__ import annotations

import json

from schema.catalog import load_catalog
from station_client.core import pinyin_search
from station_client.core.pinyin_search import Usage, build_index, reading, shipped_names, shipped_readings


def _index():
    return build_index([(i.code, i.name) for i in load_catalog()], shipped_readings())


def test_place_names_pypinyin_reads_wrongly_are_corrected():
    assert reading("大佛街道") == ("dafojiedao", "dfjd")
    assert reading("千佛镇") == ("qianfozhen", "qfz")
    assert reading("犍为县")[1] == "qwx"
    assert reading("乐山市")[0] == "leshanshi"


def test_initials_find_the_flexible_worker_items():
    hits = _index().search("lhjy")
    assert hits and all(h.name.startswith("灵活就业") for h in hits[:3])
    assert {h.key for h in hits[:3]} == {"G12", "G13", "G14"}


def test_chinese_name_code_and_full_pinyin_all_find_an_item():
    index = _index()
    assert index.search("灵活就业")[0].name.startswith("灵活就业")
    assert index.search("G14")[0].key == "G14"
    assert index.search("c9")[0].key == "C009"
    assert index.search("Ｃ００９")[0].key == "C009"  # full-width, as a Chinese IME leaves it
    assert index.search("gongshangrending")[0].key == "C048"
    assert index.search("zzzzqqqq") == []


def test_recent_items_then_frequent_ones_are_the_favourites():
    assert Usage(counts={"G02": 5, "C009": 1}, recent=("C048",)).favourites() == ["C048", "G02", "C009"]


def test_the_shipped_readings_cover_the_catalog_and_divisions_and_match_pypinyin(tmp_path):
    shipped = shipped_readings()
    names = set(shipped_names())
    assert names <= set(shipped), sorted(names - set(shipped))[:5]
    target = tmp_path / "index.json"
    pinyin_search.write_shipped(target)
    assert json.loads(target.read_text(encoding="utf-8"))["readings"] == shipped, (
        "station_client/assets/pinyin_index.json is out of date: run python -m station_client.core.pinyin_search"
    )


def test_an_unknown_name_is_read_with_pypinyin():
    index = build_index([("X1", "大佛新村")], {})
    assert index.search("dfxc")[0].key == "X1"
