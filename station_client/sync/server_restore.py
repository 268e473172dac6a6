"""Catching a restored server up: resend retained acknowledged operations, purge old ones.

The rules are :mod:`station_client.core.server_restore`; this module reads and writes the
outbox through :mod:`station_client.store.outbox` and leaves an audit entry. The push calls
:func:`catch_up` on a ``sequence_gap``, the agent with each pull's ``station_last_seq``
(a server restored while the station has nothing new to send is noticed too).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from station_client.core import outbox_rules
from station_client.core import server_restore as rules
from station_client.store import audit, outbox

log = logging.getLogger(__name__)

ACTOR = "sync"


@dataclass(frozen=True)
class CaughtUp:
    resent: int  # acknowledged rows back to pending, to go again with the same bytes
    lost: tuple[int, ...]  # numbers the server lacks and no row holds any more

    @property
    def message(self) -> str:
        return rules.lost_words(self.lost) if self.lost else rules.resent_words(self.resent)


def catch_up(db: Database, server_last_seq: int, now: datetime) -> CaughtUp | None:
    """Reopen every retained row above ``server_last_seq`` when the server went back; None
    when it did not (one transaction)."""
    with db.atomic():
        acknowledged = outbox.highest_acknowledged(db)
        held = outbox.seqs_held(db, server_last_seq + 1, acknowledged)
        found = rules.behind(server_last_seq, acknowledged, held)
        if found is None:
            return None
        first = found.first_missing
        ids = outbox_rules.resend_from(outbox.numbered_from(db, first), first)
        outbox.reopen(db, ids)
        outbox.reconcile_blocked(db)
        done = CaughtUp(len(ids), found.lost)
        audit.append(
            db, at=now, actor=ACTOR, action="sync.server_restored", entity="station", entity_id="outbox",
            detail={
                "server_last_seq": server_last_seq, "acknowledged": acknowledged,
                "resent": done.resent, "lost": list(found.lost), "message": done.message,
            },
        )  # fmt: skip
    log.warning("%s (server last_seq %s, acknowledged %s)", done.message, server_last_seq, acknowledged)
    return done


def purge(db: Database, now: datetime) -> int:
    """Drop done rows acknowledged longer ago than the retention."""
    return outbox.purge_acknowledged(db, now - rules.RETENTION)
