"""Starting the window: a display first, logging to the home, then the login window.

With no display (no ``DISPLAY`` on Linux, a service session on Windows) Tk cannot open
a window: :class:`NoDisplay` carries one clear Chinese line, which the CLI prints
without a traceback and exits non-zero. ``self_test`` opens the login window, waits
until it is drawn and usable, then closes: a check that an installation is complete.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from station_client.core.errors import StationError
from station_client.paths import StationPaths

if TYPE_CHECKING:
    from station_client.ui.app import StationApp

READY_ENV = "SSB_UI_READY_FILE"  # tests and bench: a file written once the login window is usable


class NoDisplay(StationError):
    pass


def no_display_message(detail: str) -> str:
    where = (
        "未设置 DISPLAY 环境变量"
        if sys.platform != "win32" and not os.environ.get("DISPLAY")
        else "无法连接到显示器"
    )
    del detail
    return (
        f"无法打开工作站窗口：没有可用的图形显示（{where}）。"
        "请在电脑桌面上双击启动本程序；远程命令行中只能使用 sync、status 等命令。"
    )


def setup_logging(paths: StationPaths) -> None:
    """Warnings and errors to ``<home>/logs/station-ui.log`` (no personal data is logged)."""
    folder = paths.home / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(
            folder / "station-ui.log", maxBytes=1 << 20, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def create_app(home: str | Path | None, **options: object) -> StationApp:
    """The app window; NoDisplay when there is no display to open it on."""
    import tkinter

    try:
        from station_client.ui.app import StationApp

        return StationApp(home, **options)  # type: ignore[arg-type]
    except tkinter.TclError as exc:
        if "display" in str(exc).lower():
            raise NoDisplay("no_display", no_display_message(str(exc))) from None
        raise


def when_ready(app: StationApp, callback: Callable[[], None]) -> None:
    """Call back once the login window is drawn and takes input."""

    def check() -> None:
        top = app.top
        if app.winfo_ismapped() and top is not None and top.winfo_ismapped():
            callback()
        else:
            app.after(20, check)

    app.after_idle(check)


def run(home: str | Path | None, *, self_test: bool = False) -> int:
    started = time.perf_counter()
    app = create_app(home)
    setup_logging(StationPaths.of(home))
    ready_file = os.environ.get(READY_ENV)

    def ready() -> None:
        elapsed = time.perf_counter() - started
        if ready_file:
            Path(ready_file).write_text(f"{time.time():.6f} {elapsed:.6f}\n", encoding="utf-8")
        if self_test:
            print(f"自检通过：登录窗口已打开（{elapsed:.2f} 秒）。")
            app.after(50, app.shutdown)

    when_ready(app, ready)
    app.mainloop()
    return 0
