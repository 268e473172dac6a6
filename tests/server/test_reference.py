"""Publishing reference data: once per version and content, safe with several processes."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from schema.catalog import catalog_digest, load_catalog, parse_catalog
from schema.protocol import ChangeKind
from schema.rates import RateBook, load_rates, rates_digest
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, changes, reference_versions
from sync_server.services.admin.reference import (
    current_digests,
    publish_reference_data,
    published_versions,
    reference_changes,
    version_ordinal,
)
from tests.conftest import table_count

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


def test_first_publication_puts_each_piece_in_the_feed_for_everyone(db: Database) -> None:
    with db.write() as conn:
        published = publish_reference_data(conn, NOW)
    assert [c.kind for c in published] == [ChangeKind.CATALOG, ChangeKind.DIVISIONS, ChangeKind.RATES]
    with db.read() as conn:
        rows = conn.execute(sa.select(changes).order_by(changes.c.id)).all()
        versions = conn.execute(sa.select(reference_versions)).all()
        actions = conn.execute(sa.select(audit_log.c.action)).scalars().all()
    assert [(r.scope, r.kind) for r in rows] == [("all", "catalog"), ("all", "divisions"), ("all", "rates")]
    assert {(v.kind, v.version) for v in versions} == {
        ("catalog", load_catalog().version),
        ("rates", load_rates().version),
        ("divisions", published[1].key),
    }
    assert actions == ["reference.publish"] * 3


def test_publishing_again_changes_nothing(db: Database) -> None:
    for _ in range(3):
        with db.write() as conn:
            publish_reference_data(conn, NOW)
    assert table_count(db, changes) == 3
    assert table_count(db, reference_versions) == 3


def test_two_processes_starting_together_publish_once(db: Database) -> None:
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait()
            with db.write() as conn:
                results.append(len(publish_reference_data(conn, NOW)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(results) == [0, 0, 0, 3]
    assert table_count(db, changes) == 3


def test_new_content_under_an_old_version_is_published_again(db: Database) -> None:
    with db.write() as conn:
        publish_reference_data(conn, NOW)
        conn.execute(
            sa.update(reference_versions).where(reference_versions.c.kind == "rates").values(digest="0" * 64)
        )
    with db.write() as conn:
        assert [c.kind for c in publish_reference_data(conn, NOW)] == [ChangeKind.RATES]
    with db.read() as conn:
        digest = conn.execute(
            sa.select(reference_versions.c.digest).where(reference_versions.c.kind == "rates")
        ).scalar_one()
    assert digest == current_digests()["rates"]


def test_the_changes_carry_the_whole_data_with_the_digests_stations_check() -> None:
    catalog, divisions, rates = reference_changes()
    assert parse_catalog(catalog.data).version == catalog.key == load_catalog().version
    assert catalog_digest(parse_catalog(catalog.data)) == current_digests()["catalog"]
    assert rates_digest(RateBook.model_validate(rates.data)) == current_digests()["rates"]
    assert len(divisions.data["divisions"]) > 140  # type: ignore[arg-type]
    assert catalog.version == version_ordinal(load_catalog().version) > 0


def test_version_ordinals_order_versions() -> None:
    assert version_ordinal("2026.1") == 2026001
    assert version_ordinal("2026.12") > version_ordinal("2026.2") > version_ordinal("2025.9")
    assert version_ordinal("draft") == 0


def test_published_versions_list_each_kind_newest_first(db: Database) -> None:
    later = NOW + dt.timedelta(days=30)
    with db.write() as conn:
        publish_reference_data(conn, NOW)
        conn.execute(
            sa.insert(reference_versions).values(
                kind="catalog", version="2099.1", digest="d" * 64, published_at=later
            )
        )
    with db.read() as conn:
        listed = [(r.kind, r.version, r.published_at) for r in published_versions(conn)]
    assert [kind for kind, _, _ in listed] == ["catalog", "catalog", "divisions", "rates"]
    assert listed[:2] == [("catalog", "2099.1", later), ("catalog", load_catalog().version, NOW)]
