"""A station's 日结 (``daily_close``), applied by a push. Pure.

The operation carries the close as the desk counted it (:class:`schema.daily_close.DailyClosePayload`,
whose sums were checked when the batch was parsed). Exactly once comes with every operation
(the station's op_id in ``operations``: a resent close answers ``duplicate``); what this
adds is one close per station, business day and part: another close claiming a part the
server already holds (a store restored from a backup closing the day again) is refused
``op_close_exists`` and nothing changes. Applied, it becomes a ``station_closes`` row (what
bank deposits are matched to) and an audit entry ``daily_close.received``.
"""

from __future__ import annotations

from typing import Any

from schema.api_errors import API_ERROR_MESSAGES
from schema.daily_close import DailyClosePayload
from schema.protocol import DailyCloseOp, OpResult, OpStatus
from sync_server.core.case_rules import Rejection
from sync_server.core.ingest.batch import IngestBatch


def close_row(station_id: str, op: DailyCloseOp, received_at: Any) -> dict[str, Any]:
    """The ``station_closes`` row of a close (without its id)."""
    p: DailyClosePayload = op.payload
    return {
        "close_id": str(p.close_id),
        "station_id": station_id,
        "business_day": p.business_day,
        "part": p.part,
        "counted": p.counted,
        "expected": p.expected,
        "difference": p.difference,
        "reason": p.reason,
        "receipts": len(p.receipts),
        "voided": sum(1 for r in p.receipts if r.voided),
        "closed_by": p.clerk,
        "closed_at": p.closed_at,
        "received_at": received_at,
        "op_id": str(op.op_id),
        "denominations": dict(p.counts),
        "receipt_list": [r.model_dump(mode="json") for r in p.receipts],
    }


def receive_close(b: IngestBatch, op: DailyCloseOp, key: str) -> OpResult:
    p, station_id = op.payload, b.ctx.station.id
    if (p.business_day, p.part) in b.closes_held:
        detail = {"business_day": p.business_day.isoformat(), "part": p.part}
        return b.reject(op, Rejection("op_close_exists", API_ERROR_MESSAGES["op_close_exists"], detail))
    b.closes_held.add((p.business_day, p.part))
    row = close_row(station_id, op, b.ctx.received_at)
    b.out.closes.append(row)
    b.audit(
        "daily_close.received", "station_close", str(p.close_id),
        op_id=key, seq=op.seq, station_id=station_id, business_day=p.business_day.isoformat(), part=p.part,
        receipts=row["receipts"], voided=row["voided"], expected=f"{p.expected:.2f}",
        counted=f"{p.counted:.2f}", difference=f"{p.difference:.2f}",
    )  # fmt: skip
    return OpResult(
        op_id=op.op_id,
        seq=op.seq,
        status=OpStatus.APPLIED,
        case_id=op.case_id,
        server_received_at=b.ctx.received_at,
        detail={"close_id": str(p.close_id), "business_day": p.business_day.isoformat(), "part": p.part},
    )
