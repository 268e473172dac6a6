"""``station-client status``: pending, set-aside and failed operations, pending attachment
bytes, last success, last error, cursor, catalog version. Read-only; needs no password.

The figures come from ``station_client.sync.status.read_status`` (the sync agent's view of
the store), so the command and the UI show the same truth.
"""

from __future__ import annotations

import json

import click

from station_client.commands.common import Failure, guarded, home_option, open_existing, paths_of


@click.command("status")
@home_option
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供程序读取）。")
@guarded
def status(home: str | None, as_json: bool) -> None:
    """显示同步状态：待上报、被退回、失败的业务笔数，待上传附件，上次同步时间。"""
    try:
        from station_client.sync.status import read_status
    except ImportError:
        raise Failure(
            "sync_module_missing", "本程序未安装同步模块，无法显示同步状态：请安装完整版工作站客户端。"
        ) from None

    db = open_existing(paths_of(home))
    try:
        report = read_status(db)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2, sort_keys=True))
    else:
        for line in report.lines():
            click.echo(line)
