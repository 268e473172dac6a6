"""One case as the clerk reads it: applicant, form in words, materials, scans, fee,
the city's decision, receipts, operations, and a history in time order.

The history joins the local audit log (what was done at this desk), the outbox (what
went up and what the server answered) and the pulled decision (what the city decided).
A case sent to 综合业务科 says so instead of "服务器已接收", then how it was resolved, and
its 办结单 is not offered while the conflict stands (``core.conflict_words``). Who did each
step is a person's name: the staff record's ``display_name`` (pulled from the city), 系统
for the sync agent, the username as it is for an account this station no longer holds.

A returned case carries what the return asks for (``core.supplement_rules``): the 补正
form shows the materials the reviewer named as not yet received, and the reason on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from schema.catalog import Catalog
from schema.errors import ContractError
from schema.lifecycle import CaseStatus, is_final_decision
from schema.vocabulary import label
from station_client.core.case_document import CaseDocument
from station_client.core.conflict_words import ConflictView
from station_client.core.outbox_rules import OpState
from station_client.core.supplement_rules import SupplementRequest, supplement_request
from station_client.crypto.keys import DataKey
from station_client.services import receipt_stock
from station_client.services.caselist import CaseSummary, display_value, load, summary_of
from station_client.services.receipt_stock import StockReceipt
from station_client.services.set_aside import OpView, operations_of
from station_client.store import audit, outbox, staff
from station_client.store import receipts as receipt_store
from station_client.store.codec import parse_instant

ACTION_WORDS = {
    "case.accept": "受理",
    "case.complete": "前台办结",
    "case.supplement": "补正后重新提交",
    "case.withdraw": "申请人撤回",
    "case.hand_over": "审核结果已交付申请人",
    "case.resend": "更正后重新上报",
}
RECEIPT_WORDS = {
    receipt_store.COMPLETION: "办结单",
    receipt_store.ACCEPTANCE: "受理回执",
    receipt_store.PAYMENT: "缴费收据",
}
SYSTEM_ACTORS = frozenset({"sync", "system", "server"})  # steps no person took at this desk
SYSTEM_NAME = "系统"
ATTACHMENT_STATES = {
    "pending": "待上传",
    "uploading": "上传中",
    "done": "已上传",
    "failed": "被拒收，需重新扫描",
}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    text: str


@dataclass(frozen=True)
class CaseDetail:
    summary: CaseSummary
    applicant: list[tuple[str, str]]
    applicant_raw: dict[str, Any]  # the case's Applicant (JSON): kind, name, id_number/uscc, phone
    form: list[tuple[str, str]]
    form_values: dict[str, Any]  # normalised values, for a supplement or a correction
    materials: list[str]
    materials_provided: tuple[str, ...]
    attachments: list[tuple[str, str, str]]  # material name, size, state
    fee: dict[str, Any] | None
    decision: dict[str, Any] | None
    history: list[HistoryEntry]
    receipts: list[tuple[str, str]]  # number, kind label (no 办结单 while the slip is not allowed)
    operations: list[OpView]
    supplement_request: SupplementRequest | None = None  # a returned case: the reason, what it asks for
    stock_receipts: tuple[StockReceipt, ...] = ()  # 缴费收据 numbered from the stock, voided or not

    @property
    def conflict(self) -> ConflictView | None:
        return self.summary.conflict

    @property
    def can_supplement(self) -> bool:
        return self.summary.status == CaseStatus.RETURNED.value

    @property
    def can_hand_over(self) -> bool:
        # A return is answered with 补正 at the desk, not collected.
        return bool(self.decision) and not self.summary.handed_over and is_final_decision(self.summary.status)

    @property
    def refused(self) -> list[OpView]:
        return [op for op in self.operations if op.state in outbox.REFUSED]


def person_name(actor: str, names: Mapping[str, str]) -> str:
    """Who took a step, in people's words: display name, 系统, or the username as recorded."""
    if actor in SYSTEM_ACTORS or not actor:
        return SYSTEM_NAME
    return names.get(actor) or actor


def staff_names(db: Database) -> dict[str, str]:
    return {row.username: row.display_name for row in staff.list_all(db)}


def _decision(doc: CaseDocument) -> dict[str, Any] | None:
    if doc.decision is None:
        return None
    raw = doc.decision.model_dump(mode="json")
    return {**raw, "status_label": doc.decision.status.label, "section_label": label(doc.decision.section)}


