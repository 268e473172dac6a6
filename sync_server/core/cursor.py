"""The pull cursor: where a station is in the feed, or in its first download. Pure.

Two shapes, opaque to stations (they store what they are given and send it back)::

    f.<pos>.<id>                       in the feed
    s.<pos>.<id>.<phase>[.<key>]       in a snapshot: the feed position taken when the
                                       snapshot began; <phase> the part being served;
                                       <key> (base64url) the last key served in it
    <pos> = <xid>[_<d>[:<seen>]]...    the position's transaction id, then its pending
                                       transactions, each as <xid> - d (d >= 1)

**What a position has seen.** A :class:`FeedPosition` ``(xid, id, pending)`` has seen a
feed row ``(row.xid, row.id)`` when ``(row.xid, row.id) <= (xid, id)`` and row.xid is not
pending, or is pending with ``row.id <= seen``. On PostgreSQL ``row.xid`` is the writing
transaction's id (``pg_current_xact_id``), on SQLite it is 0 and ``id`` alone orders the
feed. ``pending`` lists the transactions below ``xid`` that were still running when the
position was made (``pg_snapshot_xip`` of the page's snapshot), plus one transaction served
part way when a page ended inside it.

**Why this cannot stall or skip** (PostgreSQL). A page is read under one snapshot S: the
rows it may serve are those the position has not seen whose transaction is visible in S
(``xid < xmax(S)`` and not running in S), in ``(xid, id)`` order. :func:`advance` then
moves the position to the last row served and lists as pending every transaction below it
that S saw running: whatever such a transaction writes later is still unseen, so it is
served once it commits, however long it runs. Every other transaction below the new
position was visible in S, and all of its unseen rows came before the last row served.
The cursor therefore never waits for a transaction that has not committed: an idle session
(or a report that took a transaction id) anywhere in the cluster no longer holds the feed
back, and a late commit is served later instead of being skipped. A transaction's id is
taken at its first write, possibly long before it writes to the feed; that is harmless
here because what counts is whether it had *committed* when the page was read, not when
its id was assigned. Snapshots of one server only grow (a transaction visible in one is
visible in every later one), so nothing seen is ever offered again.

The pending list is short: the transactions of the whole cluster running at one instant
and below the position. A page that would make the cursor too long for the protocol ends
earlier (:data:`MAX_FEED_TEXT`); a snapshot's resume position keeps at most
:data:`MAX_PENDING` of them and starts at the next running one (rows between may then
arrive twice after a snapshot, which stations apply by version as before).

The key is base64url so that any key (usernames hold dots) fits the protocol's cursor
alphabet and cannot run into the separators. Malformed text raises :class:`CursorError`;
the service layer answers ``cursor_invalid``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

MAX_INT = (1 << 63) - 1  # BIGINT
MAX_KEY_LENGTH = 200  # schema.protocol.Change.key
MAX_PENDING = 8  # running transactions a snapshot's resume position keeps
MAX_FEED_TEXT = 240  # a feed cursor longer than this ends its page earlier (protocol: 256)
_INT = re.compile(r"0|[1-9]\d{0,18}")
_KEY = re.compile(r"[A-Za-z0-9_-]+")
_PENDING = re.compile(r"([1-9]\d{0,18})(?::([1-9]\d{0,18}))?")


class CursorError(ValueError):
    """The text is not a cursor this server issued."""


@dataclass(frozen=True, order=True)
class FeedPosition:
    """Every row up to ``(xid, id)`` is seen, except the pending transactions' (module docstring)."""

    xid: int
    id: int
    # (xid, rows of it seen up to this id; 0 = none), ascending, each xid below ``xid``
    pending: tuple[tuple[int, int], ...] = ()

    def seen(self, xid: int, id_: int) -> bool:
        """Has this position seen the feed row ``(xid, id_)``?"""
        if (xid, id_) > (self.xid, self.id):
            return False
        for t, upto in self.pending:
            if t == xid:
                return id_ <= upto
        return True

    def bound(self, xid: int) -> int:
        """The highest row id of transaction ``xid`` seen (-1: none, MAX_INT: all)."""
        if xid > self.xid:
            return -1
        for t, upto in self.pending:
            if t == xid:
                return upto
        return self.id if xid == self.xid else MAX_INT


FEED_START = FeedPosition(0, 0)


def advance(
    pos: FeedPosition, served: Sequence[tuple[int, int]], running: Iterable[int], *, complete: bool
) -> FeedPosition:
    """The position after serving ``served`` (``(xid, id)`` in feed order) from ``pos``.

    ``running``: the transactions the page's snapshot saw in progress; ``complete``: every
    unseen row that snapshot could see was served (the page is the last one).
    """
    top = max((pos.xid, pos.id), served[-1]) if served else (pos.xid, pos.id)
    last_xid, last_id = served[-1] if served else (-1, -1)
    running = set(running)
    pending = {t: 0 for t in running if t < top[0]}
    if not complete:
        for t, upto in pos.pending:
            if t in pending:
                continue
            if t > last_xid:  # the page did not reach it: its unseen rows are still to come
                pending[t] = upto
            elif t == last_xid and t < top[0]:  # the page ended inside it
                pending[t] = last_id
    # Finished pending transactions below the last row served were served to the end.
    return FeedPosition(top[0], top[1], tuple(sorted(pending.items())))


