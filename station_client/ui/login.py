"""Login (works offline), the idle lock, switching the clerk at the desk, and the forced
change of a one-time password (:class:`PasswordScreen`: it cannot be skipped).

Passwords are checked on the worker thread (scrypt takes ~0.1 s): the window stays
live and shows "正在登录…". The first login of a clerk on this PC may need the recovery
key printed at enrolment (the data key is not yet wrapped for that clerk): the field
appears only then, with what the key is, where it is kept and why it is asked only once
(:data:`RECOVERY_HELP`). The screen names the station, never a folder: support reads the
data directory with ``station-client status``.
"""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from schema.passwords import MIN_PASSWORD_LENGTH
from station_client.ui import theme
from station_client.ui.screen import Screen, entry
from station_client.ui.widgets import button, label

if TYPE_CHECKING:
    from station_client.services.session import Session
    from station_client.ui.navigation import App, Covers

SETTINGS = "ui-settings.json"
RECOVERY_HELP = (
    "恢复密钥是本服务站注册（station-client enroll）时只显示一次的一串字母和数字，"
    "形如 ABCD-EFGH-JKLM-…（8 组，每组 4 位），注册时已抄写或打印，交站长锁柜保管。"
    "本机的业务数据是加密保存的：您的账号第一次在这台电脑登录时，要用它打开本机数据；"
    "打开后，本机会用您的密码另存一把钥匙，以后只凭密码登录，不再需要恢复密钥。"
    "也可以请已在本机登录过的柜员先登录，再用“切换柜员”换成您的账号，就不必输入。"
)


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

    def __init__(self, app: App) -> None:
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
        self.recovery = entry(panel, width=340, placeholder="如 ABCD-EFGH-…，向站长索取")
        self.recovery_help = label(panel, RECOVERY_HELP, muted=True, wrap=560, size=theme.SMALL)
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
            self.station.configure(text=name or "本机尚未注册为服务站")
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

        def job(db: Database) -> Session:
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
        self.run(job, partial(after_login, self.app.covers), failed)


def after_login(covers: Covers, session: Session) -> None:
    """A clerk with a one-time password changes it first; everyone else goes to the desk."""
    if session.must_change_password:
        covers.change_password(session)
    else:
        covers.logged_in(session)


class LockScreen(Screen):
    title = "工作站已锁定"
    hint = "输入密码后回车解锁"
    cover = True

    def __init__(self, app: App, *, deliberate: bool = False) -> None:
        super().__init__(app)
        panel = _panel(self)
        session = self.clerk
        # F12 is the clerk's own lock, not the idle timeout: say which one happened.
        why = "工作站已锁定，请输入密码解锁" if deliberate else "长时间未操作，工作站已锁定"
        label(panel, why, size=theme.TITLE, bold=True).grid(
            row=0, column=0, columnspan=2, padx=30, pady=(24, 6)
        )
        label(panel, f"当前柜员：{session.display_name}（{session.username}）", muted=True).grid(
            row=1, column=0, columnspan=2, padx=30, pady=(0, 12)
        )
        self.password = entry(panel, width=340, show="•")
        _row(panel, 2, "密码", self.password)
        self.unlock_button = button(panel, "解锁", self.on_enter, width=340, height=44)
        self.unlock_button.grid(row=3, column=1, sticky="w", padx=(0, 30), pady=(10, 6))
        button(panel, "换其他柜员登录", app.covers.switch_clerk, kind="secondary", width=340).grid(
            row=4, column=1, sticky="w", padx=(0, 30), pady=(0, 24)
        )

    def focus_first(self) -> None:
        self.password.focus_set()

    def on_enter(self) -> None:
        password = self.password.get()
        if not password:
            self.banner.show("请输入密码。", "error")
            return
        session, clock = self.clerk, self.app.clock

        def job(_db: Database) -> Session:
            session.unlock(password, clock())
            return session

        def failed(exc: BaseException) -> None:
            self.password.delete(0, "end")
            self.show_error(exc)

        self.run(job, lambda s: self.app.covers.logged_in(s, fresh=False), failed)


