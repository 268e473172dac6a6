"""``sync-server audit verify``: walk the hash-chained audit log."""

from __future__ import annotations

import sys

import click

from sync_server.commands.common import data_dir_option, open_database


@click.group("audit")
def audit() -> None:
    """审计日志。"""


@audit.command("verify")
@data_dir_option
def verify(data_dir: str | None) -> None:
    """逐条校验审计日志的哈希链；发现断裂时指出第一条并以状态 1 退出。"""
    from sync_server.services import audit as audit_service

    with open_database(data_dir) as (_, db), db.read() as conn:
        report = audit_service.verify(conn)
    if report.intact:
        click.echo(f"审计日志完整：共 {report.entries} 条")
        return
    click.echo(
        f"审计日志第 {report.first_broken_seq} 条已被破坏：{report.reason}。"
        "请立即保全数据库备份并报告系统管理员，不要再修改数据库。",
        err=True,
    )
    sys.exit(1)
