"""A server that went back in time: what the station resends and what it can no longer.

A city server restored from a backup holds fewer of the station's operations than it once
acknowledged: its ``last_seq`` for the station (in each push answer and on a pull's last
page) is below the highest seq the station saw acknowledged. The station keeps
acknowledged operations for :data:`RETENTION` and sends them again, same op ids and
bytes, so the server applies each exactly once (``duplicate`` where it still has one).
Numbers no retained row holds any more are lost; the station names them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

RETENTION = timedelta(days=30)  # acknowledged operations kept for a restored server


@dataclass(frozen=True)
class Behind:
    """The server holds up to ``server_last_seq``; the station saw up to ``acknowledged``."""

    server_last_seq: int
    acknowledged: int
    lost: tuple[int, ...]  # numbers in between that no retained row holds

    @property
    def first_missing(self) -> int:
        return self.server_last_seq + 1


def behind(server_last_seq: int, acknowledged: int, held: Iterable[int]) -> Behind | None:
    """None when the server holds everything the station saw acknowledged."""
    if server_last_seq >= acknowledged:
        return None
    have = set(held)
    lost = tuple(s for s in range(server_last_seq + 1, acknowledged + 1) if s not in have)
    return Behind(server_last_seq, acknowledged, lost)


def resent_words(count: int) -> str:
    return f"市局服务器已从备份恢复，本站已重新上报 {count} 笔。"


def lost_words(lost: tuple[int, ...]) -> str:
    return (
        f"市局服务器已从备份恢复，本站有 {len(lost)} 笔早已上报的业务超过保留期限、无法重新上报"
        f"（序号 {_ranges(lost)}）。请把这些序号告知市局信息科核对补录。"
    )


def _ranges(seqs: tuple[int, ...]) -> str:
    """``3–5、9`` for (3, 4, 5, 9)."""
    parts: list[str] = []
    start = prev = seqs[0]
    for s in (*seqs[1:], None):
        if s is not None and s == prev + 1:
            prev = s
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if s is not None:
            start = prev = s
    return "、".join(parts)
