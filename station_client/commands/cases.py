"""``station-client cases``: the station's cases as 本站业务 lists them, newest first.

``--status`` takes what the clerk sees on screen or its code: a list of the window
(全部, 待同步, 被退回待更正, 退回补正, 已有审核决定, 已超期), 审核结果待交付 (decisions not
yet handed to the applicant, the 首页 tile), 已交付, or one case status (已受理, 已上报,
已办结（核准）… or ``accepted``, ``approved`` …). ``--find`` searches as the window's
search field does (受理编号, 公民身份号码, 事项编码, 姓名).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click

from schema.lifecycle import CaseStatus, is_final_decision
from schema.normalize import clean_text
from station_client.commands.common import (
    Failure,
    desk,
    guarded,
    home_option,
    json_option,
    now,
    print_json,
    user_option,
)
from station_client.services import reference
from station_client.services.caselist import CaseFilter, CaseSummary, list_cases
from station_client.ui.viewmodels.cases import empty_text, marks, row_values

TO_HAND_OVER, TO_HAND_OVER_LABEL = "to_hand_over", "审核结果待交付"
HANDED_OVER, HANDED_OVER_LABEL = "handed_over", "已交付"
_SCAN_LIMIT = 5000  # a status filter reads this many newest cases, then keeps those in the status


@dataclass(frozen=True)
class Selection:
    """What ``--status`` chose: one of the window's lists, narrowed to a status, or to the
    final decisions not yet (``handed_over=False``) or already (``True``) handed over."""

    code: str
    label: str
    filter_: CaseFilter = CaseFilter.ALL
    status: str | None = None
    handed_over: bool | None = None

    @property
    def narrowed(self) -> bool:
        return self.status is not None or self.handed_over is not None

    def keeps(self, case: CaseSummary) -> bool:
        if self.status is not None and case.status != self.status:
            return False
        return self.handed_over is None or (
            is_final_decision(case.status) and case.handed_over is self.handed_over
        )


def _key(text: str) -> str:
    return clean_text(text).replace(" ", "").lower()


def _choices() -> dict[str, Selection]:
    out: dict[str, Selection] = {}
    for status in CaseStatus:
        pick = Selection(status.value, status.label, status=status.value)
        out |= {_key(status.value): pick, _key(status.label): pick, _key(status.label.split("（")[0]): pick}
    for filter_ in CaseFilter:  # the window's lists win over a status of the same words (退回补正)
        pick = Selection(filter_.value, filter_.label, filter_=filter_)
        out |= {_key(filter_.value): pick, _key(filter_.label): pick}
    pick = Selection(TO_HAND_OVER, TO_HAND_OVER_LABEL, filter_=CaseFilter.DECIDED, handed_over=False)
    out |= {_key(TO_HAND_OVER): pick, _key(TO_HAND_OVER_LABEL): pick, "待交付": pick}
    pick = Selection(HANDED_OVER, HANDED_OVER_LABEL, filter_=CaseFilter.DECIDED, handed_over=True)
    return out | {_key(HANDED_OVER): pick, _key(HANDED_OVER_LABEL): pick, "审核结果已交付": pick}


def selection(given: str | None) -> Selection:
    """``--status`` as typed (Chinese label or code); Failure ``case_status_unknown`` otherwise."""
    if given is None or not _key(given):
        return Selection(CaseFilter.ALL.value, CaseFilter.ALL.label)
    found = _choices().get(_key(given))
    if found is None:
        lists = "、".join([*(f.label for f in CaseFilter), TO_HAND_OVER_LABEL, HANDED_OVER_LABEL])
        raise Failure(
            "case_status_unknown",
            f"没有“{given}”这种业务状态：可用 {lists}，或某一状态（如 已受理、已上报、已办结），"
            "也可写代码（如 returned、to_hand_over）。",
            {"status": given},
        )
    return found


def summary_json(case: CaseSummary) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "case_number": case.case_number,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "tier": case.tier,
        "status": case.status,
        "status_label": case.status_label,
        "applicant_name": case.applicant_name,
        "accepted_at": case.accepted_at.isoformat(),
        "promised_date": None if case.promised_date is None else case.promised_date.isoformat(),
        "due_date": None if case.due_date is None else case.due_date.isoformat(),
        "deadline_provisional": case.deadline_provisional,
        "waiting_sync": case.waiting_sync,
        "set_aside": case.set_aside,
        "handed_over": case.handed_over,
        "overdue": case.overdue,
        "conflict": case.conflict is not None and case.conflict.open,
        "marks": marks(case),
    }


@click.command("cases")
@home_option
@user_option
@click.option(
    "--status",
    "status",
    default=None,
    help="只列出某一类：全部、待同步、被退回待更正、退回补正、已有审核决定、已超期、审核结果待交付、已交付，"
    "或某一状态（已受理、已上报、已办结（核准）…），中文或代码均可。",
)
@click.option(
    "--find", "query", default="", help="查找：受理编号（或末几位）、公民身份号码、事项编码或姓名。"
)
@click.option("--limit", default=300, show_default=True, type=click.IntRange(1, 5000), help="最多列出几件。")
@json_option
@guarded
def cases(
    *, home: str | None, username: str, status: str | None, query: str, limit: int, as_json: bool
) -> None:
    """列出本站业务（与窗口“本站业务”相同），含市局下发的审核结果和退回补正。"""
    chosen = selection(status)
    narrowed = chosen.narrowed
    with desk(home, username) as (_paths, session):
        found = list_cases(
            session.db,
            session.dek,
            reference.catalog(session.db),
            filter_=chosen.filter_,
            query=query,
            now=now(),
            limit=_SCAN_LIMIT if narrowed else limit,
        )
    found = [c for c in found if chosen.keeps(c)][:limit]
    if as_json:
        print_json(
            {
                "status": chosen.code,
                "status_label": chosen.label,
                "count": len(found),
                "cases": [summary_json(c) for c in found],
            }
        )
        return
    if not found:
        click.echo(empty_text(chosen.filter_, query) if not narrowed else f"没有“{chosen.label}”的业务。")
        return
    click.echo(f"本站业务（{chosen.label}）：共 {len(found)} 件")
    for case in found:
        number, item, who, at, status_label, deadline, marks_text = row_values(case)
        line = f"{number}　{item}　{who}　{at}　【{status_label}】　期限：{deadline}"
        click.echo(line + (f"　需要处理：{marks_text}" if marks_text else ""))
