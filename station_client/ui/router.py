"""The desk's screens on one stack, and the :class:`~station_client.ui.navigation.Navigator`
operations that build them. With :mod:`~station_client.ui.covers`, the only module that
knows the screen classes: a screen asks to go somewhere, the router builds what is there.

Each operation imports its screen when first used: the login window opens before the
desk's screens (and the contract's form models behind them, ~0.15 s of a 0.6 s cold
start) are loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from station_client.ui.screen import Screen
from station_client.ui.viewmodels.desk import INTAKE, DeskState, applicant_of
from station_client.ui.widgets import Banner

if TYPE_CHECKING:
    from station_client.core.intake_rules import CheckedIntake, IntakeRefused
    from station_client.services.case_detail import CaseDetail
    from station_client.services.intake import IntakeResult
    from station_client.services.payment_notice import IssuedNotice
    from station_client.services.set_aside import OpView
    from station_client.ui.navigation import App
    from station_client.ui.viewmodels.form import FormModel


def focus_first(screen: Screen) -> None:
    if screen.winfo_exists():
        screen.focus_first()


class Router:
    def __init__(self, app: App, notice: Banner) -> None:
        self.app = app
        self.notice = notice  # the window's own banner, above the screen
        self.stack: list[Screen] = []

    # ── the stack ───────────────────────────────────────────────────────────────────

    @property
    def top(self) -> Screen | None:
        return self.stack[-1] if self.stack else None

    def show(self, screen: Screen) -> Screen:
        """Push ``screen`` on the stack and show it."""
        if self.stack:
            self.stack[-1].grid_remove()
        self.stack.append(screen)
        self.present(screen)
        return screen

    def present(self, screen: Screen) -> None:
        self.notice.clear()
        screen.grid(row=0, column=0, sticky="nsew")
        screen.on_show()
        screen.after_idle(partial(focus_first, screen))

    def reshow(self) -> None:
        """Show the top screen again (after a cover)."""
        if self.stack:
            self.present(self.stack[-1])

    def back(self) -> None:
        if len(self.stack) <= 1:
            return
        self.stack.pop().destroy()
        self.present(self.stack[-1])

    def tell(self, text: str, kind: str = "success") -> None:
        if self.stack:
            self.stack[-1].banner.show(text, kind)

    def home(self) -> None:
        while len(self.stack) > 1:
            self.stack.pop().destroy()
        if self.stack:
            self.present(self.stack[0])

    def start(self, *, fresh: bool) -> None:
        """A clerk logged in: a new desk at 首页 (``fresh``), else the one that was there."""
        from station_client.ui.workbench import WorkbenchScreen

        if fresh or not self.stack:
            for screen in self.stack:
                screen.destroy()
            self.stack = []
            self.app.desk = DeskState()
            self.show(WorkbenchScreen(self.app))
        else:
            self.present(self.stack[-1])

    # ── where a screen sends the clerk ──────────────────────────────────────────────

    def new_applicant(self, query: str = "") -> None:
        from station_client.ui.person import PersonScreen

        self.home()
        self.app.desk = DeskState()
        screen = PersonScreen(self.app)
        self.show(screen)
        if query:
            screen.start_with(query)

    def open_items(self) -> None:
        from station_client.ui.items import ItemsScreen

        self.show(ItemsScreen(self.app))

    def open_form(
        self, item_code: str, *, mode: str = INTAKE, case: CaseDetail | None = None, op: OpView | None = None
    ) -> None:
        from station_client.ui.form import FormScreen

        if self.app.reference is None:
            self.notice.show("正在载入事项目录，请稍候几秒再试。", "info")
            return
        if case is not None:  # a supplement or a correction: the case's applicant is at the desk
            self.app.desk.applicant = applicant_of(case.applicant_raw)
        self.show(FormScreen(self.app, item_code, mode=mode, case=case, op=op))

    def open_confirm(
        self, model: FormModel, checked: CheckedIntake, on_refused: Callable[[IntakeRefused], None]
    ) -> None:
        from station_client.ui.finish import ConfirmScreen

        self.show(ConfirmScreen(self.app, model, checked, on_refused=on_refused))

    def open_finish(self, result: IntakeResult) -> None:
        from station_client.ui.finish import FinishScreen

        self.home()
        self.show(FinishScreen(self.app, result))

    def open_notice_finish(self, issued: IssuedNotice) -> None:
        from station_client.ui.notice_finish import NoticeFinishScreen

        self.home()
        self.show(NoticeFinishScreen(self.app, issued))

    def open_cases(self, filter_: str = "all") -> None:
        from station_client.ui.cases import CasesScreen

        self.home()
        self.show(CasesScreen(self.app, filter_))

    def open_case(self, case_id: str) -> None:
        from station_client.ui.cases import CaseDetailScreen

        self.show(CaseDetailScreen(self.app, case_id))

    def open_problems(self) -> None:
        from station_client.ui.problems import ProblemsScreen

        self.home()
        self.show(ProblemsScreen(self.app))

    def open_dues(self) -> None:
        from station_client.ui.dues import DuesScreen

        self.home()
        self.show(DuesScreen(self.app))

    def open_verify(self) -> None:
        from station_client.ui.verify import VerifyScreen

        self.home()
        self.show(VerifyScreen(self.app))

    def open_receipt_void(self, case_id: str, number: str) -> None:
        from station_client.ui.receipt_void import VoidReceiptScreen

        self.show(VoidReceiptScreen(self.app, case_id, number))

    def open_daily_close(self) -> None:
        from station_client.ui.daily_close import DailyCloseScreen

        self.home()
        self.show(DailyCloseScreen(self.app))
