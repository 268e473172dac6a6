"""``sync-server feed prune``: delete old feed rows every active station has seen,
thin over ``services.feed.prune``."""

from __future__ import annotations

import click

from sync_server.commands.common import cli_actor, data_dir_option, open_database, utcnow


@click.group("feed")
def feed() -> None:
    """下发数据（同步队列）维护。"""


@feed.command("prune")
@data_dir_option
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="保留天数（默认取设置 SSB_FEED_RETENTION_DAYS，90 天）。",
)
def prune(*, data_dir: str | None, days: int | None) -> None:
    """删除早于保留期、且所有在用服务站都已下载过的同步记录；落后太多的服务站下次同步时重新下载全部数据。"""
    from sync_server.services.feed.prune import prune_feed

    with open_database(data_dir) as (settings, db):
        result = prune_feed(
            db, retention_days=days or settings.feed_retention_days, now=utcnow(), actor=cli_actor()
        )
    click.echo(
        f"已删除 {result.deleted} 条 {result.cutoff:%Y-%m-%d %H:%M} (UTC) 之前、各服务站均已下载的同步记录。"
    )
    if result.behind:
        click.echo(
            "以下服务站的同步进度落在已删除的记录之前，下次同步时将重新下载全部数据："
            + "、".join(result.behind)
        )
