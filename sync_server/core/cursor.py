"""The pull cursor: where a station is in the feed, or in its first download. Pure.

Two shapes, opaque to stations (they store what they are given and send it back)::

    f.<xid>.<id>                       in the feed: every row up to (xid, id) is applied
    s.<xid>.<id>.<phase>[.<key>]       in a snapshot: (xid, id) is the feed position taken
                                       when the snapshot began; <phase> the part being
                                       served; <key> (base64url) the last key served in it

Feed positions order as ``(xid, id)`` tuples: on PostgreSQL ``xid`` is the writing
transaction's id, on SQLite it is 0 and ``id`` alone orders the feed (see ``db.tables``).
The key is base64url so that any key (usernames hold dots) fits the protocol's cursor
alphabet and cannot run into the separators.

Malformed text raises :class:`CursorError`; the service layer answers ``cursor_invalid``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import StrEnum

MAX_INT = (1 << 63) - 1  # BIGINT
MAX_KEY_LENGTH = 200  # schema.protocol.Change.key
_INT = re.compile(r"0|[1-9]\d{0,18}")
_KEY = re.compile(r"[A-Za-z0-9_-]+")


class CursorError(ValueError):
    """The text is not a cursor this server issued."""


@dataclass(frozen=True, order=True)
class FeedPosition:
    xid: int
    id: int


FEED_START = FeedPosition(0, 0)


class Phase(StrEnum):
    """The parts of a snapshot, served in this order, each ordered by key."""

    REFERENCE = "r"  # catalog, divisions, rates (keyed by kind)
    STAFF = "s"  # the station's staff accounts (username)
    CASE = "c"  # the station's own cases: status or decision (case id)
    PERSON = "p"  # persons of the township (id number)
    UNIT = "u"  # units of the township (USCC)
    DUES = "d"  # the township's 催缴名单 (one change, keyed by township code)


PHASES: tuple[Phase, ...] = tuple(Phase)


def next_phase(phase: Phase) -> Phase | None:
    index = PHASES.index(phase) + 1
    return PHASES[index] if index < len(PHASES) else None


@dataclass(frozen=True)
class FeedCursor:
    position: FeedPosition


@dataclass(frozen=True)
class SnapshotCursor:
    resume: FeedPosition  # the feed continues after this once the snapshot is served
    phase: Phase
    after: str = ""  # last key served in ``phase``; "" = the phase has not started


Cursor = FeedCursor | SnapshotCursor


def _key_text(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _key_value(text: str) -> str:
    if not _KEY.fullmatch(text):
        raise CursorError("key is not base64url")
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError("key is not base64url text") from None
    if not key or len(key) > MAX_KEY_LENGTH or _key_text(key) != text:
        raise CursorError("key is not in canonical form")
    return key


def _int(text: str) -> int:
    if not _INT.fullmatch(text) or int(text) > MAX_INT:
        raise CursorError("not a non-negative 64-bit integer")
    return int(text)


def encode(cursor: Cursor) -> str:
    pos = cursor.position if isinstance(cursor, FeedCursor) else cursor.resume
    if not (0 <= pos.xid <= MAX_INT and 0 <= pos.id <= MAX_INT):
        raise CursorError("position out of range")
    if isinstance(cursor, FeedCursor):
        return f"f.{pos.xid}.{pos.id}"
    text = f"s.{pos.xid}.{pos.id}.{cursor.phase.value}"
    return f"{text}.{_key_text(cursor.after)}" if cursor.after else text


def decode(text: str) -> Cursor:
    parts = text.split(".")
    if parts[0] == "f" and len(parts) == 3:
        return FeedCursor(FeedPosition(_int(parts[1]), _int(parts[2])))
    if parts[0] == "s" and len(parts) in (4, 5):
        try:
            phase = Phase(parts[3])
        except ValueError:
            raise CursorError("unknown snapshot phase") from None
        after = _key_value(parts[4]) if len(parts) == 5 else ""
        return SnapshotCursor(FeedPosition(_int(parts[1]), _int(parts[2])), phase, after)
    raise CursorError("unknown cursor shape")


def durable_form(cursor: Cursor, max_length: int = 64) -> str:
    """The cursor as recorded on the station row (``stations.pull_cursor``, 64 characters).

    A snapshot cursor too long for the column loses its key: still a valid cursor (the
    phase from its start), enough for the dashboard to tell "first download in progress".
    """
    text = encode(cursor)
    if len(text) > max_length and isinstance(cursor, SnapshotCursor):
        text = encode(SnapshotCursor(cursor.resume, cursor.phase))
    return text
