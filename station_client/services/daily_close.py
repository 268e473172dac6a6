"""日结: the clerk counts the drawer and closes the business day; the close goes to the city.

* :func:`day_to_close` — the day the window opens on: the oldest day with payment receipts
  no close covered (yesterday forgotten comes first), else today.
* :func:`day_view` — that day's receipts not yet closed, the earlier closes of the day, and
  the expected cash (receipts issued − voided), for the window before anything is counted.
* :func:`close_day` — in ONE transaction: the receipts are read again (a receipt issued
  meanwhile is in or out, never half), the count is checked (a difference needs a reason),
  the close and the receipts it covers are recorded, a ``daily_close`` operation joins the
  outbox (the server takes it exactly once, like a case) and the audit log records it.

One close per station per business day, made by whoever is at the desk and listing every
clerk's receipts. A receipt issued after the day's 日结 goes into a 补充日结 (part 2, 3 …)
of only the new receipts; a second close with nothing new is refused (``close_nothing_new``).
A closed receipt cannot be voided (``store.daily_closes.closed_close_id``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from sqlite_utils import Database

from schema.daily_close import DENOMINATIONS, CloseFigures, DailyClosePayload, figures, part_label
from schema.money import to_fen
from schema.protocol import OperationKind, close_subject_id
from schema.public_case import mask_name
from station_client.core import daily_close as rules
from station_client.core import operation_drafts
from station_client.core.daily_close import DayReceipt
from station_client.core.errors import StationError
from station_client.crypto.keys import DataKey
from station_client.services import backup
from station_client.services.errors import ServiceError
from station_client.services.session import Session
from station_client.store import audit, outbox
from station_client.store import daily_closes as store
from station_client.store import receipts as receipt_store


@dataclass(frozen=True)
class DayView:
    day: date
    part: int  # the close this would be: 1 日结, 2… 补充日结
    receipts: tuple[DayReceipt, ...]  # not yet closed, in issue order
    earlier: tuple[store.CloseRow, ...]  # the day's closes made before
    pending_days: tuple[date, ...]  # every day up to today with receipts not yet closed
    # A store restored from a backup: the day's cases it lost (受理编号 and 票据号码); their
    # receipts are not in this store, so the count cannot cover them.
    lost: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return part_label(self.part)

    def figures(self, counts: Mapping[str, int]) -> CloseFigures:
        return rules.close_figures(counts, self.receipts)


@dataclass(frozen=True)
class Closed:
    close_id: str
    op_id: str
    day: date
    part: int
    figures: CloseFigures


def _receipt(doc: dict[str, Any], row: receipt_store.ReceiptRow, voided: bool) -> DayReceipt:
    fee = doc.get("fee") or {}
    return DayReceipt(
        number=row.number,
        amount=to_fen(str(fee.get("collected", "0"))),
        clerk=str(doc.get("clerk", "")),
        clerk_name=str(doc.get("clerk_name") or doc.get("clerk", "")),
        issued_at=row.created_at,
        case_number=str(doc.get("case_number", "")),
        item_name=str(doc.get("item_name", "")),
        applicant=mask_name(str(doc.get("applicant_name", ""))),
        voided=voided,
        stock=row.stock.text if row.stock else None,
    )


def open_receipts(db: Database, dek: DataKey, day: date) -> list[DayReceipt]:
    """The day's payment receipts no close covered yet, voided ones (作废, by the receipt
    stock's voids) marked: they are listed and count nothing."""
    rows = receipt_store.payments_between(db, *rules.day_bounds(day))
    numbers = [r.number for r in rows]
    closed, voided = store.closed_numbers(db, numbers), receipt_store.voided_numbers(db, numbers)
    found = [
        _receipt(receipt_store.get(db, dek, r.number) or {}, r, r.number in voided)
        for r in rows
        if r.number not in closed
    ]
    return rules.still_open(found, closed)


def _pending_days(db: Database, today: date) -> list[date]:
    _start, end = rules.day_bounds(today)
    return sorted({rules.business_day(at) for at in store.unclosed_payments_before(db, end)})


def day_to_close(session: Session, now: datetime) -> date:
    today = rules.business_day(now)
    pending = _pending_days(session.db, today)
    return pending[0] if pending else today


def day_view(session: Session, day: date, now: datetime) -> DayView:
    db = session.db
    earlier = store.of_day(db, day)
    return DayView(
        day=day,
        part=rules.next_part([c.part for c in earlier]),
        receipts=tuple(open_receipts(db, session.dek, day)),
        earlier=tuple(earlier),
        pending_days=tuple(_pending_days(db, rules.business_day(now))),
        lost=tuple(
            f"{c.case_number}（票据号码 {c.receipt_stock}）" if c.receipt_stock else c.case_number
            for c in backup.lost_on_day(db, day)
        ),
    )