def resume_position(xmax: int, running: Iterable[int]) -> FeedPosition:
    """Where the feed continues after a snapshot read from the tables at snapshot (xmax, running).

    At most :data:`MAX_PENDING` running transactions are kept; with more, the position
    starts at the next running one (rows from transactions between may be served again).
    """
    below = sorted(t for t in set(running) if t < xmax)
    if len(below) > MAX_PENDING:
        xmax, below = below[MAX_PENDING], below[:MAX_PENDING]
    return FeedPosition(xmax, 0, tuple((t, 0) for t in below))


def covers(pos: FeedPosition, other: FeedPosition) -> bool:
    """Has ``pos`` seen every row ``other`` has seen (whatever rows there are)?"""
    if (other.xid, other.id) > (pos.xid, pos.id):
        return False
    return all(other.bound(t) <= upto for t, upto in pos.pending if t <= other.xid)


def meet(positions: Sequence[FeedPosition]) -> FeedPosition:
    """A position that every one of ``positions`` covers (the rows all of them have seen)."""
    xid, id_ = min((p.xid, p.id) for p in positions)
    pending: dict[int, int] = {}
    for p in positions:
        for t, upto in p.pending:
            if t < xid:
                pending[t] = min(upto, pending.get(t, upto))
            elif t == xid:
                id_ = min(id_, upto)
    return FeedPosition(xid, id_, tuple(sorted(pending.items())))


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


def _pos_text(pos: FeedPosition) -> str:
    if not (0 <= pos.xid <= MAX_INT and 0 <= pos.id <= MAX_INT):
        raise CursorError("position out of range")
    text = str(pos.xid)
    for t, upto in reversed(pos.pending):  # nearest first: the smallest offsets
        if not (0 <= t < pos.xid and 0 <= upto <= MAX_INT):
            raise CursorError("pending transaction out of range")
        text += f"_{pos.xid - t}" + (f":{upto}" if upto else "")
    return f"{text}.{pos.id}"


def _pos_value(xid_text: str, id_text: str) -> FeedPosition:
    first, *rest = xid_text.split("_")
    xid = _int(first)
    pending: list[tuple[int, int]] = []
    for item in rest:
        match = _PENDING.fullmatch(item)
        if match is None or int(match[1]) > xid:
            raise CursorError("pending transaction is not an offset below the position")
        pending.append((xid - int(match[1]), _int(match[2]) if match[2] else 0))
    position = FeedPosition(xid, _int(id_text), tuple(sorted(pending)))
    if len({t for t, _ in pending}) != len(pending):
        raise CursorError("a pending transaction is listed twice")
    if _pos_text(position) != f"{xid_text}.{id_text}":
        raise CursorError("position is not in canonical form")
    return position


def encode(cursor: Cursor) -> str:
    if isinstance(cursor, FeedCursor):
        return f"f.{_pos_text(cursor.position)}"
    text = f"s.{_pos_text(cursor.resume)}.{cursor.phase.value}"
    return f"{text}.{_key_text(cursor.after)}" if cursor.after else text


def decode(text: str) -> Cursor:
    parts = text.split(".")
    if parts[0] == "f" and len(parts) == 3:
        return FeedCursor(_pos_value(parts[1], parts[2]))
    if parts[0] == "s" and len(parts) in (4, 5):
        try:
            phase = Phase(parts[3])
        except ValueError:
            raise CursorError("unknown snapshot phase") from None
        after = _key_value(parts[4]) if len(parts) == 5 else ""
        return SnapshotCursor(_pos_value(parts[1], parts[2]), phase, after)
    raise CursorError("unknown cursor shape")


def position_of(cursor: Cursor) -> FeedPosition:
    """The feed position a cursor stands for (a snapshot's: where the feed resumes)."""
    return cursor.position if isinstance(cursor, FeedCursor) else cursor.resume


def durable_form(cursor: Cursor, max_length: int = 256) -> str:
    """The cursor as recorded on the station row (``stations.pull_cursor``, 256 characters).

    A snapshot cursor too long for the column loses its key: still a valid cursor (the
    phase from its start) at the same feed position, which is what pruning and the
    dashboard need.
    """
    text = encode(cursor)
    if len(text) > max_length and isinstance(cursor, SnapshotCursor):
        text = encode(SnapshotCursor(cursor.resume, cursor.phase))
    return text
