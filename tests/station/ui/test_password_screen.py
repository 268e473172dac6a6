"""The forced password change in the window: a clerk logging in with a one-time password
must set a new one (Esc does not skip it); the new password then unlocks the desk and
logs in on a fresh window without the recovery key, and the old one is refused."""

from __future__ import annotations

from station_client.services.session import login
from station_client.store import staff
from station_client.ui.login import LockScreen, LoginScreen, PasswordScreen
from station_client.ui.workbench import WorkbenchScreen
from tests.support.stationkit import NOW, staff_account
from tests.support.uidriver import Driver

ONE_TIME = "Kq7mXp2Rt9Zw"
NEW = "Spring-Desk-88"


def _log_in(ui: Driver, password: str) -> None:
    screen = ui.wait_screen(LoginScreen)
    ui.type_into(screen.username, "clerk3")
    ui.type_into(screen.password, password)
    ui.enter(screen.password)
    ui.settle()


def test_a_one_time_password_is_changed_at_the_first_login_and_only_the_new_one_works(ui_home):
    account = staff_account("clerk3", ONE_TIME).model_copy(update={"must_change_password": True})
    staff.apply_account(ui_home.db, account)
    login(ui_home.db, "clerk3", ONE_TIME, now=NOW, recovery_key=ui_home.recovery_key)  # wrapped on this PC

    ui = Driver.start(ui_home.paths.home, start_sync=False)
    try:
        _log_in(ui, ONE_TIME)
        screen = ui.wait_screen(PasswordScreen)
        ui.escape(screen.current)  # cannot be skipped
        assert isinstance(ui.screen, PasswordScreen) and "必须先修改密码" in ui.banner

        ui.type_into(screen.current, ONE_TIME)
        ui.type_into(screen.new, NEW)
        ui.type_into(screen.repeat, NEW + "x")
        ui.enter(screen.repeat)
        ui.settle()
        assert isinstance(ui.screen, PasswordScreen) and "两次输入的新密码不一致" in ui.banner
        assert staff.get(ui_home.db, "clerk3").must_change_password

        ui.type_into(screen.new, NEW)
        ui.type_into(screen.repeat, NEW)
        ui.enter(screen.repeat)
        ui.wait_screen(WorkbenchScreen)
        assert "密码已修改" in ui.banner
        assert not staff.get(ui_home.db, "clerk3").must_change_password

        ui.app.covers.lock()
        lock = ui.wait_screen(LockScreen)
        ui.type_into(lock.password, ONE_TIME)
        ui.enter(lock.password)
        ui.settle()
        assert isinstance(ui.screen, LockScreen) and "密码不正确" in ui.banner
        ui.type_into(lock.password, NEW)
        ui.enter(lock.password)
        ui.wait_screen(WorkbenchScreen)
    finally:
        ui.close()
    ui.assert_no_errors()

    fresh = Driver.start(ui_home.paths.home, start_sync=False)  # a new process: no key in memory
    try:
        _log_in(fresh, ONE_TIME)
        assert isinstance(fresh.screen, LoginScreen) and "密码不正确" in fresh.banner
        _log_in(fresh, NEW)
        fresh.wait_screen(WorkbenchScreen)
        fresh.pump(lambda: fresh.app.reference is not None, what="the catalog")
        fresh.settle()
    finally:
        fresh.close()
    fresh.assert_no_errors()
