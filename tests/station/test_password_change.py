"""A clerk's one-time password is changed at the first login on the station: the session
refuses business until then; the change re-wraps the data key for the new password in
the same transaction and queues the new hash (never the password) for the server."""

from __future__ import annotations

import pytest

from schema.passwords import verify_password
from schema.protocol import OperationKind, staff_subject_id
from station_client.core.operation_drafts import sequenced
from station_client.services.errors import ServiceError
from station_client.services.password_change import change_password
from station_client.services.session import login
from station_client.store import audit, outbox, staff
from tests.support.stationkit import NOW, StationHome, staff_account

ONE_TIME = "Kq7mXp2Rt9Zw"
NEW = "Spring-Desk-88"


@pytest.fixture
def newcomer(station_home: StationHome) -> StationHome:
    """clerk3, just added on the server: a one-time password, wrapped here through the recovery key."""
    account = staff_account("clerk3", ONE_TIME).model_copy(update={"must_change_password": True})
    staff.apply_account(station_home.db, account)
    return station_home


def _login(home: StationHome, password: str, **kwargs):
    return login(home.db, "clerk3", password, now=NOW, **kwargs)


def test_a_one_time_password_must_be_changed_before_any_business(newcomer):
    session = _login(newcomer, ONE_TIME, recovery_key=newcomer.recovery_key)
    assert session.must_change_password
    with pytest.raises(ServiceError) as refused:
        session.require_active(NOW)
    assert (
        refused.value.code == "password_change_required" and "station-client passwd" in refused.value.message
    )


@pytest.mark.parametrize(
    ("new", "repeat", "code"),
    [
        ("Spring-Desk-88", "Spring-Desk-89", "password_mismatch"),
        ("Short-1", "Short-1", "password_too_short"),
        ("only-letters-here", "only-letters-here", "password_needs_letter_and_digit"),
        ("clerk3-Desk-2026", "clerk3-Desk-2026", "password_contains_username"),
        (ONE_TIME, ONE_TIME, "password_unchanged"),
    ],
)
def test_a_new_password_breaking_a_rule_is_refused_with_its_code(newcomer, new, repeat, code):
    session = _login(newcomer, ONE_TIME, recovery_key=newcomer.recovery_key)
    with pytest.raises(ServiceError) as refused:
        change_password(session, ONE_TIME, new, repeat, now=NOW)
    assert refused.value.code == code
    assert staff.get(newcomer.db, "clerk3").must_change_password
    assert outbox.counts(newcomer.db)["pending"] == 0


def test_a_wrong_current_password_counts_as_a_failed_login(newcomer):
    session = _login(newcomer, ONE_TIME, recovery_key=newcomer.recovery_key)
    with pytest.raises(ServiceError) as refused:
        change_password(session, "not-it-2026", NEW, NEW, now=NOW)
    assert refused.value.code == "login_wrong_password"
    assert staff.get(newcomer.db, "clerk3").failed_logins == 1


def test_the_change_rewraps_the_key_queues_the_hash_and_the_old_password_stops_working(newcomer):
    db = newcomer.db
    session = _login(newcomer, ONE_TIME, recovery_key=newcomer.recovery_key)
    change_password(session, ONE_TIME, NEW, NEW, now=NOW)
    assert not session.must_change_password
    session.require_active(NOW)  # business may start

    row = staff.get(db, "clerk3")
    assert not row.must_change_password and verify_password(NEW, row.password_hash) and row.version == 1
    [(local_id, _op_id, kind, case_id)] = db.execute(
        "SELECT local_id, op_id, kind, case_id FROM outbox"
    ).fetchall()
    assert kind == OperationKind.STAFF_PASSWORD.value and case_id == str(staff_subject_id("clerk3"))
    op = sequenced(outbox.read_json(db, session.dek, local_id), 1)
    assert op.payload.username == "clerk3" and op.payload.based_on_version == 1
    assert op.payload.password_hash == row.password_hash and NEW not in op.model_dump_json()
    [entry] = [e for e in audit.entries(db, entity_id="clerk3") if e["action"] == "staff.change_password"]
    assert entry["actor"] == "clerk3" and audit.verify(db) is None

    session.lock()
    again = _login(newcomer, NEW)  # no recovery key, no other clerk: the new wrap opens the key
    assert again.dek.raw == newcomer.dek.raw and not again.must_change_password
    with pytest.raises(ServiceError) as refused:
        _login(newcomer, ONE_TIME)
    assert refused.value.code == "login_wrong_password"

    # The server applied it and feeds the account back at the next version: still the new password.
    fed = staff_account("clerk3", NEW).model_copy(update={"password_hash": row.password_hash, "version": 2})
    assert staff.apply_account(db, fed)
    assert _login(newcomer, NEW).dek.raw == newcomer.dek.raw


def test_a_store_of_the_last_version_keeps_its_outbox_rows_when_migrated(tmp_path):
    from sqlite_utils import Database

    from station_client.store import migrations

    db = Database(tmp_path / "old.db")
    for step in migrations.MIGRATIONS[:2]:
        step(db)
    db.execute("PRAGMA user_version = 2")
    db.execute(
        "INSERT INTO outbox (local_id, op_id, case_id, kind, state, created_at, enc) "
        "VALUES (7, 'op-1', 'case-1', 'case_accept', 'pending', '2026-11-26T02:00:00+00:00', x'00')"
    )
    assert migrations.migrate(db) == migrations.SCHEMA_VERSION
    assert db.execute("SELECT local_id, op_id, case_id FROM outbox").fetchall() == [(7, "op-1", "case-1")]
    db.execute("PRAGMA foreign_keys = ON")
    subject = str(staff_subject_id("clerk3"))  # not a case: accepted now
    db.execute(
        "INSERT INTO outbox (op_id, case_id, kind, created_at, enc) VALUES ('op-2', ?, 'staff_password', 'x', x'00')",
        [subject],
    )
    assert db.execute("SELECT max(local_id) FROM outbox").fetchone()[0] == 8
