"""``sync-server audit``: verify the hash-chained audit log; make signed checkpoints of it."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sync_server.commands.common import CommandError, data_dir_option, open_database

if TYPE_CHECKING:
    from schema.audit_checkpoint import SignedCheckpoint


@click.group("audit")
def audit() -> None:
    """审计日志。"""


@audit.command("checkpoint")
@click.option("--if-due", is_flag=True, help="最近一天内已做过检查点时不再做（每日定时任务用）。")
@data_dir_option
def checkpoint(if_due: bool, data_dir: str | None) -> None:
    """为审计日志当前的链头做一个签名检查点：追加到检查点文件并发给各服务站。"""
    from sync_server.services.admin import audit_anchor

    now = dt.datetime.now(dt.UTC)
    with open_database(data_dir) as (settings, db):
        try:
            if if_due:
                made = audit_anchor.checkpoint_if_due(db, settings.data_dir, now=now)
            else:
                with db.write() as conn:
                    made = audit_anchor.make_checkpoint(conn, settings.data_dir, now=now)
        except audit_anchor.AnchorError as exc:
            raise CommandError("audit_anchor_unusable", str(exc)) from None
        log = audit_anchor.log_path(settings.data_dir)
    if made is None:
        click.echo("最近一天内已做过检查点，本次未做。")
        return
    cp = made.checkpoint
    click.echo(f"检查点已做：第 {cp.seq} 条，链头 {cp.head_hash[:16]}…，已追加到 {log}。")
    click.echo("请把该文件定期复制到服务器以外的地方保存（只追加，不要改动已有的行）。")


def _name(signed: SignedCheckpoint | None) -> str:
    assert signed is not None
    cp = signed.checkpoint
    at = cp.at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    return f"{at}（北京时间）的检查点（第 {cp.seq} 条）"


@audit.command("verify")
@click.option(
    "--checkpoints",
    "checkpoints_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="文件",
    help="检查点文件（默认数据目录中的 audit-checkpoints.log；宜用运到别处保存的副本）。",
)
@click.option(
    "--against-station",
    "station_home",
    type=click.Path(path_type=Path),
    metavar="目录",
    help="再与某个服务站保存的最新检查点核对（该服务站的数据目录或 station.db）。",
)
@data_dir_option
def verify(checkpoints_file: Path | None, station_home: Path | None, data_dir: str | None) -> None:
    """逐条校验审计日志的哈希链，并与签名检查点核对；发现不符时指出第一处并以状态 1 退出。"""
    from sync_server.services import audit as audit_service
    from sync_server.services.admin import audit_anchor

    problems: list[str] = []
    with open_database(data_dir) as (settings, db), db.read() as conn:
        report = audit_service.verify(conn)
        if report.intact:
            click.echo(f"审计日志完整：共 {report.entries} 条")
        else:
            problems.append(f"审计日志第 {report.first_broken_seq} 条已被破坏：{report.reason}")
        key = audit_anchor.public_key(settings.data_dir)
        log = checkpoints_file or audit_anchor.log_path(settings.data_dir)
        try:
            sources = []
            if checkpoints_file is not None or log.exists():
                sources.append((f"检查点文件 {log}", audit_anchor.read_log(log)))
            if station_home is not None:
                held = audit_anchor.station_checkpoint(station_home)
                if held is None:
                    click.echo(f"服务站 {station_home} 尚未收到过检查点，未核对。")
                else:
                    sources.append((f"服务站 {station_home} 保存的检查点", [held]))
        except audit_anchor.AnchorError as exc:
            raise CommandError("audit_anchor_unusable", str(exc)) from None
        if sources and key is None:
            problems.append(
                "数据目录中没有审计检查点密钥（audit-key/），无法核对检查点：请从单独保存的备份恢复"
            )
            sources = []
        for source, checkpoints in sources:
            assert key is not None
            label = source + (" " if source[-1].isascii() else "")  # a path ends it: keep it apart
            found = audit_anchor.verify_against(conn, checkpoints, key)
            if found.intact:
                click.echo(f"与{label}核对一致：{found.checked} 个检查点")
            else:
                problems.append(f"与{label}不符：{_name(found.bad)}——{found.reason}")
        if not sources and not problems:
            click.echo("尚无检查点可核对：请运行 `sync-server audit checkpoint`（每日定时任务也会做）。")
    if not problems:
        return
    for problem in problems:
        click.echo(problem + "。", err=True)
    click.echo("请立即保全数据库和检查点文件的备份并报告系统管理员，不要再修改数据库。", err=True)
    sys.exit(1)
