"""The two notices the desk prints from a case the city decided on. Pure.

* 补正告知书 (``supplement_notice``) for a case returned for 补正: what the reviewer asked
  for and why, the materials to bring (named in the reason, ``core.supplement_rules``),
  where to bring them and what happens then;
* 办结通知书 (``decision_notice``) for a case approved or refused: the decision, its date,
  the reason of a refusal with the applicant's remedies, and what happens next.

:func:`notices_for` says which a case offers now; :func:`supplement_notice` and
:func:`decision_notice` write the words as a :class:`Sheet`, which ``services.receipt_pdf``
lays out on paper with the station's seal, contact and the clerk who printed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from schema.catalog import CatalogItem
from schema.lifecycle import CaseStatus
from schema.vocabulary import label
from station_client.core.case_document import CaseDocument
from station_client.core.paper_words import local_date, local_time, mask_id
from station_client.core.supplement_rules import requested_materials

SUPPLEMENT_NOTICE = "supplement_notice"
DECISION_NOTICE = "decision_notice"
NOTICE_WORDS = {SUPPLEMENT_NOTICE: "补正告知书", DECISION_NOTICE: "办结通知书"}
TITLES = {SUPPLEMENT_NOTICE: "社会保险业务补正告知书", DECISION_NOTICE: "社会保险业务办结通知书"}
DECISION_WORDS = {CaseStatus.APPROVED: "予以核准，已办结", CaseStatus.REJECTED: "不予核准"}
REMEDY = (
    "如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
    "或者在六个月内依法向人民法院提起行政诉讼。"
)


@dataclass(frozen=True)
class Sheet:
    """A printable notice: rows in a table, a numbered list under its heading, paragraphs."""

    kind: str
    title: str
    number: str  # the case number, printed and signed in the QR code
    rows: tuple[tuple[str, str], ...]
    list_heading: str = ""
    items: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Where:
    """Where the applicant goes and asks: the station as the paper names it."""

    station: str
    address: str  # or 「（未登记地址）」
    phone: str  # or 「（未登记电话）」
    progress_url: str | None = None  # https://<server>/progress, when the station knows its server


def notices_for(status: str, decision_status: str | None) -> tuple[str, ...]:
    """The notices a case in ``status`` offers, given the status of the latest decision pulled:
    only for the decision the case now stands on (after a 补正 the old return is history)."""
    if decision_status is None or decision_status != status:
        return ()
    if status == CaseStatus.RETURNED:
        return (SUPPLEMENT_NOTICE,)
    if status in (CaseStatus.APPROVED, CaseStatus.REJECTED):
        return (DECISION_NOTICE,)
    return ()


def _head(doc: CaseDocument, item: CatalogItem | None) -> list[tuple[str, str]]:
    payload, applicant = doc.payload, doc.payload.applicant
    name = item.name if item is not None else ""
    return [
        ("受理编号", payload.case_number),
        ("办理事项", f"{payload.item_code} {name}".strip()),
        ("申请人", applicant.name),
        ("证件号码", mask_id(applicant.id_number or applicant.uscc)),
        ("受理时间", local_time(payload.accepted_at.isoformat())),
    ]


def _progress(case_number: str, where: Where) -> str:
    if where.progress_url:
        return (
            f"查询办理进度：访问 {where.progress_url} ，输入受理编号 {case_number} "
            f"和申请人身份证号码后6位；或致电本服务站 {where.phone}。"
        )
    return f"查询办理进度：请凭受理编号 {case_number} 到本服务站或致电 {where.phone} 查询。"


def supplement_notice(doc: CaseDocument, item: CatalogItem | None, where: Where) -> Sheet:
    decision = doc.decision
    if decision is None or decision.status != CaseStatus.RETURNED:
        raise ValueError("a 补正告知书 needs the return decision")
    number = doc.payload.case_number
    rows = [
        *_head(doc, item),
        ("退回日期", local_date(decision.decided_at.isoformat())),
        ("审核科室", label(decision.section)),
        ("退回原因", decision.reason or "（审核科室未写明原因，请向本服务站询问）"),
    ]
    names = {m.code: m.name for m in item.materials} if item is not None else {}
    asked = requested_materials(item, decision.reason) if item is not None else ()
    limit = f"（{item.time_limit.description}）" if item is not None else ""
    paragraphs: tuple[str, ...] = (
        f"请您备齐上述材料（原件）及本告知书、身份证件，于工作日到{where.station}办理补正。"
        f"地址：{where.address}；联系电话：{where.phone}。",
        f"补正材料齐全并提交后，由{label(decision.section)}继续审核，办理时限自补正之日起重新计算{limit}。"
        "逾期不补正的，本业务不能继续办理。",
        _progress(number, where),
    )
    if not asked:
        paragraphs = ("需补正的内容见上表「退回原因」。", *paragraphs)
    return Sheet(
        kind=SUPPLEMENT_NOTICE,
        title=TITLES[SUPPLEMENT_NOTICE],
        number=number,
        rows=tuple(rows),
        list_heading="需补正的材料" if asked else "",
        items=tuple(names[code] for code in asked),
        paragraphs=paragraphs,
    )


def decision_notice(doc: CaseDocument, item: CatalogItem | None, where: Where) -> Sheet:
    decision = doc.decision
    if decision is None or decision.status not in DECISION_WORDS:
        raise ValueError("a 办结通知书 needs an approval or a refusal")
    number = doc.payload.case_number
    status = CaseStatus(decision.status)
    rows = [
        *_head(doc, item),
        ("审核科室", label(decision.section)),
        ("审核结果", status.label),
        ("决定日期", local_date(decision.decided_at.isoformat())),
    ]
    if status is CaseStatus.REJECTED:
        rows.append(("不予核准理由", decision.reason or "（审核科室未写明理由，请向本服务站询问）"))
        paragraphs: tuple[str, ...] = (
            f"经审核，您申请的业务{DECISION_WORDS[status]}，理由见上表。",
            "如需重新申请，请按上述理由备齐材料后到本服务站重新办理。",
            REMEDY,
        )
    else:
        if decision.reason:
            rows.append(("审核说明", decision.reason))
        paragraphs = (
            f"经审核，您申请的业务符合规定，{DECISION_WORDS[status]}，办理结果已记入社会保险信息系统。",
            f"请持本通知书和身份证件到{where.station}领取办理结果（地址：{where.address}；"
            f"联系电话：{where.phone}）。",
        )
    return Sheet(
        kind=DECISION_NOTICE,
        title=TITLES[DECISION_NOTICE],
        number=number,
        rows=tuple(rows),
        paragraphs=(*paragraphs, _progress(number, where)),
    )
