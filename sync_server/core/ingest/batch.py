"""One push's state while its new operations are applied: what was loaded, what piles up. Pure.

:class:`IngestBatch` holds what the push loaded (cases, the registry slice, taken case
numbers, the checks done before the transaction) and collects every row to write
(:class:`Outputs`: cases, events, ledger, conflicts, feed, audit). It never touches the
database: ``services.ingest`` loads before and writes after, with one statement per
table, so a batch of 500 costs a handful of round trips.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from schema.fees import Contribution
from schema.protocol import Operation, OpResult, OpStatus
from schema.records import ConflictNote
from sync_server.core.case_moved import AuditItem, CaseMoved, Step, case_moved
from sync_server.core.case_rules import CheckedCase, Rejection
from sync_server.core.clock import TrustedTime
from sync_server.core.contribution_rows import Part
from sync_server.core.effects.case import Arrival
from sync_server.core.feed_change import FeedChange
from sync_server.core.ingest.case import IngestCase
from sync_server.core.ingest.context import BatchContext, check_date, trusted_for
from sync_server.core.ingest.registry_slice import RegistrySlice
from sync_server.core.receipt_book import ReceiptBook


@dataclass
class Outputs:
    new_cases: list[IngestCase] = field(default_factory=list)
    case_updates: dict[str, IngestCase] = field(default_factory=dict)  # cases held before, by id
    events: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    contributions: list[dict[str, Any]] = field(default_factory=list)  # contribution_records rows
    payables: list[dict[str, Any]] = field(default_factory=list)  # refunds payable (payables rows)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    arrivals: list[Arrival] = field(default_factory=list)  # general items' effects on the records
    feed: list[FeedChange] = field(default_factory=list)
    audit: list[AuditItem] = field(default_factory=list)
    receipt_voids: list[dict[str, Any]] = field(default_factory=list)  # receipt_voids rows
    refunded: dict[str, str] = field(default_factory=dict)  # case_id -> id_number: money reversed (void)
    closes: list[dict[str, Any]] = field(default_factory=list)  # station_closes rows (日结)
    notices: list[dict[str, Any]] = field(default_factory=list)  # payment_notices rows (缴费通知单)

    def take(self, moved: CaseMoved) -> None:
        self.events.extend(moved.events)
        if moved.feed is not None:
            self.feed.append(moved.feed)
        self.audit.append(moved.audit)


@dataclass
class IngestBatch:
    ctx: BatchContext
    registry: RegistrySlice
    cases: dict[str, IngestCase]  # held before and accepted by this batch, by case_id
    taken_numbers: set[str]  # case numbers already used
    checks: dict[str, CheckedCase | Rejection]  # case_accept checks done before the transaction
    out: Outputs = field(default_factory=Outputs)
    accepted: set[str] = field(default_factory=set)  # ids of the cases this batch accepted
    # Ledger rows per (contribution, owed county): contributions are shared across a batch.
    postings: dict[tuple[int, str], tuple[Contribution, list[dict[str, Any]]]] = field(default_factory=dict)
    month_parts: dict[int, tuple[Contribution, list[Part]]] = field(default_factory=dict)  # and their months
    receipts: ReceiptBook | None = None  # the station's receipt stock, when the batch voids receipts
    # The ledger rows held for the cases whose receipt the batch voids without reissue.
    case_ledger: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    closes_held: set[tuple[dt.date, int]] = field(default_factory=set)  # the station's (day, part) closes
    notices_held: set[str] = field(default_factory=set)  # payment references the server already holds
    notice_counties: dict[str, str] = field(default_factory=dict)  # id_number -> flexible-worker county

    def trusted(self, station_time: dt.datetime) -> TrustedTime:
        return trusted_for(self.ctx, station_time)

    def today(self, t: TrustedTime) -> dt.date:
        return check_date(self.ctx, t)

    def result(self, op: Operation, status: OpStatus, case: IngestCase | None, **detail: Any) -> OpResult:
        return OpResult(
            op_id=op.op_id,
            seq=op.seq,
            status=status,
            case_id=op.case_id,
            case_status=case.status if case else None,
            server_received_at=self.ctx.received_at,
            detail=detail,
        )

    def reject(self, op: Operation, rejection: Rejection) -> OpResult:
        self.out.audit.append(
            (self.ctx.received_at, self.ctx.actor, "push.rejected", "case", str(op.case_id),
             {"op_id": str(op.op_id), "seq": op.seq, "kind": op.kind.value, "code": rejection.code})
        )  # fmt: skip
        return OpResult(
            op_id=op.op_id,
            seq=op.seq,
            status=OpStatus.REJECTED,
            code=rejection.code,
            message=rejection.message,
            case_id=op.case_id,
            server_received_at=self.ctx.received_at,
            detail=rejection.detail,
        )

    def audit(self, action: str, entity: str, entity_id: str, **detail: Any) -> None:
        self.out.audit.append((self.ctx.received_at, self.ctx.actor, action, entity, entity_id, detail))

    def moved(self, case: IngestCase, steps: Sequence[Step], action: str, *, tell: bool = True,
              conflict: ConflictNote | None = None, **detail: Any) -> None:  # fmt: skip
        """Record a move of ``case`` (its steps, its station's status record unless ``tell``
        is false, the audit item ``action`` by the station): :func:`core.case_moved`."""
        record = case.status_record(conflict) if tell else None
        self.out.take(
            case_moved(case.case_id, case.station_id, steps, tell=record, at=self.ctx.received_at,
                       actor=self.ctx.actor, action=action, detail=detail)
        )  # fmt: skip

    def update(self, case: IngestCase, **values: Any) -> None:
        """Change a case; one the server held before is written back after the batch."""
        for name, value in values.items():
            setattr(case, name, value)
        case.updated_at = self.ctx.received_at
        if case.case_id not in self.accepted:
            self.out.case_updates[case.case_id] = case
