"""The 催缴名单 screen in words: when the city built the list, its totals, and what to do
when there is none."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from schema.records import dues_built_at
from station_client.core.case_numbering import CHINA_TZ

if TYPE_CHECKING:
    from schema.records import TownshipDuesRecord
    from station_client.services.dues import DuesTotals

# The list's version is the seconds since this moment when the city computed it
# (sync_server.services.finance.dues_feed.list_version): it dates the list.

NO_LIST = "市局尚未下发本乡镇的催缴名单：请联网同步（F5 立即同步）后再查看。"


def built_at(record: TownshipDuesRecord) -> datetime:
    """When the city built the list, in Beijing time."""
    return dues_built_at(record.version).astimezone(CHINA_TZ)


def version_line(record: TownshipDuesRecord) -> str:
    moment = built_at(record)
    return (
        f"名单版本 {record.version}，市局生成于 {moment:%Y年%m月%d日 %H:%M}（北京时间）；"
        f"金额和滞纳金计算至 {record.as_of:%Y年%m月%d日}，缴费后以下次同步的名单为准。"
    )


def totals_line(sums: DuesTotals) -> str:
    if not sums.persons:
        return "本乡镇目前没有应缴或欠费的灵活就业人员，无需催缴。"
    return (
        f"共 {sums.persons} 人；本期应缴 {sums.current:.2f} 元，欠费 {sums.arrears:.2f} 元，"
        f"滞纳金 {sums.late_fees:.2f} 元；应缴合计 {sums.total:.2f} 元。"
    )


def export_name(record: TownshipDuesRecord) -> str:
    return f"dues-{record.township}-{record.version}"
