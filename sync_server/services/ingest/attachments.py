"""Attachments: scanned materials, uploaded on their own resumable path (docs/design.md §4).

Addressed by SHA-256. A station asks how much the server holds (:func:`attachment_status`)
and sends the rest in chunks (:func:`put_chunk`), each at ``offset == received_bytes``;
after a broken link it asks again and resumes. Chunks live in ``attachment_chunks``, so
every server process sees the same upload. When the last byte arrives the whole content
is hashed: equal to the address → complete; otherwise the chunks are dropped and the
station uploads again from 0. Limits: :data:`schema.cases.MAX_ATTACHMENT_BYTES`, the types
of :data:`schema.cases.ALLOWED_MEDIA_TYPES`, checked against the first bytes too.

Audited: the start of an upload, its completion and a refused (corrupt) upload; not
every chunk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.cases import ALLOWED_MEDIA_TYPES, MAX_ATTACHMENT_BYTES
from schema.protocol import CHUNK_SIZE, AttachmentStatus
from sync_server.db.tables import attachment_chunks, attachments
from sync_server.db.upsert import upsert
from sync_server.errors import ApiError
from sync_server.services import audit

MAX_CHUNK_BYTES = CHUNK_SIZE * 4
MAGIC: dict[str, bytes] = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG",
    "application/pdf": b"%PDF",
}


@dataclass(frozen=True)
class ChunkOutcome:
    """What a chunk did. ``refused`` is raised by the caller *after* committing (the
    dropped chunks of a corrupt upload must stay dropped)."""

    status: AttachmentStatus | None
    refused: ApiError | None = None


def media_type_of(content_type: str | None) -> str:
    """``image/JPEG; x=y`` → ``image/jpeg``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _status(row: Row[Any]) -> AttachmentStatus:
    return AttachmentStatus(
        sha256=row.sha256,
        size=int(row.size),
        received_bytes=int(row.received_bytes),
        complete=bool(row.complete),
    )


def _row(conn: Connection, sha256: str, *, for_update: bool = False) -> Row[Any] | None:
    query = sa.select(attachments).where(attachments.c.sha256 == sha256)
    if for_update:
        query = query.with_for_update()
    return conn.execute(query).first()


def attachment_status(
    conn: Connection,
    sha256: str,
    *,
    size: int | None = None,
    content_type: str | None = None,
    station_id: str | None = None,
) -> AttachmentStatus:
    """How much of an attachment the server holds.

    Unknown and declared (``size`` and type given): nothing held yet, after the size and
    type checks, so a station learns of a refusal before it sends a byte. Unknown and
    undeclared: ApiError ``not_found``. Nothing is written either way. Asked by a
    station (``station_id``), another station's scan is ``not_found``: a station must not
    learn that a given content was scanned elsewhere.
    """
    row = _row(conn, sha256)
    if row is not None and _foreign(row, station_id):
        raise _not_found(sha256)
    if row is not None:
        return _status(row)
    if size is None or content_type is None:
        raise _not_found(sha256)
    _check_declared(size, media_type_of(content_type))
    return AttachmentStatus(sha256=sha256, size=size, received_bytes=0, complete=False)


def _foreign(row: Row[Any], station_id: str | None) -> bool:
    return station_id is not None and row.station_id != station_id


def _not_found(sha256: str) -> ApiError:
    return ApiError("not_found", "服务器上没有该附件。客户端将从头上传。", {"sha256": sha256})


def _check_declared(size: int, media_type: str) -> None:
    if size > MAX_ATTACHMENT_BYTES:
        raise ApiError("attachment_too_large", detail={"size": size, "max_bytes": MAX_ATTACHMENT_BYTES})
    if size <= 0:
        raise ApiError("request_invalid", "附件大小须为正整数。客户端将核对附件后重新上传。", {"size": size})
    if media_type not in ALLOWED_MEDIA_TYPES:
        raise ApiError(
            "attachment_bad_type", detail={"media_type": media_type, "allowed": sorted(ALLOWED_MEDIA_TYPES)}
        )


def _check_chunk(chunk: bytes) -> None:
    if len(chunk) > MAX_CHUNK_BYTES:
        raise ApiError(
            "body_too_large",
            f"每次上传的附件分块不能超过 {MAX_CHUNK_BYTES} 字节。客户端将分成更小的块上传。",
            {"max_bytes": MAX_CHUNK_BYTES},
        )
    if not chunk:
        raise ApiError("request_invalid", "附件分块为空。客户端将重新上传。", {})


