"""Rules of the station's backups, pure: names, generations kept, when a backup is stale,
and where a restored store's outbox numbering goes on (services/backup.py does the files).

A backup is the store itself, copied with SQLite's online backup API: still encrypted as the
store is (the data key wrapped by the clerks' passwords and the recovery key). Its manifest
(``<name>.json``) names the station and holds the copy's SHA-256, so a copy that rotted on a
USB drive is refused before it replaces anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from station_client.core.outbox_rules import Entry, OpState

SUFFIX = ".ssbbak"
MANIFEST_SUFFIX = ".json"
DEFAULT_KEEP = 7  # generations kept in the target folder: a week of daily backups
DEFAULT_EVERY_HOURS = 4  # the window's schedule while it runs (and one at every logout)
STALE_AFTER = timedelta(days=1)  # the window warns when the last good backup is older

_NAME = re.compile(r"^station-(?P<code>[0-9A-Za-z-]+)-(?P<at>\d{8}T\d{6}Z)" + re.escape(SUFFIX) + "$")


class Manifest(BaseModel):
    """What a backup holds, written next to it and checked before a restore."""

    model_config = ConfigDict(frozen=True)

    format: int = 1
    station_id: str
    station_code: str
    created_at: datetime
    schema_version: int
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    cases: int = Field(ge=0)
    highest_seq: int = Field(ge=0)  # the outbox's highest number in the copy


def backup_name(station_code: str, at: datetime) -> str:
    """``station-511102004-00-20261206T103000Z.ssbbak``: sorts by time, names its station."""
    return f"station-{station_code}-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}{SUFFIX}"


def manifest_name(backup: str) -> str:
    return backup + MANIFEST_SUFFIX


def generations_to_drop(names: Iterable[str], station_code: str, keep: int) -> list[str]:
    """This station's backups beyond the newest ``keep`` (never fewer than one kept)."""
    mine = sorted(n for n in names if (m := _NAME.match(n)) and m["code"] == station_code)
    return mine[: max(0, len(mine) - max(1, keep))]


def is_stale(last_backup_at: datetime | None, now: datetime) -> bool:
    """True when no good backup was made in the last day (or never)."""
    return last_backup_at is None or now - last_backup_at > STALE_AFTER


def is_due(last_backup_at: datetime | None, now: datetime, every: timedelta) -> bool:
    """The window's scheduled backup: none yet, or ``every`` has passed since the last."""
    return last_backup_at is None or now - last_backup_at >= every


def stale_words(last_backup_at: datetime | None, now: datetime, *, failed: bool = False) -> str | None:
    """The sync bar's warning (one short line), or None when the last backup is recent enough.

    ``failed``: the scheduled backup just failed (the folder is gone: a USB drive pulled out).
    """
    if not is_stale(last_backup_at, now):
        return None
    if last_backup_at is None:
        head = "本机数据从未备份"
    else:
        head = f"本机数据已 {(now - last_backup_at).days} 天未备份"
    if failed:
        return f"{head}：备份位置不可用，请插好备份 U 盘"
    if last_backup_at is None:
        return f"{head}：请站长设置备份位置"
    return f"{head}：请检查备份位置"


def restored_pending(entries: Iterable[Entry], restored_max_local_id: int | None) -> bool:
    """Rows the restored copy held that still wait for their number (not set aside)."""
    if restored_max_local_id is None:
        return False
    waiting = (OpState.PENDING, OpState.BLOCKED)
    return any(e.seq is None and e.local_id <= restored_max_local_id and e.state in waiting for e in entries)


def resume_seq(stored_next: int, highest: int, server_floor: int | None, restored_pending: bool) -> int:
    """The outbox's next number after a restore and re-enrolment.

    Rows restored unnumbered keep the numbers they would have had (the same order gives the
    same numbers, so the city answers the ones it already holds as duplicates); once they are
    numbered, new rows continue after the city's ``last_seq`` (``server_floor``), past the
    operations only the lost store had sent.
    """
    base = max(stored_next, highest + 1)
    if server_floor is None or restored_pending:
        return base
    return max(base, server_floor + 1)
