"""A long transaction anywhere on the PostgreSQL server no longer stalls the feed (issue 16).

A session sits idle in transaction holding a transaction id (and an uncommitted feed row)
while two stations' pushes commit feed rows and the two stations pull all the time. Before,
the feed's horizon was the cluster's oldest running transaction (``pg_snapshot_xmin``): every
pull served nothing until the idle session ended. Now each change reaches its station within
a second of its commit, no page repeats a change, and the idle session's own row is served
once, after it commits. SQLite has one writer at a time, so there is nothing to stall there.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from schema.protocol import PullRequest
from sync_server.core.cursor import FeedCursor, covers, decode
from sync_server.db.engine import Database
from sync_server.services.feed import changes as feed
from sync_server.services.feed.pull import pull
from sync_server.settings import Settings

IDLE_SECONDS = 60  # as the issue says: a minute idle in transaction while stations push and pull
WITHIN = 1.0  # the issue: "within a second of their commit"
SLACK = 4.0  # room for a loaded test machine; a stalled feed waits the whole IDLE_SECONDS


@dataclass(frozen=True)
class Station:
    station_id: str
    township_code: str = "511102004"


STATIONS = (Station("511102004-00"), Station("511102004-01"))


@dataclass
class Desk:
    """A station pulling in a loop: when each change first arrived, and every arrival."""

    station: Station
    cfg: Settings
    cursor: str | None = None
    arrived: dict[str, float] | None = None
    arrivals: list[str] | None = None

    def pull_all(self, db: Database) -> None:
        while True:
            with db.read() as conn:
                page = pull(conn, self.station, PullRequest(cursor=self.cursor, limit=5), self.cfg)
            at = time.monotonic()
            for change in page.changes:
                if change.kind == "case_status":
                    assert self.arrivals is not None and self.arrived is not None
                    self.arrivals.append(change.key)
                    self.arrived.setdefault(change.key, at)
            before, self.cursor = self.cursor, page.next_cursor
            if before is not None and self.cursor is not None:
                old, new = decode(before), decode(self.cursor)
                if isinstance(old, FeedCursor) and isinstance(new, FeedCursor):
                    assert covers(new.position, old.position)
            if not page.has_more:
                return


def test_an_idle_transaction_does_not_hold_back_the_stations_feeds(db: Database, tmp_path: Path) -> None:
    if not db.is_postgres:
        pytest.skip("SQLite serialises writers: no transaction runs beside a push")
    cfg = Settings(data_dir=tmp_path, secret_key="k" * 40)
    desks = [Desk(s, cfg, arrived={}, arrivals=[]) for s in STATIONS]
    for desk in desks:
        desk.pull_all(db)  # the first download; from here on the desks follow the feed

    committed: dict[str, float] = {}  # key -> when its push committed
    stop = threading.Event()
    errors: list[BaseException] = []

    def push(station: Station, n: int) -> None:
        try:
            for i in range(10_000):
                if stop.is_set():
                    return
                key = f"{station.station_id}-{n}-{i:05d}"
                with db.write() as conn:
                    feed.emit(
                        conn,
                        feed.FeedChange(feed.station_scope(station.station_id), "case_status", key, 1, {}),
                    )
                committed[key] = time.monotonic()
                time.sleep(0.05)
        except BaseException as exc:
            errors.append(exc)

    def follow(desk: Desk) -> None:
        try:
            while not stop.is_set():
                desk.pull_all(db)
                time.sleep(0.05)
        except BaseException as exc:
            errors.append(exc)

    # The idle session: a transaction id, an uncommitted feed row for everyone, then nothing.
    idle = db.engine.connect()
    idle_tx = idle.begin()
    feed.emit(idle, feed.FeedChange(feed.SCOPE_ALL, "case_status", "from-the-idle-session", 1, {}))
    threads = [threading.Thread(target=push, args=(s, n)) for n, s in enumerate(STATIONS)]
    threads += [threading.Thread(target=follow, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    time.sleep(IDLE_SECONDS)
    idle_ended = time.monotonic()
    stop.set()
    for t in threads:
        t.join(30)
    assert not errors, errors

    # Every change pushed while the session idled reached its station while it still idled.
    late: dict[str, float] = {}
    for desk in desks:
        own = {k: at for k, at in committed.items() if k.startswith(desk.station.station_id)}
        for key, at in own.items():
            if at < idle_ended - (WITHIN + SLACK):
                assert desk.arrived is not None and key in desk.arrived, f"{key} never reached the desk"
                late[key] = desk.arrived[key] - at
    assert len(late) > 100
    assert max(late.values()) < WITHIN + SLACK, sorted(late.values())[-5:]
    assert sorted(late.values())[len(late) // 2] < WITHIN  # typically a pull cycle

    # The idle session's row is served once it commits, once to each desk; nothing twice.
    for desk in desks:
        assert desk.arrivals is not None and "from-the-idle-session" not in desk.arrivals
    idle_tx.commit()
    idle.close()
    for desk in desks:
        desk.pull_all(db)
        assert desk.arrivals is not None
        assert desk.arrivals.count("from-the-idle-session") == 1
        counts = defaultdict(int)
        for key in desk.arrivals:
            counts[key] += 1
        assert [k for k, n in counts.items() if n > 1] == [], "a page repeated a change"
        mine = [k for k in desk.arrivals if k.startswith(desk.station.station_id)]
        assert set(mine) == {k for k in committed if k.startswith(desk.station.station_id)}
        for n in range(len(STATIONS)):  # each push's rows in the order they were pushed
            theirs = [k for k in mine if k.startswith(f"{desk.station.station_id}-{n}-")]
            assert theirs == sorted(theirs)
