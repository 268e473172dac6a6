"""``attachments``: scans, addressed by SHA-256 of their plaintext bytes, sealed in ``enc``
with associated data ``attachments:<sha256>``.

One row per content: the same scan handed in twice is stored and uploaded once
(``case_id`` names the first case that brought it). ``filename`` is a neutral name
(material code + hash prefix), never the name typed by the clerk, which may hold a
person's name. ``state``: ``pending`` → ``uploading`` → ``done``; ``uploaded_bytes`` is how
far the resumable upload got.
"""

from __future__ import annotations

from sqlite_utils import Database

from station_client.crypto.keys import DataKey, aad

PENDING = "pending"
UPLOADING = "uploading"
DONE = "done"


def _aad(sha256: str) -> bytes:
    return aad("attachments", sha256)


def add(
    db: Database,
    dek: DataKey,
    *,
    sha256: str,
    case_id: str,
    material_code: str,
    filename: str,
    media_type: str,
    data: bytes,
) -> bool:
    """Store a scan unless the same content is already held; True when inserted."""
    cursor = db.execute(
        "INSERT INTO attachments (sha256, case_id, material_code, filename, media_type, size, enc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
        [sha256, case_id, material_code, filename, media_type, len(data), dek.seal(data, _aad(sha256))],
    )
    return cursor.rowcount > 0


def read_bytes(db: Database, dek: DataKey, sha256: str) -> bytes:
    row = db.execute("SELECT enc FROM attachments WHERE sha256 = ?", [sha256]).fetchone()
    if row is None:
        raise KeyError(sha256)
    return dek.open(row[0], _aad(sha256))


def set_progress(db: Database, sha256: str, uploaded_bytes: int, state: str) -> None:
    db.execute(
        "UPDATE attachments SET uploaded_bytes = ?, state = ? WHERE sha256 = ?",
        [uploaded_bytes, state, sha256],
    )


def pending_bytes(db: Database) -> int:
    """Bytes still to upload over all attachments not done."""
    row = db.execute(
        "SELECT coalesce(sum(size - uploaded_bytes), 0) FROM attachments WHERE state != ?", [DONE]
    )
    return int(row.fetchone()[0])


def pending(db: Database) -> list[tuple[str, int, int]]:
    """(sha256, size, uploaded_bytes) of attachments not done, in insertion order."""
    rows = db.execute(
        "SELECT sha256, size, uploaded_bytes FROM attachments WHERE state != ? ORDER BY rowid", [DONE]
    ).fetchall()
    return [(str(s), int(z), int(u)) for s, z, u in rows]