def close_day(
    session: Session, day: date, counts: Mapping[str, int], reason: str, *, now: datetime
) -> Closed:
    """Close ``day`` with the drawer counted as ``counts`` (pieces per denomination)."""
    session.require_active(now)
    db, dek = session.db, session.dek
    close_id, op_id = uuid4(), uuid4()
    subject = close_subject_id(session.station_id, day)
    with db.atomic():
        view = day_view(session, day, now)
        counted = {face: int(counts.get(face, 0)) for face in DENOMINATIONS}
        sums = view.figures(counted)
        problem = rules.close_problem(
            day,
            today=rules.business_day(now),
            part=view.part,
            receipts=view.receipts,
            sums=sums,
            reason=reason,
        )
        if problem is not None:
            raise ServiceError(problem.code, problem.message, problem.detail)
        payload = DailyClosePayload(
            close_id=close_id,
            business_day=day,
            part=view.part,
            clerk=session.username,
            closed_at=now,
            counts=counted,
            receipts=tuple(r.wire() for r in view.receipts),
            expected=sums.expected,
            counted=sums.counted,
            difference=sums.difference,
            reason=reason.strip() if sums.difference else "",
        )
        draft = operation_drafts.draft(
            kind=OperationKind.DAILY_CLOSE,
            op_id=op_id,
            station_id=session.station_id,
            case_id=subject,
            created_at=now,
            payload=payload,
        )
        store.insert(
            db,
            dek,
            close_id=str(close_id),
            business_day=day,
            part=view.part,
            clerk=session.username,
            closed_at=now,
            op_id=str(op_id),
            numbers=[r.number for r in view.receipts],
            doc=_document(session, payload, view.receipts),
        )
        outbox.enqueue(
            db,
            dek,
            op_id=str(op_id),
            case_id=str(subject),
            kind=OperationKind.DAILY_CLOSE.value,
            created_at=now,
            draft=draft,
        )
        audit.append(
            db,
            at=now,
            actor=session.username,
            action="daily_close.closed",
            entity="daily_close",
            entity_id=str(close_id),
            detail={
                "op_id": str(op_id),
                "day": day.isoformat(),
                "part": view.part,
                "receipts": sums.issued,
                "voided": sums.voided,
                "expected": f"{sums.expected:.2f}",
                "counted": f"{sums.counted:.2f}",
                "difference": f"{sums.difference:.2f}",
            },
        )
    session.last_activity = now
    return Closed(str(close_id), str(op_id), day, view.part, sums)


def _document(session: Session, payload: DailyClosePayload, receipts: Iterable[DayReceipt]) -> dict[str, Any]:
    """What the 日结单 prints: the payload and each receipt's case, item and masked applicant."""
    return {
        "payload": payload.model_dump(mode="json"),
        "station_id": session.station_id,
        "clerk_name": session.display_name,
        "receipts": [
            {
                "number": r.number,
                "amount": f"{r.amount:.2f}",
                "clerk": r.clerk,
                "clerk_name": r.clerk_name,
                "issued_at": r.issued_at.isoformat(),
                "case_number": r.case_number,
                "item_name": r.item_name,
                "applicant": r.applicant,
                "voided": r.voided,
                "stock": r.stock,
            }
            for r in receipts
        ],
    }


@dataclass(frozen=True)
class CloseDocument:
    """A recorded close as the 日结单 prints it."""

    close_id: str
    station_id: str
    day: date
    part: int
    clerk_name: str
    closed_at: datetime
    counts: dict[str, int]
    receipts: tuple[DayReceipt, ...]
    figures: CloseFigures
    reason: str


def close_document(db: Database, dek: DataKey, close_id: str) -> CloseDocument:
    doc = store.read(db, dek, close_id)
    if doc is None:
        raise ServiceError(
            "close_not_found", "找不到这次日结的记录：请在日结页面重新选择后再打印。", {"close_id": close_id}
        )
    payload = DailyClosePayload.model_validate(doc["payload"])
    receipts = tuple(
        DayReceipt(
            number=r["number"],
            amount=Decimal(r["amount"]),
            clerk=r["clerk"],
            clerk_name=r["clerk_name"],
            issued_at=datetime.fromisoformat(r["issued_at"]),
            case_number=r["case_number"],
            item_name=r["item_name"],
            applicant=r["applicant"],
            voided=bool(r["voided"]),
            stock=r.get("stock"),
        )
        for r in doc["receipts"]
    )
    return CloseDocument(
        close_id=close_id,
        station_id=str(doc["station_id"]),
        day=payload.business_day,
        part=payload.part,
        clerk_name=str(doc.get("clerk_name", payload.clerk)),
        closed_at=payload.closed_at.astimezone(UTC),
        counts=dict(payload.counts),
        receipts=receipts,
        figures=figures(payload.counts, payload.receipts),
        reason=payload.reason,
    )


def parse_counts(texts: Mapping[str, str]) -> dict[str, int]:
    """The typed boxes as pieces per denomination; ServiceError ``close_count_invalid`` if not."""
    try:
        return rules.parse_counts(texts)
    except StationError as exc:
        raise ServiceError(exc.code, exc.message, exc.detail) from None
