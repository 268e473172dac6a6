"""Reference data stations hold: the catalog, the rate book and the division table.

The server's reference data is what ``schema/`` ships with this build. Each piece travels
as one :class:`Change` (key: its version, data: its whole JSON). The same change is
served in a snapshot (``services.snapshot``) and, when a new version is published, in the
feed (scope ``all``), so a station applies both the same way.

``Change.version`` orders versions of one kind: ``YYYY.N`` becomes ``YYYY * 1000 + N``
(catalog 2026.1 → 2026001); the division table, which has no version of its own, is keyed
by its content digest with version 0. Stations prove which content they hold by digest
(``StationDigest``), not by version.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from schema.catalog import catalog_digest, load_catalog
from schema.divisions import load_divisions
from schema.protocol import Change, ChangeKind
from schema.rates import load_rates, rates_digest
from sync_server.db.tables import reference_versions
from sync_server.db.upsert import upsert
from sync_server.services import audit
from sync_server.services.feed import changes as feed

_VERSION = re.compile(r"(\d{4})\.(\d{1,3})")


def version_ordinal(version: str) -> int:
    """``"2026.1"`` → 2026001; 0 for a version not of that shape."""
    match = _VERSION.fullmatch(version)
    return int(match[1]) * 1000 + int(match[2]) if match else 0


def divisions_data() -> dict[str, Any]:
    return {"divisions": [d.model_dump(mode="json") for d in load_divisions()]}


def divisions_digest(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _versioned(kind: ChangeKind, version: str, data: dict[str, Any]) -> Change:
    return Change(kind=kind, key=version, version=version_ordinal(version), data=data)


@functools.cache
def _reference() -> tuple[tuple[Change, str], ...]:
    # Built once per process: the catalog's JSON alone is a quarter of a megabyte.
    catalog, book, divisions = load_catalog(), load_rates(), divisions_data()
    div_digest = divisions_digest(divisions)
    return (
        (
            _versioned(ChangeKind.CATALOG, catalog.version, catalog.model_dump(mode="json")),
            catalog_digest(catalog),
        ),
        (Change(kind=ChangeKind.DIVISIONS, key=div_digest[:16], version=0, data=divisions), div_digest),
        (_versioned(ChangeKind.RATES, book.version, book.model_dump(mode="json")), rates_digest(book)),
    )


def reference_changes() -> tuple[Change, ...]:
    """The server's reference data as changes, ordered by kind (catalog, divisions, rates)."""
    return tuple(change for change, _ in _reference())


def _insert_if_new(conn: Connection, kind: str, version: str, digest: str, now: dt.datetime) -> bool:
    """Record (kind, version, digest); True when it was not there with this digest.

    ``INSERT … ON CONFLICT`` on both backends: two processes starting together race on the
    primary key and exactly one of them gets the row back. A version re-shipped with
    other content (a build fixed without a version bump) replaces the digest and counts
    as new, so stations still receive it.
    """
    stmt = upsert(
        conn,
        reference_versions,
        on=[reference_versions.c.kind, reference_versions.c.version],
        values={"kind": kind, "version": version, "digest": digest, "published_at": now},
        update=["digest", "published_at"],
        where=lambda new: reference_versions.c.digest != new.digest,
    )
    # RETURNING, not the row count: the driver answers -1 for an upsert's count.
    return conn.execute(stmt.returning(reference_versions.c.kind)).first() is not None


def publish_reference_data(conn: Connection, now: dt.datetime, *, actor: str = "system") -> list[Change]:
    """Publish reference data not yet in ``reference_versions``; the changes published.

    Idempotent and safe with several processes: call it at ``init`` and at start-up.
    """
    published = [
        (change, digest)
        for change, digest in _reference()
        if _insert_if_new(conn, change.kind.value, change.key, digest, now)
    ]
    feed.emit_many(
        conn,
        [feed.FeedChange(feed.SCOPE_ALL, c.kind.value, c.key, c.version, dict(c.data)) for c, _ in published],
    )
    audit.append_many(
        conn, [(now, actor, "reference.publish", c.kind.value, c.key, {"digest": d}) for c, d in published]
    )
    return [change for change, _ in published]


def published_versions(conn: Connection) -> list[Row[Any]]:
    """Every published version, newest first within each kind (the console's catalog page)."""
    query = sa.select(reference_versions).order_by(
        reference_versions.c.kind, reference_versions.c.published_at.desc()
    )
    return list(conn.execute(query).all())


def current_digests() -> dict[str, str]:
    """Digest of each kind of reference data this server serves."""
    return {change.kind.value: digest for change, digest in _reference()}
