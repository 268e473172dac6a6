"""``sync-server stats month``: the month's statistics (统计月报) as an Excel workbook and CSV.

On demand (``--month 2026-03 --xlsx 月报.xlsx --csv 月报.csv``) or from the monthly systemd
timer (packaging/server/sync-server-stats.timer), which runs it without ``--month`` on the
1st: the previous month, both files written into ``--out-dir`` as
``统计月报-YYYY-MM.xlsx`` and ``.csv``. Files are written whole or not at all (a temporary
file renamed into place), so a reader never sees half a workbook. Prints the city totals.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import click

from sync_server.commands.clearing import Period
from sync_server.commands.common import CommandError, data_dir_option, open_database, utcnow
from sync_server.core.clock import beijing_date


def previous_month(now: dt.datetime) -> str:
    first = beijing_date(now).replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def write_whole(path: Path, data: bytes) -> None:
    path = path.expanduser()
    if not path.parent.is_dir():
        raise CommandError(
            "stats_directory_missing", f"目录 {path.parent} 不存在。请先建立该目录，或换一个输出位置。"
        )
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.group("stats")
def stats() -> None:
    """统计报表。"""


@stats.command("month")
@data_dir_option
@click.option("--month", type=Period(), help="统计月份，如 2026-03；不写则为上个月（供每月定时任务）。")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False), help="写出 Excel 工作簿的文件。")
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False), help="写出 CSV（UTF-8，Excel 可直接打开）的文件。"
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False),
    help="输出目录：写出 统计月报-YYYY-MM.xlsx 和 .csv 两个文件。",
)
def month(
    data_dir: str | None, month: str | None, xlsx_path: str | None, csv_path: str | None, out_dir: str | None
) -> None:
    """生成某月统计月报（参保、征缴、待遇、业务办理，按区县和乡镇），输出 Excel 和 CSV。"""
    from sync_server.core.statistics_export import csv_text, workbook_bytes
    from sync_server.services.reports.statistics import month_statistics

    chosen = month or previous_month(utcnow())
    targets: list[tuple[Path, str]] = []
    if out_dir:
        folder = Path(out_dir).expanduser()
        targets += [(folder / f"统计月报-{chosen}.xlsx", "xlsx"), (folder / f"统计月报-{chosen}.csv", "csv")]
    if xlsx_path:
        targets.append((Path(xlsx_path), "xlsx"))
    if csv_path:
        targets.append((Path(csv_path), "csv"))
    with open_database(data_dir) as (_settings, db), db.read() as conn:
        report = month_statistics(conn, chosen)
    for path, kind in targets:
        data = workbook_bytes(report) if kind == "xlsx" else csv_text(report).encode("utf-8-sig")
        write_whole(path, data)
        click.echo(f"已写出 {path}")
    total = report.total
    planned = f"{total.planned_total:,.2f} 元" if report.planned else "未编制"
    click.echo(
        f"{chosen} 统计月报：参保 {sum(total.enrolled.values()):,} 人次，"
        f"实征 {total.collected_total:,.2f} 元（计划 {planned}），"
        f"待遇 {total.benefits_total:,.2f} 元，受理 {total.accepted:,} 件、办结 {total.finished:,} 件、逾期 {total.overdue:,} 件。"
    )
    if not targets:
        click.echo("未指定输出文件：加 --xlsx 文件、--csv 文件 或 --out-dir 目录即可写出报表。")