def _begin(
    conn: Connection,
    sha256: str,
    *,
    size: int,
    media_type: str,
    chunk: bytes,
    station_id: str,
    now: dt.datetime,
) -> Row[Any]:
    """Create the upload on its first chunk (whose first bytes must match the type)."""
    magic = MAGIC[media_type]
    if not chunk.startswith(magic):
        raise ApiError(
            "attachment_bad_type",
            detail={"media_type": media_type, "reason": "content does not start like this type"},
        )
    # Two processes starting the same upload: one inserts, the other finds its row.
    conn.execute(
        upsert(
            conn,
            attachments,
            on=[attachments.c.sha256],
            values={
                "sha256": sha256,
                "size": size,
                "media_type": media_type,
                "station_id": station_id,
                "created_at": now,
            },
        )
    )
    row = _row(conn, sha256, for_update=True)
    assert row is not None
    if int(row.received_bytes) == 0 and not row.complete:
        audit.append(
            conn,
            actor=f"station:{station_id}",
            action="attachment.start",
            entity="attachment",
            entity_id=sha256,
            detail={"size": size, "media_type": media_type},
            at=now,
        )
    return row


def _content_hash(conn: Connection, sha256: str) -> str:
    digest = hashlib.sha256()
    rows = conn.execute(
        sa.select(attachment_chunks.c.data)
        .where(attachment_chunks.c.sha256 == sha256)
        .order_by(attachment_chunks.c.offset)
    )
    for (data,) in rows:
        digest.update(data)
    return digest.hexdigest()


def _finish(conn: Connection, row: Row[Any], station_id: str, now: dt.datetime) -> ChunkOutcome:
    """All bytes are in: complete when the content hashes to the address, else start again."""
    sha256 = row.sha256
    actual = _content_hash(conn, sha256)
    actor = f"station:{station_id}"
    if actual != sha256:
        conn.execute(sa.delete(attachment_chunks).where(attachment_chunks.c.sha256 == sha256))
        conn.execute(sa.delete(attachments).where(attachments.c.sha256 == sha256))
        audit.append(
            conn,
            actor=actor,
            action="attachment.rejected",
            entity="attachment",
            entity_id=sha256,
            detail={"actual_sha256": actual, "size": int(row.size)},
            at=now,
        )
        return ChunkOutcome(
            None, ApiError("attachment_hash_mismatch", detail={"sha256": sha256, "actual_sha256": actual})
        )
    conn.execute(
        sa.update(attachments).where(attachments.c.sha256 == sha256).values(complete=True, completed_at=now)
    )
    audit.append(
        conn,
        actor=actor,
        action="attachment.complete",
        entity="attachment",
        entity_id=sha256,
        detail={"size": int(row.size), "media_type": row.media_type},
        at=now,
    )
    done = _row(conn, sha256)
    assert done is not None
    return ChunkOutcome(_status(done))


def put_chunk(
    conn: Connection,
    *,
    sha256: str,
    offset: int,
    size: int,
    content_type: str | None,
    chunk: bytes,
    station_id: str,
    now: dt.datetime,
) -> ChunkOutcome:
    """Store one chunk at ``offset`` (which must be what the server holds so far)."""
    media_type = media_type_of(content_type)
    row = _row(conn, sha256, for_update=True)
    if row is not None and _foreign(row, station_id):
        raise _not_found(sha256)  # the same answer as a GET: no word of another station's scan
    if row is not None and row.complete:
        return ChunkOutcome(_status(row))  # already here: uploading it again changes nothing
    _check_declared(size, media_type)
    _check_chunk(chunk)
    if row is None:
        if offset != 0:
            raise ApiError("attachment_offset_mismatch", detail={"received_bytes": 0, "offset": offset})
        row = _begin(
            conn, sha256, size=size, media_type=media_type, chunk=chunk, station_id=station_id, now=now
        )
    if (int(row.size), row.media_type) != (size, media_type):
        raise ApiError(
            "request_invalid",
            "附件大小或类型与此前上传的不一致。客户端将核对附件后重新上传。",
            {"size": int(row.size), "media_type": row.media_type},
        )
    received = int(row.received_bytes)
    if offset != received:
        raise ApiError("attachment_offset_mismatch", detail={"received_bytes": received, "offset": offset})
    if received + len(chunk) > size:
        raise ApiError(
            "request_invalid",
            "附件分块超出了声明的附件大小。客户端将核对附件后重新上传。",
            {"size": size, "received_bytes": received, "chunk_bytes": len(chunk)},
        )
    conn.execute(sa.insert(attachment_chunks).values(sha256=sha256, offset=offset, data=chunk))
    received += len(chunk)
    conn.execute(sa.update(attachments).where(attachments.c.sha256 == sha256).values(received_bytes=received))
    updated = _row(conn, sha256)
    assert updated is not None
    if received == size:
        return _finish(conn, updated, station_id, now)
    return ChunkOutcome(_status(updated))


def read_attachment(conn: Connection, sha256: str) -> bytes:
    """The whole content of a complete attachment (for the review console)."""
    row = _row(conn, sha256)
    if row is None or not row.complete:
        raise ApiError("not_found", "该附件尚未上传完成。请等待服务站上传后再查看。", {"sha256": sha256})
    rows = conn.execute(
        sa.select(attachment_chunks.c.data)
        .where(attachment_chunks.c.sha256 == sha256)
        .order_by(attachment_chunks.c.offset)
    )
    return b"".join(data for (data,) in rows)
