"""The station's cases as list lines and marks, and what a clerk can do with one.

A list cell is one line of a fixed width: a long item name is cut with "…" there
(:func:`elide`), and the selected case is written out whole under the list
(:func:`full_text`), with the city's reason for a return or a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from station_client.core.case_numbering import CHINA_TZ
from station_client.core.supplement_rules import SupplementRequest
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


ELLIPSIS = "…"


def elide(text: str, width: int, measure: Callable[[str], int]) -> str:
    """``text`` cut to fit ``width`` pixels (``measure`` gives a string's width), ending in "…"."""
    if measure(text) <= width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits with the ellipsis
    while low < high:
        mid = (low + high + 1) // 2
        if measure(text[:mid] + ELLIPSIS) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS


def full_text(case: CaseSummary) -> str:
    """The selected case in full: number, item, status and marks, and the city's reason."""
    line = f"{case.case_number}　{case.item_code} {case.item_name}　【{case.status_label}】"
    if marked := marks(case):
        line += f"　需要处理：{marked}"
    if case.decision_reason and case.status in ("returned", "rejected"):
        words = "退回原因" if case.status == "returned" else "不予受理理由"
        line += f"\n{words}：{case.decision_reason}"
    return line


def return_words(request: SupplementRequest) -> str:
    """The return as the 补正 form shows it on top: the reviewer's reason, then what to hand in."""
    text = f"退回原因：{request.reason or '（市局未写明原因，请联系审核科室）'}"
    if request.requested_names:
        text += (
            f"\n要求补交：{'、'.join(request.requested_names)}"
            "——收到原件后在右侧材料清单中勾选，或添加扫描件。"
        )
    return text


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
