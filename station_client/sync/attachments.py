"""Uploading scans on their own resumable path, in chunks of ``CHUNK_SIZE``.

For each scan not yet done: ask the server how many bytes it holds, send the rest chunk
by chunk, and store the progress after every chunk, so a cut link or a crash costs at
most one chunk. A round spends at most ``budget_seconds`` here, so a large scan on a
slow link never holds up the pull of decisions; it carries on next round. The server
checks the SHA-256 when the last byte arrives; a case is pushed only once all of its
scans are complete (``push.py`` asks :func:`waiting_cases`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from schema.protocol import CHUNK_SIZE
from station_client.crypto.keys import DataKey
from station_client.store import attachments as store
from station_client.transport import RefusedError, SyncError, Transport

log = logging.getLogger(__name__)

FAILED = "failed"  # refused for good (type, size): the clerk scans it again
_REFUSED_FOR_GOOD = frozenset({"attachment_too_large", "attachment_bad_type"})
_RESUMABLE = frozenset({"attachment_offset_mismatch", "attachment_hash_mismatch"})
MAX_RESUMES = 3  # per scan and round: a server that keeps disagreeing is a fault, not a race


@dataclass
class AttachmentReport:
    uploaded: int = 0
    bytes_sent: int = 0
    refused: int = 0
    error: SyncError | None = None  # the upload stopped for this round
    out_of_time: bool = False


def waiting_cases(db: Database) -> set[str]:
    """Cases with a scan the server does not hold completely yet: their operations wait."""
    rows = db.execute("SELECT DISTINCT case_id FROM attachments WHERE state != ?", [store.DONE]).fetchall()
    return {str(r[0]) for r in rows}


def _todo(db: Database) -> list[tuple[str, int, str]]:
    rows = db.execute(
        "SELECT sha256, size, media_type FROM attachments WHERE state IN (?, ?) ORDER BY rowid",
        [store.PENDING, store.UPLOADING],
    ).fetchall()
    return [(str(s), int(n), str(m)) for s, n, m in rows]


@dataclass
class _Uploader:
    db: Database
    dek: DataKey
    transport: Transport
    deadline: float
    clock: Callable[[], float]
    report: AttachmentReport

    def upload(self, sha256: str, size: int, media_type: str) -> bool:
        """Send what the server lacks of one scan; True when it is complete."""
        ask = self.transport.attachment_status
        status = ask(sha256, size=size, media_type=media_type)
        data: bytes | None = None
        resumes = 0
        while not status.complete:
            if self.clock() > self.deadline:
                self.report.out_of_time = True
                return False
            data = data if data is not None else store.read_bytes(self.db, self.dek, sha256)
            offset = status.received_bytes
            chunk = data[offset : offset + CHUNK_SIZE]
            try:
                status = self.transport.upload_chunk(
                    sha256, offset=offset, data=chunk, size=size, media_type=media_type
                )
            except RefusedError as exc:
                if exc.code not in _RESUMABLE or resumes >= MAX_RESUMES:
                    raise
                resumes += 1  # the server says where it is: continue from there
                status = ask(sha256, size=size, media_type=media_type)
            else:
                self.report.bytes_sent += len(chunk)
            state = store.DONE if status.complete else store.UPLOADING
            store.set_progress(self.db, sha256, status.received_bytes, state)
        store.set_progress(self.db, sha256, size, store.DONE)
        return True


def upload_all(
    db: Database,
    dek: DataKey,
    transport: Transport,
    *,
    budget_seconds: float = 60.0,
    clock: Callable[[], float] = time.monotonic,
) -> AttachmentReport:
    """Upload pending scans until done, out of time, or the link fails (never raises SyncError)."""
    report = AttachmentReport()
    uploader = _Uploader(db, dek, transport, clock() + budget_seconds, clock, report)
    for sha256, size, media_type in _todo(db):
        try:
            if uploader.upload(sha256, size, media_type):
                report.uploaded += 1
            elif report.out_of_time:
                break
        except RefusedError as exc:
            if exc.code in _REFUSED_FOR_GOOD:
                log.warning("attachment %s refused: %s", sha256[:12], exc.code)
                store.set_progress(db, sha256, 0, FAILED)
                report.refused += 1
                continue
            report.error = exc
            break
        except SyncError as exc:
            report.error = exc
            break
    return report
