"""The city's latest audit checkpoint, as this station saw it in the pull feed.

Each station keeps the newest signed checkpoint of the server's audit chain
(:mod:`schema.audit_checkpoint`), so an administrator who rewrites the server's database
cannot also rewrite every station's copy: ``sync-server audit verify --against-station``
compares the server's chain with it. The signing key is pinned on the first checkpoint
seen (meta ``audit_checkpoint_key``); a later checkpoint signed by another key, or not
newer than the one held, is not kept.
"""

from __future__ import annotations

import logging

from sqlite_utils import Database

from schema.audit_checkpoint import SignedCheckpoint, genuine
from schema.protocol import Change, ChangeKind
from station_client.store import meta

log = logging.getLogger(__name__)

META_CHECKPOINT = "audit_checkpoint"  # sync_server.services.admin.audit_anchor reads this key
META_KEY = "audit_checkpoint_key"


def apply_change(db: Database, change: Change) -> bool:
    """Keep a pulled ``audit_checkpoint`` (inside the page's transaction); True when kept."""
    if change.kind is not ChangeKind.AUDIT_CHECKPOINT:
        return False
    signed = SignedCheckpoint.model_validate(change.data)
    key = meta.get(db, META_KEY) or signed.public_key
    if not genuine(signed, key):
        # Not the key this station pinned: keep the one it holds, the city's admin must look.
        log.warning("pull: audit checkpoint %s not signed by the pinned key; not kept", signed.checkpoint.seq)
        return False
    held = latest(db)
    if held is not None and (held.checkpoint.seq, held.checkpoint.at) >= (
        signed.checkpoint.seq,
        signed.checkpoint.at,
    ):
        return False
    meta.put(db, META_KEY, key)
    meta.put(db, META_CHECKPOINT, signed.model_dump_json())
    return True


def latest(db: Database) -> SignedCheckpoint | None:
    text = meta.get(db, META_CHECKPOINT)
    return None if text is None else SignedCheckpoint.model_validate_json(text)
