"""``sync-server seed-demo``: a synthetic Leshan registry with demo stations and accounts."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from sync_server.db.engine import Database
    from sync_server.demo.seed import SeedReport
    from sync_server.settings import Settings


def _progress(done: int, total: int, elapsed: float) -> None:
    click.echo(f"  已写入 {done:,} / {total:,} 人（{elapsed:.1f} 秒）")


def _history(
    db: Database, settings: Settings, report: SeedReport, *, weeks: int, seed: int, now: datetime.datetime
) -> None:
    """Weeks of casework at the demo stations but the desk, whose enrolment code is issued anew."""
    from sync_server.demo.seed import DEMO_STAFF, DESK_STATION
    from sync_server.demo.seed_cases import pending_stations, seed_history
    from sync_server.services.admin.stations import issue_enrolment_code

    working = [s for s in pending_stations(db, [s.station_id for s in report.stations]) if s != DESK_STATION]
    clerks: dict[str, tuple[str, ...]] = {}
    for username, _, _, placement in DEMO_STAFF:
        if placement in working:
            clerks[placement] = (*clerks.get(placement, ()), username)
    click.echo(f"正在生成 {weeks} 周的业务办理历史（{len(working)} 个服务站）…")
    history = seed_history(
        db,
        settings=settings,
        station_ids=working,
        clerks=clerks,
        weeks=weeks,
        now=now,
        seed=seed,
        progress=click.echo,
    )
    with db.write() as conn:  # the codes issued before the history have expired: the desk gets a live one
        report.stations = [
            issue_enrolment_code(
                conn, s.station_id, now=now, hours=settings.enrolment_code_hours, actor=cli_actor()
            )
            for s in report.stations
            if s.station_id not in working
        ]
    decided = history.decisions
    click.echo(
        f"业务历史：{history.days} 个工作日（自 {history.start}），受理 {sum(history.cases.values()):,} 笔"
        f"（其中待遇资格认证 {history.certified:,} 笔），后台核准 {decided['approve']:,} 笔、驳回 {decided['reject']:,} 笔、"
        f"退回补正 {decided['return_for_supplement']:,} 笔（已补正 {history.supplemented:,} 笔），"
        f"窗口收费 {history.fees:,} 元，用时 {history.seconds:.1f} 秒。"
    )


def _furnished(report: SeedReport) -> None:
    given = report.furnished
    if given.contacts:
        click.echo(
            f"已登记 {len(given.contacts)} 个演示服务站的联系电话和地址（打印在回执、收据和通知书上）。"
        )
    if given.ranges:
        click.echo(f"已给 {len(given.ranges)} 个演示服务站各分配一段缴费收据号码：")
        click.echo(format_table(("服务站", "票据号段"), given.ranges))


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
@click.option(
    "--weeks",
    type=IntRange(0, 26),
    default=0,
    show_default=True,
    help="再生成几周的业务办理历史（服务站受理、上报，后台审核），0 为不生成。",
)
def seed_demo(data_dir: str | None, persons_count: int, seed: int, weeks: int) -> None:
    """为空数据库生成演示数据：乐山各区县的参保人员、单位、参保登记及其缴费记录、个人账户、待遇和社保卡，演示服务站和账号。"""
    from schema.divisions import load_divisions
    from schema.vocabulary import label
    from sync_server.demo.seed import seed_demo as run_seed

    now = utcnow()
    with open_database(data_dir) as (settings, db):
        click.echo(f"正在生成 {persons_count:,} 名演示人员（种子 {seed}）…")
        report = run_seed(
            db,
            persons_count=persons_count,
            seed=seed,
            # with a history, the stations and accounts were set up the day before it starts
            now=now - datetime.timedelta(weeks=weeks, days=1),
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
        _furnished(report)
        if weeks:
            _history(db, settings, report, weeks=weeks, seed=seed, now=now)
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
