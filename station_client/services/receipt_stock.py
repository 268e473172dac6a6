"""The station's receipt stock (票据号段): keeping the city's ranges, numbering payment
receipts from them, voiding a receipt with a second staff member, a day's receipts.

* The city's ranges arrive as a ``receipt_stock`` change (the whole list, by version) in the
  feed and among a snapshot's reference data: :func:`apply_change`. A start-over keeps them.
* :func:`take` gives the next number inside the transaction that records the payment
  (``services.receipts.write_receipts``): the number is used exactly when that transaction
  commits, so a crash before gives it back and one after leaves a receipt to reprint.
  None left: ``receipt_stock_empty`` (the payment is refused, nothing is saved); fewer than
  ``core.receipt_stock.LOW_STOCK`` left: :func:`low_stock_notice` warns the clerk.
* :func:`void_receipt` voids a payment receipt: a reason, and a SECOND staff member of the
  station (not the clerk logged in) who types their own password at the desk, checked
  offline like a login. In one transaction: the void, optionally the replacement receipt
  with the next number (``reissue``), a ``receipt_void`` operation for the city (exactly
  once, after the case's own operations) and the audit entry. The number stays used.
* :func:`day_receipts` lists a local day's payment receipts and voids (for 日结).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlite_utils import Database

from schema.protocol import Change, ChangeKind, OperationKind, ReceiptVoidPayload
from schema.receipt_numbers import StockRef
from schema.records import ReceiptStockRecord
from station_client.core import operation_drafts
from station_client.core import receipt_stock as rules
from station_client.core.case_numbering import (
    CHINA_TZ,
    format_receipt_number,
    local_day,
    receipt_counter_name,
)
from station_client.core.intake_rules import Notice
from station_client.crypto.keys import DataKey
from station_client.services.errors import ServiceError
from station_client.services.session import Session, check_credentials
from station_client.store import audit, counters, meta, outbox, staff
from station_client.store import receipts as store

VERSION_KEY = "receipt_stock_version"  # meta: the version of the ranges held
FLOOR_KEY = "receipt_stock_floor"  # meta: numbers the lost PC issued (a restored store), JSON
MAX_REASON = 200


# ── the city's ranges ───────────────────────────────────────────────────────────────


def apply_change(db: Database, change: Change) -> bool:
    """Keep a pulled ``receipt_stock`` change (inside the page's transaction); True when newer."""
    if change.kind is not ChangeKind.RECEIPT_STOCK:
        return False
    record = ReceiptStockRecord.model_validate(change.data)
    if int(meta.get(db, VERSION_KEY) or -1) >= record.version:
        return False
    store.replace_ranges(db, record.ranges)
    meta.put(db, VERSION_KEY, str(record.version))
    return True


def floor(db: Database) -> list[StockRef]:
    """The highest 票据号码 per series the city knew this station had issued when a restored
    store re-enrolled (services/enrolment.py); empty otherwise."""
    text = meta.get(db, FLOOR_KEY)
    return [StockRef.model_validate(item) for item in json.loads(text)] if text else []


def keep_floor(db: Database, refs: Iterable[StockRef]) -> None:
    meta.put(db, FLOOR_KEY, json.dumps([r.model_dump() for r in refs]))


def state(db: Database) -> rules.StockState:
    held = store.ranges(db)
    return rules.state(held, rules.past_floor(held, store.last_used(db, held), floor(db)))


def take(db: Database) -> StockRef:
    """The next number of the stock (inside the caller's transaction); ServiceError when none is left."""
    found = state(db).next
    if found is None:
        raise ServiceError("receipt_stock_empty", rules.empty_words())
    return found


def low_stock_notice(db: Database) -> Notice | None:
    now = state(db)
    return Notice("receipt_stock_low", rules.low_words(now.remaining)) if now.low else None


def gaps(db: Database) -> list[StockRef]:
    """Numbers skipped in the stock (always none: what the tests and an audit check)."""
    return rules.gaps(store.ranges(db), store.used_numbers(db))


# ── a day's receipts (日结) ─────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class IssuedReceipt:
    """A payment receipt issued, or voided, on the day asked for."""

    number: str  # the station's own (…-F0003)
    stock: str | None  # the 票据号码 (series-number); None on a receipt from before the stock
    case_id: str
    amount: Decimal  # the money collected
    clerk: str  # who issued it
    created_at: datetime
    voided_at: datetime | None = None
    void_reason: str | None = None
    replaced_by: str | None = None


def _day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), CHINA_TZ)
    return start, start + timedelta(days=1)


