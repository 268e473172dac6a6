"""``sync-server seed-demo``: a synthetic Leshan registry with demo stations and accounts."""

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


def _progress(done: int, total: int, elapsed: float) -> None:
    click.echo(f"  已写入 {done:,} / {total:,} 人（{elapsed:.1f} 秒）")


def _placement(value: str | None) -> str:
    from schema.vocabulary import Section, labels

    return "—" if value is None else labels(Section).get(value, value)


@click.command("seed-demo")
@data_dir_option
@click.option(
    "--persons",
    "persons_count",
    type=IntRange(1, 5_000_000),
    default=50_000,
    show_default=True,
    help="生成的人数。",
)
@click.option(
    "--seed", type=IntRange(0, 2**31 - 1), default=1, show_default=True, help="随机种子：种子相同，数据相同。"
)
def seed_demo(data_dir: str | None, persons_count: int, seed: int) -> None:
    """为空数据库生成演示数据：乐山各区县的参保人员、单位、参保登记及其缴费记录、个人账户、待遇和社保卡，演示服务站和账号。"""
    from schema.divisions import load_divisions
    from schema.vocabulary import label
    from sync_server.demo.seed import seed_demo as run_seed

    with open_database(data_dir) as (settings, db):
        click.echo(f"正在生成 {persons_count:,} 名演示人员（种子 {seed}）…")
        report = run_seed(
            db,
            persons_count=persons_count,
            seed=seed,
            now=utcnow(),
            actor=cli_actor(),
            code_hours=settings.enrolment_code_hours,
            progress=_progress,
        )
    click.echo(
        f"完成：{report.persons:,} 名人员、{report.enrolments:,} 条参保登记、{report.units:,} 个单位，"
        f"用时 {report.seconds:.1f} 秒。"
    )
    click.echo(
        f"参保历史：{report.contributions:,} 条月度缴费记录、{report.summaries:,} 条往年缴费汇总、"
        f"{report.account_years:,} 条个人账户年度记录、{report.benefits:,} 项待遇、{report.cards:,} 张社保卡。"
    )
    if report.skipped:
        click.echo(f"以下演示服务站或账号已存在，未改动：{'、'.join(report.skipped)}")
    divisions = load_divisions()
    if report.stations:
        click.echo(
            "\n演示服务站（注册码只显示这一次，有效期至 "
            + format_time(report.stations[0].expires_at)
            + "，北京时间）："
        )
        codes = [(s.station_id, divisions.full_name(s.station_id[:9]), s.code) for s in report.stations]
        click.echo(format_table(("编码", "所在乡镇（街道）", "注册码"), codes))
    if report.accounts:
        click.echo("\n演示账号（仅供演示，切勿用于真实业务；密码由种子决定）：")
        rows = [
            (a.username, a.display_name, label(a.role), _placement(a.placement), a.password)
            for a in report.accounts
        ]
        click.echo(format_table(("用户名", "姓名", "角色", "服务站/科室", "密码"), rows))