class SwitchScreen(Screen):
    title = "切换柜员"
    hint = "回车切换，Esc 取消"
    cover = True

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.was_locked = self.clerk.is_locked(app.clock())
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
            self.app.covers.show_lock()
        else:
            self.app.covers.uncover()

    def on_escape(self) -> bool:
        self.cancel()
        return True

    def on_enter(self) -> None:
        username, password = self.username.get().strip(), self.password.get()
        if not username or not password:
            self.banner.show("请输入接替柜员的用户名和密码。", "error")
            return
        session, clock, home = self.clerk, self.app.clock, self.app.paths.home

        def job(_db: Database) -> Session:
            new = session.switch_clerk(username, password, clock())
            (home / SETTINGS).write_text(json.dumps({"last_username": username}), encoding="utf-8")
            return new

        def failed(exc: BaseException) -> None:
            self.password.delete(0, "end")
            self.show_error(exc)

        self.run(job, partial(after_login, self.app.covers), failed)


class PasswordScreen(Screen):
    """修改密码: forced after a one-time password (new account, reset); no way round it but
    to log out. The change re-wraps the data key and queues the new hash for the server."""

    title = "修改密码"
    hint = "Tab 切换输入框，回车确认修改"
    cover = True

    def __init__(self, app: App, session: Session) -> None:
        super().__init__(app)
        self.session = session
        panel = _panel(self)
        label(panel, "首次登录：请先修改密码", size=theme.TITLE, bold=True).grid(
            row=0, column=0, columnspan=2, padx=30, pady=(24, 6)
        )
        label(
            panel,
            f"柜员：{session.display_name}（{session.username}）。您使用的是综合业务科发放的一次性密码，"
            f"须设置自己的新密码后才能办理业务。新密码至少 {MIN_PASSWORD_LENGTH} 位，同时包含字母和数字，"
            "不能包含用户名。",
            muted=True,
            wrap=560,
        ).grid(row=1, column=0, columnspan=2, padx=30, pady=(0, 12))
        self.current = entry(panel, width=340, show="•")
        _row(panel, 2, "当前密码", self.current)
        self.new = entry(panel, width=340, show="•")
        _row(panel, 3, "新密码", self.new)
        self.repeat = entry(panel, width=340, show="•")
        _row(panel, 4, "再次输入新密码", self.repeat)
        self.change_button = button(panel, "确认修改", self.on_enter, width=340, height=44)
        self.change_button.grid(row=5, column=1, sticky="w", padx=(0, 30), pady=(10, 6))
        button(panel, "退出登录", app.covers.show_login, kind="secondary", width=340).grid(
            row=6, column=1, sticky="w", padx=(0, 30), pady=(0, 24)
        )
        self._busy = False

    def focus_first(self) -> None:
        self.current.focus_set()

    def on_escape(self) -> bool:
        self.banner.show("必须先修改密码才能办理业务；如不是本人，请点“退出登录”。", "warning")
        return True

    def on_enter(self) -> None:
        if self._busy:
            return
        current, new, repeat = self.current.get(), self.new.get(), self.repeat.get()
        if not current or not new or not repeat:
            self.banner.show("请输入当前密码，并输入两遍新密码。", "error")
            (self.current if not current else self.new if not new else self.repeat).focus_set()
            return
        session, clock = self.session, self.app.clock

        def job(_db: Database) -> Session:
            from station_client.services.password_change import change_password

            change_password(session, current, new, repeat, now=clock())
            return session

        def done(changed: Session) -> None:
            self._busy = False
            self.app.covers.logged_in(changed)
            self.nav.tell("密码已修改，今后请用新密码登录。新密码将在下次同步时报送市社保服务器。", "success")

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.change_button.configure(state="normal")
            wrong_current = getattr(exc, "code", "").startswith("login_")
            for field in (self.current,) if wrong_current else (self.new, self.repeat):
                field.delete(0, "end")
            (self.current if wrong_current else self.new).focus_set()
            self.show_error(exc)

        self._busy = True
        self.change_button.configure(state="disabled")
        self.banner.clear()
        self.run(job, done, failed)
