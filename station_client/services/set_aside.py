"""Operations the server refused (同步问题): every one, the server's reason, and what to do.

``set_aside`` operations were rejected by a business rule and wait for the clerk
(:mod:`station_client.services.resend` corrects and sends them again); ``failed`` ones
met a conflict and wait for 综合业务科. Operations of the same case queued behind a
refused one are ``blocked`` and go on by themselves once it is resolved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from schema.catalog import Catalog
from schema.errors import ContractError
from station_client.core.outbox_rules import OpState
from station_client.crypto.keys import DataKey
from station_client.store import cases, outbox

KIND_LABELS = {
    "case_accept": "受理（办结）信息上报",
    "case_supplement": "补正材料上报",
    "case_withdraw": "撤回申请上报",
    "decision_handed_over": "审核结果交付登记",
    "receipt_void": "缴费收据作废登记",
    "daily_close": "日结上报",
    "payment_notice": "缴费通知单上报",
}
STATE_LABELS = {
    OpState.PENDING: "待上报",
    OpState.BLOCKED: "暂缓上报（等待同一业务的前一笔更正）",
    OpState.SET_ASIDE: "被退回，待更正",
    OpState.FAILED: "数据冲突，待综合业务科处理",
    OpState.DONE: "已上报",
}
ADVICE = {
    "op_validation_failed": "按退回原因修改表单中的错误项，然后点“修正并重新上报”。",
    "op_fee_mismatch": (
        "先点“立即同步”下载最新费率表，再点“修正并重新上报”按新费率重新核算；"
        "金额如有变化，请与申请人核对并补收或退还差额。"
    ),
    "op_item_unknown": "先点“立即同步”更新事项目录；该事项如已取消，请告知申请人并按新目录重新受理。",
    "op_clerk_unknown": "请联系综合业务科核对您的柜员账号，账号恢复后点“重新上报”。",
    "op_malformed": "请安装最新版本的工作站客户端后点“重新上报”；如仍被退回，请联系综合业务科。",
    "op_case_unknown": "服务器还没有这件业务的受理信息：请先处理同一业务的受理记录，再点“重新上报”。",
    "op_wrong_station": "请联系综合业务科检查本机的服务站设置，无需重新办理。",
    "attachment_missing": "附件还没有上传完成：请保持联网，稍后点“立即同步”；仍不成功请重新扫描后点“修正并重新上报”。",
    "attachment_too_large": "请将该材料重新扫描为较小的文件（降低分辨率或分页扫描），然后点“修正并重新上报”。",
    "attachment_bad_type": "请将该材料重新扫描为 JPG、PNG 或 PDF 文件，然后点“修正并重新上报”。",
    "op_stale_version": "该业务已转综合业务科人工处理，无需重新上报；请留意处理结果。",
    "op_conflict": "同一业务编号上报过不同内容，已暂停：请联系综合业务科核对，不要重复受理。",
    "case_transition_not_allowed": "这件业务在市局的状态已经变化：请点“立即同步”查看最新状态后再处理。",
    "case_terminal": "这件业务在市局已办结或已撤回：请点“立即同步”查看最新状态，无需重新上报。",
    "op_receipt_not_allocated": "本站的作废登记与市局的票据号段对不上：请联系综合业务科核对本站号段，无需重新上报。",
    "op_receipt_already_voided": "市局已登记该票据号码作废，无需重新上报；如有疑问请联系综合业务科。",
}
DEFAULT_ADVICE = "请按退回原因更正后点“修正并重新上报”；如不清楚如何处理，请联系综合业务科。"
EDITABLE_KINDS = frozenset({"case_accept", "case_supplement"})
NOT_RESENDABLE = frozenset(
    {
        "op_stale_version",
        "op_conflict",
        "op_wrong_station",
        "op_receipt_not_allocated",
        "op_receipt_already_voided",
    }
)


def advice_for(code: str | None, state: OpState) -> str:
    if state == OpState.FAILED:
        return ADVICE.get(code or "", ADVICE["op_conflict"])
    return ADVICE.get(code or "", DEFAULT_ADVICE)


@dataclass(frozen=True)
class OpView:
    local_id: int
    op_id: str
    case_id: str
    kind: str
    state: OpState
    code: str | None
    reason: str  # the server's words
    advice: str  # what the clerk does next
    created_at: datetime | None
    acked_at: datetime | None
    problems: tuple[dict[str, Any], ...] = ()  # per-field problems the server named
    case_number: str = ""
    item_code: str = ""
    item_name: str = ""
    applicant_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def editable(self) -> bool:
        """The clerk can change the form before sending again."""
        return self.state == OpState.SET_ASIDE and self.kind in EDITABLE_KINDS

    @property
    def resendable(self) -> bool:
        return self.state == OpState.SET_ASIDE and (self.code or "") not in NOT_RESENDABLE


def _problems(result: str | None) -> tuple[dict[str, Any], ...]:
    if not result:
        return ()
    try:
        detail = json.loads(result).get("detail") or {}
    except (ValueError, AttributeError):
        return ()
    found = detail.get("problems") if isinstance(detail, dict) else None
    return tuple(p for p in found if isinstance(p, dict)) if isinstance(found, list) else ()


def op_view(row: outbox.StoredOp) -> OpView:
    return OpView(
        local_id=row.local_id,
        op_id=row.op_id,
        case_id=row.case_id,
        kind=row.kind,
        state=row.state,
        code=row.code,
        reason=row.message,
        advice=advice_for(row.code, row.state) if row.state in outbox.REFUSED else "",
        created_at=row.created_at,
        acked_at=row.acked_at,
        problems=_problems(row.result),
    )


def operations_of(db: Database, case_id: str) -> list[OpView]:
    return [op_view(r) for r in outbox.of_case(db, case_id)]


def list_refused(db: Database, dek: DataKey, catalog: Catalog) -> list[OpView]:
    """Every set-aside and failed operation, oldest first, with its case's number and applicant."""
    out = []
    for stored in outbox.refused(db):
        view = op_view(stored)
        row = cases.get_row(db, view.case_id)
        doc = cases.get_doc(db, dek, view.case_id) if row else None
        try:
            item_name = catalog.item(row.item_code).name if row else ""
        except ContractError:
            item_name = row.item_code if row else ""
        out.append(
            replace(
                view,
                case_number=row.case_number if row else "",
                item_code=row.item_code if row else "",
                item_name=item_name,
                applicant_name="" if doc is None else doc.payload.applicant.name,
            )
        )
    return out


def get(db: Database, local_id: int) -> OpView | None:
    row = outbox.get(db, local_id)
    return None if row is None else op_view(row)
