"""What every ``sync-server`` command shares: the ``--data-dir`` option, opening the data
directory's database with clear refusals, typed argument checks in Chinese, and tables.

Errors a person can fix are :class:`CommandError` (a ``ContractError``), which ``cli.py``
prints as one line with exit status 2.
"""

from __future__ import annotations

import datetime as dt
import getpass
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from schema.errors import ContractError
from sync_server.settings import DATA_DIR_ENV, Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


class CommandError(ContractError):
    """A command cannot do what was asked; the message says what to do instead."""


def data_dir_option(func: F) -> F:
    """``--data-dir D`` (or ``SSB_DATA_DIR``); checked by :func:`require_data_dir`."""
    return click.option(
        "--data-dir",
        "data_dir",
        envvar=DATA_DIR_ENV,
        metavar="目录",
        help="服务器数据目录（也可用环境变量 SSB_DATA_DIR 指定）。",
    )(func)


def require_data_dir(value: str | None) -> Path:
    if not value or not value.strip():
        raise CommandError(
            "data_dir_missing",
            "未指定数据目录。请加上 --data-dir 目录，或设置环境变量 SSB_DATA_DIR。",
        )
    return Path(value.strip()).expanduser()


def settings_for(data_dir: str | None) -> Settings:
    return load_settings(require_data_dir(data_dir))


def cli_actor() -> str:
    """Who ran the command, for the audit log (the operating-system account)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry, e.g. in a bare container
        return "cli"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---- the database ------------------------------------------------------------------


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _reason(exc: BaseException) -> str:
    """The first line of the driver's message, without SQLAlchemy's background links."""
    inner = getattr(exc, "orig", None) or exc
    return (str(inner).strip().splitlines() or [type(inner).__name__])[0][:200]


def connect(url: str, *, must_exist: bool) -> Any:
    """A :class:`Database` that answered ``SELECT 1``; CommandError when it cannot.

    ``must_exist`` refuses a SQLite file that is not there (connecting would create an
    empty one and hide the mistake).
    """
    import sqlalchemy as sa
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    from sync_server.db.engine import Database

    try:
        path = _sqlite_path(url)
        if path is not None and must_exist and not path.is_file():
            raise CommandError(
                "database_missing",
                f"数据库文件 {path} 不存在。请检查数据目录是否正确，或先运行 `sync-server init`。",
            )
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        db = Database.from_url(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise CommandError(
            "database_url_invalid",
            f"数据库地址无效（{_reason(exc)}）。请使用 postgresql://用户@主机/库名 或 sqlite:///文件路径。",
        ) from exc
    try:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.dispose()
        raise CommandError(
            "database_unreachable",
            f"无法连接数据库（{_reason(exc)}）。请确认数据库已启动、地址和账号正确后重试。",
        ) from exc
    return db


def require_migrated(db: Any, data_dir: Path) -> None:
    from sync_server.db.migrate import current_revision, head_revision, is_up_to_date

    if not is_up_to_date(db):
        raise CommandError(
            "database_not_migrated",
            f"数据库结构不是最新版本（当前 {current_revision(db) or '无'}，应为 {head_revision()}）。"
            f"请先运行 `sync-server db upgrade --data-dir {data_dir}`。",
        )


@contextmanager
def open_database(data_dir: str | None) -> Iterator[tuple[Settings, Any]]:
    """Settings and a migrated :class:`Database` for a command; disposed afterwards."""
    settings = settings_for(data_dir)
    db = connect(settings.effective_database_url, must_exist=True)
    try:
        require_migrated(db, settings.data_dir)
        yield settings, db
    finally:
        db.dispose()


# ---- arguments ----------------------------------------------------------------------


class IntRange(click.ParamType[int]):
    """An integer in [low, high], refused in Chinese."""

    name = "整数"

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"「{value}」不是整数，请输入 {self.low}–{self.high} 之间的整数。", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(f"{number} 超出范围，请输入 {self.low}–{self.high} 之间的整数。", param, ctx)
        return number


class Choice(click.ParamType[str]):
    """One of a few values (each with its Chinese label), refused in Chinese."""

    name = "选项"

    def __init__(self, labels: Mapping[str, str] | Callable[[], Mapping[str, str]]) -> None:
        # A callable defers importing where the labels live until the option is used.
        self._labels = labels

    @property
    def labels(self) -> Mapping[str, str]:
        return self._labels() if callable(self._labels) else self._labels

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip().lower()
        labels = self.labels
        if text not in labels:
            choices = "、".join(f"{v}（{label}）" for v, label in labels.items())
            self.fail(f"「{value}」不是可选的值。请从以下选项中选择：{choices}。", param, ctx)
        return text


# ---- output -------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table whose columns line up with Chinese (double-width) text."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(row, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


# Beijing time for people in Leshan (China keeps no daylight saving time).
BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def format_time(value: dt.datetime | None) -> str:
    return "—" if value is None else value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
