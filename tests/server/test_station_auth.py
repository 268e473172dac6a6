"""The database side of station authentication (SQLite and PostgreSQL): which key a
station signs with, its rate limit, and nonces that can be used once."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from sync_server.db.engine import Database
from sync_server.db.tables import nonces, stations
from sync_server.errors import ApiError
from sync_server.services.access.station_auth import NoncePruning, admit, signing_station

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
KEY = bytes(range(32))


def _station(db: Database, station_id: str, status: str, public_key: bytes | None = KEY) -> None:
    with db.write() as conn:
        conn.execute(
            sa.insert(stations).values(
                id=station_id,
                township_code=station_id[:9],
                county_code=station_id[:6],
                name="大佛街道社保所",
                status=status,
                public_key=public_key,
            )
        )


def _admit(
    db: Database, nonce: str, at: dt.datetime = NOW, *, limit: int = 100, pruning: NoncePruning | None = None
) -> None:
    admit(db, "511102004-00", nonce, at, limit=limit, window_seconds=300, pruning=pruning or NoncePruning())


def _nonces(db: Database) -> set[str]:
    with db.read() as conn:
        return set(conn.execute(sa.select(nonces.c.nonce)).scalars())


def test_the_signing_station_is_the_active_one_with_its_key(db: Database) -> None:
    _station(db, "511102004-00", "active")
    found = signing_station(db, "511102004-00")
    assert (found.id, found.township_code, found.county_code, found.public_key) == (
        "511102004-00", "511102004", "511102", KEY,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "key", "code"),
    [(None, KEY, "station_unknown"), ("revoked", KEY, "station_revoked"), ("pending", None, "station_not_enrolled"),
     ("active", None, "station_not_enrolled")],
)  # fmt: skip
def test_a_station_that_cannot_sign_is_refused(
    db: Database, status: str | None, key: bytes | None, code: str
) -> None:
    if status is not None:
        _station(db, "511102004-00", status, key)
    with pytest.raises(ApiError) as refused:
        signing_station(db, "511102004-00")
    assert refused.value.code == code
    assert refused.value.detail == {"station_id": "511102004-00"}


def test_a_nonce_is_accepted_once(db: Database) -> None:
    _station(db, "511102004-00", "active")
    _admit(db, "nonce-0001")
    with pytest.raises(ApiError) as refused:
        _admit(db, "nonce-0001")
    assert (refused.value.code, refused.value.detail) == ("auth_nonce_reused", {"nonce": "nonce-0001"})
    _admit(db, "nonce-0002")
    assert _nonces(db) == {"nonce-0001", "nonce-0002"}


def test_over_the_rate_limit_the_nonce_is_not_spent(db: Database) -> None:
    _station(db, "511102004-00", "active")
    _admit(db, "nonce-0001", limit=1)
    with pytest.raises(ApiError) as refused:
        _admit(db, "nonce-0002", limit=1)
    assert refused.value.code == "rate_limited"
    assert refused.value.headers["Retry-After"] == str(refused.value.detail["retry_after_seconds"])
    assert _nonces(db) == {"nonce-0001"}
    _admit(db, "nonce-0002", NOW + dt.timedelta(minutes=1), limit=1)  # the next window lets it through


def test_expired_nonces_are_pruned_at_most_once_a_minute(db: Database) -> None:
    _station(db, "511102004-00", "active")
    pruning = NoncePruning()
    seconds = dt.timedelta(seconds=1)
    _admit(db, "nonce-a000", NOW, pruning=pruning)  # kept for twice the 300 s window
    _admit(db, "nonce-b000", NOW + 590 * seconds, pruning=pruning)
    _admit(db, "nonce-c000", NOW + 620 * seconds, pruning=pruning)  # a has expired; pruned 30 s ago
    assert _nonces(db) == {"nonce-a000", "nonce-b000", "nonce-c000"}
    _admit(db, "nonce-d000", NOW + 651 * seconds, pruning=pruning)
    assert _nonces(db) == {"nonce-b000", "nonce-c000", "nonce-d000"}
