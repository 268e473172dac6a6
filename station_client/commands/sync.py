"""``station-client sync --home H``: one full round (push, scans, pull) and the truth about it.

Exit status (also in ``--help`` and README): 0 in step with the server; 1 a local problem
(not enrolled, wrong password; as every command); 2 a usage error (click's); 3 the server could not be reached (the work is kept and goes up next
time); 4 the server, or its certificate, refused us; 5 the round went through but
something waits for a person (operations set aside or in conflict, scans refused,
reference data out of step).

Reading the outbox needs the data key: ``--user U`` with the password from
``SSB_PASSWORD`` or a prompt, or the recovery key alone from ``SSB_RECOVERY_KEY``.
"""

from __future__ import annotations

import json
import os

import click
from sqlite_utils import Database

from station_client.commands.common import (
    RECOVERY_ENV,
    Failure,
    guarded,
    home_option,
    open_existing,
    open_session,
    paths_of,
)
from station_client.crypto.keys import DataKey
from station_client.crypto.wraps import unwrap_with_recovery
from station_client.store import keys
from station_client.sync.agent import SyncAgent
from station_client.sync.status import read_status

EXIT_IN_STEP, EXIT_UNREACHABLE, EXIT_REFUSED, EXIT_NEEDS_PERSON = 0, 3, 4, 5


def unlock(db: Database, user: str | None) -> DataKey:
    """The data key: a clerk's password (``--user``), or the recovery key in the environment."""
    if user is not None:
        return open_session(db, user).dek
    recovery = os.environ.get(RECOVERY_ENV)
    wrap = keys.get_wrap(db, "recovery")
    if not recovery or wrap is None:
        raise Failure(
            "sync_needs_unlock",
            "同步需要解开本机数据：请用 --user 指定柜员账号（密码由环境变量 SSB_PASSWORD 或提示输入），"
            f"或在环境变量 {RECOVERY_ENV} 中给出注册时打印的恢复密钥。",
        )
    return unwrap_with_recovery(wrap, recovery)


@click.command("sync")
@home_option
@click.option("--user", help="用于解开本机数据的柜员账号。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出同步后的状态（供程序读取）。")
@guarded
def sync(home: str | None, user: str | None, as_json: bool) -> None:
    """立即与市社保服务器同步一次：上报业务、上传附件、下载审批结果和参考数据。

    \b
    退出状态：
      0  已与服务器一致
      1  本机问题（未注册、密码错误、数据目录不对等），按提示处理
      2  命令用法有误（选项拼错、缺少参数）
      3  连不上服务器（网络或服务器故障）；业务已保存在本机，下次同步时上报
      4  服务器或其证书拒绝了本站（如注册已注销、证书不符），请联系综合业务科
      5  同步已完成，但有事项等待人工处理（被退回或冲突的业务、被拒的附件、参考数据不一致）

    出错时显示“错误（代码）：说明”；加 --json 时在标准输出给出
    {"code", "message", "detail"}。
    """
    paths = paths_of(home)
    db = open_existing(paths)
    try:
        dek = unlock(db, user)
        agent = SyncAgent(paths.home, dek)
        try:
            report = agent.run_once()
        finally:
            agent.close()
        status = read_status(db)
    finally:
        db.close()
    problem = report.problem
    exit_status = EXIT_IN_STEP if status.in_step else EXIT_NEEDS_PERSON
    if problem is not None:
        if problem.code == "digest_mismatch":  # reference data out of step: a person looks at it
            exit_status = EXIT_NEEDS_PERSON
        else:
            exit_status = EXIT_UNREACHABLE if report.transient else EXIT_REFUSED
    if as_json:
        # A script reads one document: the status when the round went through, the coded
        # failure (with the status inside) when it did not.
        body = status.as_json()
        if problem is not None:
            detail = {"exit_status": exit_status, "status": body}
            body = {"code": problem.code, "message": problem.message, "detail": detail}
        click.echo(json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        if report.ok:
            click.echo(
                f"同步完成：上报 {report.pushed} 笔，退回 {report.set_aside} 笔，"
                f"上传附件 {report.attachments_uploaded} 个，下载更新 {report.pulled} 条。"
            )
        for line in status.lines():
            click.echo(line)
        if problem is not None:
            click.echo(f"错误（{problem.code}）：同步未完成，{problem.message}", err=True)
    if exit_status != EXIT_IN_STEP:
        raise click.exceptions.Exit(exit_status)
