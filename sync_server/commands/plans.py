"""``sync-server plans``: the fund's monthly plans. ``plans collect`` builds the month's
collection plan (征缴计划); ``plans arrears`` lists who is in arrears (欠费) with late fees."""

from __future__ import annotations

import datetime as dt
import re

import click

from sync_server.commands.common import cli_actor, data_dir_option, format_table, open_database, utcnow

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    value = value.strip().translate({0xFF10 + i: 0x30 + i for i in range(10)} | {0xFF0D: 0x2D})
    if not _MONTH.match(value):
        raise click.BadParameter(f"月份“{value}”格式不对，请按 YYYY-MM 填写，例如 2026-01。")
    return value


@click.group("plans")
def plans() -> None:
    """基金月度计划：征缴计划、欠费与滞纳金。"""


@plans.command("collect")
@data_dir_option
@click.option("--month", required=True, callback=_month, help="计划月份 YYYY-MM。")
def collect(data_dir: str | None, month: str) -> None:
    """按参保登记、缴费基数和费率生成（或重算）该月征缴计划；重复运行不会改变任何数据。"""
    from sync_server.services.finance.dues_feed import build_plan_and_dues  # + the stations' 催缴名单

    with open_database(data_dir) as (_settings, db), db.write() as conn:
        result = build_plan_and_dues(conn, month, actor=cli_actor(), now=utcnow())
    plan, diff = result.plan, result.diff
    units = sum(1 for x in plan.lines if x.payer_kind == "unit")
    click.echo(
        f"{month} 征缴计划：{len(plan.lines)} 行（单位 {units} 行、灵活就业 {len(plan.lines) - units} 行），"
        f"应缴合计 {plan.total:,.2f} 元，缴费截止日 {plan.lines[0].due_date if plan.lines else '—'}。"
    )
    if result.changed:
        click.echo(
            f"本次写入：新增 {len(diff.added)} 行、变更 {len(diff.changed)} 行、删除 {len(diff.removed)} 行（已记审计日志）。"
        )
    else:
        click.echo("与已生成的计划相同，未作任何改动。")
    if plan.skipped:
        click.echo(f"有 {len(plan.skipped)} 条参保登记无法计划，请核对后重新生成：", err=True)
        for s in plan.skipped[:20]:
            click.echo(f"  {s.id_number} {s.insurance}：{s.reason}", err=True)


@plans.command("arrears")
@data_dir_option
@click.option("--on", "on_text", default=None, help="计算日 YYYY-MM-DD（默认今天，北京时间）。")
@click.option("--township", default=None, help="只列出该乡镇（9 位代码）的缴费人。")
def arrears_cmd(data_dir: str | None, on_text: str | None, township: str | None) -> None:
    """列出逾期未缴清的单位和灵活就业人员：欠费月份、欠费金额和滞纳金（日万分之五）。"""
    from sync_server.services.finance.collection import arrears_on

    try:
        on = dt.date.fromisoformat(on_text) if on_text else (utcnow() + dt.timedelta(hours=8)).date()
    except ValueError:
        raise click.BadParameter(f"日期“{on_text}”格式不对，请按 YYYY-MM-DD 填写。") from None
    with open_database(data_dir) as (_settings, db), db.read() as conn:
        found = arrears_on(conn, on, township=township)
    if not found:
        click.echo(f"截至 {on}，没有逾期欠费。")
        return
    rows = [
        (
            "单位" if a.payer_kind == "unit" else "灵活就业",
            a.payer,
            "、".join(a.months),
            f"{a.unpaid:,.2f}",
            f"{a.late_fees:,.2f}",
        )
        for a in found
    ]
    click.echo(format_table(("缴费人类别", "缴费人", "欠费月份", "欠费金额（元）", "滞纳金（元）"), rows))
    click.echo(f"截至 {on}：欠费 {len(found)} 户。请通知缴费人尽快补缴，滞纳金按日万分之五计至缴清之日。")
