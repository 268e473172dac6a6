"""``sync-server deposits …`` (日结存款对账) and ``sync-server notices …`` (缴费通知单).

``deposits import FILE`` reads the bank's deposit file of the collection account once and
matches its deposits to the stations' daily closes; ``deposits show`` lists what is still
open both ways and the month's matches (a close's 长款/短款 with its reason);
``deposits match`` matches again (a close that arrived after its deposit); ``deposits
account`` registers the account a station banks from. ``notices issue|cancel|paid|show``:
payment notices and the bank's confirmation file. ``--by`` names the 基金财务 account acting,
checked as on the console. File formats: ``docs/bank_files.md``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from schema.daily_close import difference_words
from sync_server.commands.common import (
    CommandError,
    data_dir_option,
    format_table,
    format_time,
    open_database,
    utcnow,
)
from sync_server.errors import ApiError

_BY = click.option("--by", "by", required=True, metavar="用户名", help="操作的基金财务账号（用户名）。")


def _month_default(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    from sync_server.commands.plans import _month

    if value is None:
        return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m")
    return _month(ctx, param, value)


_MONTH = click.option(
    "--month", default=None, callback=_month_default, help="月份 YYYY-MM（默认本月，北京时间）。"
)


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise CommandError(
            "bank_file_unreadable", f"无法读取文件 {file}：请确认路径正确且为 UTF-8 编码。"
        ) from None


def _problems(exc: ApiError) -> None:
    for p in exc.detail.get("problems", []):
        click.echo(f"  第 {p['line']} 行（{p['code']}）：{p['message']}", err=True)


@click.group("deposits")
def deposits() -> None:
    """日结存款对账：导入银行存款到账文件，与各服务站日结逐笔核对。"""


@deposits.command("import")
@data_dir_option
@_BY
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_cmd(data_dir: str | None, by: str, file: Path) -> None:
    """导入银行存款到账文件（同一文件只导入一次）并与日结对账；有任何错误行则整份不导入。"""
    from sync_server.services.finance.deposits import import_deposits

    text = _read(file)
    try:
        with open_database(data_dir) as (_settings, db), db.write() as conn:
            result = import_deposits(conn, text, file_name=file.name, by=by.strip(), now=utcnow())
    except ApiError as exc:
        _problems(exc)
        raise
    if result.already_imported:
        click.echo(
            f"该文件已于 {format_time(result.imported_at)} 由 {result.imported_by} 导入，本次未作任何改动。"
        )
        return
    click.echo(
        f"已导入存款 {result.lines} 笔、{result.total:,.2f} 元（其中 {result.lines - result.new_lines} 笔此前已导入）；"
        f"新对上 {result.matched} 组。运行 `sync-server deposits show` 查看未对上的日结和存款。"
    )


@deposits.command("match")
@data_dir_option
@_BY
def match_cmd(data_dir: str | None, by: str) -> None:
    """重新对账：把尚未对上的日结与存款再匹配一次（日结晚于存款到达时使用）。"""
    from sync_server.services.finance.deposits import match_open, require_finance

    with open_database(data_dir) as (_settings, db), db.write() as conn:
        require_finance(conn, by.strip())
        found = match_open(conn, by=by.strip(), now=utcnow())
    click.echo(f"新对上 {len(found)} 组。" if found else "没有新对上的日结和存款。")


@deposits.command("account")
@data_dir_option
@_BY
@click.option("--station", required=True, metavar="服务站编码", help="如 511102004-00。")
@click.option("--account", required=True, metavar="账号", help="服务站存款使用的付款账号。")
def account_cmd(data_dir: str | None, by: str, station: str, account: str) -> None:
    """登记服务站存款使用的付款账号：该账号的存款归入该服务站（附言无需写服务站编码）。"""
    from sync_server.services.finance.deposits import add_account

    with open_database(data_dir) as (_settings, db), db.write() as conn:
        number = add_account(conn, station.strip(), account, by=by.strip(), now=utcnow())
    click.echo(f"已登记：账号 {number} 的存款归入服务站 {station.strip()}。")


@deposits.command("show")
@data_dir_option
@_MONTH
@click.option("--station", default=None, metavar="服务站编码", help="只看该服务站。")
def show_cmd(data_dir: str | None, month: str, station: str | None) -> None:
    """列出未存款的日结、未对上的存款和该月已对上的日结（含长款、短款及原因）。"""
    from sync_server.core.deposit_matching import RULE_LABELS
    from sync_server.services.finance.deposits import deposits_view

    with open_database(data_dir) as (_settings, db), db.read() as conn:
        view = deposits_view(conn, month, now=utcnow(), station=station)
    click.echo(f"日结未见存款 {len(view.open_closes)} 笔，{view.open_closes_total:,.2f} 元：")
    if view.open_closes:
        click.echo(format_table(
            ["服务站", "日结日期", "次", "实点现金", "差额", "已等天数"],
            [(f"{c.station_name}（{c.station_id}）", c.business_day, c.part, f"{c.counted:.2f}",
              difference_words(c.difference), c.waiting_days) for c in view.open_closes],
        ))  # fmt: skip
    click.echo(f"存款未对上日结 {len(view.open_deposits)} 笔，{view.open_deposits_total:,.2f} 元：")
    if view.open_deposits:
        click.echo(format_table(
            ["入账日期", "银行流水号", "付款账号", "付款户名", "金额", "服务站", "附言"],
            [(d.value_date, d.bank_serial, d.payer_account, d.payer_name, f"{d.amount:.2f}", d.station_name, d.memo)
             for d in view.open_deposits],
        ))  # fmt: skip
    click.echo(f"{month} 已对上 {len(view.matched)} 组：")
    rows = []
    for m in view.matched:
        for c in m.closes:
            rows.append((f"{m.station_name}（{m.station_id}）", c.business_day, c.part, f"{c.expected:.2f}",
                         f"{c.counted:.2f}", difference_words(c.difference), c.reason or "—",
                         "、".join(f"{d.value_date} {d.amount:.2f}" for d in m.deposits) or "—",
                         RULE_LABELS.get(m.rule, m.rule)))  # fmt: skip
    if rows:
        click.echo(
            format_table(
                ["服务站", "日结日期", "次", "应收", "实点", "差额", "差额原因", "存款", "方式"], rows
            )
        )


# ---- 缴费通知单 ----------------------------------------------------------------------------------


@click.group("notices")
def notices() -> None:
    """缴费通知单：灵活就业人员通过银行或税务渠道缴费（开具、作废、导入银行缴费确认文件）。"""


@notices.command("issue")
@data_dir_option
@_BY
@click.option("--id-number", required=True, metavar="身份证号")
@click.option(
    "--item", default="G14", show_default=True, type=click.Choice(["G12", "G14"]), help="业务事项。"
)
@click.option("--base", required=True, metavar="金额", help="缴费基数（元），如 4000。")
@click.option("--from", "start", required=True, metavar="YYYY-MM", help="缴费起始月。")
@click.option("--to", "end", required=True, metavar="YYYY-MM", help="缴费截止月。")
@click.option("--medical", is_flag=True, help="同时缴纳职工医疗保险。")
def issue_cmd(*, data_dir: str | None, by: str, id_number: str, item: str, base: str, start: str, end: str,
              medical: bool) -> None:  # fmt: skip
    """开具缴费通知单：金额、月份和缴费参考号（银行回传时据此入账）。"""
    from schema.fees import fee_request_from_form
    from schema.normalize import compact_code
    from schema.vocabulary import FeeKind
    from sync_server.services.finance.notices import issue

    request = fee_request_from_form(FeeKind.FLEXIBLE_WORKER,
                                    {"base": base, "period_start": start, "period_end": end, "include_medical": medical})  # fmt: skip
    with open_database(data_dir) as (_settings, db), db.write() as conn:
        notice = issue(conn, id_number=compact_code(id_number), item_code=item, request=request,  # type: ignore[arg-type]
                       by=by.strip(), now=utcnow())  # fmt: skip
    months = notice.months[0] if len(notice.months) == 1 else f"{notice.months[0]}至{notice.months[-1]}"
    click.echo(
        f"缴费通知单 {notice.reference.grouped}：{notice.name}，{months}，应缴 {notice.amount:,.2f} 元。"
    )
    click.echo("请缴费人持通知单到银行或通过税务渠道缴费，缴费时须填写上述缴费参考号。")


@notices.command("cancel")
@data_dir_option
@_BY
@click.argument("reference")
def cancel_cmd(data_dir: str | None, by: str, reference: str) -> None:
    """作废尚未缴费的缴费通知单。"""
    from sync_server.services.finance.notices import cancel

    with open_database(data_dir) as (_settings, db), db.write() as conn:
        cancel(conn, reference, by=by.strip(), now=utcnow())
    click.echo(f"缴费通知单 {reference} 已作废。")


@notices.command("paid")
@data_dir_option
@_BY
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def paid_cmd(data_dir: str | None, by: str, file: Path) -> None:
    """导入银行缴费确认文件：对应通知单标为已缴费并写入缴费记录（每笔流水只入账一次）。"""
    from sync_server.services.finance.notices import import_confirmations

    text = _read(file)
    try:
        with open_database(data_dir) as (_settings, db), db.write() as conn:
            result = import_confirmations(conn, text, file_name=file.name, by=by.strip(), now=utcnow())
    except ApiError as exc:
        _problems(exc)
        raise
    if result.already_imported:
        click.echo(
            f"该文件已于 {format_time(result.imported_at)} 由 {result.imported_by} 导入，本次未作任何改动。"
        )
        return
    click.echo(f"已入账 {result.paid} 笔、{result.paid_total:,.2f} 元（文件 {result.lines} 笔，其中 "
               f"{result.lines - result.new_lines} 笔此前已导入）。")  # fmt: skip
    for p in result.problems:
        click.echo(
            f"  第 {p['line']} 行 参考号 {p['reference']} {p['amount']} 元（{p['code']}）：{p['message']}",
            err=True,
        )


@notices.command("show")
@data_dir_option
@_MONTH
def notices_show(data_dir: str | None, month: str) -> None:
    """列出该月开具的和尚未缴费的缴费通知单，以及未能入账的银行流水。"""
    from sync_server.services.finance.notices import notices_view

    with open_database(data_dir) as (_settings, db), db.read() as conn:
        view = notices_view(conn, month)
    click.echo(format_table(
        ["缴费参考号", "开具日期", "姓名", "事项", "月份", "金额", "状态"],
        [(n.grouped, n.issued_on, n.name, n.item_code, n.months, f"{n.amount:.2f}", n.status_label) for n in view.notices],
    ))  # fmt: skip
    for p in view.problems:
        click.echo(
            f"未入账：{p.bank_name} 流水 {p.bank_serial} 参考号 {p.reference} {p.amount:.2f} 元（{p.code}）：{p.message}"
        )
