"""Errors a person and a script can act on: every ``station-client`` refusal carries its
stable code (``错误（code）：…``, as ``sync-server`` prints it), ``--json`` commands answer a
failure as ``{"code", "message", "detail"}`` on stdout, and ``sync --help`` lists its exit
statuses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from schema.error_codes import error_codes
from station_client.cli import main
from station_client.commands.common import PASSWORD_ENV, RECOVERY_ENV
from station_client.commands.sync import EXIT_UNREACHABLE
from station_client.transport import MSG_OFFLINE
from sync_server.tls import create_city_pki
from tests.support.dates import first_months_of_this_year
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, PASSWORDS, StationHome

CODED_LINE = re.compile(r"^错误（([a-z][a-z0-9_]*)）：\S")


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env or {})


def _coded_failure(result: Result) -> str:
    """The code of a one-line coded refusal on stderr; asserts exit 1 and no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    match = CODED_LINE.match(result.stderr.strip().splitlines()[-1])
    assert match, result.stderr
    assert match.group(1) in error_codes(), f"{match.group(1)} is not in README's table"
    return match.group(1)


def _json_failure(result: Result) -> dict[str, object]:
    """The ``{code, message, detail}`` document on stdout; asserts exit 1."""
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"code", "message", "detail"}
    assert isinstance(body["detail"], dict) and re.search(r"[\u4e00-\u9fff]", str(body["message"]))
    assert body["code"] in error_codes()
    return body


def _bad_id() -> str:
    return KNOWN_ID[:-1] + ("0" if KNOWN_ID[-1] != "0" else "1")


def _case(tmp_path: Path, id_number: str) -> Path:
    path = tmp_path / "case.json"
    start, end = first_months_of_this_year(3)  # the CLI reads the real clock
    form = {"base": "5000", "period_start": start, "period_end": end}
    data = {
        "applicant": {"name": KNOWN_NAME, "id_number": id_number},
        "form": form,
        "materials_provided": ["id_card"],
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _intake(home: StationHome, case: Path, *extra: str) -> Result:
    args = [
        "intake",
        "--home",
        str(home.paths.home),
        "--user",
        "clerk1",
        "--item",
        "G14",
        "--input",
        str(case),
    ]
    return _run(*args, *extra, env={PASSWORD_ENV: PASSWORDS["clerk1"], RECOVERY_ENV: home.recovery_key})


def test_a_refused_intake_prints_the_stable_code_with_the_message(station_home: StationHome, tmp_path):
    result = _intake(station_home, _case(tmp_path, _bad_id()))
    assert _coded_failure(result) == "id_bad_check_digit"
    assert "校验位不正确" in result.stderr


def test_a_refused_intake_with_json_prints_code_message_and_detail(station_home: StationHome, tmp_path):
    result = _intake(station_home, _case(tmp_path, _bad_id()), "--json")
    body = _json_failure(result)
    assert body["code"] == "id_bad_check_digit" and "校验位不正确" in str(body["message"])
    assert "Traceback" not in result.output


def test_command_level_refusals_are_coded_too(station_home: StationHome, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert _coded_failure(_intake(station_home, broken)) == "case_file_invalid"
    assert _json_failure(_intake(station_home, broken, "--json"))["code"] == "case_file_invalid"
    wrong_password = _run(
        "intake",
        *("--home", str(station_home.paths.home), "--user", "clerk1", "--item", "G14"),
        *("--input", str(_case(tmp_path, KNOWN_ID))),
        env={PASSWORD_ENV: "not-the-password", RECOVERY_ENV: station_home.recovery_key},
    )
    assert _coded_failure(wrong_password).startswith("login_")


def test_a_home_without_a_station_is_coded_in_text_and_json(tmp_path):
    empty = str(tmp_path / "nowhere")
    assert _coded_failure(_run("status", "--home", empty)) == "home_not_enrolled"
    body = _json_failure(_run("status", "--home", empty, "--json"))
    assert body["code"] == "home_not_enrolled" and "station-client enroll" in str(body["message"])


@pytest.fixture
def offline_home(station_home: StationHome, tmp_path) -> StationHome:
    """An enrolled home whose server cannot be reached (nothing listens on port 9)."""
    pki = create_city_pki(tmp_path / "ca", ["127.0.0.1"])
    station_home.paths.ca.write_bytes(pki.ca_cert.read_bytes())
    station_home.db.execute("UPDATE meta SET value = 'https://127.0.0.1:9' WHERE key = 'server_url'")
    return station_home


def test_sync_that_cannot_reach_the_server_is_coded_with_its_exit_status(offline_home: StationHome):
    env = {RECOVERY_ENV: offline_home.recovery_key}
    text = _run("sync", "--home", str(offline_home.paths.home), env=env)
    assert text.exit_code == EXIT_UNREACHABLE
    assert f"错误（network_unreachable）：同步未完成，{MSG_OFFLINE}" in text.stderr
    as_json = _run("sync", "--home", str(offline_home.paths.home), "--json", env=env)
    assert as_json.exit_code == EXIT_UNREACHABLE
    body = json.loads(as_json.stdout)
    assert (body["code"], body["message"]) == ("network_unreachable", MSG_OFFLINE)
    assert body["detail"]["exit_status"] == EXIT_UNREACHABLE
    assert body["detail"]["status"]["in_step"] is False


def test_sync_help_lists_every_exit_status():
    shown = _run("sync", "--help")
    assert shown.exit_code == 0
    for status in ("0", "1", "2", "3", "4", "5"):
        assert re.search(rf"^\s+{status}\s+\S", shown.output, re.MULTILINE), shown.output
