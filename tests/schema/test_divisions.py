"""Leshan's divisions, historical address codes and station codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schema.divisions import (
    DIVISION_ERROR_MESSAGES,
    HISTORICAL_AREA_CODES,
    Division,
    DivisionErrorCode,
    DivisionLevel,
    Divisions,
    StationCode,
    canonical_code,
    current_county_for_area_code,
    load_divisions,
    short_name,
)
from schema.errors import DivisionError
from schema.identifiers import parse_resident_id

D = load_divisions()
CJK = re.compile(r"[\u4e00-\u9fff]")
LEVEL_DIGIT = {DivisionLevel.STREET: "0", DivisionLevel.TOWN: "1", DivisionLevel.TOWNSHIP: "2"}


def error_code(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    """The code of the DivisionError ``call`` raises, after checking its message is helpful Chinese."""
    with pytest.raises(DivisionError) as exc:
        call(*args, **kwargs)
    assert CJK.search(exc.value.message) and "请" in exc.value.message
    return exc.value.code


# --- the table ------------------------------------------------------------------------------


def test_leshan_has_11_counties_and_132_townships() -> None:
    assert len(D.counties()) == 11
    assert len(D.townships()) == 132
    assert sum(len(D.townships(c.code)) for c in D.counties()) == 132
    assert len(D) == 1 + 1 + 11 + 132  # 四川省, 乐山市, counties, townships
    assert len(D.townships("511102")) == 17  # 市中区: 5 街道 + 12 镇


def test_township_codes_follow_the_structure_rules() -> None:
    for t in D.townships():
        assert t.parent_code is not None and D.get(t.parent_code).level is DivisionLevel.COUNTY
        assert t.code.startswith(t.parent_code) and len(t.code) == 9
        assert t.code[6] == LEVEL_DIGIT[t.level]  # 0xx 街道, 1xx 镇, 2xx 乡


def test_load_divisions_is_cached() -> None:
    assert load_divisions() is D


def test_look_up_by_code() -> None:
    dafo = D.get("511102004")
    assert dafo == Division(
        code="511102004", name="大佛街道", level=DivisionLevel.STREET, parent_code="511102"
    )
    assert D.name_of("511123") == "犍为县"
    assert D.find("511102004000") == dafo  # 12-digit statistical form
    assert D.find("５１１１０２") == D.get("511102")
    assert D.find("510104") is None
    assert "511102004" in D and "510104" not in D
    assert error_code(D.get, "510104") == "division_unknown"


def test_canonical_and_short_forms() -> None:
    assert canonical_code("511102000000") == "511102"
    assert canonical_code(" 511102004000 ") == "511102004"
    assert short_name("峨边彝族自治县") == "峨边"
    assert short_name("和平彝族乡") == "和平"
    assert short_name("大佛街道") == "大佛"


def test_full_name() -> None:
    assert D.full_name("511102004") == "乐山市市中区大佛街道"
    assert D.full_name("511181") == "乐山市峨眉山市"
    assert D.full_name("511100") == "乐山市"
    assert D.full_name("510000") == "四川省"


def test_dafo_street_belongs_to_shizhong_district() -> None:
    assert D.county_of(D.code_of("大佛街道")).name == "市中区"
    assert D.county_of("511102") == D.get("511102")  # a county is its own county
    assert error_code(D.county_of, "511100") == "division_wrong_level"
    assert error_code(D.townships, "511102004") == "division_wrong_level"


def test_is_in_leshan() -> None:
    assert all(D.is_in_leshan(code) for code in ("511100", "511133", "511102004", "511181100000"))
    assert not any(D.is_in_leshan(code) for code in ("510000", "510104", "512632", "", "abc"))


# --- names to codes ------------------------------------------------------------------------


def test_every_name_leads_back_to_its_code() -> None:
    for t in D.townships():
        assert D.code_of(t.name, within=t.parent_code) == t.code
        assert D.code_of(D.full_name(t.code)) == t.code
    for c in D.counties():
        assert D.code_of(c.name) == c.code


def test_code_of_is_exact_first_then_helpful() -> None:
    assert D.code_of(" 大佛街道 ") == "511102004"
    assert D.code_of("大佛") == "511102004"  # suffix left off
    assert D.code_of("峨边县") == "511132"  # 峨边彝族自治县
    assert D.code_of("和平乡") == "511113200"  # 和平彝族乡
    assert D.code_of("新场乡") == "511132208"  # exact beats the ambiguous short name


def test_code_of_ambiguous_and_unknown() -> None:
    with pytest.raises(DivisionError) as exc:
        D.code_of("新场")
    assert exc.value.code == "division_ambiguous"
    assert exc.value.detail["candidates"] == [
        {"code": "511126110", "full_name": "乐山市夹江县新场镇"},
        {"code": "511132208", "full_name": "乐山市峨边彝族自治县新场乡"},
    ]
    assert D.code_of("新场", within="511126") == "511126110"
    assert error_code(D.code_of, "大佛街道", within="511123") == "division_unknown"
    assert error_code(D.code_of, "成都") == "division_unknown"


def test_divisions_refuse_duplicate_codes() -> None:
    row = D.get("511102")
    with pytest.raises(ValueError):
        Divisions([row, row])


# --- historical address codes ------------------------------------------------------------


def test_current_counties_map_to_themselves() -> None:
    for c in D.counties():
        assert current_county_for_area_code(c.code) == c.code


@pytest.mark.parametrize(
    ("area", "county"),
    [
        ("512632", "511132"),  # 峨边县 (乐山地区) → 峨边彝族自治县
        ("512634", "511113"),  # 金口河工农区 → 金口河区
        ("512625", "511181"),  # 峨眉县 → 峨眉山市
        ("511125", "511181"),
        ("512601", "511102"),  # the old county-level 乐山市: best guess 市中区
        ("511121", None),  # 仁寿县, in 眉山市 since 1997
        ("512621", None),
        ("511100", None),  # the city as a whole: no single county
        ("110101", None),
        ("", None),
    ],
)
def test_historical_area_codes(area: str, county: str | None) -> None:
    assert current_county_for_area_code(area) == county


def test_historical_successors_are_current_counties() -> None:
    for _name, successor in HISTORICAL_AREA_CODES.values():
        assert successor is None or D.get(successor).level is DivisionLevel.COUNTY


def test_home_county_from_an_old_id_number() -> None:
    person = parse_resident_id("512632196001010052", today=date(2025, 1, 1))
    assert current_county_for_area_code(person.area_code) == "511132"


# --- station codes -------------------------------------------------------------------------


def test_station_code_text_form() -> None:
    station = StationCode("511102004", 0)
    assert str(station) == "511102004-00"
    assert station.county_code == "511102"
    assert station.is_township_station
    assert str(StationCode("511102004", 7)) == "511102004-07"
    assert not StationCode("511102004", 7).is_township_station


@given(st.sampled_from([t.code for t in D.townships()]), st.integers(0, 99))
def test_station_code_round_trip(township: str, point: int) -> None:
    station = StationCode(township, point)
    assert StationCode.parse(str(station)) == station
    assert D.county_of(township).code == station.county_code


def test_station_code_parse_is_forgiving_about_typing() -> None:
    expected = StationCode("511102004", 3)
    assert StationCode.parse("５１１１０２００４－０３") == expected
    assert StationCode.parse(" 511102004 03 ") == expected
    assert StationCode.parse("51110200403") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "format"),
        ("511102004-0", "format"),
        ("511102004-100", "format"),
        ("511102004-0A", "format"),
        ("511102999-00", "township_unknown"),
        ("511102000-00", "township_unknown"),  # a county, not a township
        ("510104001-00", "township_unknown"),  # outside Leshan
    ],
)
def test_station_code_errors(text: str, reason: str) -> None:
    with pytest.raises(DivisionError) as exc:
        StationCode.parse(text)
    assert exc.value.code == "station_code_invalid"
    assert exc.value.detail["reason"] == reason
    assert "511102004-00" in exc.value.message  # shows the clerk the right shape


@pytest.mark.parametrize("point", [-1, 100])
def test_station_point_must_be_0_to_99(point: int) -> None:
    assert error_code(StationCode, "511102004", point) == "station_code_invalid"


def test_station_codes_sort_by_township_then_point() -> None:
    codes = [StationCode("511181100", 0), StationCode("511102004", 2), StationCode("511102004", 0)]
    assert [str(c) for c in sorted(codes)] == ["511102004-00", "511102004-02", "511181100-00"]


def test_division_message_table_matches_the_codes() -> None:
    assert set(DIVISION_ERROR_MESSAGES) == set(get_args(DivisionErrorCode))
