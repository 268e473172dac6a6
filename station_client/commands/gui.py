"""``station-client gui`` (also ``station-client`` alone): the station's window.

Without a display it prints one Chinese line and exits with status 1 (no traceback).
``--self-test`` opens the login window, waits until it is usable, closes it and exits
0: the check an installer (or ``packaging/README.md``) runs on a new PC.
"""

from __future__ import annotations

import click

from station_client.commands.common import guarded, home_option


@click.command("gui")
@home_option
@click.option("--self-test", is_flag=True, help="打开登录窗口后立即关闭，用于检查安装是否完整。")
@guarded
def gui(home: str | None, self_test: bool) -> None:
    """打开工作站窗口（登录、办理业务、查看本站业务和同步状态）。"""
    from station_client.ui.launch import run

    code = run(home, self_test=self_test)
    if code:
        raise click.exceptions.Exit(code)
