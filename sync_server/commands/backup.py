"""``sync-server backup FILE``: a consistent copy of the database while the server runs."""

from __future__ import annotations

from pathlib import Path

import click

from sync_server.commands.common import CommandError, connect, data_dir_option, settings_for


@click.command("backup")
@click.argument("target", metavar="备份文件", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
def backup(target: Path, data_dir: str | None) -> None:
    """在线备份数据库（服务照常运行）：SQLite 复制为一个新文件，PostgreSQL 用 pg_dump 导出。"""
    from sync_server.services import backup as service

    # Not open_database: an older schema is allowed, the backup before `db upgrade` is one.
    db = connect(settings_for(data_dir).effective_database_url, must_exist=True)
    try:
        made = service.backup(db, target)
    except service.BackupError as exc:
        raise CommandError(exc.code, exc.message) from exc
    finally:
        db.dispose()
    how = (
        "恢复：停止服务，用此文件替换数据目录中的 server.db，删除 server.db-wal 和 server.db-shm，再启动服务"
        if made.dialect == "sqlite"
        else "恢复：packaging/server/restore-postgresql.sh 此文件 新库名"
    )
    click.echo(f"已备份到 {made.path}（{made.size} 字节，{made.stations} 个服务站）。{how}。")
    click.echo("恢复到较早的备份后，各服务站会在下次同步时自动重新上报此后已上报的业务。")
