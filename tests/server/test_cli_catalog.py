"""``sync-server catalog``: the catalog as JSON for machines and as an aligned table for people."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from schema.catalog import catalog_digest, load_catalog
from sync_server.cli import main
from sync_server.commands.catalog import display_width


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["catalog", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_output_holds_every_item_in_full() -> None:
    out = run("--json")
    document = json.loads(out)
    assert document["version"] == "2026.1"
    assert document["digest"] == catalog_digest(load_catalog())
    assert len(document["items"]) == 125
    injury = next(i for i in document["items"] if i["code"] == "C048")
    assert injury["section"] == "work_injury"
    assert injury["time_limit"] == {
        "kind": "calendar_days",
        "days": 60,
        "description": "法定：受理后60日内作出认定",
    }
    assert {f["name"] for f in injury["form"]} >= {"injury_date", "employer_uscc", "applicant_relation"}
    assert injury["materials"][0]["name"] == "工伤认定申请表"
    assert "工伤认定申请" in out  # UTF-8, not \\u-escaped


def test_the_table_lists_every_item_with_its_section_and_limit() -> None:
    lines = run().splitlines()
    assert lines[0].startswith("业务事项目录 版本 2026.1")
    header = lines[2].split()
    assert header == ["编码", "名称", "类别", "办结科室", "承诺时限", "材料数", "收费"]
    rows = lines[3:]
    assert len(rows) == 125
    injury = next(r for r in rows if r.startswith("C048"))
    assert "工伤认定申请" in injury and "工伤保险科" in injury and "60日" in injury
    g14 = next(r for r in rows if r.startswith("G14"))
    assert "前台办结" in g14 and "即办" in g14 and "灵活就业人员社会保险费" in g14


def test_columns_line_up_in_display_width() -> None:
    lines = run().splitlines()[2:]

    def cell_columns(line: str) -> list[int]:
        return [display_width(line[: m.start()]) for m in re.finditer(r"\S+", line)]

    assert len({tuple(cell_columns(line)[:6]) for line in lines}) == 1, "every column starts at one place"


def test_the_residents_pension_section_is_named_correctly() -> None:
    c012 = next(r for r in run().splitlines() if r.startswith("C012"))
    assert "城乡居民养老保险科" in c012
