"""``station-client restore FILE --home H``: put a backup into a new, empty home (the
recovery key from ``SSB_RECOVERY_KEY`` or a prompt); then ``station-client enroll`` with a
new code enrols it again as the same station. ``station-client lost`` lists the cases the
city holds that the backup lacked (taken after it): retake them from the paper receipts."""

from __future__ import annotations

from pathlib import Path

import click

from schema.lifecycle import CaseStatus
from station_client.commands.common import (
    RECOVERY_ENV,
    guarded,
    home_option,
    json_option,
    now,
    open_existing,
    paths_of,
    print_json,
    secret,
)
from station_client.services import backup as backups


def _status_words(value: str) -> str:
    try:
        return CaseStatus(value).label
    except ValueError:
        return value


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@home_option
@json_option
@guarded
def restore(file: Path, home: str | None, as_json: bool) -> None:
    """从备份文件恢复本服务站数据到新的数据目录（需要恢复密钥），之后用新注册码重新注册。"""
    paths = paths_of(home)
    key = secret(RECOVERY_ENV, "恢复密钥")
    result = backups.restore(file, paths, recovery_key=key, now=now())
    m = result.manifest
    if as_json:
        print_json({"home": str(paths.home), "manifest": m.model_dump(mode="json"), "unsent": result.unsent})
        return
    click.echo(
        f"已恢复服务站 {m.station_code} 的数据到 {paths.home}（备份时间 {m.created_at:%Y-%m-%d %H:%M} UTC，{m.cases} 件业务）。"
    )
    click.echo("下一步：请综合业务科注销旧电脑并发放新注册码（sync-server station new-code），")
    click.echo("再运行 station-client enroll --code <新注册码>（同一数据目录，需要恢复密钥）重新注册本站。")
    click.echo("同步后，备份之后受理、本机没有的业务会列为“丢失”：station-client lost。")


@click.command("lost")
@home_option
@json_option
@guarded
def lost(home: str | None, as_json: bool) -> None:
    """列出从备份恢复后丢失的业务（市局已有、本机没有）：请按纸质回执重新受理。"""
    db = open_existing(paths_of(home))
    try:
        found = backups.lost_cases(db)
    finally:
        db.close()
    if as_json:
        print_json([c.__dict__ for c in found])
        return
    if not found:
        click.echo("没有丢失的业务。")
        return
    click.echo(f"从备份恢复后，有 {len(found)} 件业务市局已收到、本机没有（备份之后受理的）：")
    for case in found:
        stock = f"  票据号码 {case.receipt_stock}" if case.receipt_stock else ""
        click.echo(f"  {case.case_number}  市局状态：{_status_words(case.status)}{stock}")
    click.echo(
        "请根据纸质回执重新受理：按受理编号（有票据号码的按票据号码）找出纸质回执，核对后重新受理或补录。"
    )
