"""The sync status the clerk sees, read from the store: only what the store says is true.

Counts come from the outbox rows themselves, never from a counter kept beside them, and
``last_success_at`` moves only when a whole round (push, attachments, pull) succeeded, so a
failed round can never show as a success. Nothing here needs the data key.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from station_client.core.case_numbering import CHINA_TZ
from station_client.core.outbox_rules import OpState
from station_client.store import meta, outbox
from station_client.store.codec import iso, parse_instant

# Set by the agent beside the meta keys of docs/station.md.
LAST_ATTEMPT_AT = "last_attempt_at"


@dataclass(frozen=True)
class SyncProblem:
    code: str
    message: str  # Chinese, for the clerk
    at: datetime | None = None


@dataclass(frozen=True)
class SyncStatus:
    station_id: str | None
    pending: int  # waiting to go up (numbered-but-unacknowledged included)
    blocked: int  # waiting behind a set-aside operation of the same case
    set_aside: int  # rejected by the server: the clerk corrects them
    failed: int  # conflicts (same id, other content): 综合业务科 must look
    retrying: int  # pending operations whose last send failed; they are retried
    pending_attachments: int
    pending_attachment_bytes: int
    failed_attachments: int  # refused by the server (type, size): to be scanned again
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: SyncProblem | None
    cursor: str | None
    catalog_version: str | None
    clock_offset_seconds: float

    @property
    def in_step(self) -> bool:
        """Everything sent and acknowledged, nothing refused, the last round a success."""
        return (
            self.last_error is None
            and self.last_success_at is not None
            and self.pending + self.blocked + self.set_aside + self.failed == 0
            and self.pending_attachments + self.failed_attachments == 0
        )

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("last_success_at", "last_attempt_at"):
            data[key] = None if data[key] is None else iso(data[key])
        if self.last_error is not None and self.last_error.at is not None:
            data["last_error"]["at"] = iso(self.last_error.at)
        data["in_step"] = self.in_step
        return data

    def lines(self) -> list[str]:
        """The status in the clerk's words."""
        when = _local(self.last_success_at) if self.last_success_at else "从未成功同步"
        out = [
            f"待上报业务：{self.pending} 笔"
            + (f"（其中 {self.retrying} 笔发送失败，将自动重试）" if self.retrying else ""),
            f"被退回待更正：{self.set_aside} 笔"
            + (f"；因此暂缓上报：{self.blocked} 笔" if self.blocked else ""),
            *([f"与服务器记录冲突、需综合业务科处理：{self.failed} 笔"] if self.failed else []),
            f"待上传附件：{self.pending_attachments} 个，共 {_size(self.pending_attachment_bytes)}"
            + (f"；{self.failed_attachments} 个被拒收需重新扫描" if self.failed_attachments else ""),
            f"上次成功同步：{when}",
            f"事项目录版本：{self.catalog_version or '尚未下载'}",
        ]
        if self.last_error is not None:
            at = f"（{_local(self.last_error.at)}）" if self.last_error.at else ""
            out.append(f"最近一次错误{at}：{self.last_error.message}")
        if abs(self.clock_offset_seconds) >= 60:
            out.append(
                f"本机时钟与服务器相差约 {round(self.clock_offset_seconds / 60)} 分钟，已自动校正签名时间。"
            )
        out.append("状态：已与服务器一致" if self.in_step else "状态：尚未与服务器一致")
        return out


def _local(moment: datetime | None) -> str:
    """Beijing time, as the window and the console show it, whatever the PC's time zone."""
    return "" if moment is None else f"{moment.astimezone(CHINA_TZ):%Y-%m-%d %H:%M:%S} 北京时间"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB" if n else "0"


def _problem(value: Any) -> SyncProblem | None:
    if not isinstance(value, dict):
        return None
    return SyncProblem(
        str(value.get("code", "")), str(value.get("message", "")), parse_instant(value.get("at"))
    )


def read_status(db: Database) -> SyncStatus:
    counts = outbox.counts(db)
    att_n, att_bytes = db.execute(
        "SELECT count(*), coalesce(sum(size - uploaded_bytes), 0) FROM attachments WHERE state IN ('pending', 'uploading')"
    ).fetchone()
    att_failed = db.execute("SELECT count(*) FROM attachments WHERE state = 'failed'").fetchone()[0]
    values = meta.all_(db)
    return SyncStatus(
        station_id=values.get(meta.STATION_ID),
        pending=counts[OpState.PENDING],
        blocked=counts[OpState.BLOCKED],
        set_aside=counts[OpState.SET_ASIDE],
        failed=counts[OpState.FAILED],
        retrying=outbox.retrying(db),
        pending_attachments=int(att_n),
        pending_attachment_bytes=int(att_bytes),
        failed_attachments=int(att_failed),
        last_success_at=parse_instant(values.get(meta.LAST_SUCCESS_AT)),
        last_attempt_at=parse_instant(values.get(LAST_ATTEMPT_AT)),
        last_error=_problem(meta.get_json(db, meta.LAST_ERROR)),
        cursor=values.get(meta.PULL_CURSOR),
        catalog_version=values.get(meta.CATALOG_VERSION),
        clock_offset_seconds=float(values.get(meta.CLOCK_OFFSET_SECONDS) or 0),
    )


def record_round(db: Database, *, error: SyncProblem | None, now: datetime | None = None) -> None:
    """Write a round's end: success moves ``last_success_at`` and clears the error; failure never does."""
    now = now or datetime.now(UTC)
    with db.atomic():
        meta.put(db, LAST_ATTEMPT_AT, iso(now))
        if error is None:
            meta.put(db, meta.LAST_SUCCESS_AT, iso(now))
            meta.put_json(db, meta.LAST_ERROR, None)
        else:
            at = iso(error.at or now)
            meta.put_json(db, meta.LAST_ERROR, {"code": error.code, "message": error.message, "at": at})
