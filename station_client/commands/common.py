"""What the commands share: ``--home``, error handling, passwords, opening a session.

Every error a clerk can cause or meet ends as one line on stderr and exit status 1
(:class:`Failure`), with its stable code as ``sync-server`` prints it:
``错误（id_bad_check_digit）：…``. A command run with ``--json`` prints the failure on
stdout as ``{"code", "message", "detail"}`` instead, so a script reads one JSON document
either way. click's own usage errors keep exit status 2. Passwords come
from ``SSB_PASSWORD`` or a hidden prompt, never from an argument (it would sit in the
shell history); the recovery key for a clerk's first login on this PC from
``SSB_RECOVERY_KEY`` or a prompt.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any, ParamSpec, TypeVar
from uuid import UUID

import click
from sqlite_utils import Database

from schema.errors import ContractError
from schema.normalize import to_half_width
from station_client.core.errors import StationError
from station_client.crypto.keys import CryptoError
from station_client.paths import StationPaths
from station_client.services.session import Session, login
from station_client.store import StoreError, open_store
from station_client.store import cases as case_store

PASSWORD_ENV = "SSB_PASSWORD"  # noqa: S105  (the variable's name, not a password)
RECOVERY_ENV = "SSB_RECOVERY_KEY"

P = ParamSpec("P")
R = TypeVar("R")


class Failure(click.ClickException):
    """A refusal with a stable code, shown as Chinese text (or JSON under ``--json``), exit status 1."""

    exit_code = 1

    def __init__(self, code: str, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.detail: dict[str, Any] = dict(detail or {})
        self.as_json = False

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}

    def show(self, file: IO[Any] | None = None) -> None:
        if self.as_json:
            text = json.dumps(self.body(), ensure_ascii=False, indent=2, sort_keys=True, default=str)
            click.echo(text, file=file)
        else:
            click.echo(f"错误（{self.code}）：{self.message}", err=True, file=file)


def user_option(f: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--user",
        "username",
        required=True,
        help="柜员用户名（密码从环境变量 SSB_PASSWORD 或提示输入，不写在命令行里）。",
    )(f)


def json_option(f: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--json", "as_json", is_flag=True, help="以 JSON 输出结果；出错时输出 {code, message, detail}。"
    )(f)


def print_json(body: object) -> None:
    click.echo(json.dumps(body, ensure_ascii=False, indent=2, default=str))


def home_option(f: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--home",
        type=click.Path(file_okay=False, path_type=str),
        default=None,
        help="服务站数据目录（默认：本用户的应用数据目录）。",
    )(f)


def guarded(f: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into :class:`Failure`: the clerk sees the message, never a traceback."""

    @functools.wraps(f)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            try:
                return f(*args, **kwargs)
            except (StationError, ContractError, StoreError, CryptoError) as exc:
                raise Failure(exc.code, exc.message, exc.detail) from exc
            except sqlite3.DatabaseError as exc:
                raise Failure(
                    "store_unusable",
                    f"本机数据库无法读写（{exc}）：请关闭其他正在使用本服务站数据的程序后重试；"
                    "如反复出现，请联系综合业务科。",
                    {"error": str(exc)},
                ) from exc
            except BrokenPipeError:
                # The reader went away (``… | head``): what it wanted is printed; say nothing more.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise SystemExit(0) from None
            except OSError as exc:
                name = exc.filename or ""
                raise Failure(
                    "file_unusable",
                    f"无法读写文件 {name}（{exc.strerror or exc}）：请检查路径和权限后重试。",
                    {"path": str(name)},
                ) from exc
        except Failure as failure:
            failure.as_json = bool(kwargs.get("as_json"))  # the command's --json flag
            raise

    return wrapper


def now() -> datetime:
    return datetime.now(UTC)


def paths_of(home: str | None) -> StationPaths:
    return StationPaths.of(home)


def open_existing(paths: StationPaths) -> Database:
    """The store of an enrolled home; Failure when there is none."""
    try:
        return open_store(paths.home, create=False)
    except FileNotFoundError:
        raise Failure(
            "home_not_enrolled",
            f"数据目录 {paths.home} 中没有服务站数据：请先用注册码完成注册（station-client enroll），"
            "或用 --home 指定正确的数据目录。",
        ) from None


def secret(env: str, prompt: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise Failure(
            "secret_needed", f"需要{prompt}：请在提示时输入，或设置环境变量 {env}（不要写在命令行参数里）。"
        )
    return str(click.prompt(prompt, hide_input=True))


@contextmanager
def desk(home: str | None, username: str) -> Iterator[tuple[StationPaths, Session]]:
    """A clerk at the desk, as the window has one after login: the store open, the session
    active (a one-time password, a disabled account are refused as in the window)."""
    paths = paths_of(home)
    db = open_existing(paths)
    try:
        session = open_session(db, username)
        session.require_active(now())
        yield paths, session
    finally:
        db.close()


_CASE_NUMBER_PART = re.compile(r"[0-9W-]{4,}")


def case_id_of(session: Session, given: str) -> str:
    """The case a clerk names: its 受理编号 (full-width typed is fine), the last part of it
    when only one case has it (``W0003``, ``20261126-0002``), or its case id."""
    text = "".join(to_half_width(given).split()).upper()
    try:
        row = case_store.get_row(session.db, str(UUID(text.lower())))
    except ValueError:
        row = None
    row = row or case_store.find_by_number(session.db, text)
    if row is not None:
        return row.case_id
    if _CASE_NUMBER_PART.fullmatch(text):
        from station_client.services import reference
        from station_client.services.caselist import list_cases

        found = list_cases(session.db, session.dek, reference.catalog(session.db), query=text, limit=6)
        if len(found) == 1:
            return found[0].case_id
        if found:
            numbers = "、".join(c.case_number for c in found[:5])
            raise Failure(
                "case_ambiguous",
                f"有 {len(found)} 件业务的受理编号含“{text}”（{numbers}…）：请输入完整的受理编号。",
                {"case_numbers": [c.case_number for c in found]},
            )
    raise Failure(
        "case_not_found",
        f"本机没有受理编号为“{given.strip()}”的业务：请用 station-client cases 查看本站业务的受理编号后重试。",
        {"case": given},
    )


def open_session(db: Database, username: str) -> Session:
    """Log ``username`` in offline; the recovery key is asked for only when this PC needs it."""
    password = secret(PASSWORD_ENV, "密码")
    recovery = os.environ.get(RECOVERY_ENV) or None
    try:
        return login(db, username, password, now=now(), recovery_key=recovery)
    except StationError as exc:
        if exc.code != "login_needs_key" or recovery is not None:
            raise
    key = secret(RECOVERY_ENV, "恢复密钥（本账号首次在本机登录）")
    return login(db, username, password, now=now(), recovery_key=key)
