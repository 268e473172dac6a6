"""The pull cursor never skips a row that commits late (docs/design.md §4: cursors are commit-ordered).

The danger: transaction T1 writes a feed row (lower id), T2 writes one (higher id) and
commits first; a reader that serves T2's row moves its cursor past T1's id, and when T1
commits its row is behind every cursor — lost. On PostgreSQL the reader serves T2's row at
once and its cursor lists T1 as pending (``core.cursor``), so T1's row is served when T1
commits — neither waited for nor skipped. On SQLite the second writer cannot even begin
(``BEGIN IMMEDIATE``) until the first commits.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema.protocol import PullRequest
from sync_server.core.cursor import FeedCursor, covers, decode
from sync_server.db.engine import Database
from sync_server.db.tables import changes
from sync_server.services.feed import changes as feed
from sync_server.services.feed.pull import pull
from sync_server.settings import Settings

STATION = "511102004-00"


@dataclass(frozen=True)
class Station:
    station_id: str = STATION
    township_code: str = "511102004"


@dataclass
class Reader:
    """A station pulling the feed: what it received, in order, and its cursor."""

    db: Database
    cfg: Settings
    cursor: str | None = None
    keys: list[str] = field(default_factory=list)
    digests: list[bool] = field(default_factory=list)

    def pull_once(self) -> list[str]:
        got: list[str] = []
        while True:
            with self.db.read() as conn:
                page = pull(conn, Station(), PullRequest(cursor=self.cursor, limit=3), self.cfg)
            before = self.cursor
            got += [c.key for c in page.changes if c.kind == "case_status"]
            self.cursor = page.next_cursor
            if before is not None and self.cursor is not None:
                old, new = decode(before), decode(self.cursor)
                if isinstance(old, FeedCursor) and isinstance(new, FeedCursor):
                    assert covers(new.position, old.position), "the cursor forgot what it had seen"
            if not page.has_more:
                self.digests.append(page.digest is not None)
                self.keys += got
                return got

    def pull_until(self, expected: set[str], seconds: float = 30) -> None:
        # Another session on the same PostgreSQL cluster may hold the horizon for a moment.
        deadline = time.monotonic() + seconds
        while not expected <= set(self.keys):
            self.pull_once()
            assert time.monotonic() < deadline, f"never received {expected - set(self.keys)}"
            time.sleep(0.02)


def _emit(conn: sa.Connection, key: str) -> None:
    feed.emit(conn, feed.FeedChange(feed.station_scope(STATION), "case_status", key, 1, {}))


def _id_of(conn: sa.Connection, key: str) -> int:
    return int(conn.execute(sa.select(changes.c.id).where(changes.c.key == key)).scalar_one())


@pytest.fixture
def reader(db: Database, tmp_path: Path) -> Reader:
    r = Reader(db, Settings(data_dir=tmp_path, secret_key="k" * 40))
    r.pull_once()  # the (empty) snapshot; from here on the reader follows the feed
    return r


def test_a_row_that_commits_late_is_not_skipped(db: Database, reader: Reader) -> None:
    with contextlib.ExitStack() as first:
        c1 = first.enter_context(db.write())
        _emit(c1, "late")  # the lower id, committed last
        late_id = _id_of(c1, "late")
        if db.is_postgres:
            with db.write() as c2:
                _emit(c2, "early")
                early_id = _id_of(c2, "early")
            assert late_id < early_id  # the interleaving that makes an id cursor skip
            late_xid = int(c1.execute(sa.select(changes.c.xid).where(changes.c.key == "late")).scalar_one())
            assert reader.pull_once() == ["early"]  # committed: served without waiting for "late"
            assert reader.digests[-1] is True  # in step with everything committed
            position = decode(reader.cursor or "")
            assert isinstance(position, FeedCursor) and position.position.id >= early_id
            assert (late_xid, 0) in position.position.pending  # past late_id, yet "late" is unseen
        else:
            # SQLite: the second writer waits for the first; the reader is not blocked.
            second_done = threading.Event()

            def second() -> None:
                with db.write() as c2:
                    _emit(c2, "early")
                second_done.set()

            worker = threading.Thread(target=second)
            worker.start()
            time.sleep(0.2)
            assert not second_done.is_set()
            assert reader.pull_once() == []
    if not db.is_postgres:
        worker.join(10)
        assert second_done.is_set()
    reader.pull_until({"late", "early"})
    assert reader.keys == (["early", "late"] if db.is_postgres else ["late", "early"])


# ---- randomised interleavings -----------------------------------------------------------

# A schedule: each writer begins (writing its rows), then later commits or rolls back;
# the reader pulls in between. On SQLite a writer's whole transaction happens at its end
# event (writers cannot overlap there).
_counter = itertools.count()


@st.composite
def schedules(draw: st.DrawFn) -> list[tuple[str, int]]:
    writers = draw(st.integers(min_value=2, max_value=5))
    events = [("begin", w) for w in range(writers)] + [("end", w) for w in range(writers)]
    order = draw(st.permutations(events))
    # Where a writer's end comes first, its begin moves to just before it.
    seen: set[int] = set()
    fixed: list[tuple[str, int]] = []
    for kind, w in order:
        if w not in seen:
            fixed.append(("begin", w))
            seen.add(w)
        if kind == "end":
            fixed.append((kind, w))
    out: list[tuple[str, int]] = []
    for event in fixed:
        if draw(st.booleans()):
            out.append(("pull", -1))
        out.append(event)
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    schedule=schedules(),
    rows=st.lists(st.integers(min_value=1, max_value=3), min_size=5, max_size=5),
    rollback=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_no_interleaving_makes_the_reader_skip_a_row(
    db: Database, reader: Reader, schedule: list[tuple[str, int]], rows: list[int], rollback: list[bool]
) -> None:
    run = next(_counter)
    open_tx: dict[int, contextlib.ExitStack] = {}
    committed: set[str] = set()
    rolled_back: set[str] = set()

    def keys(w: int) -> list[str]:
        return [f"r{run}-w{w}-{i}" for i in range(rows[w])]

    try:
        for kind, w in schedule:
            if kind == "pull":
                got = reader.pull_once()
                assert set(got) <= committed, (
                    f"served a row that was not committed {schedule} {rows} {rollback}"
                )
            elif db.is_postgres and kind == "begin":
                stack = contextlib.ExitStack()
                conn = stack.enter_context(db.write())
                for key in keys(w):
                    _emit(conn, key)
                open_tx[w] = stack
            elif kind == "end":
                failed = rollback[w]
                if db.is_postgres:
                    stack = open_tx.pop(w)
                    if failed:
                        with contextlib.suppress(RuntimeError), stack:
                            raise RuntimeError("roll back")
                    else:
                        stack.close()
                else:
                    with contextlib.suppress(RuntimeError), db.write() as conn:
                        for key in keys(w):
                            _emit(conn, key)
                        if failed:
                            raise RuntimeError("roll back")
                (rolled_back if failed else committed).update(keys(w))
    finally:
        for stack in open_tx.values():  # a failed example leaves nothing behind for the next
            with contextlib.suppress(RuntimeError), stack:
                raise RuntimeError("roll back")
    reader.pull_until(committed)
    mine = [k for k in reader.keys if k.startswith(f"r{run}-")]
    assert sorted(mine) == sorted(committed), "a committed row was skipped or served twice"
    assert not rolled_back & set(mine)
    # Each writer's rows arrive together and in the order written.
    for w in range(len(rows)):
        theirs = [k for k in mine if k.startswith(f"r{run}-w{w}-")]
        assert theirs == sorted(theirs)
