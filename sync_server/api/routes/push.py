"""``POST /api/v1/push``: a signed, usually gzip-compressed :class:`~schema.protocol.PushBatch`.

Refusals of the whole request, checked before any operation is applied, in this order:
``body_too_large`` (decompressed beyond the cap: a zip bomb stops there),
``request_invalid`` (not JSON, nested too deep to read, or not a batch), ``batch_too_large`` (counted before the
operations are parsed), ``op_wrong_station`` (the batch or an operation names another
station than the signer). ``sequence_gap`` comes from the service, which knows ``last_seq``.
"""

from __future__ import annotations

import zlib
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from schema.protocol import MAX_BATCH_OPERATIONS, MAX_UNCOMPRESSED_BODY_BYTES, PushBatch, PushResponse
from sync_server.api import responses
from sync_server.api.auth import SignedRequest, signed_station
from sync_server.api.json_body import load_json
from sync_server.errors import ApiError
from sync_server.services.ingest import push as ingest

router = APIRouter(tags=["sync"])


def decode_body(body: bytes, encoding: str | None, *, cap: int = MAX_UNCOMPRESSED_BODY_BYTES) -> bytes:
    """The body as sent (identity) or gunzipped, never more than ``cap`` bytes."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        if len(body) > cap:
            raise ApiError("body_too_large", detail={"max_bytes": cap})
        return body
    if encoding != "gzip":
        raise ApiError(
            "request_invalid", detail={"content_encoding": encoding, "accepted": ["gzip", "identity"]}
        )
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, cap + 1)
    except zlib.error:
        raise ApiError("request_invalid", detail={"reason": "gzip_invalid"}) from None
    if len(data) > cap or inflater.unconsumed_tail:
        raise ApiError("body_too_large", detail={"max_bytes": cap, "decompressed": True})
    if not inflater.eof:
        raise ApiError("request_invalid", detail={"reason": "gzip_truncated"})
    return data


def parse_batch(data: bytes) -> PushBatch:
    try:
        # The common case, in one pass of pydantic's Rust JSON parser: no Python dicts in between.
        return PushBatch.model_validate_json(data)
    except ValidationError:
        pass  # something is wrong: the step-by-step path below names it, as it always has
    raw: Any = load_json(data)
    ops = raw.get("operations") if isinstance(raw, dict) else None
    if isinstance(ops, list) and len(ops) > MAX_BATCH_OPERATIONS:
        raise ApiError(
            "batch_too_large", detail={"operations": len(ops), "max_operations": MAX_BATCH_OPERATIONS}
        )
    try:
        return PushBatch.model_validate(raw)
    except ValidationError as exc:
        problems = [
            {"loc": [str(p) for p in err.get("loc", ())], "type": err.get("type"), "msg": err.get("msg")}
            for err in exc.errors(include_url=False, include_input=False)[:50]
        ]
        raise ApiError("request_invalid", detail={"problems": problems}) from None


def check_station(batch: PushBatch, signer: str) -> None:
    wrong = sorted({op.station_id for op in batch.operations if op.station_id != signer})
    if batch.station_id != signer or wrong:
        raise ApiError(
            "op_wrong_station",
            detail={"signer": signer, "batch_station": batch.station_id, "op_stations": wrong},
        )


@router.post("/push", response_model=PushResponse, responses=responses.PUSH)
def push(request: Request, signed: SignedRequest = Depends(signed_station)) -> Response:  # noqa: B008
    batch = parse_batch(decode_body(signed.body, request.headers.get("content-encoding")))
    check_station(batch, signed.station.id)
    state = request.app.state
    answer = ingest.push(state.db, signed.station, batch, signed.received_at, settings=state.settings)
    # Already a validated PushResponse: serialise once, not again through response_model.
    return Response(answer.model_dump_json(), media_type="application/json")
