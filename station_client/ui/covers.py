"""The covers: login, lock, switch of clerk and the forced password change, each shown
over the whole window (the header, the stack and the sync bar hidden) until it is done.
Implements :class:`~station_client.ui.navigation.Covers` for the login screens.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Protocol

from station_client.ui.login import LockScreen, LoginScreen, PasswordScreen, SwitchScreen
from station_client.ui.router import Router, focus_first
from station_client.ui.screen import Screen

if TYPE_CHECKING:
    from station_client.services.session import Session
    from station_client.ui.navigation import App


class Window(Protocol):
    """What the covers need of the window around them."""

    def show_main(self) -> None: ...

    def hide_main(self) -> None: ...

    def desk_opened(self) -> None:
        """A clerk is at the desk (logged in or unlocked): sync, reference data, status."""


class CoverLayer:
    def __init__(self, app: App, window: Window, router: Router) -> None:
        self.app, self.window, self.router = app, window, router
        self.current: Screen | None = None

    def _show(self, screen: Screen) -> None:
        if self.current is not None:
            self.current.destroy()
        self.current = screen
        self.window.hide_main()
        screen.grid(row=0, column=0, sticky="nsew")
        screen.on_show()
        screen.after_idle(partial(focus_first, screen))

    def _hide(self) -> None:
        if self.current is not None:
            self.current.destroy()
            self.current = None
        self.window.show_main()

    def show_login(self) -> None:
        self._show(LoginScreen(self.app))

    def show_lock(self, *, deliberate: bool = False) -> None:
        if self.app.session is not None:
            self.app.session.lock()
        self._show(LockScreen(self.app, deliberate=deliberate))

    def lock(self) -> None:
        """F12 or 锁定: the clerk locks the desk on purpose (not the idle timeout)."""
        if self.app.session is not None and self.current is None:
            self.show_lock(deliberate=True)

    def switch_clerk(self) -> None:
        if self.app.session is not None:
            self._show(SwitchScreen(self.app))

    def change_password(self, session: Session) -> None:
        self._show(PasswordScreen(self.app, session))

    def logged_in(self, session: Session, *, fresh: bool = True) -> None:
        self.app.session = session
        self._hide()
        self.router.start(fresh=fresh)
        self.window.desk_opened()

    def uncover(self) -> None:
        self._hide()
        self.router.reshow()
