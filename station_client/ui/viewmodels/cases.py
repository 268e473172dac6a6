"""The station's cases as list lines and marks, and what a clerk can do with one."""

from __future__ import annotations

from datetime import date

from station_client.core.case_numbering import CHINA_TZ
from station_client.services.caselist import CaseFilter, CaseSummary

FILTERS = [
    CaseFilter.ALL,
    CaseFilter.WAITING_SYNC,
    CaseFilter.SET_ASIDE,
    CaseFilter.RETURNED,
    CaseFilter.DECIDED,
    CaseFilter.OVERDUE,
]


def marks(case: CaseSummary) -> str:
    out = []
    if case.set_aside:
        out.append("被退回待更正")
    if case.waiting_sync:
        out.append("待同步")
    if case.overdue:
        out.append("已超期")
    if case.status in ("approved", "rejected") and case.tier == "complex" and not case.handed_over:
        out.append("待交付")
    if case.status == "returned":
        out.append("待补正")
    return "、".join(out)


def _day(day: date | None) -> str:
    return "" if day is None else f"{day.month}月{day.day}日"


def row_values(case: CaseSummary) -> tuple[str, ...]:
    accepted = case.accepted_at.astimezone(CHINA_TZ)
    deadline = "当场办结" if case.tier == "general" else _day(case.deadline) or "待定"
    if case.tier != "general" and case.deadline is not None and case.deadline_provisional:
        deadline += "（暂定）"
    return (
        case.case_number,
        f"{case.item_code} {case.item_name}",
        case.applicant_name,
        f"{accepted:%m-%d %H:%M}",
        case.status_label,
        deadline,
        marks(case),
    )


def alert(case: CaseSummary) -> bool:
    return case.set_aside or case.overdue or case.status == "returned"


def empty_text(filter_: CaseFilter, query: str) -> str:
    if query.strip():
        return f"没有找到与“{query.strip()}”相符的业务：可以输入受理编号（或末几位）、公民身份号码、事项编码或申请人姓名。"
    return {
        CaseFilter.ALL: "本站还没有办理过业务。",
        CaseFilter.WAITING_SYNC: "没有等待同步的业务：全部已上报。",
        CaseFilter.SET_ASIDE: "没有被退回待更正的业务。",
        CaseFilter.RETURNED: "没有退回补正的业务。",
        CaseFilter.DECIDED: "还没有收到市局的审核决定。",
        CaseFilter.OVERDUE: "没有超过承诺时限的业务。",
    }[filter_]
