"""Leshan's administrative divisions: the city, its 11 counties and 132 townships and streets.

The table ships as ``schema/data/leshan_divisions.csv`` (NBS 统计用区划代码, 2023 edition)
and is read on first use::

    >>> d = load_divisions()
    >>> d.full_name("511102004")
    '乐山市市中区大佛街道'
    >>> d.county_of(d.code_of("大佛街道")).name
    '市中区'

Codes are 6 digits for the province, city and counties (GB/T 2260) and 9 digits for
townships (county code + 3 digits: ``0xx`` 街道, ``1xx`` 镇, ``2xx`` 乡). Every look-up also
accepts the 12-digit statistical form padded with zeros (``511102004000``).

"Township" in this module's API means any township-level unit: street, town or township.

A station is named by its township's code plus a point number (:class:`StationCode`).
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Literal, NoReturn

from pydantic import BaseModel, ConfigDict

from schema.errors import DivisionError
from schema.normalize import compact_code

DivisionErrorCode = Literal[
    "division_unknown", "division_ambiguous", "division_wrong_level", "station_code_invalid"
]

DIVISION_ERROR_MESSAGES: dict[DivisionErrorCode, str] = {
    "division_unknown": (
        "区划代码或名称不存在，或不属于乐山市：请核对后重新输入，或从乐山市区县、乡镇（街道）列表中选择。"
    ),
    "division_ambiguous": "该名称对应多个区划：请先选择所属区县，或从候选列表中选择一个。",
    "division_wrong_level": (
        "区划级别不符：这里需要区县或乡镇（街道）级的区划，请选择具体的区县或乡镇（街道）。"
    ),
    "station_code_invalid": (
        "服务站编码应为乐山市乡镇（街道）的 9 位代码加 2 位站点号，如 511102004-00"
        "（00 为乡镇社保所，01–99 为社区服务点）：请核对后重新输入。"
    ),
}


class DivisionLevel(StrEnum):
    """Levels as written in the CSV's ``level`` column."""

    PROVINCE = "province"  # 省
    CITY = "city"  # 地级市
    COUNTY = "county"  # 区、县、县级市
    STREET = "street"  # 街道
    TOWN = "town"  # 镇
    TOWNSHIP = "township"  # 乡（含民族乡）


TOWNSHIP_LEVELS = frozenset({DivisionLevel.STREET, DivisionLevel.TOWN, DivisionLevel.TOWNSHIP})

LEVEL_LABELS: dict[DivisionLevel, str] = {
    DivisionLevel.PROVINCE: "省",
    DivisionLevel.CITY: "市",
    DivisionLevel.COUNTY: "区县",
    DivisionLevel.STREET: "街道",
    DivisionLevel.TOWN: "镇",
    DivisionLevel.TOWNSHIP: "乡",
}

LESHAN_CITY_CODE = "511100"

# Longest first, so 峨边彝族自治县 loses the whole suffix, not just 县.
_NAME_SUFFIXES = ("彝族自治县", "自治县", "彝族乡", "街道", "省", "市", "区", "县", "镇", "乡")


