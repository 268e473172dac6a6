"""``sync-server staff add|list|disable|enable|reset-password``."""

from __future__ import annotations

import click

from sync_server.commands.common import cli_actor, data_dir_option, format_table, open_database, utcnow


def _echo_password(username: str, password: str) -> None:
    click.echo(f"账号：{username}")
    click.echo(f"一次性密码：{password}")
    click.echo("（密码只显示这一次，请当面转交本人；首次登录后必须修改。）")


@click.group("staff")
def staff() -> None:
    """工作人员账号：新增、列表、停用、重置密码。"""


@staff.command("add")
@data_dir_option
@click.option("--username", required=True, metavar="用户名", help="3–32 位小写字母、数字或 . _ -。")
@click.option(
    "--role",
    required=True,
    metavar="角色",
    help="clerk（柜员）、reviewer（审核员）、chief（科室负责人）、supervisor（监管）、admin（管理员）、"
    "finance_maker（基金财务经办）、finance_checker（基金财务复核）、auditor（稽核）。",
)
@click.option("--station", "station_id", metavar="服务站编码", help="柜员所属服务站，如 511102004-00。")
@click.option("--section", metavar="科室", help="审核员、科室负责人所属科室，如 pension。")
@click.option("--name", "display_name", metavar="显示名", help="姓名或显示名，如 张丽。")
def add(
    *,
    data_dir: str | None,
    username: str,
    role: str,
    station_id: str | None,
    section: str | None,
    display_name: str | None,
) -> None:
    """新增工作人员账号，并显示一次性密码。"""
    from schema.vocabulary import Role, label
    from sync_server.services.admin.staff import add_staff

    with open_database(data_dir) as (_, db), db.write() as conn:
        issued = add_staff(
            conn,
            username=username,
            role=role,
            station_id=station_id,
            section=section,
            display_name=display_name,
            now=utcnow(),
            actor=cli_actor(),
        )
    place = (
        f"，服务站 {station_id.strip()}" if station_id else (f"，科室 {section.strip()}" if section else "")
    )
    click.echo(f"已新增账号（{label(Role(role.strip().lower()))}{place}）。")
    if role.strip().lower() == Role.CLERK:
        click.echo("该柜员账号会在服务站下次同步时下发，之后可离线登录。")
    _echo_password(issued.username, issued.password)


@staff.command("list")
@data_dir_option
@click.option("--station", "station_id", metavar="服务站编码", help="只列出该服务站的柜员。")
@click.option("--role", metavar="角色", help="只列出该角色的账号。")
def list_(data_dir: str | None, station_id: str | None, role: str | None) -> None:
    """列出工作人员账号。"""
    from schema.vocabulary import Role, Section, labels
    from sync_server.services.admin.staff import list_staff

    role_labels, section_labels = labels(Role), labels(Section)
    with open_database(data_dir) as (_, db), db.read() as conn:
        rows = list_staff(conn, station_id=station_id, role=role)
    if not rows:
        click.echo("没有符合条件的账号。")
        return
    table = [
        (
            r.username,
            r.display_name,
            role_labels.get(r.role, r.role),
            r.station_id or section_labels.get(r.section or "", r.section or "—"),
            "已停用" if r.disabled else ("待改密码" if r.must_change_password else "正常"),
        )
        for r in rows
    ]
    click.echo(format_table(("用户名", "显示名", "角色", "服务站/科室", "状态"), table))
    click.echo(f"共 {len(rows)} 个账号。")


@staff.command("disable")
@data_dir_option
@click.argument("username", metavar="用户名")
def disable(data_dir: str | None, username: str) -> None:
    """停用账号（柜员账号在服务站下次同步后失效）。"""
    from sync_server.services.admin.staff import set_disabled

    with open_database(data_dir) as (_, db), db.write() as conn:
        set_disabled(conn, username, True, now=utcnow(), actor=cli_actor())
    click.echo(f"已停用账号「{username.strip()}」。柜员账号在其服务站下次同步后即无法登录。")


@staff.command("enable")
@data_dir_option
@click.argument("username", metavar="用户名")
def enable(data_dir: str | None, username: str) -> None:
    """重新启用已停用的账号。"""
    from sync_server.services.admin.staff import set_disabled

    with open_database(data_dir) as (_, db), db.write() as conn:
        set_disabled(conn, username, False, now=utcnow(), actor=cli_actor())
    click.echo(f"已重新启用账号「{username.strip()}」。")


@staff.command("reset-password")
@data_dir_option
@click.argument("username", metavar="用户名")
def reset(data_dir: str | None, username: str) -> None:
    """重置密码（同时解除登录锁定），并显示新的一次性密码。"""
    from sync_server.services.admin.staff import reset_password

    with open_database(data_dir) as (_, db), db.write() as conn:
        issued = reset_password(conn, username, now=utcnow(), actor=cli_actor())
    click.echo("已重置密码，原密码作废。")
    _echo_password(issued.username, issued.password)
