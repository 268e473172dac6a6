"""``station-client passwd``: the one-time password is changed from the command line too;
until then the clerk's business commands are refused with the reason and the way out."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from station_client.cli import main
from station_client.services.errors import ServiceError
from station_client.services.session import login
from station_client.store import open_store, staff
from tests.support.stationkit import NOW, StationHome, staff_account

ONE_TIME = "Kq7mXp2Rt9Zw"
NEW = "Spring-Desk-88"


@pytest.fixture
def home(station_home: StationHome) -> StationHome:
    account = staff_account("clerk3", ONE_TIME).model_copy(update={"must_change_password": True})
    staff.apply_account(station_home.db, account)
    return station_home


def _passwd(home: StationHome, *args: str, **env: str):
    environment = {"SSB_PASSWORD": ONE_TIME, "SSB_RECOVERY_KEY": home.recovery_key, **env}
    return CliRunner().invoke(
        main, ["passwd", "--home", str(home.paths.home), "--user", "clerk3", *args], env=environment
    )


def test_intake_is_refused_until_the_one_time_password_is_changed(home, tmp_path):
    case = tmp_path / "case.json"
    case.write_text("{}", encoding="utf-8")
    env = {"SSB_PASSWORD": ONE_TIME, "SSB_RECOVERY_KEY": home.recovery_key}
    result = CliRunner().invoke(
        main,
        ["intake", "--home", str(home.paths.home), "--user", "clerk3", "--item", "G14", "--input", str(case)],
        env=env,
    )
    assert result.exit_code == 1
    assert "password_change_required" in result.output and "station-client passwd" in result.output


def test_a_weak_new_password_is_refused_with_its_code_in_json(home):
    result = _passwd(home, "--json", SSB_NEW_PASSWORD="short1")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["code"] == "password_too_short" and "至少 10 位" in body["message"]
    assert staff.get(home.db, "clerk3").must_change_password


def test_passwd_changes_it_the_new_one_logs_in_and_the_old_one_no_longer_does(home):
    result = _passwd(home, "--json", SSB_NEW_PASSWORD=NEW)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"ok": True, "username": "clerk3", "queued": True}
    db = open_store(home.paths.home, create=False)
    try:
        session = login(db, "clerk3", NEW, now=NOW)  # the data key opens with the new password alone
        assert not session.must_change_password and session.dek.raw == home.dek.raw
        with pytest.raises(ServiceError) as refused:
            login(db, "clerk3", ONE_TIME, now=NOW)
        assert refused.value.code == "login_wrong_password"
        assert db.execute("SELECT kind FROM outbox").fetchall() == [("staff_password",)]
    finally:
        db.close()
    text = _passwd(home, SSB_PASSWORD=NEW, SSB_NEW_PASSWORD="Summer-Desk-99")
    assert text.exit_code == 0 and "密码已修改" in text.stdout
