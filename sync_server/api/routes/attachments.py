"""``/api/v1/attachments/{sha256}``: resumable, signed uploads of scans (``services.attachments``).

* ``GET`` → :class:`AttachmentStatus`: how many bytes the server holds. With ``size`` and
  ``media_type`` declared (query), an unknown attachment answers 0 bytes after the limit
  checks; undeclared and unknown → ``not_found``.
* ``PUT ?offset=N`` with the chunk as the body (at most ``CHUNK_SIZE * 4`` bytes). The
  size comes from the ``X-Attachment-Size`` header (or ``size`` in the query), the type
  from ``media_type`` in the query or else ``Content-Type``. Answers the new status;
  ``attachment_offset_mismatch`` (409, detail ``received_bytes``) tells the station where
  to resume, ``attachment_hash_mismatch`` that it must upload again from 0.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from schema.protocol import AttachmentStatus
from sync_server.api import responses
from sync_server.api.auth import SignedRequest, signed_station
from sync_server.errors import ApiError
from sync_server.services.ingest import attachments

router = APIRouter(tags=["attachments"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="附件内容的 SHA-256（小写十六进制）")]


def _json(status: AttachmentStatus) -> Response:
    return Response(status.model_dump_json(), media_type="application/json")


@router.get("/attachments/{sha256}", response_model=AttachmentStatus, responses=responses.ATTACHMENT_STATUS)
def attachment_status(
    request: Request,
    sha256: Sha256,
    *,
    size: Annotated[int | None, Query(ge=0)] = None,
    media_type: Annotated[str | None, Query(max_length=100)] = None,
    signed: SignedRequest = Depends(signed_station),  # noqa: B008
) -> Response:
    with request.app.state.db.read() as conn:
        return _json(
            attachments.attachment_status(
                conn, sha256, size=size, content_type=media_type, station_id=signed.station.id
            )
        )


@router.put("/attachments/{sha256}", response_model=AttachmentStatus, responses=responses.ATTACHMENT_PUT)
def put_chunk(
    request: Request,
    sha256: Sha256,
    *,
    offset: Annotated[int, Query(ge=0)],
    size: Annotated[int | None, Query(ge=0)] = None,
    media_type: Annotated[str | None, Query(max_length=100)] = None,
    x_attachment_size: Annotated[int | None, Header(ge=0)] = None,
    content_type: Annotated[str | None, Header(max_length=100)] = None,
    signed: SignedRequest = Depends(signed_station),  # noqa: B008
) -> Response:
    declared = x_attachment_size if x_attachment_size is not None else size
    if declared is None:
        raise ApiError(
            "request_invalid",
            "缺少附件大小。请在 X-Attachment-Size 请求头（或 size 参数）中给出附件的总字节数。",
            {"missing": "X-Attachment-Size"},
        )
    with request.app.state.db.write() as conn:
        outcome = attachments.put_chunk(
            conn,
            sha256=sha256,
            offset=offset,
            size=declared,
            content_type=media_type or content_type,
            chunk=signed.body,
            station_id=signed.station.id,
            now=signed.received_at,
        )
    if outcome.refused is not None:
        raise outcome.refused  # after the commit: the corrupt upload's chunks stay dropped
    assert outcome.status is not None
    return _json(outcome.status)
