"""What the clerk reads back to the applicant before confirming, and the result after."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from schema.vocabulary import Tier
from station_client.core.intake_rules import CheckedIntake
from station_client.core.money_words import in_words
from station_client.core.outbox_rules import OpState
from station_client.services.caselist import display_value
from station_client.services.intake import IntakeResult


def _date(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def confirm_lines(checked: CheckedIntake, scans: int) -> list[tuple[str, str]]:
    item, who = checked.item, checked.applicant
    lines = [
        ("办理事项", f"{item.code} {item.name}"),
        ("申请人", who.name),
        ("证件号码", who.id_number or who.uscc or ""),
    ]
    if who.phone:
        lines.append(("联系电话", who.phone))
    lines += [
        (f.label, display_value(item, f.name, checked.form[f.name]))
        for f in item.form
        if f.name in checked.form
    ]
    names = {m.code: m.name for m in item.materials}
    if checked.materials:
        lines.append(("已收材料", "、".join(names.get(c, c) for c in checked.materials)))
    if scans:
        lines.append(("扫描件", f"{scans} 份"))
    if item.tier is Tier.GENERAL:
        lines.append(("办理时限", "当场办结"))
    else:
        promised = _date(checked.promised_date) if checked.promised_date else "待定（节假日安排未公布）"
        if checked.promised_date and checked.promised_provisional:
            promised += "（暂定：节假日安排未公布，公布后重新计算）"
        lines.append(("承诺办结日期", f"{promised}（{item.time_limit.description}）"))
    return lines


@dataclass(frozen=True)
class FeeLines:
    collected: str
    words: str
    rows: list[tuple[str, str]]


def fee_lines(fee: dict[str, Any] | None) -> FeeLines | None:
    if not fee:
        return None
    rows = [(k, f"{v} 元") for k, v in fee["by_insurance"].items()]
    rows += [(k, f"{v} 元") for k, v in fee["by_account"].items()]
    rows += [(k, f"{v} 元") for k, v in fee["by_payer"].items()]
    months = fee["by_month"]
    if len(months) > 1:
        first, last = min(months), max(months)
        rows.append(("所属期", f"{first} 至 {last}，共 {len(months)} 个月"))
    return FeeLines(fee["collected"], in_words(Decimal(fee["collected"])), rows)


@dataclass(frozen=True)
class ResultView:
    headline: str  # 已受理 / 已办结
    number_label: str
    number: str
    lines: list[str]
    receipts: list[tuple[str, str]]  # (number, button text)


def result_view(result: IntakeResult) -> ResultView:
    general = result.tier is Tier.GENERAL
    lines = []
    if not general:
        promised = _date(result.promised_date) if result.promised_date else "待定"
        if result.promised_date and result.promised_provisional:
            promised += "（暂定）"
        lines.append(f"承诺办结日期：{promised}")
    if result.fee is not None:
        lines.append(
            f"实收金额：{result.fee['collected']} 元（{in_words(Decimal(result.fee['collected']))}），收据号 {result.receipt_number}"
        )
    if result.unverified_applicant:
        lines.append("申请人不在本地参保信息中，已按“未核实”受理，联网同步后由市局核实。")
    lines += [f"提示：{w.message}" for w in result.warnings]
    receipts = [(result.case_number, "打印办结单" if general else "打印受理回执")]
    if result.receipt_number:
        receipts.append((result.receipt_number, "打印缴费收据"))
    return ResultView(
        headline="已当场办结" if general else "已受理",
        number_label="办结编号" if general else "受理编号",
        number=result.case_number,
        lines=lines,
        receipts=receipts,
    )


UPLOAD_PENDING = "业务已保存在本机，待上报，联网后自动上报。"
UPLOAD_DONE = "已上报：市局已收到本业务。"
UPLOAD_REFUSED = "市局未接收本业务：请按 F4 打开“同步问题”，查看原因并更正后重新上报。"
UPLOAD_CONFLICT = "上报时与市局记录冲突，已由综合业务科处理：请按 F4 打开“同步问题”查看。"


def upload_line(states: Sequence[OpState] | None) -> str:
    """Where the case stands with the city, from the states of its outbox rows (None: not read yet)."""
    if states and all(s is OpState.DONE for s in states):
        return UPLOAD_DONE
    if states and OpState.SET_ASIDE in states:
        return UPLOAD_REFUSED
    if states and OpState.FAILED in states:
        return UPLOAD_CONFLICT
    return UPLOAD_PENDING