def _history(
    db: Database,
    case_id: str,
    ops: list[OpView],
    decision: dict[str, Any] | None,
    *,
    doc: CaseDocument,
    conflict: ConflictView | None,
    names: Mapping[str, str],
) -> list[HistoryEntry]:
    out: list[HistoryEntry] = []
    for entry in audit.entries(db, entity_id=case_id):
        at = parse_instant(entry["at"])
        if at is not None:
            words = ACTION_WORDS.get(entry["action"], entry["action"])
            out.append(HistoryEntry(at, f"{words}（经办：{person_name(str(entry['actor'] or ''), names)}）"))
    for op in ops:
        if op.acked_at is None:
            continue
        if op.state == OpState.DONE and conflict is not None and op.kind == "case_accept":
            out.append(HistoryEntry(op.acked_at, f"{op.kind_label}：{conflict.history}"))
        elif op.state == OpState.DONE:
            out.append(HistoryEntry(op.acked_at, f"{op.kind_label}：服务器已接收"))
        elif op.state in outbox.REFUSED:
            out.append(HistoryEntry(op.acked_at, f"{op.kind_label}：被服务器退回——{op.reason}"))
    resolved_at = None if doc.conflict is None else doc.conflict.resolved_at
    if conflict is not None and conflict.resolved_history and resolved_at is not None:
        out.append(HistoryEntry(resolved_at, conflict.resolved_history))
    if decision and (at := parse_instant(decision.get("decided_at"))):
        reason = f"：{decision['reason']}" if decision.get("reason") else ""
        out.append(
            HistoryEntry(at, f"{decision['section_label']}审核决定：{decision['status_label']}{reason}")
        )
    return sorted(out, key=lambda h: h.at)


def _attachments(db: Database, case_id: str, names: dict[str, str]) -> list[tuple[str, str, str]]:
    rows = db.execute(
        "SELECT material_code, size, state FROM attachments WHERE case_id = ? ORDER BY rowid", [case_id]
    ).fetchall()
    return [
        (
            names.get(str(code), str(code)),
            f"{int(size) / 1024:.0f} KB",
            ATTACHMENT_STATES.get(str(state), str(state)),
        )
        for code, size, state in rows
    ]


def case_detail(
    db: Database, dek: DataKey, catalog: Catalog, case_id: str, *, now: datetime | None = None
) -> CaseDetail:
    now = now or datetime.now(UTC)
    row, doc = load(db, dek, case_id)
    payload = doc.payload
    summary = summary_of(db, catalog, row, doc, now=now)
    try:
        item = catalog.item(row.item_code)
    except ContractError:
        item = None
    applicant = payload.applicant
    who = [
        ("申请人", applicant.name),
        ("证件号码", applicant.id_number or applicant.uscc or ""),
        ("联系电话", applicant.phone or ""),
    ]
    if payload.unverified_applicant:
        who.append(("核实情况", "受理时本地无参保信息，待市局核实"))
    values = doc.current_form
    form = (
        [(f.label, display_value(item, f.name, values[f.name])) for f in item.form if f.name in values]
        if item
        else [(k, str(v)) for k, v in values.items()]
    )
    names = {m.code: m.name for m in item.materials} if item else {}
    provided = doc.current_materials
    ops = operations_of(db, case_id)
    decision = _decision(doc)
    fee = None
    stock = receipt_stock.stock_receipts(db, dek, case_id)
    voided = {r.number for r in stock if r.voided}
    for number, kind in receipt_store.for_case(db, case_id):
        if kind == receipt_store.PAYMENT:
            fee = (receipt_store.get(db, dek, number) or {}).get("fee")
    return CaseDetail(
        summary=summary,
        applicant=who,
        applicant_raw=applicant.model_dump(mode="json"),
        form=form,
        form_values=values,
        materials=[names.get(code, code) for code in provided],
        materials_provided=provided,
        attachments=_attachments(db, case_id, names),
        fee=fee,
        decision=decision,
        history=_history(
            db, case_id, ops, decision, doc=doc, conflict=summary.conflict, names=staff_names(db)
        ),
        receipts=[
            (n, RECEIPT_WORDS.get(k, k))
            for n, k in receipt_store.for_case(db, case_id)
            if (k != receipt_store.COMPLETION or summary.conflict is None or summary.conflict.slip_allowed)
            and n not in voided  # a voided receipt is not printed again
        ],
        stock_receipts=tuple(stock),
        operations=ops,
        supplement_request=(
            supplement_request(item, doc.decision.reason if doc.decision else "", provided)
            if item is not None and summary.status == CaseStatus.RETURNED.value
            else None
        ),
    )
