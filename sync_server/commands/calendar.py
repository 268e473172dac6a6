"""``sync-server calendar import FILE`` and ``sync-server calendar show YEAR``.

The file is one year's 国务院办公厅 holiday notice as TOML (format: ``schema.holiday_schedule``
and docs/server.md "Holiday schedules"). Importing stores it with who loaded it and when,
audits it, sends it to stations and recounts every open case whose due date was
provisional (暂定).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from sync_server.commands.common import (
    CommandError,
    IntRange,
    cli_actor,
    data_dir_option,
    format_table,
    format_time,
    open_database,
    utcnow,
)

_WEEKDAYS = "一二三四五六日"
_SHOWN_RECOUNTS = 20


@click.group("calendar")
def calendar() -> None:
    """法定节假日安排：导入国务院办公厅通知、查看某年安排。"""


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(
            "holiday_file_invalid",
            f"无法读取文件 {path}（{exc.strerror or exc}）。请检查文件路径后重试。",
            {"path": path},
        ) from exc


@calendar.command("import")
@data_dir_option
@click.argument("file", metavar="文件")
def import_(data_dir: str | None, file: str) -> None:
    """导入一年的节假日安排（TOML 文件），并重新计算暂定的承诺办结日期。"""
    from schema.holiday_schedule import parse_schedule
    from sync_server.services.admin.holidays import import_schedule

    schedule = parse_schedule(_read(file))
    with open_database(data_dir) as (_, db), db.write() as conn:
        result = import_schedule(conn, schedule, actor=cli_actor(), now=utcnow())
    if result.unchanged:
        click.echo(f"{schedule.year} 年节假日安排与已导入的相同（版本 {result.version}），未改动。")
    else:
        verb = "已替换" if result.replaced else "已导入"
        click.echo(
            f"{verb} {schedule.year} 年节假日安排（版本 {result.version}）：放假 {len(schedule.holidays)} 天，"
            f"调休上班 {len(schedule.workdays)} 天。出处：{schedule.source}"
        )
        click.echo("各服务站下次同步时收到新安排。")
    if not result.recounted:
        click.echo("没有需要重新计算承诺办结日期的在办业务。")
        return
    click.echo(f"重新计算了 {len(result.recounted)} 件在办业务的承诺办结日期（已通知受理服务站）：")
    rows = [
        (r.case_number, r.before.isoformat() if r.before else "—", r.after.label)
        for r in result.recounted[:_SHOWN_RECOUNTS]
    ]
    click.echo(format_table(("业务编号", "原日期（暂定）", "新日期"), rows))
    if len(result.recounted) > _SHOWN_RECOUNTS:
        click.echo(f"……另有 {len(result.recounted) - _SHOWN_RECOUNTS} 件，详见审计日志（case.due_recount）。")


def _day(day: dt.date, name: str) -> tuple[str, str, str]:
    return (day.isoformat(), f"星期{_WEEKDAYS[day.weekday()]}", name)


@calendar.command("show")
@data_dir_option
@click.argument("year", type=IntRange(1901, 2099), metavar="年份")
def show(data_dir: str | None, year: int) -> None:
    """显示某年的节假日安排：已导入的通知、随系统提供的，或暂定的计算结果。"""
    from schema.statutory_holidays import statutory_days_off
    from schema.workdays import shipped_schedules
    from sync_server.services.admin.holidays import stored_schedule

    with open_database(data_dir) as (_, db), db.read() as conn:
        loaded = stored_schedule(conn, year)
    names = statutory_days_off(year)
    if loaded is not None:
        click.echo(f"{year} 年节假日安排：已导入（版本 {loaded.version}）")
        click.echo(f"出处：{loaded.schedule.source}")
        click.echo(f"导入：{loaded.loaded_by}，{format_time(loaded.loaded_at)}（北京时间）")
        holidays, workdays = loaded.schedule.holidays, loaded.schedule.workdays
    elif year in (shipped := shipped_schedules()):
        click.echo(f"{year} 年节假日安排：随系统提供（正式）")
        click.echo(f"出处：{shipped[year].source}")
        holidays, workdays = shipped[year].holidays, shipped[year].workdays
    else:
        click.echo(f"{year} 年节假日安排：暂定（尚未导入国务院办公厅通知）")
        click.echo("按《全国年节及纪念日放假办法》计算法定节假日，不含调休；该年的承诺办结日期均标注“暂定”。")
        click.echo("通知发布后请运行 `sync-server calendar import 文件`，在办业务的暂定日期将自动重新计算。")
        holidays, workdays = frozenset(names), frozenset()
    click.echo("")
    click.echo(
        format_table(("放假日期", "星期", "节日"), [_day(d, names.get(d, "")) for d in sorted(holidays)])
    )
    if workdays:
        click.echo("")
        click.echo(format_table(("调休上班", "星期", ""), [_day(d, "") for d in sorted(workdays)]))
