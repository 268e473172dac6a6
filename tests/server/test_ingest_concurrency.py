"""The same batch pushed concurrently on two connections is applied once (SQLite and PostgreSQL).

On PostgreSQL this is the real test: the second transaction blocks on the station row
lock, then reads the first one's operations and answers every op ``duplicate``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from schema.protocol import CaseAcceptOp, OpStatus, PushBatch, PushResponse
from sync_server.api.errors import ApiError
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.db.tables import case_events, cases, ledger_entries, operations, stations
from sync_server.services import audit
from sync_server.services.ingest import push as ingest
from tests.conftest import table_count
from tests.support.factories import accept_op, enrolled_station, make_settings


def _push_twice_at_once(
    db: Database, context: StationContext, batch: PushBatch, tmp_path: Path
) -> list[PushResponse]:
    settings = make_settings(tmp_path, str(db.engine.url))
    barrier = threading.Barrier(2)
    answers: list[PushResponse] = []
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            answers.append(ingest.push(db, context, batch, dt.datetime.now(dt.UTC), settings=settings))
        except BaseException as exc:  # surfaced below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return answers


def test_the_same_batch_pushed_twice_at_once_is_applied_once(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    with db.read() as conn:
        row = conn.execute(sa.select(stations)).one()
    context = StationContext(row.id, row.township_code, row.county_code, bytes(row.public_key), row.status)
    total = 0
    for round_ in range(3):
        ops = [accept_op(station, item) for item in ("G02", "C019", "G14", "C012") * 10]
        batch = PushBatch(station_id=station.id, sent_at=station.now(), operations=tuple(ops))
        answers = _push_twice_at_once(db, context, batch, tmp_path)
        total += len(ops)
        # whichever push finished first, one applied everything and the other found it all done
        statuses = sorted((frozenset(r.status for r in answer.results) for answer in answers), key=sorted)
        assert statuses == [{OpStatus.APPLIED}, {OpStatus.DUPLICATE}], round_
        assert [a.station_last_seq for a in answers] == [total, total]
        first, second = answers
        for a, b in zip(first.results, second.results, strict=True):
            assert (a.op_id, a.case_id, a.detail.get("case_number")) == (
                b.op_id,
                b.case_id,
                b.detail.get("case_number"),
            )
    assert table_count(db, cases) == total == table_count(db, operations)
    assert table_count(db, case_events) == total // 4 * (1 + 3 + 1 + 3)
    with db.read() as conn:
        assert conn.execute(sa.select(stations.c.last_seq)).scalar_one() == total
        assert conn.execute(sa.select(sa.func.sum(ledger_entries.c.amount))).scalar_one() == 0
        assert audit.verify(conn).intact


class _GapWatch:
    """``ingest``'s view of the ``time`` module, watched: the only sleep in ingest is a push
    polling ``last_seq`` while it waits for missing seqs, so a sleep means "waiting now"."""

    monotonic = staticmethod(time.monotonic)

    def __init__(self) -> None:
        self.waiting = threading.Event()

    def sleep(self, seconds: float) -> None:
        self.waiting.set()
        time.sleep(seconds)


@pytest.fixture
def gap_watch(monkeypatch: pytest.MonkeyPatch) -> _GapWatch:
    watch = _GapWatch()
    monkeypatch.setattr(ingest, "time", watch)
    return watch


def _context(db: Database) -> StationContext:
    with db.read() as conn:
        row = conn.execute(sa.select(stations)).one()
    return StationContext(row.id, row.township_code, row.county_code, bytes(row.public_key), row.status)


def test_a_batch_that_overtakes_the_one_before_it_waits_for_it(
    db: Database, tmp_path: Path, gap_watch: _GapWatch
) -> None:
    """A station sends its next batch while the one before is still on its way (two
    connections, maybe two workers): the later one waits for the missing seqs, then applies."""
    station = enrolled_station(db)
    context = _context(db)
    earlier = PushBatch(
        station_id=station.id,
        sent_at=station.now(),
        operations=tuple(accept_op(station, "G02") for _ in range(5)),
    )
    later = PushBatch(
        station_id=station.id,
        sent_at=station.now(),
        operations=tuple(accept_op(station, "G14") for _ in range(5)),
    )
    settings = make_settings(tmp_path, str(db.engine.url), push_gap_wait_seconds=20)
    answers: dict[str, PushResponse] = {}
    errors: list[BaseException] = []

    def send_later() -> None:
        try:
            answers["later"] = ingest.push(db, context, later, dt.datetime.now(dt.UTC), settings=settings)
        except BaseException as exc:
            errors.append(exc)

    overtaking = threading.Thread(target=send_later)
    overtaking.start()
    assert gap_watch.waiting.wait(20)  # the later batch is waiting for seqs 1-5 now
    assert overtaking.is_alive() and not answers and not errors
    answers["earlier"] = ingest.push(db, context, earlier, dt.datetime.now(dt.UTC), settings=settings)
    overtaking.join(timeout=30)
    assert not errors, errors
    assert [r.seq for r in answers["earlier"].results] == [1, 2, 3, 4, 5]
    assert [r.seq for r in answers["later"].results] == [6, 7, 8, 9, 10]
    assert {r.status for a in answers.values() for r in a.results} == {OpStatus.APPLIED}
    assert answers["later"].station_last_seq == 10
    assert table_count(db, cases) == 10 == table_count(db, operations)


def test_a_gap_never_filled_is_refused_after_the_wait(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    context = _context(db)
    accept_op(station, "G02")  # seq 1 is numbered but never sent
    lonely = PushBatch(station_id=station.id, sent_at=station.now(), operations=(accept_op(station, "G02"),))
    settings = make_settings(tmp_path, str(db.engine.url), push_gap_wait_seconds=0.3)
    started = time.monotonic()
    with pytest.raises(ApiError) as refused:
        ingest.push(db, context, lonely, dt.datetime.now(dt.UTC), settings=settings)
    assert time.monotonic() - started >= 0.3
    assert refused.value.code == "sequence_gap"
    assert refused.value.detail == {"missing_seq": 1, "station_last_seq": 0}
    assert table_count(db, cases) == 0 == table_count(db, operations)


def test_a_resend_with_a_gap_behind_it_waits_for_the_gap_to_fill(
    db: Database, tmp_path: Path, gap_watch: _GapWatch
) -> None:
    station = enrolled_station(db)
    context = _context(db)
    one, two, three = (accept_op(station, "G02") for _ in range(3))
    settings = make_settings(tmp_path, str(db.engine.url), push_gap_wait_seconds=20)

    def batch(*ops: CaseAcceptOp) -> PushBatch:
        return PushBatch(station_id=station.id, sent_at=station.now(), operations=ops)

    ingest.push(db, context, batch(one), dt.datetime.now(dt.UTC), settings=settings)
    assert not gap_watch.waiting.is_set()  # seq 1 had nothing to wait for
    answers: list[PushResponse] = []
    waiting = threading.Thread(
        target=lambda: answers.append(
            ingest.push(db, context, batch(one, three), dt.datetime.now(dt.UTC), settings=settings)
        )
    )
    waiting.start()
    assert gap_watch.waiting.wait(20)  # seq 1 is known again, seq 3 waits for seq 2
    assert waiting.is_alive() and not answers
    ingest.push(db, context, batch(two), dt.datetime.now(dt.UTC), settings=settings)
    waiting.join(timeout=30)
    assert [(r.seq, r.status) for r in answers[0].results] == [(1, OpStatus.DUPLICATE), (3, OpStatus.APPLIED)]
    assert answers[0].station_last_seq == 3
    assert table_count(db, cases) == 3
