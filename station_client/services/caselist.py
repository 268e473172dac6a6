"""This station's cases as the clerk looks for them: filtered lists, search, and one case's
detail with its history.

Filters run on plain columns; the applicant's name is inside the sealed document, so a
search by name opens the documents of the rows the filter left (at most ``limit``). A
search by ID number goes through the keyed index (``applicant_hmac``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlite_utils import Database

from schema.catalog import Catalog, CatalogItem
from schema.errors import ContractError
from schema.identifiers import parse_resident_id
from schema.lifecycle import CaseStatus
from schema.normalize import clean_text, compact_code
from station_client.core.case_document import CaseDocument
from station_client.core.conflict_words import CONFLICT, ConflictView, conflict_view
from station_client.crypto.keys import DataKey
from station_client.services.desk import DECIDED_STATUSES, OPEN_STATUSES, overdue_clause
from station_client.services.errors import ServiceError
from station_client.store import cases, outbox
from station_client.store.cases import CaseRow


class CaseFilter(StrEnum):
    ALL = "all"
    WAITING_SYNC = "waiting_sync"
    SET_ASIDE = "set_aside"
    RETURNED = "returned"
    DECIDED = "decided"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return FILTER_LABELS[self]


FILTER_LABELS = {
    CaseFilter.ALL: "全部",
    CaseFilter.WAITING_SYNC: "待同步",
    CaseFilter.SET_ASIDE: "被退回待更正",
    CaseFilter.RETURNED: "退回补正",
    CaseFilter.DECIDED: "已有审核决定",
    CaseFilter.OVERDUE: "已超期",
}

_WAITING = outbox.CASE_WAITING_SQL
_REFUSED = outbox.CASE_REFUSED_SQL
_CASE_NUMBER_PART = re.compile(r"[0-9W\-]{4,}")
_ITEM_CODE = re.compile(r"[CG][0-9]{1,3}")


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    case_number: str
    item_code: str
    item_name: str
    tier: str
    status: str
    status_label: str
    applicant_name: str
    accepted_at: datetime
    promised_date: date | None
    due_date: date | None
    waiting_sync: bool
    set_aside: bool
    handed_over: bool
    overdue: bool
    conflict: ConflictView | None = None  # sent to 综合业务科 (open, or how it was resolved)
    deadline_provisional: bool = False  # the deadline was counted on the provisional calendar: 暂定
    decision_reason: str = ""  # the city's words with a return or a refusal (shown whole, never clipped)

    @property
    def deadline(self) -> date | None:
        return self.due_date or self.promised_date


def _where(filter_: CaseFilter, today: date) -> tuple[str, list[object]]:
    if filter_ is CaseFilter.WAITING_SYNC:
        return _WAITING, []
    if filter_ is CaseFilter.SET_ASIDE:
        return f"(set_aside = 1 OR {_REFUSED})", []
    if filter_ is CaseFilter.RETURNED:
        return "status = 'returned'", []
    if filter_ is CaseFilter.DECIDED:
        return "tier = 'complex' AND status IN (?, ?)", list(DECIDED_STATUSES)
    if filter_ is CaseFilter.OVERDUE:
        return overdue_clause(), [*OPEN_STATUSES, today.isoformat()]
    return "1 = 1", []


def _item_name(catalog: Catalog, code: str) -> str:
    try:
        return catalog.item(code).name
    except ContractError:
        return code


def _is_overdue(row: CaseRow, today: date) -> bool:
    deadline = row.due_date or row.promised_date
    return row.tier == "complex" and row.status in OPEN_STATUSES and deadline is not None and deadline < today


def _summary(
    row: CaseRow, doc: CaseDocument, catalog: Catalog, today: date, waiting: set[str]
) -> CaseSummary:
    return CaseSummary(
        case_id=row.case_id,
        case_number=row.case_number,
        item_code=row.item_code,
        item_name=_item_name(catalog, row.item_code),
        tier=row.tier,
        status=row.status,
        status_label=CaseStatus(row.status).label,
        applicant_name=doc.payload.applicant.name,
        accepted_at=row.accepted_at,
        promised_date=row.promised_date,
        due_date=row.due_date,
        deadline_provisional=row.due_provisional if row.due_date else row.promised_provisional,
        waiting_sync=row.case_id in waiting,
        set_aside=row.set_aside,
        handed_over=row.handed_over_at is not None,
        overdue=_is_overdue(row, today),
        conflict=conflict_view(row.status, row.tier, doc.conflict),
        decision_reason=doc.decision.reason if doc.decision is not None else "",
    )


def _search_clause(db: Database, dek: DataKey, query: str, today: date) -> tuple[str, list[object], str]:
    """(SQL condition, params, text left to match against names) for a search query."""
    text = clean_text(query)
    if not text:
        return "", [], ""
    code = compact_code(text)
    try:
        person = parse_resident_id(text, today=today)
    except ContractError:
        person = None
    if person is not None:
        return "applicant_hmac = ?", [dek.index(person.number)], ""
    if _ITEM_CODE.fullmatch(code):
        number = int(code[1:])
        return "item_code = ?", [f"{code[0]}{number:0{3 if code[0] == 'C' else 2}d}"], ""
    if _CASE_NUMBER_PART.fullmatch(code):
        return "replace(case_number, '-', '') LIKE ?", [f"%{code.replace('-', '')}%"], ""
    return "", [], text


def list_cases(
    db: Database,
    dek: DataKey,
    catalog: Catalog,
    *,
    filter_: CaseFilter = CaseFilter.ALL,
    query: str = "",
    now: datetime | None = None,
    limit: int = 300,
) -> list[CaseSummary]:
    """Cases newest first (decisions not yet handed over first under ``DECIDED``)."""
    from station_client.core.case_numbering import local_day

    today = local_day(now or datetime.now(UTC))
    where, params = _where(filter_, today)
    extra, extra_params, text = _search_clause(db, dek, query, today)
    if extra:
        where, params = f"({where}) AND {extra}", [*params, *extra_params]
    order = (
        "handed_over_at IS NOT NULL, accepted_at DESC"
        if filter_ is CaseFilter.DECIDED
        else "accepted_at DESC"
    )
    ids = db.execute(
        f"SELECT case_id FROM cases WHERE {where} ORDER BY {order} LIMIT ?",  # noqa: S608  (constant clauses)
        [*params, limit],
    ).fetchall()
    waiting = {str(r[0]) for r in db.execute(f"SELECT case_id FROM cases WHERE {_WAITING}").fetchall()}  # noqa: S608
    out = []
    for (case_id,) in ids:
        row = cases.get_row(db, str(case_id))
        if row is None:
            continue
        doc = cases.get_doc(db, dek, row.case_id)
        if doc is None:
            continue
        summary = _summary(row, doc, catalog, today, waiting)
        if text and text not in summary.applicant_name and text not in summary.item_name:
            continue
        out.append(summary)
    return out


def conflict_cases(
    db: Database, dek: DataKey, catalog: Catalog, *, now: datetime | None = None, limit: int = 200
) -> list[CaseSummary]:
    """Cases waiting for 综合业务科 (数据冲突待处理), oldest first: each says what to tell the applicant."""
    from station_client.core.case_numbering import local_day

    today = local_day(now or datetime.now(UTC))
    out = []
    for row in reversed(cases.list_rows(db, status=CONFLICT, limit=limit)):
        doc = cases.get_doc(db, dek, row.case_id)
        if doc is not None:
            out.append(_summary(row, doc, catalog, today, set()))
    return out


def summary_of(
    db: Database, catalog: Catalog, row: CaseRow, doc: CaseDocument, *, now: datetime | None = None
) -> CaseSummary:
    """One case's list line (for a detail view)."""
    from station_client.core.case_numbering import local_day

    today = local_day(now or datetime.now(UTC))
    sql = f"SELECT case_id FROM cases WHERE case_id = ? AND {_WAITING}"  # noqa: S608  (constant clause)
    waiting = {str(r[0]) for r in db.execute(sql, [row.case_id])}
    return _summary(row, doc, catalog, today, waiting)


def load(db: Database, dek: DataKey, case_id: str) -> tuple[CaseRow, CaseDocument]:
    row = cases.get_row(db, case_id)
    doc = cases.get_doc(db, dek, case_id) if row else None
    if row is None or doc is None:
        raise ServiceError("case_not_found", "本机没有这件业务：请刷新“本站业务”列表后重新选择。")
    return row, doc


def display_value(item: CatalogItem, name: str, value: object) -> str:
    """A form value in the clerk's words (choice labels, 是/否, division names)."""
    from schema.catalog import FieldType
    from schema.divisions import load_divisions

    f = item.field(name)
    if f is None or value is None:
        return "" if value is None else str(value)
    if f.type == FieldType.BOOLEAN:
        return "是" if value is True else "否" if value is False else str(value)
    if f.type == FieldType.CHOICE:
        return f.choice_label(str(value)) or str(value)
    if f.type == FieldType.MULTI_CHOICE and isinstance(value, list):
        return "、".join(f.choice_label(str(v)) or str(v) for v in value)
    if f.type == FieldType.DIVISION:
        try:
            return load_divisions().full_name(str(value))
        except ContractError:
            return str(value)
    return str(value)
