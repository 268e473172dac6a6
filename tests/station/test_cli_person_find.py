"""``station-client person find``: the township's registry slice searched as a clerk types:
an ID number (full-width digits too, a wrong one refused with its reason), a name, part of
one, or its pinyin; one person shows the card 找人 shows."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner, Result

from schema.identifiers import make_resident_id
from station_client.cli import main
from station_client.commands.common import PASSWORD_ENV
from station_client.store import registry
from tests.support.stationkit import (
    KNOWN_ID,
    KNOWN_NAME,
    PASSWORDS,
    YOUNG_ID,
    YOUNG_NAME,
    StationHome,
    person,
)

NAMESAKE_ID = make_resident_id("511102", date(1962, 1, 8), 135)  # another 王建国


@pytest.fixture
def home(station_home: StationHome) -> StationHome:
    station_home.login("clerk1")
    registry.upsert_person(station_home.db, station_home.dek, person(NAMESAKE_ID, KNOWN_NAME))
    return station_home


def _find(home: StationHome, query: str, *extra: str) -> Result:
    args = ["person", "find", query, "--home", str(home.paths.home), "--user", "clerk1", *extra]
    return CliRunner().invoke(main, args, env={PASSWORD_ENV: PASSWORDS["clerk1"]})


def _ids(home: StationHome, query: str) -> list[str]:
    result = _find(home, query, "--json")
    assert result.exit_code == 0, result.output
    return [p["id_number"] for p in json.loads(result.stdout)["persons"]]


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def test_an_id_number_typed_in_full_width_digits_shows_the_persons_card(home: StationHome):
    result = _find(home, _full_width(f"{KNOWN_ID[:6]} {KNOWN_ID[6:]}"))
    assert result.exit_code == 0, result.output
    assert f"姓名：{KNOWN_NAME}" in result.stdout and f"公民身份号码：{KNOWN_ID}" in result.stdout
    assert "参保状态：" in result.stdout and "户籍乡镇：" in result.stdout


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (YOUNG_NAME, [YOUNG_ID]),  # the exact name
        ("秀英", [YOUNG_ID]),  # part of it
        ("lxy", [YOUNG_ID]),  # pinyin initials
        ("LiXiuYing", [YOUNG_ID]),  # full pinyin, any case
        ("ｗｊｇ", [KNOWN_ID, NAMESAKE_ID]),  # full-width letters; both namesakes
    ],
)
def test_a_name_part_of_it_or_its_pinyin_finds_the_person(home: StationHome, query: str, expected: list[str]):
    assert sorted(_ids(home, query)) == sorted(expected)


def test_namesakes_are_listed_one_line_each(home: StationHome):
    result = _find(home, KNOWN_NAME)
    assert result.exit_code == 0
    assert "找到 2 人" in result.stdout and KNOWN_ID in result.stdout and NAMESAKE_ID in result.stdout


def test_nobody_found_is_said_plainly_and_is_not_an_error(home: StationHome):
    result = _find(home, "zzq")
    assert result.exit_code == 0 and "本乡镇参保信息中没有" in result.stdout
    assert _ids(home, "张自强") == []


def test_a_wrong_id_number_is_refused_with_its_reason_and_code(home: StationHome):
    bad = KNOWN_ID[:-1] + ("0" if KNOWN_ID[-1] != "0" else "1")
    result = _find(home, bad, "--json")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["code"] == "id_bad_check_digit" and "校验位" in body["message"]
    short = _find(home, "5111")
    assert short.exit_code == 1 and "错误（id_wrong_length）" in short.stderr
