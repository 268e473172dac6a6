"""柜员登录: the station by name and no folder path; the first login on this PC says what the
recovery key is, where it is kept and why it is asked for only once — and it is."""

from __future__ import annotations

import re
import tkinter as tk

from station_client.crypto.recovery import GROUP_LEN, GROUPS
from station_client.ui.login import LoginScreen
from station_client.ui.workbench import WorkbenchScreen
from tests.support.stationkit import PASSWORDS
from tests.support.uidriver import Driver


def _texts(widget: tk.Misc) -> list[str]:
    out, todo = [], [widget]
    while todo:
        w = todo.pop()
        todo += w.winfo_children()
        if w.winfo_class() in ("Label", "Entry") and w.winfo_ismapped():
            out.append(str(w.cget("text") if w.winfo_class() == "Label" else w.get()))
    return out


def _log_in(driver: Driver, recovery_key: str | None = None) -> LoginScreen:
    login = driver.wait_screen(LoginScreen)
    driver.type_into(login.username, "clerk1")
    driver.type_into(login.password, PASSWORDS["clerk1"])
    if recovery_key is not None:
        driver.type_into(login.recovery, recovery_key)
    driver.enter(login.password)
    driver.settle()
    return login


def test_the_login_screen_names_the_station_and_shows_no_folder(ui, ui_home):
    login = ui.wait_screen(LoginScreen)
    ui.pump(lambda: login.station.cget("text") != "正在读取本机服务站信息…", what="the station's name")
    assert login.station.cget("text") == "乐山市市中区大佛街道社保所"
    home = str(ui_home.paths.home)
    assert not [text for text in _texts(login) if home in text or "/" in text or "\\" in text]


def test_a_first_login_explains_the_recovery_key_and_asks_for_it_only_once(station_home, city_ca):
    station_home.paths.ca.write_bytes(city_ca)
    driver = Driver.start(station_home.paths.home, start_sync=False)
    try:
        login = _log_in(driver)  # clerk1 has never logged in on this PC
        assert login.recovery.winfo_ismapped() and "恢复密钥" in driver.banner
        help_text = login.recovery_help.cget("text")
        for words in ("注册", "只显示一次", "站长", "第一次在这台电脑登录", "不再需要恢复密钥", "切换柜员"):
            assert words in help_text, words
        example = re.search(r"([A-Z]{4})(-[A-Z]{4})+-…（(\d) 组，每组 (\d) 位）", help_text)
        assert example and (int(example[3]), int(example[4])) == (GROUPS, GROUP_LEN)
        assert re.fullmatch(
            rf"[A-Z2-7]{{{GROUP_LEN}}}(-[A-Z2-7]{{{GROUP_LEN}}}){{{GROUPS - 1}}}", station_home.recovery_key
        )
        driver.app.update_idletasks()
        bottom = driver.app.winfo_rooty() + driver.app.winfo_height()
        assert login.recovery_help.winfo_rooty() + login.recovery_help.winfo_height() <= bottom
        assert login.login_button.winfo_rooty() + login.login_button.winfo_height() <= bottom

        driver.type_into(login.recovery, station_home.recovery_key)
        driver.enter(login.recovery)
        driver.wait_screen(WorkbenchScreen)
        driver.app.covers.show_login()  # the next day: the password alone opens the desk
        _log_in(driver)
        driver.wait_screen(WorkbenchScreen)  # no recovery key asked this time
    finally:
        driver.close()
    driver.assert_no_errors()
