"""What a screen sees of the window: where it can send the clerk, the covers, printing,
and the desk's state. Protocols only, so a screen depends on these words and never on
another screen: :mod:`station_client.ui.router` builds the screens behind
:class:`Navigator`, :mod:`station_client.ui.covers` those behind :class:`Covers`, and
:class:`~station_client.ui.app.StationApp` is the :class:`App` they all receive.

Importing this module imports no Tk and no screen (a test walks the imports).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from station_client.ui.viewmodels.desk import INTAKE

if TYPE_CHECKING:
    import tkinter as tk

    from station_client.core.intake_rules import CheckedIntake, IntakeRefused
    from station_client.paths import StationPaths
    from station_client.services.case_detail import CaseDetail
    from station_client.services.intake import IntakeResult
    from station_client.services.payment_notice import IssuedNotice
    from station_client.services.session import Session
    from station_client.services.set_aside import OpView
    from station_client.ui.events import Bus
    from station_client.ui.runner import Runner
    from station_client.ui.viewmodels.desk import DeskState
    from station_client.ui.viewmodels.form import FormModel
    from station_client.ui.viewmodels.items import DeskReference
    from station_client.ui.viewmodels.sync import SyncState


class Navigator(Protocol):
    """The desk's screens, one stack: each operation says where the clerk goes next."""

    def home(self) -> None:
        """Back to 首页, closing every screen above it."""

    def back(self) -> None:
        """Close the top screen (never 首页)."""

    def tell(self, text: str, kind: str = "success") -> None:
        """Say ``text`` on the screen now on top of the stack (after a step that moved there)."""

    def new_applicant(self, query: str = "") -> None:
        """From 首页, serve someone new: 找人, looking ``query`` up when one was typed or read."""

    def open_items(self) -> None:
        """选择业务 for the applicant at the desk."""

    def open_form(
        self, item_code: str, *, mode: str = INTAKE, case: CaseDetail | None = None, op: OpView | None = None
    ) -> None:
        """An item's form: a new case, or ``case`` again for a 补正 or a correction of ``op``."""

    def open_confirm(
        self, model: FormModel, checked: CheckedIntake, on_refused: Callable[[IntakeRefused], None]
    ) -> None:
        """核对并确认; a refusal at saving goes back to the form and to ``on_refused``."""

    def open_finish(self, result: IntakeResult) -> None:
        """办理完成, over 首页 (the form and the confirmation are closed)."""

    def open_notice_finish(self, issued: IssuedNotice) -> None:
        """已开具缴费通知单 (paid at the bank), over 首页, as :meth:`open_finish`."""

    def open_cases(self, filter_: str = "all") -> None:
        """本站业务 with one filter chosen."""

    def open_case(self, case_id: str) -> None:
        """One case's detail, over the current screen."""

    def open_problems(self) -> None:
        """同步问题."""

    def open_dues(self) -> None:
        """催缴名单: the township's flexible workers due or in arrears."""

    def open_verify(self) -> None:
        """核验: is a printed document genuine (its QR code scanned)."""

    def open_daily_close(self) -> None:
        """日结: count the drawer against the day's receipts and close the day."""

    def open_receipt_void(self, case_id: str, number: str) -> None:
        """作废缴费收据 ``number`` of the case: a reason and a second staff member's password."""


class Covers(Protocol):
    """The login, lock, clerk switch and password change, shown over the whole window."""

    def show_login(self) -> None: ...

    def show_lock(self) -> None: ...

    def lock(self) -> None:
        """Lock the desk (F12) unless a cover is already up."""

    def switch_clerk(self) -> None: ...

    def change_password(self, session: Session) -> None:
        """The forced change of a one-time password, before the desk opens."""

    def logged_in(self, session: Session, *, fresh: bool = True) -> None:
        """``fresh``: a new desk at 首页; else the same clerk unlocked, back where they were."""

    def uncover(self) -> None:
        """Drop the cover and show the desk as it was (a switch of clerk cancelled)."""


class Documents(Protocol):
    """PDFs for the applicant: rendered off the Tk thread and opened to print."""

    def print_receipts(
        self, numbers: list[str], done: Callable[[list[Path]], None] | None = None
    ) -> None: ...

    def print_case_notice(self, case_id: str, kind: str) -> None:
        """The case's 补正告知书 (``supplement_notice``) or 办结通知书 (``decision_notice``)."""

    def open_pdf(self, path: Path) -> None: ...


class App(Protocol):
    """The window as a screen sees it (:class:`~station_client.ui.app.StationApp`)."""

    session: Session | None  # bound to the worker's connection; set at login
    reference: DeskReference | None  # the catalog, rates and search index, loaded after login
    desk: DeskState  # who is being served, and for what
    station_label: str

    @property
    def nav(self) -> Navigator: ...

    @property
    def covers(self) -> Covers: ...

    @property
    def documents(self) -> Documents: ...

    @property
    def paths(self) -> StationPaths: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    def today(self) -> date:
        """Today in Beijing (the desk's date), whatever zone the PC's clock is in."""
        ...

    @property
    def sync(self) -> SyncState: ...

    @property
    def bus(self) -> Bus: ...

    @property
    def runner(self) -> Runner: ...

    @property
    def body(self) -> tk.Misc:
        """Where the stack's screens live."""

    @property
    def cover_frame(self) -> tk.Misc:
        """Where a cover lives."""

    def explain(self, exc: BaseException | str) -> str: ...

    def report_error(self, exc: BaseException) -> None: ...

    def cases_changed(self) -> None: ...

    def sync_now(self) -> None: ...
