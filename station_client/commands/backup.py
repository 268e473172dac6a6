"""``station-client backup``: copy the encrypted store to the backup folder (a USB drive, a
network share), or set that folder with ``--configure DIR``. Needs no password: the copy is
as encrypted as the store, and only a clerk's password or the recovery key opens it."""

from __future__ import annotations

from pathlib import Path

import click

from station_client.commands.common import (
    guarded,
    home_option,
    json_option,
    now,
    open_existing,
    paths_of,
    print_json,
)
from station_client.services import backup as backups


@click.command("backup")
@home_option
@click.option(
    "--configure",
    "configure_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="设置备份位置（U 盘或共享文件夹），之后按计划和每次退出登录时自动备份。",
)
@click.option("--keep", type=click.IntRange(1, 365), default=None, help="备份位置中保留的份数（默认 7）。")
@click.option(
    "--every",
    "every_hours",
    type=click.IntRange(1, 24),
    default=None,
    help="窗口运行时每隔几小时备份一次（默认 4）。",
)
@click.option(
    "--to",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="只这一次备份到另一个文件夹。",
)
@json_option
@guarded
def backup(  # noqa: PLR0917  (click passes each option)
    home: str | None,
    configure_dir: Path | None,
    keep: int | None,
    every_hours: int | None,
    target: Path | None,
    as_json: bool,
) -> None:
    """把本机服务站数据（加密）备份到设置的位置；--configure 设置备份位置。"""
    paths = paths_of(home)
    if configure_dir is not None or keep is not None or every_hours is not None:
        db = open_existing(paths)
        try:
            directory = configure_dir or backups.target_of(db)
            if directory is None:
                raise click.UsageError("请用 --configure 指定备份位置。")
            backups.configure(db, directory, keep=keep, every_hours=every_hours)
            where = backups.target_of(db)
        finally:
            db.close()
        if as_json:
            print_json({"backup_dir": str(where)})
        else:
            click.echo(f"备份位置已设为 {where}：窗口运行时按计划备份，每次退出登录时也备份一次。")
        return
    db = open_existing(paths)
    db.close()
    result = backups.backup(paths, now=now(), target=target)
    m = result.manifest
    if as_json:
        print_json(
            {"file": str(result.path), "manifest": m.model_dump(mode="json"), "dropped": list(result.dropped)}
        )
        return
    click.echo(f"已备份：{result.path}（{m.cases} 件业务，校验值 {m.sha256[:12]}…）。")
    if result.dropped:
        click.echo(f"已删除较早的 {len(result.dropped)} 份备份（只保留最近几份）。")
    click.echo("备份文件已加密：恢复时需要恢复密钥（station-client restore）。")
