"""A payment receipt voided at the desk (``receipt_void``), applied by a push. Pure.

The station checked everything a void needs offline: the receipt is its own, the clerk
gave a reason, a second staff member of the station typed their password. The server
records the void once per number (``receipt_voids``) and audits it, when the case is
the pushing station's, the number lies in a range the city allocated to that station
(``op_receipt_not_allocated``) and was not voided before (``op_receipt_already_voided``).
The number stays used: a void never gives it back to the stock.

A void without a replacement receipt means the cash went back to the payer: the case's
money is reversed in the same push (:mod:`sync_server.core.void_reversal`): balanced
ledger lines opposite to all it posted, its contribution records gone, the case marked.
The case's own acceptance may sit earlier in the same batch (the outbox keeps its order):
its rows are still in the batch's outputs and are reversed with the rows held before.
"""

from __future__ import annotations

from schema.api_errors import API_ERROR_MESSAGES
from schema.protocol import OpResult, OpStatus, ReceiptVoidOp
from sync_server.core import void_reversal
from sync_server.core.case_rules import Rejection
from sync_server.core.ingest.batch import IngestBatch
from sync_server.core.ingest.case import IngestCase
from sync_server.core.ingest.followups import known_case
from sync_server.core.receipt_book import ReceiptBook


def check_void(book: ReceiptBook, op: ReceiptVoidOp) -> Rejection | None:
    """Why the void cannot be recorded; None when it can."""
    p = op.payload
    for ref in (p.stock, *([p.reissued] if p.reissued else [])):
        if not book.allocated(ref):
            detail = {"stock_number": ref.text}
            return Rejection(
                "op_receipt_not_allocated", API_ERROR_MESSAGES["op_receipt_not_allocated"], detail
            )
    if (p.stock.series, p.stock.number) in book.voided:
        detail = {"stock_number": p.stock.text}
        return Rejection("op_receipt_already_voided", API_ERROR_MESSAGES["op_receipt_already_voided"], detail)
    return None


def void(b: IngestBatch, op: ReceiptVoidOp, key: str) -> OpResult:
    case = known_case(b, op)
    if case is None:
        detail = {"case_id": str(op.case_id)}
        return b.reject(op, Rejection("op_case_unknown", API_ERROR_MESSAGES["op_case_unknown"], detail))
    book = b.receipts or ReceiptBook()
    refused = check_void(book, op)
    if refused is not None:
        return b.reject(op, refused)
    p = op.payload
    book.voided.add((p.stock.series, p.stock.number))
    b.out.receipt_voids.append(
        {
            "series": p.stock.series,
            "number": p.stock.number,
            "station_id": b.ctx.station.id,
            "case_id": case.case_id,
            "receipt_number": p.receipt_number,
            "amount": p.amount,
            "clerk": p.clerk,
            "witness": p.witness,
            "reason": p.reason,
            "reissued_series": p.reissued.series if p.reissued else None,
            "reissued_number": p.reissued.number if p.reissued else None,
            "voided_at": p.voided_at,
            "received_at": b.ctx.received_at,
            "op_id": key,
        }
    )
    reversed_ = _reverse(b, case, p.stock.text) if p.reissued is None else False
    b.audit(
        "receipt.void", "receipt", p.stock.text, op_id=key, seq=op.seq, case_number=case.case_number,
        receipt_number=p.receipt_number, amount=str(p.amount), clerk=p.clerk, witness=p.witness,
        reason=p.reason, reissued=p.reissued.text if p.reissued else None, money_reversed=reversed_,
    )  # fmt: skip
    return b.result(op, OpStatus.APPLIED, None, stock_number=p.stock.text, case_number=case.case_number,
                    money_reversed=reversed_)  # fmt: skip


def _reverse(b: IngestBatch, case: IngestCase, stock_number: str) -> bool:
    """Reverse the case's money (once: a case already marked moves nothing); whether it was."""
    payload = case.payload_dict()
    if void_reversal.refunded(payload):
        return False
    at = b.ctx.received_at
    rows = [*b.case_ledger.get(case.case_id, ()), *(r for r in b.out.ledger if r["case_id"] == case.case_id)]
    b.out.ledger.extend(
        {"case_id": case.case_id, "posted_at": at, **row}
        for row in void_reversal.reversal(rows, posted_at=at)
    )
    # The months it paid for: this batch's rows are dropped, those held before deleted on write.
    b.out.contributions[:] = [r for r in b.out.contributions if r["case_id"] != case.case_id]
    b.out.refunded[case.case_id] = case.applicant_key
    b.update(case, payload=void_reversal.marked(payload, stock_number=stock_number, at=at))
    return True
