"""The workbench (首页): today's figures as tiles, each opening the list behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from station_client.core.case_numbering import CHINA_TZ
from station_client.services.desk import TodayCounts

WEEKDAYS = "一二三四五六日"
PROBLEMS = "problems"  # a tile that opens the sync-problems screen instead of a case list


@dataclass(frozen=True)
class Tile:
    key: str
    title: str
    value: int
    target: str  # a caselist.CaseFilter value, or PROBLEMS
    alert: bool  # something waits for the clerk

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.value}"


def tiles(counts: TodayCounts) -> list[Tile]:
    return [
        Tile("accepted", "今日受理（复杂业务）", counts.accepted, "all", False),
        Tile("completed", "今日前台办结", counts.completed, "all", False),
        Tile("sent_up", "今日已上报", counts.sent_up, "all", False),
        Tile("waiting_sync", "等待同步", counts.waiting_sync, "waiting_sync", False),
        Tile("set_aside", "被退回待更正", counts.set_aside, PROBLEMS, counts.set_aside > 0),
        Tile("returned", "退回补正", counts.returned, "returned", counts.returned > 0),
        Tile("to_hand_over", "审核结果待交付", counts.to_hand_over, "decided", counts.to_hand_over > 0),
        Tile("overdue", "已超过承诺时限", counts.overdue, "overdue", counts.overdue > 0),
    ]


def today_line(now: datetime) -> str:
    local = now.astimezone(CHINA_TZ)
    return f"今天是 {local.year}年{local.month}月{local.day}日 星期{WEEKDAYS[local.weekday()]}"
