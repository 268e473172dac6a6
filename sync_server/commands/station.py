"""``sync-server station add|list|revoke|new-code|contact|start-over``."""

from __future__ import annotations

import click

from sync_server.commands.common import (
    Choice,
    IntRange,
    cli_actor,
    data_dir_option,
    format_table,
    format_time,
    open_database,
    utcnow,
)


def _status_labels() -> dict[str, str]:
    from sync_server.services.admin.stations import STATUS_LABELS

    return STATUS_LABELS


def _echo_code(code: str, expires_at_text: str) -> None:
    click.echo(f"注册码：{code}")
    click.echo(
        f"有效期至：{expires_at_text}（北京时间）。注册码只显示这一次，请交给该站柜员在安装客户端时输入。"
    )


@click.group("station")
def station() -> None:
    """服务站：登记、列表、注销、重发注册码。"""


@station.command("add")
@data_dir_option
@click.option("--division", required=True, metavar="代码", help="乡镇（街道）代码或名称，如 511102004。")
@click.option("--name", required=True, metavar="名称", help="服务站名称，如 市中区大佛街道社保所。")
@click.option(
    "--point", type=IntRange(0, 99), help="站点号（00 为乡镇社保所，01–99 为社区服务点）；默认下一个空闲号。"
)
@click.option("--phone", metavar="电话", help="联系电话，印在该站的单据上，如 0833-2123456。")
@click.option("--address", metavar="地址", help="办公地址，印在该站的单据上。")
def add(
    data_dir: str | None,
    *,
    division: str,
    name: str,
    point: int | None,
    phone: str | None,
    address: str | None,
) -> None:
    """登记一个服务站并发放一次性注册码。"""
    from schema.divisions import load_divisions
    from sync_server.services.admin.station_contact import set_contact
    from sync_server.services.admin.stations import add_station

    with open_database(data_dir) as (settings, db), db.write() as conn:
        now = utcnow()
        issued = add_station(
            conn,
            division=division,
            name=name,
            point=point,
            now=now,
            code_hours=settings.enrolment_code_hours,
            actor=cli_actor(),
        )
        if phone or address:
            set_contact(conn, issued.station_id, phone=phone, address=address, now=now, actor=cli_actor())
    place = load_divisions().full_name(issued.station_id[:9])
    click.echo(f"已登记服务站 {issued.station_id}（{name.strip()}，{place}），状态：待注册")
    _echo_code(issued.code, format_time(issued.expires_at))


@station.command("list")
@data_dir_option
@click.option("--status", type=Choice(_status_labels), help="只列出该状态的服务站。")
def list_(data_dir: str | None, status: str | None) -> None:
    """列出服务站：编码、名称、区县、状态、最近同步时间。"""
    from schema.divisions import load_divisions
    from sync_server.services.admin.stations import STATUS_LABELS, list_stations

    with open_database(data_dir) as (_, db), db.read() as conn:
        rows = list_stations(conn, status=status)
    if not rows:
        click.echo("还没有服务站。请用 `sync-server station add` 登记。")
        return
    divisions = load_divisions()
    table = [
        (
            r.id,
            r.name,
            divisions.name_of(r.county_code),
            STATUS_LABELS.get(r.status, r.status),
            format_time(r.last_push_at),
            format_time(r.last_pull_at),
            r.last_seq,
        )
        for r in rows
    ]
    headers = ("编码", "名称", "区县", "状态", "最近上报", "最近下载", "已收业务序号")
    click.echo(format_table(headers, table))
    click.echo(f"共 {len(rows)} 个服务站（时间为北京时间）。")


@station.command("revoke")
@data_dir_option
@click.argument("station_id", metavar="服务站编码")
def revoke(data_dir: str | None, station_id: str) -> None:
    """注销服务站（如电脑遗失）：其同步请求将被拒绝。"""
    from sync_server.services.admin.stations import revoke_station

    with open_database(data_dir) as (_, db), db.write() as conn:
        revoke_station(conn, station_id, now=utcnow(), actor=cli_actor())
    click.echo(
        f"已注销服务站 {station_id.strip()}：该站此后的上报和下载都会被拒绝，未使用的注册码作废，"
        "其电子收据签名证书同时吊销。"
    )
    click.echo("如要在新电脑上恢复该站，请运行 `sync-server station new-code` 发放新的注册码。")


@station.command("new-code")
@data_dir_option
@click.argument("station_id", metavar="服务站编码")
def new_code(data_dir: str | None, station_id: str) -> None:
    """重新发放注册码（新装、重装或更换电脑）；注册时换用新密钥，旧注册码作废。"""
    from sync_server.services.admin.stations import issue_enrolment_code

    with open_database(data_dir) as (settings, db), db.write() as conn:
        issued = issue_enrolment_code(
            conn, station_id, now=utcnow(), hours=settings.enrolment_code_hours, actor=cli_actor()
        )
    click.echo(f"已为服务站 {issued.station_id} 发放新的注册码，之前的注册码作废。")
    _echo_code(issued.code, format_time(issued.expires_at))
    click.echo("该站用新注册码完成注册后，服务器改认新电脑的密钥，旧电脑随即无法同步。")


@station.command("contact")
@data_dir_option
@click.argument("station_id", metavar="服务站编码")
@click.option("--phone", metavar="电话", help="联系电话，如 0833-2123456；给空字符串则清除。")
@click.option("--address", metavar="地址", help="办公地址；给空字符串则清除。")
def contact(data_dir: str | None, station_id: str, phone: str | None, address: str | None) -> None:
    """设置或查看服务站的联系电话和地址（印在该站打印的回执和告知书上）。"""
    from sync_server.services.admin.station_contact import set_contact, station_record
    from sync_server.services.admin.stations import get_station

    if phone is None and address is None:
        with open_database(data_dir) as (_, db), db.read() as conn:
            record = station_record(get_station(conn, station_id))
        click.echo(f"服务站 {record.station_id}（{record.name}）")
    else:
        with open_database(data_dir) as (_, db), db.write() as conn:
            record = set_contact(
                conn, station_id, phone=phone, address=address, now=utcnow(), actor=cli_actor()
            )
        click.echo(
            f"已更新服务站 {record.station_id}（{record.name}）的联系方式，该站下次同步后打印的单据即显示新内容。"
        )
    click.echo(f"联系电话：{record.phone or '（未登记）'}")
    click.echo(f"地址：{record.address or '（未登记）'}")


@station.command("start-over")
@data_dir_option
@click.argument("station_id", metavar="服务站编码")
@click.option("--reason", default="", metavar="原因", help="记入审计日志的原因。")
def start_over(data_dir: str | None, station_id: str, reason: str) -> None:
    """命令服务站重新下载全部参考数据和本乡镇人员信息（数据校验不一致时使用）。"""
    from sync_server.services.feed.start_over import order_start_over

    with open_database(data_dir) as (_, db), db.write() as conn:
        generation = order_start_over(conn, station_id.strip(), cli_actor(), reason=reason, now=utcnow())
    click.echo(
        f"已命令服务站 {station_id.strip()} 重新下载（第 {generation} 次）：该站下次同步时执行，已录入的业务不受影响。"
    )
