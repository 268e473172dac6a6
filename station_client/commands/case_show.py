"""``station-client case show ID``: one case as 业务详情 shows it to the logged-in clerk:
item, applicant (unmasked, as on screen), status, the city's decision, form, materials and
scans, fee, the deadline, the history with people's names, what went up to the city,
the receipts, and which command does what the window's buttons do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click

from station_client.commands.cases import summary_json
from station_client.commands.common import (
    case_id_of,
    desk,
    guarded,
    home_option,
    json_option,
    now,
    print_json,
    user_option,
)
from station_client.commands.receipt import KIND_WORDS, documents_of
from station_client.core.case_numbering import CHINA_TZ
from station_client.services import reference
from station_client.services.case_detail import CaseDetail, case_detail


def _deadline(detail: CaseDetail) -> str:
    s = detail.summary
    if s.tier == "general":
        return "当场办结"
    if s.deadline is None:
        return "待定"
    return f"{s.deadline:%Y年%m月%d日}" + ("（暂定）" if s.deadline_provisional else "")


def _next_steps(detail: CaseDetail, printable: Iterable[str] = ()) -> list[str]:
    """What the window's buttons do, as commands; ``printable``: the kinds ``receipt`` prints."""
    number = detail.summary.case_number
    steps = []
    if detail.can_supplement:
        steps.append(
            f"补正：station-client supplement {number} --template 生成填写文件，填好后用 --input 提交"
        )
    if detail.can_hand_over:
        steps.append(f"交付审核结果：station-client handover {number}")
    if detail.refused:
        steps.append("被服务器退回的上报：请在工作站窗口“同步问题”中修正并重新上报")
    steps += [
        f"打印{KIND_WORDS[kind]}：station-client receipt {number} --kind {kind} --out {number}-{kind}.pdf"
        for kind in printable
    ]
    return steps


def detail_json(detail: CaseDetail, printable: Iterable[str] = ()) -> dict[str, Any]:
    conflict = detail.conflict
    return {
        **summary_json(detail.summary),
        "deadline_text": _deadline(detail),
        "applicant": detail.applicant_raw,
        "applicant_lines": [{"label": k, "value": v} for k, v in detail.applicant],
        "form": [{"label": k, "value": v} for k, v in detail.form],
        "form_values": detail.form_values,
        "materials": detail.materials,
        "materials_provided": list(detail.materials_provided),
        "attachments": [{"material": m, "size": s, "state": st} for m, s, st in detail.attachments],
        "fee": detail.fee,
        "decision": detail.decision,
        "conflict": None
        if conflict is None
        else {"open": conflict.open, "reason": conflict.reason, "tell_applicant": conflict.tell_applicant},
        "history": [{"at": h.at.isoformat(), "text": h.text} for h in detail.history],
        "operations": [
            {
                "op_id": op.op_id,
                "kind": op.kind,
                "kind_label": op.kind_label,
                "state": str(op.state),
                "state_label": op.state_label,
                "code": op.code,
                "reason": op.reason,
                "advice": op.advice,
            }
            for op in detail.operations
        ],
        "receipts": [{"number": n, "kind_label": k} for n, k in detail.receipts],
        "can_supplement": detail.can_supplement,
        "can_hand_over": detail.can_hand_over,
        "printable": [{"kind": k, "kind_label": KIND_WORDS[k]} for k in printable],
        "next_steps": _next_steps(detail, printable),
    }


def _pairs(title: str, pairs: list[tuple[str, str]]) -> list[str]:
    return [title, *(f"  {k}：{v or '—'}" for k, v in pairs)]


def detail_lines(detail: CaseDetail, printable: Iterable[str] = ()) -> list[str]:
    s = detail.summary
    lines = [f"{s.case_number}　{s.item_code} {s.item_name}　【{s.status_label}】"]
    if (c := detail.conflict) is not None:
        lines += _pairs(
            "数据冲突待处理" if c.open else "数据冲突处理结果", [("告诉申请人", c.tell_applicant)]
        )
        lines += [f"  原因：{c.reason}", f"  经过：{c.resolved_history or c.history}"]
    lines += _pairs("申请人", detail.applicant)
    if d := detail.decision:
        lines += _pairs(
            "审核决定",
            [("结果", d["status_label"]), ("科室", d["section_label"]), ("原因", d.get("reason") or "—")],
        )
    lines += _pairs("表单", detail.form)
    materials = [("已收材料", "、".join(detail.materials) or "无")]
    materials += [(name, f"{size}，{state}") for name, size, state in detail.attachments]
    lines += _pairs("材料与扫描件", materials)
    if fee := detail.fee:
        by = [(k, f"{v} 元") for k, v in fee.get("by_insurance", {}).items()]
        lines += _pairs("缴费", [("实收", f"{fee['collected']} 元"), *by])
    accepted = s.accepted_at.astimezone(CHINA_TZ)
    lines += _pairs("期限", [("受理时间", f"{accepted:%Y年%m月%d日 %H:%M}"), ("办结期限", _deadline(detail))])
    lines.append("办理经过")
    lines += [f"  {h.at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}　{h.text}" for h in detail.history]
    if detail.operations:
        lines.append("上报记录")
        for op in detail.operations:
            lines.append(f"  {op.kind_label}：{op.state_label}")
            if op.reason:
                lines += [f"    原因：{op.reason}", f"    处理：{op.advice}"]
    if steps := _next_steps(detail, printable):
        lines.append("可以办理")
        lines += [f"  {step}" for step in steps]
    return lines


@click.group("case")
def case() -> None:
    """查看一件业务。"""


@case.command("show")
@home_option
@user_option
@click.argument("case_ref", metavar="受理编号")
@json_option
@guarded
def show(home: str | None, username: str, case_ref: str, as_json: bool) -> None:
    """显示一件业务：申请人、状态、审核决定、表单、材料、缴费、期限和办理经过。

    受理编号可以只写末几位（如 W0003），只要本站只有一件相符。
    """
    with desk(home, username) as (_paths, session):
        case_id = case_id_of(session, case_ref)
        detail = case_detail(session.db, session.dek, reference.catalog(session.db), case_id, now=now())
        _number, documents = documents_of(session, case_id)
    if as_json:
        print_json(detail_json(detail, list(documents)))
    else:
        for line in detail_lines(detail, list(documents)):
            click.echo(line)
