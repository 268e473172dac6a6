"""Signed checkpoints of the server's audit chain: the head, anchored outside the database.

The hash chain (:mod:`schema.audit_chain`) shows a changed entry only to someone who did
not also recompute every hash after it and the head; an administrator with database
access can do both. A checkpoint is the head at one moment, ``(seq, head_hash, at)``,
signed with an Ed25519 key that lives in the server's data directory, not in the
database. Copies of checkpoints kept elsewhere (the append-only checkpoint log the
administrator ships off the server, every station's latest) then pin the chain: a
rewritten entry at or before a checkpoint's ``seq`` changes the hash at that seq, and a
new signature cannot be made without the key.

The signed bytes (:func:`checkpoint_bytes`) are a fixed prefix and the compact JSON array
``[seq, head_hash, at]`` with ``at`` as :func:`schema.audit_chain.canonical_time`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from schema.audit_chain import canonical_time

PREFIX = b"SSB audit checkpoint v1\n"

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_Hash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
_B64 = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9+/]+={0,2}$")]


class AuditCheckpoint(BaseModel):
    """The audit chain's head at ``at``: ``seq`` entries, the last one hashing to ``head_hash``."""

    model_config = _FROZEN

    seq: int = Field(ge=0)
    head_hash: _Hash
    at: AwareDatetime


class SignedCheckpoint(BaseModel):
    """A checkpoint, its signature and the public key that checks it (all base64).

    One JSON line of the checkpoint log, and the data of the feed's ``audit_checkpoint``
    change. The key rides along so a station can pin it on first sight; whoever checks a
    checkpoint trusts a key it already holds, never the one in the record alone."""

    model_config = _FROZEN

    checkpoint: AuditCheckpoint
    signature: _B64
    public_key: _B64


def checkpoint_bytes(checkpoint: AuditCheckpoint) -> bytes:
    """The bytes a checkpoint's signature covers."""
    body = json.dumps(
        [checkpoint.seq, checkpoint.head_hash, canonical_time(checkpoint.at)], separators=(",", ":")
    )
    return PREFIX + body.encode("ascii")


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def sign(key: Ed25519PrivateKey, checkpoint: AuditCheckpoint) -> SignedCheckpoint:
    signature = key.sign(checkpoint_bytes(checkpoint))
    return SignedCheckpoint(
        checkpoint=checkpoint,
        signature=base64.b64encode(signature).decode("ascii"),
        public_key=public_key_text(key.public_key()),
    )


def genuine(signed: SignedCheckpoint, public_key: str) -> bool:
    """True when ``public_key`` (base64, the one the checker trusts) signed this checkpoint."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signed.signature, validate=True), checkpoint_bytes(signed.checkpoint))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def parse_line(line: str) -> SignedCheckpoint:
    """One line of the checkpoint log (pydantic ValidationError when it is not one)."""
    return SignedCheckpoint.model_validate_json(line)


def line(signed: SignedCheckpoint) -> str:
    """The log line for a checkpoint, without the newline."""
    return signed.model_dump_json()


def first_not_matching(
    checkpoints: list[SignedCheckpoint], hash_at: dict[int, str], public_key: str
) -> tuple[SignedCheckpoint, str] | None:
    """The first checkpoint (by seq) the chain does not match, and why; None when all match.

    ``hash_at`` maps seq → the stored entry's hash for every seq the checkpoints name (a
    missing seq: the log no longer reaches it). A checkpoint of seq 0 predates every entry."""
    for signed in sorted(checkpoints, key=lambda s: (s.checkpoint.seq, s.checkpoint.at)):
        cp = signed.checkpoint
        if not genuine(signed, public_key):
            return signed, "检查点的签名无效（不是本服务器的审计密钥签发的，可能被伪造）"
        if cp.seq == 0:
            continue
        found = hash_at.get(cp.seq)
        if found is None:
            return signed, f"审计日志已不足 {cp.seq} 条（末尾被删除）"
        if found != cp.head_hash:
            return signed, f"第 {cp.seq} 条的哈希与检查点不符（此前的记录被改写并重算了哈希）"
    return None
