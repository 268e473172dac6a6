"""A 缴费通知单 issued at a station (``payment_notice``), applied by a push. Pure.

The station issued the notice offline under its own code (``schema.payment_reference``:
issuer = the station, serial = its counter of the day), so two stations never make the
same reference. Exactly once comes with every operation (a resent notice answers
``duplicate``); what this adds: a reference the server already holds is refused
``op_notice_exists`` (a store restored from a backup numbering again), and the fee is
computed again from the request with the server's rate book — months or amount that
differ, or an item other than G12/G14, are refused ``op_notice_refused`` and nothing
is written. Applied, the notice becomes a ``payment_notices`` row (status ``issued``, the
money belongs to the person's flexible-worker county, else the station's) that the
bank's confirmation file pays like a notice the city issued.
"""

from __future__ import annotations

from typing import Any

from schema.api_errors import API_ERROR_MESSAGES
from schema.errors import FeeError
from schema.fees import compute_fee
from schema.payment_reference import parse_reference
from schema.protocol import OpResult, OpStatus, PaymentNoticeOp
from sync_server.core.case_rules import Rejection
from sync_server.core.ingest.batch import IngestBatch

NOTICE_ITEMS = frozenset({"G12", "G14"})  # as services.finance.notices: flexible workers' months


def _refused(b: IngestBatch, op: PaymentNoticeOp, why: str) -> OpResult:
    detail = {"reference": op.payload.reference, "why": why}
    return b.reject(op, Rejection("op_notice_refused", API_ERROR_MESSAGES["op_notice_refused"], detail))


def receive_notice(b: IngestBatch, op: PaymentNoticeOp, key: str) -> OpResult:
    p, station = op.payload, b.ctx.station
    if p.reference in b.notices_held:
        detail = {"reference": p.reference}
        return b.reject(op, Rejection("op_notice_exists", API_ERROR_MESSAGES["op_notice_exists"], detail))
    if p.item_code not in NOTICE_ITEMS:
        return _refused(b, op, "item")
    try:
        fee = compute_fee(p.request, b.ctx.rates)
    except FeeError as exc:
        return _refused(b, op, exc.code)
    if fee.payer_amount != p.amount or tuple(fee.months) != p.months:
        return _refused(b, op, "fee")
    reference = parse_reference(p.reference)
    county = b.notice_counties.get(p.id_number) or station.county_code
    b.notices_held.add(p.reference)
    row: dict[str, Any] = {
        "reference": p.reference,
        "issuer": station.id,
        "issued_on": reference.issued_on,
        "serial": reference.serial,
        "issued_by": p.clerk,
        "issued_at": p.issued_at,
        "id_number": p.id_number,
        "name": p.name,
        "item_code": p.item_code,
        "county_code": county,
        "first_month": fee.months[0],
        "last_month": fee.months[-1],
        "amount": fee.payer_amount,
        "fee": fee.model_dump(mode="json"),
        "status": "issued",
        "valid_until": p.valid_until,
    }
    b.out.notices.append(row)
    b.audit(
        "payment_notice_issued", "payment_notice", p.reference,
        op_id=key, seq=op.seq, station_id=station.id, id_number=p.id_number, item=p.item_code,
        months=[fee.months[0], fee.months[-1]], amount=f"{fee.payer_amount:.2f}", county=county, by=p.clerk,
    )  # fmt: skip
    return OpResult(
        op_id=op.op_id,
        seq=op.seq,
        status=OpStatus.APPLIED,
        case_id=op.case_id,
        server_received_at=b.ctx.received_at,
        detail={"reference": p.reference, "amount": f"{fee.payer_amount:.2f}"},
    )
