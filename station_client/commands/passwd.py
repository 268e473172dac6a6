"""``station-client passwd``: a clerk changes their password on this PC (the one-time
password issued by 综合业务科 must be changed before any business).

The current password comes from ``SSB_PASSWORD`` or a hidden prompt, the new one from
``SSB_NEW_PASSWORD`` or two hidden prompts (never from an argument: it would sit in the
shell history). The change re-wraps this PC's data key for the new password and queues
the new hash for the server (``services/password_change.py``).
"""

from __future__ import annotations

import json
import os

import click
from sqlite_utils import Database

from station_client.commands.common import (
    PASSWORD_ENV,
    RECOVERY_ENV,
    guarded,
    home_option,
    now,
    open_existing,
    paths_of,
    secret,
)
from station_client.core.errors import StationError
from station_client.services.session import Session, login

NEW_PASSWORD_ENV = "SSB_NEW_PASSWORD"  # noqa: S105  (the variable's name, not a password)


def _login(db: Database, username: str, password: str) -> Session:
    """Log in offline (a one-time password may log in: it is what this command changes)."""
    recovery = os.environ.get(RECOVERY_ENV) or None
    try:
        return login(db, username, password, now=now(), recovery_key=recovery)
    except StationError as exc:
        if exc.code != "login_needs_key" or recovery is not None:
            raise
    key = secret(RECOVERY_ENV, "恢复密钥（本账号首次在本机登录）")
    return login(db, username, password, now=now(), recovery_key=key)


@click.command("passwd")
@home_option
@click.option("--user", "username", required=True, help="柜员用户名。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果（出错时输出错误码）。")
@guarded
def passwd(home: str | None, username: str, as_json: bool) -> None:
    """修改本柜员的密码（首次登录须先修改综合业务科发放的一次性密码）。"""
    from station_client.services.password_change import change_password

    db = open_existing(paths_of(home))
    try:
        current = secret(PASSWORD_ENV, "当前密码")
        session = _login(db, username, current)
        new = os.environ.get(NEW_PASSWORD_ENV) or secret(NEW_PASSWORD_ENV, "新密码")
        repeat = os.environ.get(NEW_PASSWORD_ENV) or secret(NEW_PASSWORD_ENV, "再次输入新密码")
        change_password(session, current, new, repeat, now=now())
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps({"ok": True, "username": username, "queued": True}, ensure_ascii=False))
    else:
        click.echo(f"密码已修改：{username} 今后请用新密码登录。新密码将在下次同步时报送市社保服务器。")
