"""The 核验 screen in words: the verdict on a scanned document, what it states, and where
its case stands (this station's own cases), from ``services.document_check``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from schema.document_seal import DocumentKind, Seal, Verdict
from schema.public_case import station_title
from station_client.core.case_numbering import CHINA_TZ

if TYPE_CHECKING:
    from station_client.services.document_check import DeskVerification

PROMPT = "请用扫码枪扫描回执、办结单或缴费收据上的二维码，或粘贴二维码内容后按回车。"


@dataclass(frozen=True, slots=True)
class VerifyView:
    headline: str
    kind: str  # the banner's colour: success, error or warning
    rows: tuple[tuple[str, str], ...]  # what the document states (genuine documents only)
    note: str  # where the case stands, or what to do next


def _when(result: DeskVerification) -> str:
    ended = result.verification.key_ended_at
    return f"{ended.astimezone(CHINA_TZ):%Y年%m月%d日 %H:%M}" if ended else "此前"


def _rows(result: DeskVerification, station: str) -> tuple[tuple[str, str], ...]:
    seal = result.seal
    if not isinstance(seal, Seal):  # an old SSB1 code signed the number alone
        return (("文件编号", seal.number), ("出具服务站", station), ("签章格式", "旧版（仅签编号）"))
    doc = seal.document
    rows = [
        ("文件类型", doc.kind.label),
        ("文件编号", doc.number),
        ("出具服务站", station),
        ("办理事项", doc.item_code),
        ("办理时间", f"{doc.issued_at.astimezone(CHINA_TZ):%Y年%m月%d日 %H:%M}"),
    ]
    if doc.kind is DocumentKind.PAYMENT:
        rows.insert(2, ("业务编号", doc.case_number))
        rows.append(("实缴金额", f"{doc.amount:.2f} 元"))
    return tuple(rows)


def view(result: DeskVerification, item_names: dict[str, str] | None = None) -> VerifyView:
    station = station_title(result.seal.station_id)
    verdict = result.verification.verdict
    if verdict is Verdict.GENUINE:
        rows = tuple(
            (k, f"{v} {item_names.get(v, '')}".strip() if k == "办理事项" and item_names else v)
            for k, v in _rows(result, station)
        )
        if result.status is not None:
            due = f"，承诺办结日期 {result.due_date}" if result.due_date else ""
            note = f"本站记录的办理状态：{result.status.label}{due}。"
        elif result.own_station:
            note = "本站没有该业务的记录（可能已重新安装），请在市局网站查询办理进度。"
        else:
            note = "该文件由其他服务站出具，办理进度请申请人凭受理编号在市局网站查询。"
        return VerifyView(f"文件真实有效：由{station}出具，电子签章核验通过。", "success", rows, note)
    if verdict is Verdict.UNKNOWN_STATION:
        note = (
            "本机尚未收到市局下发的各服务站公钥，离线时只能核验本站出具的文件：请联网同步（F5）后再核验。"
            if not result.keys_known
            else "二维码中的服务站不在市局登记的服务站名单中。请让申请人到市局或出具文件的服务站核实。"
        )
        return VerifyView(f"无法核验：本机没有{station}的签章公钥。", "warning", (), note)
    if verdict is Verdict.REVOKED:
        headline = f"核验未通过：{station}已于 {_when(result)} 注销，此后签发的文件无效。"
    elif verdict is Verdict.REPLACED:
        headline = f"核验未通过：{station}已于 {_when(result)} 更换电子签章，此后以旧签章出具的文件无效。"
    else:
        headline = "核验未通过：二维码内容与服务站的电子签章不符，文件可能被改动过或并非服务站出具。"
    return VerifyView(headline, "error", (), "请勿凭此文件办理业务，并请申请人到市局或出具文件的服务站核实。")
