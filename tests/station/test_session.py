"""Offline login: unlocking the data key, lockout, disabled accounts, idle lock, switching clerks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from station_client.services.errors import ServiceError
from station_client.services.session import SessionPolicy, login
from station_client.store import keys, open_store, staff
from tests.support.stationkit import NOW, PASSWORDS, StationHome, staff_account


def _fail(fn, code: str) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        fn()
    assert info.value.code == code, info.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)  # Chinese, for the clerk
    return info.value


def test_the_first_login_on_this_pc_needs_the_recovery_key_then_the_password_alone(station_home: StationHome):
    db = station_home.db
    err = _fail(lambda: login(db, "clerk1", PASSWORDS["clerk1"], now=NOW), "login_needs_key")
    assert "恢复密钥" in err.message
    _fail(lambda: station_home.login("clerk1", recovery_key="AAAA-" * 7 + "AAAA"), "login_wrong_recovery_key")
    first = station_home.login("clerk1")
    assert first.dek.raw == station_home.dek.raw
    assert keys.get_wrap(db, "staff", "clerk1") is not None
    again = login(db, "clerk1", PASSWORDS["clerk1"], now=NOW)
    assert again.dek.raw == station_home.dek.raw


def test_a_wrong_password_opens_nothing(station_home: StationHome):
    station_home.login("clerk1")
    err = _fail(lambda: login(station_home.db, "clerk1", "guess", now=NOW), "login_wrong_password")
    assert "再错 4 次" in err.message


def test_five_failures_lock_the_account_for_fifteen_minutes(station_home: StationHome):
    db = station_home.db
    station_home.login("clerk1")
    for n in range(4):
        _fail(lambda n=n: login(db, "clerk1", f"guess{n}", now=NOW), "login_wrong_password")
    err = _fail(lambda: login(db, "clerk1", "guess5", now=NOW), "login_locked")
    assert "15 分钟" in err.message
    # Even the right password waits out the lock.
    _fail(lambda: login(db, "clerk1", PASSWORDS["clerk1"], now=NOW + timedelta(minutes=14)), "login_locked")
    ok = login(db, "clerk1", PASSWORDS["clerk1"], now=NOW + timedelta(minutes=15, seconds=1))
    assert ok.username == "clerk1"
    row = staff.get(db, "clerk1")
    assert row is not None and row.failed_logins == 0 and row.locked_until is None


def test_the_lockout_survives_a_restart_of_the_program(station_home: StationHome):
    for n in range(5):
        with pytest.raises(ServiceError):
            login(station_home.db, "clerk1", f"guess{n}", now=NOW)
    reopened = open_store(station_home.paths.home)
    _fail(
        lambda: login(reopened, "clerk1", PASSWORDS["clerk1"], now=NOW + timedelta(minutes=1)), "login_locked"
    )
    reopened.close()


def test_an_unknown_or_disabled_account_cannot_log_in(station_home: StationHome):
    _fail(lambda: station_home.login("nobody"), "login_unknown_user")
    _fail(lambda: station_home.login("gone"), "login_disabled")


def test_an_account_disabled_on_the_server_stops_working_once_the_record_is_applied(
    station_home: StationHome,
):
    session = station_home.login("clerk1")
    session.require_active(NOW)
    staff.apply_account(station_home.db, staff_account("clerk1", version=2, disabled=True))
    _fail(lambda: session.require_active(NOW + timedelta(seconds=5)), "login_disabled")
    _fail(lambda: station_home.login("clerk1"), "login_disabled")
    staff.apply_account(station_home.db, staff_account("clerk1", version=1))  # a replayed old record
    _fail(lambda: station_home.login("clerk1"), "login_disabled")


def test_an_idle_session_locks_and_touch_postpones_it(station_home: StationHome):
    session = station_home.login("clerk1", policy=SessionPolicy(idle_timeout=timedelta(minutes=5)))
    assert not session.is_locked(NOW + timedelta(minutes=4))
    session.touch(NOW + timedelta(minutes=4))
    assert not session.is_locked(NOW + timedelta(minutes=8))
    assert session.is_locked(NOW + timedelta(minutes=9))
    session.touch(NOW + timedelta(minutes=9, seconds=1))  # activity after the lock does not unlock
    assert session.is_locked(NOW + timedelta(minutes=9, seconds=2))
    _fail(lambda: session.require_active(NOW + timedelta(minutes=10)), "session_locked")
    with pytest.raises(ServiceError):
        session.unlock("guess", NOW + timedelta(minutes=10))
    session.unlock(PASSWORDS["clerk1"], NOW + timedelta(minutes=10))
    assert not session.is_locked(NOW + timedelta(minutes=11))
    session.lock()
    assert session.is_locked(NOW + timedelta(minutes=11))


def test_switching_clerks_gives_the_new_clerk_a_wrap_on_this_pc(station_home: StationHome):
    db = station_home.db
    first = station_home.login("clerk1")
    _fail(lambda: login(db, "clerk2", PASSWORDS["clerk2"], now=NOW), "login_needs_key")
    second = first.switch_clerk("clerk2", PASSWORDS["clerk2"], NOW + timedelta(minutes=1))
    assert second.username == "clerk2" and second.dek.raw == station_home.dek.raw
    assert first.is_locked(NOW + timedelta(minutes=1))
    alone = login(db, "clerk2", PASSWORDS["clerk2"], now=NOW + timedelta(minutes=2))
    assert alone.dek.raw == station_home.dek.raw


def test_a_password_reset_on_the_server_is_wrapped_again_when_the_key_is_open(station_home: StationHome):
    db = station_home.db
    first = station_home.login("clerk1")
    station_home.login("clerk2")
    staff.apply_account(db, staff_account("clerk2", "Reset-2026", version=2))
    _fail(
        lambda: login(db, "clerk2", "Reset-2026", now=NOW), "login_needs_key"
    )  # the old wrap no longer opens
    assert first.switch_clerk("clerk2", "Reset-2026", NOW).dek.raw == station_home.dek.raw
    assert login(db, "clerk2", "Reset-2026", now=NOW).dek.raw == station_home.dek.raw


def test_a_home_that_was_never_enrolled_cannot_log_in(tmp_path):
    db = open_store(tmp_path)
    _fail(lambda: login(db, "clerk1", "x", now=NOW), "station_not_enrolled")
