"""``sync-server closes show``: the stations' 日结 the city received, thin over
``services.finance.station_closes``."""

from __future__ import annotations

import datetime as dt
import json

import click

from schema.daily_close import difference_words, part_label
from sync_server.commands.common import data_dir_option, format_table, format_time, open_database


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期“{value}”格式不对：请写成 2026-11-26。") from None


@click.group("closes")
def closes() -> None:
    """服务站现金日结（日结单上报记录）。"""


@closes.command("show")
@data_dir_option
@click.option("--station", "station_id", default=None, help="只看该服务站（如 511102004-00）。")
@click.option("--day", default=None, metavar="YYYY-MM-DD", callback=_day, help="只看这一天。")
@click.option("--from", "day_from", default=None, metavar="YYYY-MM-DD", callback=_day, help="从这一天起。")
@click.option("--to", "day_to", default=None, metavar="YYYY-MM-DD", callback=_day, help="到这一天止。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（含面额清点和收据明细）。")
def show(
    *,
    data_dir: str | None,
    station_id: str | None,
    day: dt.date | None,
    day_from: dt.date | None,
    day_to: dt.date | None,
    as_json: bool,
) -> None:
    """列出收到的日结：应收（开具−作废）、实点、差额及原因，最新的在前。"""
    from sync_server.services.finance.station_closes import list_closes

    first, last = (day, day) if day else (day_from, day_to)
    with open_database(data_dir) as (_settings, db), db.read() as conn:
        found = list_closes(conn, station_id=station_id, day_from=first, day_to=last)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "close_id": c.close_id,
                        "station_id": c.station_id,
                        "business_day": c.business_day.isoformat(),
                        "part": c.part,
                        "receipts": c.receipts,
                        "voided": c.voided,
                        "expected": f"{c.expected:.2f}",
                        "counted": f"{c.counted:.2f}",
                        "difference": f"{c.difference:.2f}",
                        "reason": c.reason,
                        "closed_by": c.closed_by,
                        "closed_at": c.closed_at.isoformat(),
                        "received_at": c.received_at.isoformat(),
                        "denominations": c.denominations,
                        "receipt_list": c.receipt_list,
                    }
                    for c in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not found:
        click.echo("没有符合条件的日结记录。")
        return
    rows = [
        (
            c.business_day.isoformat(),
            c.station_id,
            part_label(c.part),
            f"{c.receipts}（作废{c.voided}）",
            f"{c.expected:,.2f}",
            f"{c.counted:,.2f}",
            difference_words(c.difference),
            c.reason or "—",
            c.closed_by,
            format_time(c.received_at),
        )
        for c in found
    ]
    headers = ("日期", "服务站", "类别", "收据张数", "应收", "实点", "差额", "差额原因", "日结人", "收到时间")
    click.echo(format_table(headers, rows))
