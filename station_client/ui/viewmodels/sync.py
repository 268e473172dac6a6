"""The sync bar in words: online or not, what waits, what was refused, when it last worked, and why not.

It tells only what the store and the agent say (``SyncStatus`` read from the outbox rows;
``AgentStatus.online`` from the last round): "在线" after a round reached the server,
"离线" after one could not, "正在连接" before the first round has ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from station_client.core.case_numbering import CHINA_TZ
from station_client.sync.status import SyncStatus

ONLINE, OFFLINE, UNKNOWN = "online", "offline", "unknown"


@dataclass(frozen=True)
class SyncState:
    """What the app knows: ``online`` None until a round has ended."""

    online: bool | None = None
    running: bool = False
    store: SyncStatus | None = None


@dataclass(frozen=True)
class SyncView:
    state: str  # ONLINE, OFFLINE, UNKNOWN
    online_text: str
    pending: int
    pending_text: str
    set_aside: int
    set_aside_text: str
    attachments_text: str
    last_success_text: str
    error_text: str
    running: bool
    button_text: str


def when(moment: datetime | None, now: datetime) -> str:
    """``今天 10:32``, ``昨天 18:05`` or ``11月24日 09:12`` in the station's time."""
    if moment is None:
        return "从未成功"
    local, today = moment.astimezone(CHINA_TZ), now.astimezone(CHINA_TZ).date()
    days = (today - local.date()).days
    prefix = "今天" if days == 0 else "昨天" if days == 1 else f"{local.month}月{local.day}日"
    return f"{prefix} {local:%H:%M}"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def sync_view(state: SyncState, now: datetime) -> SyncView:
    store = state.store
    pending = (store.pending + store.blocked) if store else 0
    refused = (store.set_aside + store.failed) if store else 0
    if state.online is None:
        online, text = UNKNOWN, "正在连接…" if state.running else "尚未连接"
    elif state.online:
        online, text = ONLINE, "在线"
    else:
        online, text = OFFLINE, "离线"
    attachments = ""
    if store and store.pending_attachments:
        attachments = f"待传附件 {store.pending_attachments} 个（{_size(store.pending_attachment_bytes)}）"
    error = ""
    if store and store.last_error is not None:
        error = store.last_error.message
    if state.online is False and not error:
        error = "无法连接市社保服务器，业务已保存在本机，联网后自动上报。"
    return SyncView(
        state=online,
        online_text=text,
        pending=pending,
        pending_text=f"待上报 {pending} 笔",
        set_aside=refused,
        set_aside_text=f"待更正 {refused} 笔",
        attachments_text=attachments,
        last_success_text=f"上次成功同步：{when(store.last_success_at if store else None, now)}",
        error_text=error,
        running=state.running,
        button_text="正在同步…" if state.running else "立即同步 (F5)",
    )


def alert_text(view: SyncView, backup_warning: str | None) -> str:
    """The bar's red line: the sync error and the backup warning, each on its own line.

    An offline station is the one most likely to have a stale backup too (the same pulled
    cable or dead USB hub), so neither may hide the other.
    """
    return "\n".join(text for text in (view.error_text, backup_warning) if text)
