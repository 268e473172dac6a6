"""``sync-server receipts allocate|show``: the city's receipt stock (票据号段) for each station."""

from __future__ import annotations

import click

from sync_server.commands.common import (
    IntRange,
    cli_actor,
    data_dir_option,
    format_table,
    format_time,
    open_database,
    utcnow,
)


@click.group("receipts")
def receipts() -> None:
    """缴费收据票据号段：分配给服务站、查看分配和作废情况。"""


@receipts.command("allocate")
@data_dir_option
@click.argument("station_id", metavar="服务站编码")
@click.option("--series", required=True, metavar="票据代码", help="收据上印的 8 位票据代码，如 51110026。")
@click.option("--first", type=IntRange(1, 99_999_999), metavar="起始号", help="号段的第一个号码。")
@click.option("--last", type=IntRange(1, 99_999_999), metavar="终止号", help="号段的最后一个号码。")
@click.option(
    "--count",
    type=IntRange(1, 100_000),
    metavar="张数",
    help="分配的张数；不给 --first 时从该票据代码已分配的最大号之后接着分配。",
)
def allocate(
    data_dir: str | None,
    station_id: str,
    *,
    series: str,
    first: int | None,
    last: int | None,
    count: int | None,
) -> None:
    """给服务站分配一段缴费收据号码（各站号段不得重叠）；该站下次同步后即按号段开具收据。"""
    from sync_server.services.finance.receipt_stock import allocate as allocate_range

    with open_database(data_dir) as (_, db), db.write() as conn:
        made = allocate_range(
            conn,
            station_id,
            series=series,
            first=first,
            last=last,
            count=count,
            now=utcnow(),
            actor=cli_actor(),
        )
    click.echo(
        f"已给服务站 {station_id.strip()} 分配票据号段 {made.text}，共 {made.size} 张（号段编号 {made.range_id}）。"
    )
    click.echo("该站下次同步后即从此号段开具缴费收据。")


@receipts.command("show")
@data_dir_option
@click.argument("station_id", required=False, metavar="[服务站编码]")
def show(data_dir: str | None, station_id: str | None) -> None:
    """列出已分配的票据号段（可只看一个服务站）和各段已登记作废的张数。"""
    from sync_server.services.finance.receipt_stock import show as show_ranges

    with open_database(data_dir) as (_, db), db.read() as conn:
        views = show_ranges(conn, station_id)
    if not views:
        click.echo("还没有分配过票据号段。请用 `sync-server receipts allocate` 分配。")
        return
    rows = [
        (v.range.range_id, v.station_id, v.station_name, v.range.text, v.range.size, v.voided,
         format_time(v.range.allocated_at))
        for v in views
    ]  # fmt: skip
    click.echo(format_table(("编号", "服务站", "名称", "号段", "张数", "已作废", "分配时间"), rows))
    click.echo(f"共 {len(views)} 段（时间为北京时间）。")
