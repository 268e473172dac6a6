"""Pull: feed paging, scopes, the first snapshot and its continuation, the digest, start-over.

Service level, on SQLite and PostgreSQL. A small station mirror applies pages the way a
station does (by version) so the tests can compare what it ends up holding with the
server's tables.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from schema.catalog import catalog_digest, parse_catalog
from schema.protocol import Change, ChangeKind, PullPage, PullRequest, StationDigest
from schema.rates import RateBook, rates_digest
from schema.records import CHANGE_RECORDS
from schema.registry_digest import RegistrySum, station_digest
from sync_server.core.cursor import (
    FeedCursor,
    FeedPosition,
    Phase,
    SnapshotCursor,
    covers,
    decode,
    durable_form,
    encode,
)
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, changes, enrolments, persons, stations, units
from sync_server.errors import ApiError
from sync_server.services.admin import reference
from sync_server.services.admin.staff import add_staff, set_disabled
from sync_server.services.admin.stations import add_station
from sync_server.services.feed import changes as feed
from sync_server.services.feed.digest import digest_for_station
from sync_server.services.feed.prune import prune_feed
from sync_server.services.feed.pull import pull, record_pull, serve_pull, served
from sync_server.services.feed.start_over import order_start_over
from sync_server.settings import Settings

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
TOWNSHIP, OTHER_TOWNSHIP = "511102004", "511111002"
A, A2, B = f"{TOWNSHIP}-00", f"{TOWNSHIP}-01", f"{OTHER_TOWNSHIP}-00"


@dataclass(frozen=True)
class Station:
    """Stands in for ``api.auth.StationContext``."""

    station_id: str
    township_code: str


STATION_A, STATION_A2, STATION_B = Station(A, TOWNSHIP), Station(A2, TOWNSHIP), Station(B, OTHER_TOWNSHIP)


# Records checked against schema.records as they arrive (the tests' case changes are bare).
RECORD_KINDS = (ChangeKind.STAFF, ChangeKind.PERSON, ChangeKind.UNIT)


@dataclass
class Mirror:
    """What a station holds: applies changes by version, as the station client must."""

    cursor: str | None = None
    held: dict[tuple[str, str], Change] = field(default_factory=dict)
    received: list[Change] = field(default_factory=list)
    start_overs: int = 0
    digest: StationDigest | None = None

    def apply(self, page: PullPage) -> None:
        for change in page.changes:
            self.received.append(change)
            if change.kind in RECORD_KINDS and not change.deleted:
                CHANGE_RECORDS[change.kind].model_validate(change.data)
            if change.kind == ChangeKind.START_OVER:
                self.start_overs += 1
                self.held = {k: v for k, v in self.held.items() if k[0] in ("decision", "case_status")}
                continue
            slot = (change.kind.value, change.key)
            if change.kind in (ChangeKind.CATALOG, ChangeKind.RATES, ChangeKind.DIVISIONS):
                slot = (change.kind.value, "")  # one of each: the newest replaces
            old = self.held.get(slot)
            if old is None or change.version >= old.version:
                self.held[slot] = change
        self.cursor = page.next_cursor
        if page.start_over:
            self.held, self.cursor = {}, None
        self.digest = page.digest

    def keys(self, *kinds: str) -> list[tuple[str, int]]:
        return sorted(
            (c.key, c.version) for (kind, _), c in self.held.items() if kind in kinds and not c.deleted
        )

    def own_digest(self) -> StationDigest:
        catalog = parse_catalog(self.held[("catalog", "")].data)
        return station_digest(
            catalog_version=catalog.version,
            catalog_digest=catalog_digest(catalog),
            rates_digest=rates_digest(RateBook.model_validate(self.held[("rates", "")].data)),
            staff=self.keys("staff"),
            registry=RegistrySum.of(self.keys("person", "unit")),
        )


def settings(tmp_path: Path, page_size: int = 500) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="k" * 40, pull_page_size=page_size)


def sync(db: Database, mirror: Mirror, station: Station, cfg: Settings, limit: int = 200) -> int:
    """Pull until in step (the last page carries the digest); the number of pages with changes.

    On PostgreSQL the horizon is the whole cluster's: a transaction of another session
    (another test run on the same server) can hold the feed back for a moment, and the
    digest is then left out. Like a station, pull again shortly.
    """
    pages, deadline = 0, time.monotonic() + 30
    while True:
        with db.read() as conn:
            served_page = served(conn, station, PullRequest(cursor=mirror.cursor, limit=limit), cfg)
        page = served_page.page()
        # the bytes a station receives (feed data passed through as held) read as the same page
        assert PullPage.model_validate_json(served_page.to_json()) == page
        mirror.apply(page)
        pages += 1 if page.changes or page.has_more else 0
        if not page.has_more and page.digest is not None:
            return max(pages, 1)
        assert time.monotonic() < deadline, "the feed did not catch up"
        if not page.has_more:
            time.sleep(0.05)


def next_changes(db: Database, station: Station, cursor: str | None, cfg: Settings) -> PullPage:
    """The next page that has changes (see :func:`sync` on a shared PostgreSQL)."""
    deadline = time.monotonic() + 30
    while True:
        with db.read() as conn:
            page = pull(conn, station, PullRequest(cursor=cursor), cfg)
        if page.changes:
            return page
        assert time.monotonic() < deadline, "the feed did not catch up"
        time.sleep(0.05)


def add_stations(db: Database) -> None:
    with db.write() as conn:
        for township, point in ((TOWNSHIP, 0), (TOWNSHIP, 1), (OTHER_TOWNSHIP, 0)):
            add_station(
                conn, division=township, name="社保所", point=point, now=NOW, code_hours=24, actor="t"
            )


def add_person(conn: sa.Connection, number: int, township: str, version: int = 1) -> str:
    id_number = f"51110219800101{number:04d}"
    conn.execute(
        sa.insert(persons).values(
            id_number=id_number,
            name=f"测试{number}",
            sex="female" if number % 2 else "male",
            birth_date=dt.date(1980, 1, 1),
            township_code=township,
            version=version,
        )
    )
    conn.execute(
        sa.insert(enrolments).values(
            id_number=id_number,
            insurance_type="resident_pension",
            county_code=township[:6],
            kind="resident",
            status="active",
            since=dt.date(2010, 1, 1),
        )
    )
    return id_number


def person_feed(conn: sa.Connection, id_number: str, township: str, version: int) -> None:
    """What the registry emits when it changes a person (shape and version as the snapshot's)."""
    from sync_server.services.feed.snapshot import person_change

    row = conn.execute(sa.select(persons).where(persons.c.id_number == id_number)).one()
    held = conn.execute(sa.select(enrolments).where(enrolments.c.id_number == id_number)).all()
    change = person_change(row, held)
    assert change.version == version
    feed.emit(
        conn, feed.FeedChange(feed.township_scope(township), "person", change.key, version, dict(change.data))
    )


def seed_registry(db: Database) -> None:
    with db.write() as conn:
        for n in range(12):
            add_person(conn, n, TOWNSHIP if n < 8 else OTHER_TOWNSHIP)
        for n, township in enumerate((TOWNSHIP, TOWNSHIP, OTHER_TOWNSHIP)):
            conn.execute(
                sa.insert(units).values(
                    uscc=f"91511102MA6{n:07d}",
                    name=f"单位{n}",
                    county_code=township[:6],
                    township_code=township,
                )
            )
        for name, station in (("clerk.a1", A), ("clerk.a2", A), ("clerk.b", B)):
            add_staff(
                conn, username=name, role="clerk", station_id=station, now=NOW, actor="t", password="x" * 12
            )
        reference.publish_reference_data(conn, NOW)


@pytest.fixture
def world(db: Database) -> Database:
    add_stations(db)
    seed_registry(db)
    return db


# ---- the snapshot --------------------------------------------------------------------


def test_first_pull_is_a_snapshot_of_the_township_then_the_digest_matches(
    world: Database, tmp_path: Path
) -> None:
    mirror = Mirror()
    pages = sync(world, mirror, STATION_A, settings(tmp_path), limit=4)
    assert pages > 3
    kinds = {c.kind for c in mirror.received}
    assert {ChangeKind.CATALOG, ChangeKind.RATES, ChangeKind.DIVISIONS, ChangeKind.STAFF} <= kinds
    assert [k for k, _ in mirror.keys("person")] == [f"51110219800101{n:04d}" for n in range(8)]
    assert [k for k, _ in mirror.keys("unit")] == ["91511102MA60000000", "91511102MA60000001"]
    assert [k for k, _ in mirror.keys("staff")] == ["clerk.a1", "clerk.a2"]
    staff = next(c for c in mirror.received if c.kind == ChangeKind.STAFF)
    assert str(staff.data["password_hash"]).startswith("scrypt$") and "password" not in staff.data
    assert mirror.digest is not None
    assert mirror.digest == mirror.own_digest()
    assert mirror.digest.registry_count == 10
    # Nothing was served twice: the publication rows lie before the snapshot's feed position.
    # On PostgreSQL that position is the cluster's horizon (docs/server.md): when a transaction
    # of another session (a test on the other xdist worker) held it back, rows the snapshot
    # already held are served again after it. Only as the very same versions, which a station
    # applies idempotently; the digest above matched either way.
    versions = {(c.kind, c.key, c.version): c for c in mirror.received}
    if world.engine.dialect.name == "postgresql":
        assert all(c.data == versions[(c.kind, c.key, c.version)].data for c in mirror.received)
        assert len({(c.kind, c.key) for c in mirror.received}) == len(versions)  # one version per row
    else:
        assert len(mirror.received) == len(versions)
    assert isinstance(decode(mirror.cursor or ""), FeedCursor)


def test_snapshot_pages_hold_at_most_the_limit_and_the_setting_caps_it(
    world: Database, tmp_path: Path
) -> None:
    with world.read() as conn:
        page = pull(conn, STATION_A, PullRequest(limit=1000), settings(tmp_path, page_size=5))
    assert len(page.changes) == 5 and page.has_more and page.digest is None
    assert isinstance(decode(page.next_cursor or ""), SnapshotCursor)


def test_changes_during_the_snapshot_are_not_lost(world: Database, tmp_path: Path) -> None:
    cfg = settings(tmp_path)
    mirror = Mirror()
    with world.read() as conn:
        page = pull(conn, STATION_A, PullRequest(limit=5), cfg)  # reference and staff, persons not yet
    mirror.apply(page)
    with world.write() as conn:
        # A person already served? Not yet: one before and one after the snapshot's position.
        first = "511102198001010000"
        conn.execute(sa.update(persons).where(persons.c.id_number == first).values(name="改名", version=2))
        person_feed(conn, first, TOWNSHIP, 2)
        new = add_person(conn, 50, TOWNSHIP)
        person_feed(conn, new, TOWNSHIP, 1)
        feed.emit(conn, feed.FeedChange(feed.station_scope(A), "case_status", "case-1", 1, {}))
        set_disabled(conn, "clerk.a1", True, now=NOW, actor="t")
    sync(world, mirror, STATION_A, cfg, limit=3)
    assert mirror.held[("person", first)].data["name"] == "改名"
    assert ("person", new) in mirror.held
    assert ("case_status", "case-1") in mirror.held
    assert mirror.held[("staff", "clerk.a1")].version == 2
    assert mirror.digest == mirror.own_digest()
    with world.read() as conn:
        assert mirror.digest == digest_for_station(conn, A, TOWNSHIP)


# ---- the feed ------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 4, 25, 200])
def test_feed_pages_in_order_without_gaps_or_repeats(world: Database, tmp_path: Path, limit: int) -> None:
    cfg = settings(tmp_path)
    mirror = Mirror()
    sync(world, mirror, STATION_A, cfg)
    mirror.received.clear()
    with world.write() as conn:
        for i in range(25):
            feed.emit(conn, feed.FeedChange(feed.station_scope(A), "case_status", f"case-{i:02d}", 1, {}))
    pages = sync(world, mirror, STATION_A, cfg, limit=limit)
    assert [c.key for c in mirror.received] == [f"case-{i:02d}" for i in range(25)]
    assert pages == -(-25 // limit)  # has_more is exact: no empty page at the end
    assert mirror.digest == mirror.own_digest()


def test_an_empty_page_keeps_the_cursor(world: Database, tmp_path: Path) -> None:
    cfg = settings(tmp_path)
    mirror = Mirror()
    sync(world, mirror, STATION_A, cfg)
    before = mirror.cursor
    with world.read() as conn:
        page = pull(conn, STATION_A, PullRequest(cursor=before), cfg)
    assert page.changes == () and not page.has_more and page.digest is not None
    # The same place in the feed; only the list of transactions still running elsewhere on a
    # shared PostgreSQL may have shortened (core.cursor).
    now, then = decode(page.next_cursor or ""), decode(before or "")
    assert isinstance(now, FeedCursor) and isinstance(then, FeedCursor)
    assert (now.position.xid, now.position.id) == (then.position.xid, then.position.id)
    if world.engine.dialect.name == "sqlite":
        assert page.next_cursor == before


def test_a_station_receives_only_its_own_scopes(world: Database, tmp_path: Path) -> None:
    cfg = settings(tmp_path)
    mirrors = {s.station_id: Mirror() for s in (STATION_A, STATION_A2, STATION_B)}
    for s in (STATION_A, STATION_A2, STATION_B):
        sync(world, mirrors[s.station_id], s, cfg)
        mirrors[s.station_id].received.clear()
    with world.write() as conn:
        feed.emit_many(
            conn,
            [
                feed.FeedChange(feed.station_scope(A), "case_status", "for-a", 1, {}),
                feed.FeedChange(feed.station_scope(A2), "case_status", "for-a2", 1, {}),
                feed.FeedChange(feed.station_scope(B), "case_status", "for-b", 1, {}),
                feed.FeedChange(feed.township_scope(TOWNSHIP), "case_status", "township-a", 1, {}),
                feed.FeedChange(feed.township_scope(OTHER_TOWNSHIP), "case_status", "township-b", 1, {}),
                feed.FeedChange(feed.SCOPE_ALL, "case_status", "everyone", 1, {}),
            ],
        )
    for s in (STATION_A, STATION_A2, STATION_B):
        sync(world, mirrors[s.station_id], s, cfg, limit=2)
    got = {sid: sorted(c.key for c in m.received) for sid, m in mirrors.items()}
    assert got[A] == ["everyone", "for-a", "township-a"]
    assert got[A2] == ["everyone", "for-a2", "township-a"]
    assert got[B] == ["everyone", "for-b", "township-b"]
    # The snapshot of B holds none of A's persons nor A's clerks.
    b = Mirror()
    sync(world, b, STATION_B, cfg)
    assert [k for k, _ in b.keys("person")] == [f"51110219800101{n:04d}" for n in range(8, 12)]
    assert [k for k, _ in b.keys("staff")] == ["clerk.b"]


def test_newly_published_reference_data_travels_in_the_feed(world: Database, tmp_path: Path) -> None:
    cfg = settings(tmp_path)
    mirror = Mirror()
    sync(world, mirror, STATION_A, cfg)
    mirror.received.clear()
    with world.write() as conn:  # as if a new build shipped another rate book
        conn.execute(sa.delete(sa.table("reference_versions")).where(sa.column("kind") == "rates"))
        assert [c.kind for c in reference.publish_reference_data(conn, NOW)] == [ChangeKind.RATES]
    sync(world, mirror, STATION_A, cfg)
    assert [c.kind for c in mirror.received] == [ChangeKind.RATES]


# ---- cursors -------------------------------------------------------------------------


@given(
    xid=st.integers(min_value=1, max_value=2**63 - 1),
    id_=st.integers(min_value=0, max_value=2**63 - 1),
    below=st.lists(st.integers(min_value=1, max_value=2**20), max_size=8, unique=True),
    seen=st.integers(min_value=0, max_value=2**40),
    phase=st.sampled_from(list(Phase)),
    key=st.text(alphabet="abcxyzABCXYZ0189_.@-", max_size=64),  # usernames, ID numbers, USCCs
)
def test_cursors_survive_the_round_trip_and_fit_the_protocol(
    *, xid: int, id_: int, below: list[int], seen: int, phase: Phase, key: str
) -> None:
    # Pending transactions: running ones (nothing seen) and one served part way.
    offsets = [d for d in below if d <= xid]
    pending = tuple(sorted((xid - d, seen if i == 0 else 0) for i, d in enumerate(offsets)))
    position = FeedPosition(xid, id_, pending)
    for cursor in (FeedCursor(position), SnapshotCursor(position, phase, key)):
        text = encode(cursor)
        assert decode(text) == cursor
        PullRequest(cursor=text)  # the protocol's cursor alphabet and length
        assert len(durable_form(cursor)) <= 256  # stations.pull_cursor
        assert decode(durable_form(cursor)).__class__ is cursor.__class__


@pytest.mark.parametrize(
    "text",
    [
        "x",
        "f.1",
        "f.-1.2",
        "f.01.2",
        "s.0.0.z",
        "s.0.0.p.a=",
        "s.0.0.p.QQ.x",
        "f.1.99999999999999999999",
        "f.5_6.1",  # a pending transaction above zero
        "f.5_1_1.1",  # listed twice
        "f.5_1:0.1",  # ":0" is written as nothing
        "f.9_3_1.1",  # not nearest first
    ],
)
def test_a_malformed_cursor_is_refused_with_its_code(world: Database, tmp_path: Path, text: str) -> None:
    with world.read() as conn, pytest.raises(ApiError) as caught:
        pull(conn, STATION_A, PullRequest(cursor=text), settings(tmp_path))
    assert caught.value.code == "cursor_invalid" and caught.value.status == 400


def test_a_cursor_past_the_feed_asks_the_station_to_start_over(world: Database, tmp_path: Path) -> None:
    with world.read() as conn:
        page = pull(conn, STATION_A, PullRequest(cursor="f.0.999999"), settings(tmp_path))
    assert page.start_over and page.has_more and page.next_cursor is None and page.changes == ()


def test_a_start_over_order_travels_and_the_station_downloads_again(world: Database, tmp_path: Path) -> None:
    cfg = settings(tmp_path)
    mirror = Mirror()
    sync(world, mirror, STATION_A, cfg)
    with world.write() as conn:
        assert order_start_over(conn, A, "admin", reason="参考数据校验不一致") == 1
        feed.emit(conn, feed.FeedChange(feed.station_scope(A), "case_status", "after-order", 1, {}))
    mirror.received.clear()
    page = next_changes(world, STATION_A, mirror.cursor, cfg)
    assert [c.kind for c in page.changes] == [ChangeKind.START_OVER]
    assert page.changes[0].version == 1 and page.has_more
    assert isinstance(decode(page.next_cursor or ""), SnapshotCursor)
    mirror.apply(page)
    assert not any(k[0] == "person" for k in mirror.held)
    sync(world, mirror, STATION_A, cfg)
    assert mirror.start_overs == 1  # the order is not served twice
    assert ("case_status", "after-order") in mirror.held  # committed after the order: not skipped
    assert len(mirror.keys("person")) == 8
    assert mirror.digest == mirror.own_digest()
    with world.read() as conn:
        row = conn.execute(sa.select(stations.c.start_over_generation).where(stations.c.id == A)).one()
        actions = conn.execute(sa.select(audit_log.c.action)).scalars().all()
    assert row.start_over_generation == 1 and "station.start_over" in actions


def test_the_pull_is_recorded_for_the_dashboard(world: Database, tmp_path: Path) -> None:
    cfg = settings(tmp_path)
    first = serve_pull(world, STATION_A, PullRequest(limit=2), cfg, NOW)
    with world.read() as conn:
        row = conn.execute(sa.select(stations).where(stations.c.id == A)).one()
    assert row.pull_cursor is None and row.last_pull_at is not None
    serve_pull(
        world,
        STATION_A,
        PullRequest(cursor=first.head.next_cursor, limit=2),
        cfg,
        NOW + dt.timedelta(minutes=1),
    )
    with world.write() as conn:
        record_pull(conn, A, "s.1.2.p." + "QUJD" * 64, NOW)  # too long for the column: the key is dropped
        cursor = conn.execute(sa.select(stations.c.pull_cursor).where(stations.c.id == A)).scalar_one()
    assert cursor == "s.1.2.p"


def test_feed_rows_are_served_as_changes(world: Database, tmp_path: Path) -> None:
    cfg = settings(tmp_path)
    mirror = Mirror()
    sync(world, mirror, STATION_A, cfg)
    with world.write() as conn:
        feed.emit(
            conn, feed.FeedChange(feed.station_scope(A), "case_status", "gone", 3, {"x": [1]}, deleted=True)
        )
    page = next_changes(world, STATION_A, mirror.cursor, cfg)
    with world.read() as conn:
        top = conn.execute(sa.select(sa.func.max(changes.c.id))).scalar_one()
    assert page.changes == (
        Change(kind=ChangeKind.CASE_STATUS, key="gone", version=3, data={"x": [1]}, deleted=True),
    )
    cursor = decode(page.next_cursor or "")
    assert isinstance(cursor, FeedCursor) and cursor.position.id == top


def test_staff_accounts_are_the_same_from_the_snapshot_and_the_feed(world: Database, tmp_path: Path) -> None:
    cfg = settings(tmp_path)
    mirror = Mirror()
    sync(world, mirror, STATION_A, cfg)
    from_snapshot = mirror.held[("staff", "clerk.a2")]
    with world.write() as conn:
        set_disabled(conn, "clerk.a2", True, now=NOW, actor="t")
        set_disabled(conn, "clerk.a2", False, now=NOW, actor="t")
    sync(world, mirror, STATION_A, cfg)
    from_feed = mirror.held[("staff", "clerk.a2")]
    assert from_feed.version == from_snapshot.version + 2
    assert {**from_feed.data, "version": 1} == {**from_snapshot.data, "version": 1}


# ---- pruning -------------------------------------------------------------------------


def _pulled(db: Database, station: Station, mirror: Mirror, at: dt.datetime) -> None:
    """The station's pull as the API records it: its applied cursor and the time."""
    with db.write() as conn:
        record_pull(conn, station.station_id, mirror.cursor, at)


def test_pruning_deletes_old_rows_every_active_station_has_seen_and_a_station_behind_starts_over(
    world: Database, tmp_path: Path
) -> None:
    cfg = settings(tmp_path)
    now = dt.datetime.now(dt.UTC)
    long_ago = now - dt.timedelta(days=100)
    with world.write() as conn:  # enrolled
        conn.execute(sa.update(stations).values(status="active"))
    mirrors = {s.station_id: Mirror() for s in (STATION_A, STATION_A2, STATION_B)}
    for s in (STATION_A, STATION_A2, STATION_B):
        sync(world, mirrors[s.station_id], s, cfg)
    # B was last seen 100 days ago, standing where it stands now.
    _pulled(world, STATION_B, mirrors[B], long_ago)
    with world.write() as conn:  # old rows (for both townships), written 100 days ago
        for i in range(6):
            feed.emit(conn, feed.FeedChange(feed.SCOPE_ALL, "case_status", f"old-{i}", 1, {}))
        conn.execute(sa.update(changes).where(changes.c.key.like("old-%")).values(created_at=long_ago))
    for s in (STATION_A, STATION_A2):  # the active stations download them
        sync(world, mirrors[s.station_id], s, cfg)
        _pulled(world, s, mirrors[s.station_id], now)
    with world.write() as conn:
        feed.emit(conn, feed.FeedChange(feed.SCOPE_ALL, "case_status", "recent", 1, {}))
    with world.read() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(changes)).scalar_one()

    result = prune_feed(world, retention_days=30, now=now, actor="admin")

    with world.read() as conn:
        keys = conn.execute(sa.select(changes.c.key)).scalars().all()
        actions = conn.execute(sa.select(audit_log.c.action)).scalars().all()
    assert result.deleted == 6 and len(keys) == before - 6
    assert not any(k.startswith("old-") for k in keys) and "recent" in keys
    assert result.behind == (B,) and "feed.prune" in actions
    # A carries on from its cursor: the next change, no start-over.
    mirrors[A].received.clear()
    sync(world, mirrors[A], STATION_A, cfg)
    assert [c.key for c in mirrors[A].received] == ["recent"] and mirrors[A].start_overs == 0
    # B's cursor has not seen the deleted rows: it is told to start over, and downloads again.
    with world.read() as conn:
        page = pull(conn, STATION_B, PullRequest(cursor=mirrors[B].cursor), cfg)
    assert page.start_over and page.next_cursor is None and page.changes == ()
    mirrors[B].apply(page)
    sync(world, mirrors[B], STATION_B, cfg)
    assert mirrors[B].digest == mirrors[B].own_digest()
    # Again: nothing more is old enough, and the mark does not move back.
    again = prune_feed(world, retention_days=30, now=now, actor="admin")
    assert again.deleted == 0 and covers(decode(again.mark).position, decode(result.mark).position)  # type: ignore[union-attr]


def test_a_station_that_has_not_seen_an_old_row_keeps_it(world: Database, tmp_path: Path) -> None:
    cfg = settings(tmp_path)
    now = dt.datetime.now(dt.UTC)
    with world.write() as conn:
        conn.execute(sa.update(stations).values(status="active"))
    mirrors = {s.station_id: Mirror() for s in (STATION_A, STATION_B)}
    for s in (STATION_A, STATION_B):
        sync(world, mirrors[s.station_id], s, cfg)
        _pulled(world, s, mirrors[s.station_id], now)
    with world.write() as conn:
        feed.emit(conn, feed.FeedChange(feed.station_scope(A), "case_status", "old", 1, {}))
        conn.execute(
            sa.update(changes).where(changes.c.key == "old").values(created_at=now - dt.timedelta(days=100))
        )
    sync(world, mirrors[A], STATION_A, cfg)
    _pulled(world, STATION_A, mirrors[A], now)  # A has it; B, active, has not pulled since

    assert prune_feed(world, retention_days=30, now=now, actor="admin").deleted == 0
    with world.read() as conn:
        assert conn.execute(sa.select(changes.c.id).where(changes.c.key == "old")).first() is not None
        page = pull(conn, STATION_B, PullRequest(cursor=mirrors[B].cursor), cfg)
    assert not page.start_over


def test_the_feed_prune_command(world: Database, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sync_server.cli import main

    del world
    result = CliRunner().invoke(main, ["feed", "prune", "--help"])
    assert result.exit_code == 0 and "保留天数" in result.output


# ---- the cursor's rule, against a model of PostgreSQL's snapshots ----------------------


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, int]]:
    """Steps of up to 5 transactions: take an id, write rows (any time later), end; pulls between."""
    n = draw(st.integers(min_value=1, max_value=5))
    steps: list[tuple[str, int]] = []
    pending = {t: ["begin", *["write"] * draw(st.integers(0, 3)), "end"] for t in range(n)}
    while pending:
        t = draw(st.sampled_from(sorted(pending)))
        steps.append((pending[t].pop(0), t))
        if not pending[t]:
            del pending[t]
        if draw(st.booleans()):
            steps.append(("pull", -1))
    return steps


