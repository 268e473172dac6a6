"""PDFs for the desk: rendering receipts and notices on the worker thread, and opening them to print.

:class:`Printer` is the app's :class:`~station_client.ui.navigation.Documents`: screens
ask it for receipts, a case's 补正告知书 / 办结通知书 (:func:`case_notices` says which a
case offers) and to open a PDF; it also clears yesterday's printed files.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from station_client.crypto.keys import DataKey
from station_client.paths import StationPaths

if TYPE_CHECKING:
    from station_client.ui.navigation import App
    from station_client.ui.widgets import Banner

EXPORTS_KEPT_SECONDS = 24 * 3600  # printed PDFs hold personal data in the clear: kept one day


def open_document(path: Path) -> None:
    """Open a PDF in the PC's viewer, where the clerk prints it (OSError when there is none)."""
    if sys.platform == "win32":
        import os

        os.startfile(str(path))  # type: ignore[attr-defined]  # noqa: S606
    elif sys.platform == "darwin":
        subprocess.Popen(["open", str(path)])  # noqa: S603, S607
    else:
        subprocess.Popen(["xdg-open", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603, S607


def render_receipts(dek: DataKey, paths: StationPaths, numbers: list[str], db: Database) -> list[Path]:
    """A job for the worker thread: each receipt rendered (signed QR code) and written to exports/."""
    from station_client.services import receipt_pdf

    out = []
    for number in numbers:
        printable = receipt_pdf.receipt_pdf(db, dek, number)
        out.append(receipt_pdf.export(paths, number, printable.pdf))
    return out


def case_notices(status: str, decision_status: str | None) -> list[tuple[str, str]]:
    """(kind, words) of the notices a case offers now: 补正告知书 when returned, 办结通知书 when decided."""
    from station_client.core.case_notices import NOTICE_WORDS, notices_for

    return [(kind, NOTICE_WORDS[kind]) for kind in notices_for(status, decision_status)]


def render_case_notice(
    dek: DataKey, paths: StationPaths, db: Database, *, case_id: str, kind: str, clerk: str, now: datetime
) -> Path:
    """A job for the worker thread: the case's notice rendered (signed QR code) and written to exports/."""
    from station_client.services import receipt_pdf

    printable = receipt_pdf.case_notice_pdf(db, dek, case_id, kind, clerk=clerk, now=now)
    return receipt_pdf.export(paths, f"{printable.number}-{kind}", printable.pdf)


def clear_old_exports(paths: StationPaths, _db: Database) -> int:
    """A job for the worker thread: printed files older than a day removed."""
    from station_client.services.receipt_pdf import clear_exports

    return clear_exports(paths, older_than_seconds=EXPORTS_KEPT_SECONDS, now=time.time())


class Printer:
    def __init__(self, app: App, notice: Banner, opener: Callable[[Path], None] = open_document) -> None:
        self.app, self.notice = app, notice
        self.opener = opener  # tests record what would have been opened
        self.printed: list[Path] = []  # receipts opened for printing in this run

    def print_receipts(self, numbers: list[str], done: Callable[[list[Path]], None] | None = None) -> None:
        """Render receipts (signed QR code) off the Tk thread and open each for printing."""
        session = self.app.session
        assert session is not None, "receipts are printed at the desk, after login"
        job = partial(render_receipts, session.dek, self.app.paths, list(numbers))

        def finished(files: list[Path]) -> None:
            self.printed.extend(files)
            for file in files:
                self.open_pdf(file)
            if done is not None:
                done(files)

        self.app.runner.submit(job, finished)

    def print_case_notice(self, case_id: str, kind: str) -> None:
        """Render the case's 补正告知书 or 办结通知书 off the Tk thread and open it for printing."""
        session = self.app.session
        assert session is not None, "notices are printed at the desk, after login"
        job = partial(
            render_case_notice,
            session.dek,
            self.app.paths,
            case_id=case_id,
            kind=kind,
            clerk=session.display_name,
            now=self.app.clock(),
        )

        def finished(file: Path) -> None:
            self.printed.append(file)
            self.open_pdf(file)

        self.app.runner.submit(job, finished)

    def clear_exports(self) -> None:
        self.app.runner.submit(partial(clear_old_exports, self.app.paths), lambda _n: None)

    def open_pdf(self, path: Path) -> None:
        try:
            self.opener(path)
        except OSError:
            self.notice.show(
                f"已生成 {path}，但没有找到打开 PDF 的程序：请安装 PDF 阅读器后打开该文件打印。", "warning"
            )
