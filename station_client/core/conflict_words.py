"""A case the city sent to conflict handling (数据冲突待处理), in the clerk's words. Pure.

The server parks a case whose registry change met newer data than the clerk saw and
tells the station in the case's status record (``schema.records.ConflictNote``): why,
and later how 综合业务科 resolved it. From that and the case's status and tier this
module says what the history shows, what the clerk tells the applicant, and whether the
completion slip (办结单) may be printed: not while the conflict is open, and not when
the registry's version was kept for a desk item (the change was never made).
"""

from __future__ import annotations

from dataclasses import dataclass

from schema.records import ConflictNote

CONFLICT = "conflict"
REASON_WORDS = {
    "stale_version": "市局的参保记录已被他人更新",
    "row_missing": "市局没有这条参保记录",
    "row_exists": "市局已有这条参保记录",
}
SENT = "数据与市局记录冲突，已转综合业务科处理"


@dataclass(frozen=True, slots=True)
class ConflictView:
    open: bool
    reason: str  # why, in words
    history: str  # the history line for the moment the case went to conflict handling
    tell_applicant: str  # "告诉申请人：…"
    slip_allowed: bool  # the 办结单 may be printed
    resolved_history: str = ""  # the resolution's own history line (empty while open)


def _why(note: ConflictNote | None) -> str:
    return REASON_WORDS.get("" if note is None else note.reason, "提交的信息与市局记录不一致")


def conflict_view(status: str, tier: str, note: ConflictNote | None) -> ConflictView | None:
    """None for a case that never went to conflict handling."""
    if note is None and status != CONFLICT:
        return None
    why = _why(note)
    sent = f"{SENT}（{why}）"
    resolution = None if note is None else note.resolution
    if status == CONFLICT or resolution is None:
        return ConflictView(
            open=True,
            reason=why,
            history=sent,
            tell_applicant=(
                f"告诉申请人：您办理的业务已受理，但{why}，已转市社保局综合业务科核对处理，"
                "处理结果出来后本站会通知您；核对完成前不能出具办结单，请保留好受理凭证和缴费收据。"
            ),
            slip_allowed=False,
        )
    general = tier == "general"
    if resolution == "station":
        done = "业务已办结" if general else "业务已转审核科室继续办理"
        tell = (
            "告诉申请人：核对已完成，您的变更已生效，业务已办结，可以领取办结单。"
            if general
            else "告诉申请人：核对已完成，您的业务已转市局审核科室继续办理，请等待审核结果。"
        )
        line = f"综合业务科已处理数据冲突：采用本站提交的变更，{done}"
        return ConflictView(False, why, sent, tell, True, line)
    refunded = note is not None and note.refund
    refund = "；已缴费用应退还申请人" if refunded else ""
    if general:
        line = f"综合业务科已处理数据冲突：保留市局现有信息，本次变更未生效{refund}"
        tell = (
            "告诉申请人：经核对以市局现有信息为准，本次变更没有生效"
            + ("，所缴费用将退还，请携带缴费收据办理退费" if refunded else "")
            + "；如仍需变更，请按市局现有信息重新申请。"
        )
        return ConflictView(False, why, sent, tell, False, line)
    line = "综合业务科已处理数据冲突：保留市局现有信息，业务已转审核科室继续办理"
    tell = "告诉申请人：核对已完成，以市局现有信息为准，业务已转市局审核科室继续办理，请等待审核结果。"
    return ConflictView(False, why, sent, tell, True, line)