def _issued(db: Database, dek: DataKey, row: store.ReceiptRow, void: store.VoidRow | None) -> IssuedReceipt:
    doc: dict[str, Any] = store.get(db, dek, row.number) or {}
    return IssuedReceipt(
        number=row.number,
        stock=row.stock.text if row.stock else None,
        case_id=row.case_id,
        amount=Decimal(str((doc.get("fee") or {}).get("collected", "0"))),
        clerk=str(doc.get("clerk", "")),
        created_at=row.created_at,
        voided_at=void.voided_at if void else None,
        void_reason=void.reason if void else None,
        replaced_by=void.replaced_by if void else None,
    )


def day_receipts(db: Database, dek: DataKey, day: date) -> list[IssuedReceipt]:
    """The payment receipts issued on ``day`` (station local time) and those voided that day
    (issued earlier, or the same day), oldest first; a void carries ``voided_at``."""
    start, end = _day_window(day)
    issued = store.payments_between(db, start, end)
    voids = {v.number: v for v in store.voids_between(db, dek, start, end)}
    seen = {r.number for r in issued}
    earlier = [row for n in voids if n not in seen and (row := store.row(db, n)) is not None]
    out = [_issued(db, dek, r, voids.get(r.number)) for r in issued]  # a later void counts on its own day
    out += [_issued(db, dek, r, voids[r.number]) for r in earlier]
    return sorted(out, key=lambda r: (r.created_at, r.number))


# ── voids ───────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class VoidResult:
    number: str
    stock: str
    replaced_by: str | None  # the new receipt's number (print it), when reissued
    new_stock: str | None
    op_id: UUID


def _voidable(db: Database, number: str) -> tuple[store.ReceiptRow, StockRef]:
    row = store.row(db, number)
    if row is None:
        raise ServiceError("receipt_not_found", f"本机没有编号为 {number} 的回执或收据：请核对编号后重试。")
    if row.kind != store.PAYMENT or row.stock is None:
        raise ServiceError(
            "receipt_not_voidable",
            "只有按票据号段开具的缴费收据可以作废；办结单、受理回执和启用号段前开具的收据不能作废。"
            "如业务本身办错，请按撤回或更正办理。",
            {"number": number},
        )
    if db.execute("SELECT 1 FROM receipt_voids WHERE number = ?", [number]).fetchone():
        raise ServiceError(
            "receipt_already_voided",
            f"票据号码 {row.stock.text} 的收据已经作废，无需再次作废。",
            {"number": number},
        )
    if _closed(db, number):
        raise ServiceError(
            "receipt_void_closed",
            f"票据号码 {row.stock.text} 的收据已计入日结，不能再作废：如确需处理，请报综合业务科按退费办理。",
            {"number": number},
        )
    return row, row.stock


def _closed(db: Database, number: str) -> bool:
    from station_client.store import daily_closes  # 日结 (store v8)

    return daily_closes.closed_close_id(db, number) is not None


def _witness(session: Session, username: str, password: str, now: datetime) -> str:
    name = username.strip()
    if not name:
        raise ServiceError(
            "receipt_void_witness_missing", "作废收据须由另一名工作人员复核：请输入复核人的用户名和密码。"
        )
    if name == session.username:
        raise ServiceError(
            "receipt_void_same_clerk",
            "复核人不能是当前登录的柜员本人：请另一名本站工作人员输入其用户名和密码。",
            {"username": name},
        )
    try:
        row = check_credentials(session.db, name, password, now=now, policy=session.policy)
    except ServiceError as exc:  # the login's own codes; said of the 复核人
        raise ServiceError(exc.code, f"复核人：{exc.message}", dict(exc.detail)) from None
    return row.username


