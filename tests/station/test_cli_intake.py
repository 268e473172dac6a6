"""``station-client intake`` (and ``status``) as a clerk runs them: no traceback, Chinese
messages, a non-zero exit for every refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from station_client.cli import main
from station_client.store import open_store
from tests.support.dates import month_of_this_year, this_year
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, PASSWORDS, StationHome

# The CLI reads the real clock: months of this year (G14 collects only those), the start
# month written the way a clerk types it.
FLEXIBLE = {"base": "５０００", "period_start": f"{this_year()}年1月", "period_end": month_of_this_year(3)}


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


@pytest.fixture
def home(station_home: StationHome) -> StationHome:
    station_home.login("clerk1")  # clerk1 has logged in on this PC before
    return station_home


def _case(tmp_path: Path, id_number: str, **extra: object) -> Path:
    path = tmp_path / "case.json"
    data = {"applicant": {"name": KNOWN_NAME, "id_number": id_number}, "form": FLEXIBLE}
    data |= {"materials_provided": ["id_card"], "_note": "ignored"} | extra
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _run(home: StationHome, *args: str, env: dict[str, str] | None = None):
    runner = CliRunner()
    environment = {"SSB_PASSWORD": PASSWORDS["clerk1"]} if env is None else env
    return runner.invoke(main, ["intake", "--home", str(home.paths.home), *args], env=environment)


def _case_count(home: StationHome) -> int:
    return home.db.execute("SELECT count(*) FROM cases").fetchone()[0]


def test_intake_accepts_an_id_number_typed_with_full_width_digits(home: StationHome, tmp_path):
    case = _case(tmp_path, _full_width(KNOWN_ID))
    result = _run(home, "--user", "clerk1", "--item", "G14", "--input", str(case), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["status"] == "completed" and out["case_number"].endswith("-W0001")
    assert out["receipt_number"].endswith("-F0001")
    assert _case_count(home) == 1


def test_intake_prints_the_result_in_the_clerks_words(home: StationHome, tmp_path):
    result = _run(home, "--user", "clerk1", "--item", "g14", "--input", str(_case(tmp_path, KNOWN_ID)))
    assert result.exit_code == 0, result.output
    assert "前台办结" in result.stdout and "应缴金额：3000.00 元" in result.stdout


def test_intake_refuses_an_invalid_id_number_with_its_chinese_reason(home: StationHome, tmp_path):
    bad = KNOWN_ID[:-1] + ("0" if KNOWN_ID[-1] != "0" else "1")
    result = _run(home, "--user", "clerk1", "--item", "G14", "--input", str(_case(tmp_path, bad)))
    assert result.exit_code == 1
    assert "校验位不正确" in result.stderr and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _case_count(home) == 0


def test_missing_materials_print_the_one_time_notice(home: StationHome, tmp_path):
    case = _case(tmp_path, KNOWN_ID, materials_provided=[])
    result = _run(home, "--user", "clerk1", "--item", "G14", "--input", str(case))
    assert result.exit_code == 1
    assert "一次性告知单" in result.stderr and "居民身份证" in result.stderr


def test_the_password_comes_from_the_environment_or_a_prompt_never_an_argument(home: StationHome, tmp_path):
    case = _case(tmp_path, KNOWN_ID)
    result = _run(home, "--user", "clerk1", "--item", "G14", "--input", str(case), env={})
    assert result.exit_code == 1 and "SSB_PASSWORD" in result.stderr
    wrong = _run(
        home, "--user", "clerk1", "--item", "G14", "--input", str(case), env={"SSB_PASSWORD": "nope"}
    )
    assert wrong.exit_code == 1 and "密码不正确" in wrong.stderr
    result = CliRunner().invoke(main, ["intake", "--password", "x"])
    assert result.exit_code == 2  # no such option


def test_a_first_login_on_this_pc_reads_the_recovery_key_from_the_environment(
    station_home: StationHome, tmp_path
):
    case = _case(tmp_path, KNOWN_ID)
    env = {"SSB_PASSWORD": PASSWORDS["clerk2"]}
    refused = _run(station_home, "--user", "clerk2", "--item", "G14", "--input", str(case), env=env)
    assert refused.exit_code == 1 and "SSB_RECOVERY_KEY" in refused.stderr
    env["SSB_RECOVERY_KEY"] = station_home.recovery_key.lower()
    ok = _run(station_home, "--user", "clerk2", "--item", "G14", "--input", str(case), env=env)
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "不是有效的 JSON"),
        ("[1, 2]", "应是一个 JSON 对象"),
        ('{"item_code": "C009"}', "与 --item"),
    ],
)
def test_a_malformed_case_file_gets_a_clear_message(home: StationHome, tmp_path, content, message):
    path = tmp_path / "case.json"
    path.write_text(content, encoding="utf-8")
    result = _run(home, "--user", "clerk1", "--item", "G14", "--input", str(path))
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.output


def test_bad_arguments_get_a_clear_message_and_a_non_zero_exit(home: StationHome, tmp_path):
    unknown = _run(home, "--user", "clerk1", "--item", "G99", "--input", str(_case(tmp_path, KNOWN_ID)))
    assert unknown.exit_code == 1 and "不存在" in unknown.stderr
    no_input = _run(home, "--user", "clerk1", "--item", "G14")
    assert no_input.exit_code == 2 and "--input" in no_input.output
    missing_file = _run(home, "--user", "clerk1", "--item", "G14", "--input", str(tmp_path / "nope.json"))
    assert missing_file.exit_code != 0 and "Traceback" not in missing_file.output
    nowhere = CliRunner().invoke(
        main,
        [
            "intake",
            "--home",
            str(tmp_path / "empty"),
            "--user",
            "u",
            "--item",
            "G14",
            "--input",
            str(_case(tmp_path, KNOWN_ID)),
        ],
        env={"SSB_PASSWORD": "x"},
    )
    assert nowhere.exit_code == 1 and "station-client enroll" in nowhere.stderr
    assert not (tmp_path / "empty").exists()


def test_the_template_lists_every_field_with_its_type_and_choices_and_the_materials():
    result = CliRunner().invoke(main, ["intake", "--item", "G09", "--template"])
    assert result.exit_code == 0, result.output
    template = json.loads(result.stdout)
    assert template["item_code"] == "G09" and set(template["applicant"]) == {"name", "phone", "id_number"}
    assert set(template["form"]) == set(template["_fields"])
    grade = template["_fields"]["grade"]
    assert grade["type"] == "choice" and grade["required"] is True
    assert "300" in [c["value"] for c in grade["choices"]]
    assert [m["code"] for m in template["_materials"]] == ["id_card", "hukou"]
    unit = json.loads(CliRunner().invoke(main, ["intake", "--item", "G03", "--template"]).stdout)
    assert "uscc" in unit["applicant"] and "id_number" not in unit["applicant"]


def test_a_filled_in_template_is_a_valid_input(home: StationHome, tmp_path):
    template = json.loads(CliRunner().invoke(main, ["intake", "--item", "G14", "--template"]).stdout)
    template["applicant"] |= {"name": KNOWN_NAME, "id_number": KNOWN_ID}
    template["form"] |= {
        "base": "5000",
        "period_start": month_of_this_year(1),
        "period_end": month_of_this_year(1),
    }
    template["materials_provided"] = ["id_card"]
    path = tmp_path / "filled.json"
    path.write_text(json.dumps(template, ensure_ascii=False), encoding="utf-8-sig")
    result = _run(home, "--user", "clerk1", "--item", "G14", "--input", str(path))
    assert result.exit_code == 0, result.output


def test_status_reports_the_outbox_without_a_password(home: StationHome, tmp_path):
    _run(home, "--user", "clerk1", "--item", "G14", "--input", str(_case(tmp_path, KNOWN_ID)))
    result = CliRunner().invoke(main, ["status", "--home", str(home.paths.home), "--json"], env={})
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["pending"] == 1 and status["set_aside"] == 0 and status["last_success_at"] is None
    text = CliRunner().invoke(main, ["status", "--home", str(home.paths.home)])
    assert "待上报业务：1 笔" in text.stdout
    db = open_store(home.paths.home)
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1
    db.close()