@given(steps=histories(), limit=st.integers(1, 4), aborts=st.sets(st.integers(0, 4)))
def test_advance_serves_every_committed_row_once_whatever_the_commit_order(
    steps: list[tuple[str, int]], limit: int, aborts: set[int]
) -> None:
    from sync_server.core.cursor import advance

    xid_of: dict[int, int] = {}
    rows: list[tuple[int, int]] = []  # (xid, id) in insert order
    committed: set[int] = set()
    done: set[int] = set()
    received: list[tuple[int, int]] = []
    position = FeedPosition(1, 0)  # xids start at 2 here

    def pull_page() -> bool:
        nonlocal position
        # PostgreSQL: xmax = latest completed + 1; running = in progress below it.
        xmax = max(done, default=1) + 1
        running = [x for x in xid_of.values() if x not in done and x < xmax]
        visible = sorted(r for r in rows if r[0] in committed and r[0] < xmax and not position.seen(*r))
        page, more = visible[:limit], len(visible) > limit
        received.extend(page)
        position = advance(position, page, running, complete=not more)
        return more

    for kind, t in steps:
        if kind == "begin":
            xid_of[t] = len(xid_of) + 2
        elif kind == "write":
            rows.append((xid_of[t], len(rows) + 1))
        elif kind == "end":
            done.add(xid_of[t])
            if t not in aborts:
                committed.add(xid_of[t])
        else:
            while pull_page():
                pass
    while pull_page():
        pass
    expected = sorted(r for r in rows if r[0] in committed)
    assert sorted(received) == expected and len(received) == len(set(received))
