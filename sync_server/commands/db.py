"""``sync-server db upgrade``: bring the database schema up to date."""

from __future__ import annotations

import click

from sync_server.commands.common import connect, data_dir_option, settings_for


@click.group("db")
def db_group() -> None:
    """数据库结构管理。"""


@db_group.command("upgrade")
@data_dir_option
def upgrade(data_dir: str | None) -> None:
    """把数据库结构升级到最新版本（可重复运行）。"""
    from sync_server.db import migrate

    settings = settings_for(data_dir)
    db = connect(settings.effective_database_url, must_exist=False)
    try:
        before = migrate.current_revision(db)
        migrate.upgrade(db)
        after = migrate.current_revision(db)
    finally:
        db.dispose()
    if before == after:
        click.echo(f"数据库结构已是最新版本：{after}")
    else:
        click.echo(f"数据库结构已从 {before or '空库'} 升级到 {after}")
