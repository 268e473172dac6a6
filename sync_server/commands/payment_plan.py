"""``sync-server plans pay…``: the month's payment plan (支付计划) from the command line.

``pay`` builds it (a 基金财务 maker), ``pay-approve`` approves it (a different checker),
``pay-export`` writes one bank file per bank into a directory and locks the plan,
``pay-return`` imports a bank's returned file. ``--by`` names the staff account acting;
the roles are checked as on the console. The file format is in ``docs/bank_files.md``.
"""

from __future__ import annotations

from pathlib import Path

import click

from sync_server.commands.common import CommandError, data_dir_option, open_database, utcnow
from sync_server.core.payroll import REASONS
from sync_server.errors import ApiError

_BY = click.option("--by", "by", required=True, metavar="用户名", help="操作的基金财务账号（用户名）。")


def _month_option(func: click.decorators.FC) -> click.decorators.FC:
    from sync_server.commands.plans import _month

    return click.option("--month", required=True, callback=_month, help="计划月份 YYYY-MM。")(func)


@click.command("pay")
@data_dir_option
@_month_option
@_BY
def pay(data_dir: str | None, month: str, by: str) -> None:
    """按发放中的待遇和未结清的一次性应付款编制（或重编）该月支付计划；重复运行不会改变任何数据。"""
    from sync_server.services.finance.payment import build

    with open_database(data_dir) as (_settings, db), db.write() as conn:
        result = build(conn, month, maker=by.strip(), now=utcnow())
    click.echo(f"{month} 支付计划：发放 {result.lines} 笔，合计 {result.total:,.2f} 元。")
    for reason, count in sorted(result.left_out.items()):
        click.echo(f"  未列入发放 {count} 笔：{REASONS[reason]}。")
    click.echo("已编制，请基金财务复核人员复核。" if result.changed else "与已编制的计划相同，未作任何改动。")


@click.command("pay-approve")
@data_dir_option
@_month_option
@_BY
def pay_approve(data_dir: str | None, month: str, by: str) -> None:
    """复核该月支付计划（复核人不能是编制人）。"""
    from sync_server.services.finance.payment import approve

    with open_database(data_dir) as (_settings, db), db.write() as conn:
        approve(conn, month, checker=by.strip(), now=utcnow())
    click.echo(f"{month} 支付计划已复核，可以导出银行文件。")


@click.command("pay-export")
@data_dir_option
@_month_option
@_BY
@click.option("--out", "out_dir", required=True, metavar="目录", help="银行文件写入的目录。")
def pay_export(data_dir: str | None, month: str, by: str, out_dir: str) -> None:
    """导出该月各银行的代发文件（CSV，每行一笔，尾行为笔数和合计）；首次导出后计划锁定。"""
    from sync_server.services.finance.payment import export

    target = Path(out_dir).expanduser()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise CommandError("bank_file_dir_unusable", f"无法创建目录 {target}：请检查路径和权限。") from None
    with open_database(data_dir) as (_settings, db), db.write() as conn:
        files = export(conn, month, by=by.strip(), now=utcnow())
    for f in files:
        path = target / f"{month}_{f.bank_name}.csv"
        path.write_text(f.text, encoding="utf-8", newline="")
        click.echo(f"{path}：{f.count} 笔，{f.total:,.2f} 元。")


@click.command("pay-return")
@data_dir_option
@_month_option
@_BY
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def pay_return(data_dir: str | None, month: str, by: str, file: Path) -> None:
    """导入银行退票文件：退回的款项重新列为应付，下月计划再发放；有任何错误行则整份不导入。"""
    from sync_server.services.finance.bank_return import import_returned

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise CommandError(
            "bank_file_unreadable", f"无法读取文件 {file}：请确认路径正确且为 UTF-8 编码。"
        ) from None
    try:
        with open_database(data_dir) as (_settings, db), db.write() as conn:
            result = import_returned(conn, month, text, by=by.strip(), now=utcnow())
    except ApiError as exc:
        for p in exc.detail.get("problems", []):
            click.echo(f"  第 {p['line']} 行（{p['code']}）：{p['message']}", err=True)
        raise
    click.echo(f"已导入退票 {result.returned} 笔，{result.total:,.2f} 元，已重新列为应付。")


def register(group: click.Group) -> None:
    for command in (pay, pay_approve, pay_export, pay_return):
        group.add_command(command)
