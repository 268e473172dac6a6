"""``sync-server journal post`` and ``sync-server month close|lock-collection``: the fund's
automatic posting (财务入账) and month close (月结), thin over ``services.finance``.

Posting is catch-up: ``journal post`` books every source not yet posted (all, or those of
``--month`` and before); ``month close`` runs it first, then prints each fund's trial
balance and locks the month, or refuses with a coded error (exit status 2).
"""

from __future__ import annotations

import datetime as dt

import click

from sync_server.commands.common import cli_actor, data_dir_option, open_database
from sync_server.core.journal_close import FundBalance


def render_trial_balance(month: str, balances: list[FundBalance]) -> str:
    out = [f"{month} 试算平衡表（本月发生额，元）："]
    for b in balances:
        state = "平衡" if b.balanced else "不平衡"
        out.append(f"  {b.label}：借方 {b.debit:,.2f}，贷方 {b.credit:,.2f}（{state}）")
        out += [f"    {a.label}：借方 {a.debit:,.2f}，贷方 {a.credit:,.2f}" for a in b.accounts]
    return "\n".join(out)


@click.group("journal")
def journal() -> None:
    """基金财务入账（自动生成会计分录）。"""


@journal.command("post")
@data_dir_option
@click.option(
    "--month", default="", metavar="YYYY-MM", help="只入账该月及以前发生的业务（默认：全部未入账）。"
)
def post(data_dir: str | None, month: str) -> None:
    """把尚未入账的收费、退费、追回和支付计划生成平衡分录；重复运行不会重复入账。"""
    from sync_server.services.finance.month_close import journal_post

    with open_database(data_dir) as (_settings, db), db.write() as conn:
        entries, lines = journal_post(
            conn, actor=cli_actor(), now=dt.datetime.now(dt.UTC), up_to=month or None
        )
    click.echo(f"入账完成：新增分录 {entries} 笔、{lines} 行。" if entries else "没有需要入账的业务。")


@click.group("month")
def month() -> None:
    """月结：试算平衡、锁定会计期间。"""


@month.command("close")
@data_dir_option
@click.option("--month", "period", required=True, metavar="YYYY-MM", help="要月结的月份。")
def close(data_dir: str | None, period: str) -> None:
    """先补记未入账业务，再试算平衡；平衡且当月计划均已锁定时月结，之后该月的业务记入下一个未结月份。"""
    from sync_server.services.finance.month_close import close_month, valid_month

    chosen = valid_month(period)
    with open_database(data_dir) as (_settings, db), db.write() as conn:
        balances = close_month(conn, chosen, actor=cli_actor(), now=dt.datetime.now(dt.UTC))
    click.echo(render_trial_balance(chosen, balances))
    click.echo(f"{chosen} 已月结。")


@month.command("lock-collection")
@data_dir_option
@click.option("--month", "period", required=True, metavar="YYYY-MM", help="征缴计划所属月份。")
def lock_collection(data_dir: str | None, period: str) -> None:
    """锁定该月征缴计划（月结前须锁定）。"""
    from sync_server.services.finance.month_close import lock_collection_plan

    with open_database(data_dir) as (_settings, db), db.write() as conn:
        fresh = lock_collection_plan(conn, period, actor=cli_actor(), now=dt.datetime.now(dt.UTC))
    click.echo("征缴计划已锁定。" if fresh else "征缴计划此前已锁定，无需重复操作。")
