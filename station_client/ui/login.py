"""Login (works offline), the idle lock, and switching the clerk at the desk.

Passwords are checked on the worker thread (scrypt takes ~0.1 s): the window stays
live and shows "正在登录…". The first login of a clerk on this PC may need the recovery
key printed at enrolment (the data key is not yet wrapped for that clerk): the field
appears only then, with the reason.
"""

from __future__ import annotations

import json
from typing import Any

import customtkinter as ctk
from sqlite_utils import Database

from station_client.ui import theme
from station_client.ui.screen import Screen, entry
from station_client.ui.widgets import button, label

SETTINGS = "ui-settings.json"


def _panel(screen: Screen) -> ctk.CTkFrame:
    screen.content.grid_columnconfigure(0, weight=1)
    panel = ctk.CTkFrame(
        screen.content, fg_color=theme.PANEL, corner_radius=10, border_width=1, border_color=theme.BORDER
    )
    panel.grid(row=0, column=0, pady=(30, 0))
    panel.grid_columnconfigure(1, weight=1)
    return panel


def _row(panel: ctk.CTkFrame, row: int, text: str, widget: Any) -> None:
    label(panel, text, bold=True).grid(row=row, column=0, sticky="e", padx=(30, 12), pady=8)
    widget.grid(row=row, column=1, sticky="w", padx=(0, 30), pady=8)


class LoginScreen(Screen):
    title = "柜员登录"
    hint = "Tab 切换输入框，回车登录"
    cover = True

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        panel = _panel(self)
        label(panel, "乡镇社保服务站 工作站", size=theme.BIG, bold=True).grid(
            row=0, column=0, columnspan=2, padx=30, pady=(24, 4)
        )
        self.station = label(panel, "正在读取本机服务站信息…", muted=True)
        self.station.grid(row=1, column=0, columnspan=2, padx=30, pady=(0, 12))
        self.username = entry(panel, width=340)
        _row(panel, 2, "用户名", self.username)
        self.password = entry(panel, width=340, show="•")
        _row(panel, 3, "密码", self.password)
        self.recovery_label = label(panel, "恢复密钥", bold=True)
        self.recovery = entry(panel, width=340)
        self.recovery_help = label(
            panel,
            "本账号首次在这台电脑登录：请输入注册本服务站时打印的恢复密钥（或请已在本机登录过的柜员登录后“切换柜员”）。",
            muted=True,
            wrap=520,
            size=theme.SMALL,
        )
        self.login_button = button(panel, "登录", self.on_enter, width=340, height=44)
        self.login_button.grid(row=6, column=1, sticky="w", padx=(0, 30), pady=(10, 6))
        label(
            panel, "不联网也可以登录。连续输错 5 次密码，账号将锁定 15 分钟。", muted=True, size=theme.SMALL
        ).grid(row=7, column=0, columnspan=2, padx=30, pady=(0, 22))
        self._busy = False
        self._load_station()

    def _load_station(self) -> None:
        paths = self.app.paths

        def job(db: Database) -> tuple[str, str]:
            from station_client.services.receipt_seal import station_name
            from station_client.store import meta

            code = meta.get(db, meta.STATION_CODE) or meta.station_id(db) or ""
            last = ""
            settings = paths.home / SETTINGS
            if settings.is_file():
                last = str(json.loads(settings.read_text(encoding="utf-8")).get("last_username", ""))
            return (station_name(code) if code else ""), last

        def done(found: tuple[str, str]) -> None:
            name, last = found
            self.app.station_label = name
            self.station.configure(
                text=f"{name}（{self.app.paths.home}）" if name else "本机尚未注册为服务站"
            )
            if last and not self.username.get():
                self.username.insert(0, last)
                self.password.focus_set()

        def failed(exc: BaseException) -> None:
            self.station.configure(text="本机尚未注册为服务站")
            self.show_error(exc)
            self.login_button.configure(state="disabled")

        self.run(job, done, failed)

    def focus_first(self) -> None:
        (self.password if self.username.get() else self.username).focus_set()

    def _needs_key(self) -> None:
        self.recovery_label.grid(row=4, column=0, sticky="e", padx=(30, 12), pady=8)
        self.recovery.grid(row=4, column=1, sticky="w", padx=(0, 30), pady=8)
        self.recovery_help.grid(row=5, column=0, columnspan=2, padx=30, sticky="w")
        self.recovery.focus_set()

    def on_enter(self) -> None:
        if self._busy:
            return
        username, password = self.username.get().strip(), self.password.get()
        if not username or not password:
            self.banner.show("请输入用户名和密码。", "error")
            (self.username if not username else self.password).focus_set()
            return
        recovery = self.recovery.get().strip() or None
        clock, home = self.app.clock, self.app.paths.home

        def job(db: Database) -> Any:
            from station_client.services.session import login

            session = login(db, username, password, now=clock(), recovery_key=recovery)
            (home / SETTINGS).write_text(json.dumps({"last_username": username}), encoding="utf-8")
            return session

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.login_button.configure(state="normal", text="登录")
            code = getattr(exc, "code", "")
            if code == "login_needs_key":
                self._needs_key()
            else:
                self.password.delete(0, "end")
                self.password.focus_set()
            self.show_error(exc)

        self._busy = True
        self.login_button.configure(state="disabled", text="正在登录…")
        self.banner.clear()
        self.run(job, self.app.logged_in, failed)