def void_receipt(
    session: Session,
    number: str,
    *,
    reason: str,
    witness: str,
    witness_password: str,
    reissue: bool = False,
    now: datetime | None = None,
) -> VoidResult:
    """Void payment receipt ``number`` (see the module); ServiceError with the reason otherwise."""
    now = now or datetime.now(UTC)
    session.require_active(now)
    db, dek = session.db, session.dek
    why = " ".join(reason.split())
    if not why:
        raise ServiceError(
            "receipt_void_reason_missing", "请写明作废原因，如「打印错误」「卡纸」「金额有误已退款」。"
        )
    if len(why) > MAX_REASON:
        raise ServiceError(
            "receipt_void_reason_missing",
            f"作废原因最多 {MAX_REASON} 个字：请精简后重新输入。",
            {"length": len(why)},
        )
    _voidable(db, number)  # before asking for the second password
    second = _witness(session, witness, witness_password, now)
    op_id = uuid4()
    with db.atomic():
        row, stock = _voidable(db, number)  # again, inside the transaction
        doc = store.get(db, dek, number) or {}
        new_number, new_stock = (None, None)
        if reissue:
            new_number, new_stock = _reissue(session, row, doc, stock, now)
        amount = Decimal(str((doc.get("fee") or {}).get("collected", "0")))
        payload = ReceiptVoidPayload(
            receipt_number=number,
            stock=stock,
            amount=amount,
            clerk=session.username,
            witness=second,
            reason=why,
            voided_at=now,
            reissued=new_stock,
        )
        draft = operation_drafts.draft(
            kind=OperationKind.RECEIPT_VOID,
            op_id=op_id,
            station_id=session.station_id,
            case_id=UUID(row.case_id),
            created_at=now,
            payload=payload,
        )
        store.insert_void(
            db,
            dek,
            number=number,
            voided_at=now,
            voided_by=session.username,
            witness=second,
            replaced_by=new_number,
            op_id=str(op_id),
            reason=why,
        )
        outbox.enqueue(
            db, dek, op_id=str(op_id), case_id=row.case_id, kind=OperationKind.RECEIPT_VOID.value,
            created_at=now, draft=draft,
        )  # fmt: skip
        audit.append(
            db,
            at=now,
            actor=session.username,
            action="receipt.void",
            entity="receipt",
            entity_id=number,
            detail={
                "stock_number": stock.text,
                "case_id": row.case_id,
                "amount": str(amount),
                "witness": second,
                "reason": why,
                "replaced_by": new_number,
                "new_stock_number": new_stock.text if new_stock else None,
                "op_id": str(op_id),
            },
        )
    return VoidResult(number, stock.text, new_number, new_stock.text if new_stock else None, op_id)


def _reissue(
    session: Session, old: store.ReceiptRow, doc: dict[str, Any], voided: StockRef, now: datetime
) -> tuple[str, StockRef]:
    """The same payment on a new receipt: the next number of the day and of the stock."""
    db = session.db
    stock = take(db)
    day = local_day(now)
    number = format_receipt_number(
        session.station_code, day, counters.next_value(db, receipt_counter_name(day))
    )
    new_doc = doc | {
        "receipt_number": number,
        "stock_number": stock.text,
        "issued_at": now.isoformat(),
        "clerk": session.username,
        "clerk_name": session.display_name,
        "replaces": voided.text,
    }
    store.insert(
        db, session.dek, number=number, case_id=old.case_id, kind=store.PAYMENT, created_at=now, doc=new_doc,
        stock=stock,
    )  # fmt: skip
    return number, stock


# ── a case's receipts ───────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class StockReceipt:
    """A payment receipt of a case numbered from the stock, as the case's detail shows it."""

    number: str
    stock: str
    voided: bool
    line: str  # 票据号码 … 120.00 元, or why and by whom it was voided


def stock_receipts(db: Database, dek: DataKey, case_id: str) -> list[StockReceipt]:
    out = []
    names = {r.username: r.display_name for r in staff.list_all(db)}
    for number, kind in store.for_case(db, case_id):
        row = store.row(db, number)
        if kind != store.PAYMENT or row is None or row.stock is None:
            continue
        doc = store.get(db, dek, number) or {}
        line = f"票据号码 {row.stock.text}　{(doc.get('fee') or {}).get('collected', '0')} 元"
        void = store.void_of(db, dek, number)
        if void is not None:
            new = store.row(db, void.replaced_by) if void.replaced_by else None
            again = f"；已换开 {new.stock.text}" if new is not None and new.stock is not None else ""
            done = "已作废" if void.replaced_by else "已作废退款"  # no new receipt: the cash went back
            line += f"　{done}（{void.reason}；复核人 {names.get(void.witness, void.witness)}{again}）"
        out.append(StockReceipt(number, row.stock.text, void is not None, line))
    return out
