"""Which rule applies an operation: one handler per operation kind. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from schema.protocol import Operation, OperationKind, OpResult
from sync_server.core.ingest import accept, daily_close, followups, payment_notice, receipt_void, staff
from sync_server.core.ingest.batch import IngestBatch

# A handler takes the batch, the operation (of its kind) and its op_id as text.
Handler = Callable[[IngestBatch, Any, str], OpResult]

HANDLERS: Mapping[OperationKind, Handler] = {
    OperationKind.CASE_ACCEPT: accept.accept,
    OperationKind.CASE_SUPPLEMENT: followups.supplement,
    OperationKind.CASE_WITHDRAW: followups.withdraw,
    OperationKind.DECISION_HANDED_OVER: followups.handover,
    OperationKind.STAFF_PASSWORD: staff.change_password,
    OperationKind.DAILY_CLOSE: daily_close.receive_close,
    OperationKind.RECEIPT_VOID: receipt_void.void,
    OperationKind.PAYMENT_NOTICE: payment_notice.receive_notice,
}


def apply_op(batch: IngestBatch, op: Operation, key: str | None = None) -> OpResult:
    """Apply one new operation (``key``: its op_id as text, when the caller has it)."""
    return HANDLERS[op.kind](batch, op, key or str(op.op_id))


def apply_all(batch: IngestBatch, pending: Iterable[tuple[str, Operation]]) -> dict[str, OpResult]:
    """Apply the batch's new operations (op_id as text, operation) in seq order; results by op_id."""
    return {key: apply_op(batch, op, key) for key, op in pending}