class Division(BaseModel):
    """One row of the division table."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    level: DivisionLevel
    parent_code: str | None

    @property
    def is_township(self) -> bool:
        """True for township-level units: streets, towns and townships."""
        return self.level in TOWNSHIP_LEVELS


def _error(error: DivisionErrorCode, /, **detail: object) -> NoReturn:
    raise DivisionError(error, DIVISION_ERROR_MESSAGES[error], detail)


def canonical_code(code: str) -> str:
    """Normalise a division code: full-width folded, spaces dropped, zero padding removed.

    ``"511102004000"`` → ``"511102004"``, ``"511102000000"`` → ``"511102"``.
    """
    c = compact_code(code)
    if len(c) == 12 and c.endswith("000"):
        c = c[:9]
    if len(c) == 9 and c.endswith("000"):
        c = c[:6]
    return c


def short_name(name: str) -> str:
    """The name without its level suffix: 大佛街道 → 大佛, 峨边彝族自治县 → 峨边."""
    for suffix in _NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class Divisions:
    """The division table with look-ups by code and by name."""

    def __init__(self, divisions: Iterable[Division]) -> None:
        self._by_code: dict[str, Division] = {}
        for d in divisions:
            if d.code in self._by_code:
                raise ValueError(f"duplicate division code {d.code}")
            self._by_code[d.code] = d

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Division]:
        return iter(self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.find(code) is not None

    def find(self, code: str) -> Division | None:
        """The division with this code, or None."""
        return self._by_code.get(canonical_code(code))

    def get(self, code: str) -> Division:
        """The division with this code; DivisionError ``division_unknown`` when absent."""
        d = self.find(code)
        if d is None:
            _error("division_unknown", code=code)
        return d

    def name_of(self, code: str) -> str:
        """The short official name, e.g. ``"大佛街道"``."""
        return self.get(code).name

    def ancestors(self, code: str) -> list[Division]:
        """The division and its parents, nearest first (the township, its county, the city, ...)."""
        chain = [self.get(code)]
        while (parent := chain[-1].parent_code) is not None and parent in self._by_code:
            chain.append(self._by_code[parent])
        return chain

    def full_name(self, code: str) -> str:
        """The name from the city down, e.g. ``"乐山市市中区大佛街道"`` (the province is left out)."""
        chain = [d for d in self.ancestors(code) if d.level != DivisionLevel.PROVINCE] or self.ancestors(code)
        return "".join(d.name for d in reversed(chain))

    def code_of(self, name: str, *, within: str | None = None) -> str:
        """The code of the division called ``name``, optionally only under the division ``within``.

        Tries the exact name (大佛街道), then the full name (乐山市市中区大佛街道), then the
        name without its suffix (大佛, 大佛镇 for 大佛街道). Raises DivisionError
        ``division_unknown`` when nothing matches and ``division_ambiguous`` (detail
        ``candidates``: code and full name of each) when several do, e.g. 新场 (夹江县新场镇,
        峨边彝族自治县新场乡).
        """
        wanted = "".join(name.split())
        scope = list(self) if within is None else self._descendants(self.get(within).code)
        for matches in (
            [d for d in scope if d.name == wanted],
            [d for d in scope if self.full_name(d.code) == wanted],
            [d for d in scope if wanted and short_name(d.name) == short_name(wanted)],
        ):
            if len(matches) == 1:
                return matches[0].code
            if matches:
                candidates = [{"code": d.code, "full_name": self.full_name(d.code)} for d in matches]
                _error("division_ambiguous", name=name, candidates=candidates)
        _error("division_unknown", name=name, within=within)

    def _descendants(self, code: str) -> list[Division]:
        return [d for d in self if d.code != code and any(a.code == code for a in self.ancestors(d.code))]

    def county_of(self, code: str) -> Division:
        """The county of a township; a county is its own county.

        DivisionError ``division_wrong_level`` for the city or the province.
        """
        d = self.get(code)
        if d.level == DivisionLevel.COUNTY:
            return d
        if d.is_township and d.parent_code is not None:
            return self.get(d.parent_code)
        _error("division_wrong_level", code=code, level=d.level.value)

    def is_in_leshan(self, code: str) -> bool:
        """True for the city itself, its counties and its townships (current codes only)."""
        d = self.find(code)
        return d is not None and any(a.code == LESHAN_CITY_CODE for a in self.ancestors(d.code))

    def counties(self) -> list[Division]:
        """The 11 county-level units of Leshan, by code."""
        return sorted((d for d in self if d.level == DivisionLevel.COUNTY), key=lambda d: d.code)

    def townships(self, county_code: str | None = None) -> list[Division]:
        """Township-level units by code: all 132, or those of one county.

        DivisionError ``division_wrong_level`` when ``county_code`` is not a county.
        """
        parent: str | None = None
        if county_code is not None:
            county = self.get(county_code)
            if county.level != DivisionLevel.COUNTY:
                _error("division_wrong_level", code=county_code, level=county.level.value)
            parent = county.code
        found = (d for d in self if d.is_township and parent in (None, d.parent_code))
        return sorted(found, key=lambda d: d.code)


@functools.cache
def load_divisions() -> Divisions:
    """The Leshan division table shipped with the package (read once, then cached)."""
    text = resources.files("schema").joinpath("data/leshan_divisions.csv").read_text(encoding="utf-8")
    return Divisions(
        Division(
            code=row["code"],
            name=row["name"],
            level=DivisionLevel(row["level"]),
            parent_code=row["parent_code"] or None,
        )
        for row in csv.DictReader(io.StringIO(text))
    )


# --- historical address codes in old ID numbers ------------------------------------------

HISTORICAL_AREA_CODES: dict[str, tuple[str, str | None]] = {
    # 乐山地区 until 1985 (county-level 乐山市 then also covered today's 沙湾区 and 五通桥区;
    # 市中区 is the best single guess).
    "512601": ("乐山市", "511102"),
    "512621": ("仁寿县", None),
    "512622": ("眉山县", None),
    "512623": ("犍为县", "511123"),
    "512624": ("井研县", "511124"),
    "512625": ("峨眉县", "511181"),
    "512626": ("夹江县", "511126"),
    "512627": ("洪雅县", None),
    "512628": ("彭山县", None),
    "512629": ("沐川县", "511129"),
    "512630": ("青神县", None),
    "512631": ("丹棱县", None),
    "512632": ("峨边彝族自治县", "511132"),
    "512633": ("马边彝族自治县", "511133"),
    "512634": ("金口河工农区", "511113"),
    # 乐山市 1985–1997: 峨眉县 became 峨眉山市 in 1989; the 1997 split moved six counties to 眉山.
    "511125": ("峨眉县", "511181"),
    "511121": ("仁寿县", None),
    "511122": ("眉山县", None),
    "511127": ("洪雅县", None),
    "511128": ("彭山县", None),
    "511130": ("青神县", None),
    "511131": ("丹棱县", None),
}
"""Old address codes (python-stdnum ``cn/loc.dat``): code → (name then, today's Leshan county or None)."""


def current_county_for_area_code(area_code: str) -> str | None:
    """Today's Leshan county for the address code of an ID number, or None.

    Current county codes map to themselves and the historical codes in
    :data:`HISTORICAL_AREA_CODES` to their successor. None means outside Leshan today
    (the counties now in 眉山市, any other place) or no single county (511100, 511101).
    """
    code = compact_code(area_code)
    d = load_divisions().find(code) if len(code) == 6 else None
    if d is not None and d.level == DivisionLevel.COUNTY:
        return d.code
    return HISTORICAL_AREA_CODES.get(code, ("", None))[1]


# --- 市本级: the city bureau as a clearing party ----------------------------------------

CITY_LEVEL_CODE = LESHAN_CITY_CODE
CITY_LEVEL_NAME = "市本级"
# Units registered with the city bureau carry the city's own code (511100, or 511101
# 市辖区 in older registrations) as their registration authority's area code.
_CITY_LEVEL_AREA_CODES = frozenset({LESHAN_CITY_CODE, "511101"})


def unit_party_for_area_code(area_code: str) -> str | None:
    """The party a unit belongs to by its USCC's area code: 市本级 (511100) for the city's
    own code, today's county for a county code (current or historical), else None."""
    code = compact_code(area_code)
    if code in _CITY_LEVEL_AREA_CODES:
        return CITY_LEVEL_CODE
    return current_county_for_area_code(code)


def party_name(code: str) -> str:
    """The name of a clearing party: 市本级 for the city, the county's name, else the code."""
    if code == CITY_LEVEL_CODE:
        return CITY_LEVEL_NAME
    found = load_divisions().find(code)
    return found.name if found is not None else code


def clearing_parties() -> list[str]:
    """Everyone who may collect or be owed: 市本级 first, then the 11 counties by code."""
    return [CITY_LEVEL_CODE, *(d.code for d in load_divisions().counties())]


# --- station identity -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class StationCode:
    """A station: its township's code plus a point number.

    Point 0 is the township's own station (乡镇/街道社保所); 1..99 are community service
    points (社区服务点), which share their township's code. Written ``511102004-00``.
    Construction checks that the township exists in Leshan (DivisionError
    ``station_code_invalid``, detail ``reason``).
    """

    township_code: str
    point: int

    def __post_init__(self) -> None:
        if isinstance(self.point, bool) or not 0 <= self.point <= 99:
            _error("station_code_invalid", reason="point_out_of_range", point=self.point)
        township = load_divisions().find(self.township_code)
        if township is None or township.code != self.township_code or not township.is_township:
            _error("station_code_invalid", reason="township_unknown", township_code=self.township_code)

    def __str__(self) -> str:
        return f"{self.township_code}-{self.point:02d}"

    @classmethod
    def parse(cls, text: str) -> StationCode:
        """Read ``511102004-00``; full-width characters, spaces and a missing dash are accepted."""
        compact = compact_code(text)
        if len(compact) != 11 or not compact.isascii() or not compact.isdigit():
            _error("station_code_invalid", reason="format", text=text)
        return cls(compact[:9], int(compact[9:]))

    @property
    def county_code(self) -> str:
        """The county the station's township belongs to."""
        return self.township_code[:6]

    @property
    def is_township_station(self) -> bool:
        """True for the township's own station (point 0)."""
        return self.point == 0