class LockScreen(Screen):
    title = "工作站已锁定"
    hint = "输入密码后回车解锁"
    cover = True

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        panel = _panel(self)
        session = app.session
        label(panel, "长时间未操作，工作站已锁定", size=theme.TITLE, bold=True).grid(
            row=0, column=0, columnspan=2, padx=30, pady=(24, 6)
        )
        label(panel, f"当前柜员：{session.display_name}（{session.username}）", muted=True).grid(
            row=1, column=0, columnspan=2, padx=30, pady=(0, 12)
        )
        self.password = entry(panel, width=340, show="•")
        _row(panel, 2, "密码", self.password)
        self.unlock_button = button(panel, "解锁", self.on_enter, width=340, height=44)
        self.unlock_button.grid(row=3, column=1, sticky="w", padx=(0, 30), pady=(10, 6))
        button(panel, "换其他柜员登录", app.switch_clerk, kind="secondary", width=340).grid(
            row=4, column=1, sticky="w", padx=(0, 30), pady=(0, 24)
        )

    def focus_first(self) -> None:
        self.password.focus_set()

    def on_enter(self) -> None:
        password = self.password.get()
        if not password:
            self.banner.show("请输入密码。", "error")
            return
        session, clock = self.app.session, self.app.clock

        def job(_db: Database) -> Any:
            session.unlock(password, clock())
            return session

        def failed(exc: BaseException) -> None:
            self.password.delete(0, "end")
            self.show_error(exc)

        self.run(job, lambda s: self.app.logged_in(s, fresh=False), failed)


class SwitchScreen(Screen):
    title = "切换柜员"
    hint = "回车切换，Esc 取消"
    cover = True

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.was_locked = app.session.is_locked(app.clock())
        panel = _panel(self)
        label(panel, "由另一位柜员接替办理", size=theme.TITLE, bold=True).grid(
            row=0, column=0, columnspan=2, padx=30, pady=(24, 6)
        )
        label(panel, "切换后，正在办理的业务将关闭，已保存的业务不受影响。", muted=True, wrap=520).grid(
            row=1, column=0, columnspan=2, padx=30, pady=(0, 12)
        )
        self.username = entry(panel, width=340)
        _row(panel, 2, "用户名", self.username)
        self.password = entry(panel, width=340, show="•")
        _row(panel, 3, "密码", self.password)
        button(panel, "切换", self.on_enter, width=340, height=44).grid(
            row=4, column=1, sticky="w", padx=(0, 30), pady=(10, 6)
        )
        button(panel, "取消", self.cancel, kind="secondary", width=340).grid(
            row=5, column=1, sticky="w", padx=(0, 30), pady=(0, 24)
        )

    def focus_first(self) -> None:
        self.username.focus_set()

    def cancel(self) -> None:
        if self.was_locked:
            self.app.show_lock()
        else:
            self.app.hide_cover()
            if self.app.stack:
                self.app.present(self.app.stack[-1])

    def on_escape(self) -> bool:
        self.cancel()
        return True

    def on_enter(self) -> None:
        username, password = self.username.get().strip(), self.password.get()
        if not username or not password:
            self.banner.show("请输入接替柜员的用户名和密码。", "error")
            return
        session, clock, home = self.app.session, self.app.clock, self.app.paths.home

        def job(_db: Database) -> Any:
            new = session.switch_clerk(username, password, clock())
            (home / SETTINGS).write_text(json.dumps({"last_username": username}), encoding="utf-8")
            return new

        def failed(exc: BaseException) -> None:
            self.password.delete(0, "end")
            self.show_error(exc)

        self.run(job, self.app.logged_in, failed)
