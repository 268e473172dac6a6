"""Errors in the clerk's words: what went wrong and what to do next.

The services raise :class:`~station_client.core.errors.StationError` and the contract
:class:`~schema.errors.ContractError`, both with a Chinese ``message``; the store and the
file system raise their own, worded here. Anything else is a bug: the app logs it and
shows :data:`MSG_UNEXPECTED` (tests make it fail).
"""

from __future__ import annotations

import sqlite3

from schema.errors import ContractError
from station_client.core.errors import StationError

MSG_UNEXPECTED = "程序出现意外错误，已记录日志。请重试；如反复出现，请联系综合业务科。"


def expected(exc: BaseException) -> bool:
    """A problem a clerk can meet (as opposed to a bug)."""
    return isinstance(exc, StationError | ContractError | sqlite3.DatabaseError | OSError)


def explain(exc: BaseException | str) -> str:
    if isinstance(exc, str):
        return exc
    if isinstance(exc, StationError | ContractError):
        return exc.message
    if isinstance(exc, FileNotFoundError) and str(exc.filename or exc).endswith(".db"):
        return "本机尚未注册为服务站：请用综合业务科发放的注册码完成注册（station-client enroll）后再打开本程序。"
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return "本机数据正忙（同步程序正在写入）：请稍等几秒后再试。"
    if isinstance(exc, sqlite3.DatabaseError):
        return (
            "本机数据库无法读写：请关闭其他正在使用本服务站数据的程序后重试；如反复出现，请联系综合业务科。"
        )
    if isinstance(exc, OSError):
        return f"无法读写文件 {exc.filename or ''}（{exc.strerror or exc}）：请检查磁盘空间和权限后重试。"
    return MSG_UNEXPECTED
