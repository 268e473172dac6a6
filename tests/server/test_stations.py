"""Stations, their one-time enrolment codes, and the shared failure throttle (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from schema.divisions import StationCode
from schema.errors import DivisionError
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, stations
from sync_server.errors import ApiError
from sync_server.services import audit
from sync_server.services.access import throttle
from sync_server.services.admin.stations import (
    ENROL_ALPHABET,
    StationError,
    add_station,
    complete_enrolment,
    enrol_code_hash,
    generate_enrolment_code,
    get_station,
    issue_enrolment_code,
    list_stations,
    normalise_enrolment_code,
    revoke_station,
    verify_enrolment_code,
)

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


def _add(db: Database, division: str = "511102004", point: int | None = None, name: str = "大佛街道社保所"):
    with db.write() as conn:
        return add_station(
            conn, division=division, name=name, point=point, now=NOW, code_hours=24, actor="admin"
        )


def _verify(db: Database, code: str, now: dt.datetime = NOW):
    with db.write() as conn:
        return verify_enrolment_code(conn, code, now)


def _error_code(db: Database, code: str, now: dt.datetime = NOW) -> str:
    with pytest.raises(ApiError) as caught:
        _verify(db, code, now)
    return caught.value.code


# ---- codes --------------------------------------------------------------------------


def test_codes_are_readable_groups_without_look_alikes() -> None:
    code = generate_enrolment_code()
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert set("".join(groups)) <= set(ENROL_ALPHABET)
    assert not set("01ILO") & set(ENROL_ALPHABET)


def test_typing_slips_are_forgiven_when_a_code_is_read() -> None:
    code = generate_enrolment_code()
    sloppy = " " + code.lower().replace("-", " ") + "\u3000"
    assert normalise_enrolment_code(sloppy) == code.replace("-", "")
    assert enrol_code_hash(sloppy) == enrol_code_hash(code)
    assert normalise_enrolment_code("K7PQ-3MXD") is None


# ---- stations -----------------------------------------------------------------------


def test_a_new_station_is_pending_and_stores_only_the_hash_of_its_code(db: Database) -> None:
    issued = _add(db)
    assert issued.station_id == "511102004-00"
    assert issued.expires_at == NOW + dt.timedelta(hours=24)
    with db.read() as conn:
        row = get_station(conn, "511102004-00")
        stored = conn.execute(sa.select(stations)).one()._mapping
    assert row.status == "pending"
    assert row.county_code == "511102" and row.township_code == "511102004"
    assert row.enrol_code_hash == enrol_code_hash(issued.code)
    assert issued.code.replace("-", "") not in {str(v) for v in stored.values()}


def test_points_default_to_the_next_free_one_in_the_township(db: Database) -> None:
    assert _add(db).station_id == "511102004-00"
    assert _add(db, point=2, name="嘉州社区服务点").station_id == "511102004-02"
    assert _add(db, name="通江社区服务点").station_id == "511102004-01"
    assert _add(db, name="又一个服务点").station_id == "511102004-03"
    with db.read() as conn:
        assert [r.id for r in list_stations(conn)] == [f"511102004-0{i}" for i in range(4)]


def test_a_division_can_be_named(db: Database) -> None:
    assert _add(db, division="玉津镇", name="犍为县玉津镇社保所").station_id == "511123100-00"


@pytest.mark.parametrize(
    ("division", "point", "name", "code"),
    [
        ("511102", None, "市中区社保所", "station_division_not_township"),
        ("511102004", 0, "重复的站", "station_exists"),
        ("511102004", None, "   ", "station_name_invalid"),
    ],
)
def test_bad_station_requests_are_refused_with_a_reason(
    db: Database, division: str, point: int | None, name: str, code: str
) -> None:
    _add(db)
    with pytest.raises(StationError) as caught:
        _add(db, division=division, point=point, name=name)
    assert caught.value.code == code
    assert "请" in caught.value.message  # says what to do next


def test_an_unknown_division_is_a_division_error(db: Database) -> None:
    with pytest.raises(DivisionError):
        _add(db, division="510104001")


def test_every_state_change_is_audited(db: Database) -> None:
    issued = _add(db)
    with db.write() as conn:
        issue_enrolment_code(conn, issued.station_id, now=NOW, hours=24, actor="admin")
        revoke_station(conn, issued.station_id, now=NOW, actor="admin")
    with db.read() as conn:
        actions = conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.seq)).scalars().all()
        assert audit.verify(conn).intact
    assert actions == ["station.add", "station.new_code", "station.revoke"]


# ---- verifying codes ----------------------------------------------------------------


def test_a_live_code_names_its_station(db: Database) -> None:
    issued = _add(db)
    assert _verify(db, issued.code.lower()).id == issued.station_id


def test_unknown_and_malformed_codes_are_invalid(db: Database) -> None:
    _add(db)
    assert _error_code(db, generate_enrolment_code()) == "enrol_code_invalid"
    assert _error_code(db, "hello") == "enrol_code_invalid"


def test_a_code_expires(db: Database) -> None:
    issued = _add(db)
    assert _error_code(db, issued.code, NOW + dt.timedelta(hours=24)) == "enrol_code_expired"


def test_a_code_is_used_once_and_enrolment_binds_the_key(db: Database) -> None:
    issued = _add(db)
    with db.write() as conn:
        row = verify_enrolment_code(conn, issued.code, NOW)
        complete_enrolment(conn, row.id, b"k" * 32, now=NOW)
    assert _error_code(db, issued.code) == "enrol_code_used"
    with db.read() as conn:
        row = get_station(conn, issued.station_id)
    assert row.status == "active" and row.public_key == b"k" * 32


def test_a_new_code_replaces_the_old_one(db: Database) -> None:
    first = _add(db)
    with db.write() as conn:
        second = issue_enrolment_code(conn, first.station_id, now=NOW, hours=24, actor="admin")
    assert _error_code(db, first.code) == "enrol_code_invalid"
    assert _verify(db, second.code).id == first.station_id


def test_revoking_kills_the_code_and_a_new_code_can_restore_the_station(db: Database) -> None:
    issued = _add(db)
    with db.write() as conn:
        revoke_station(conn, issued.station_id, now=NOW, actor="admin")
    assert _error_code(db, issued.code) == "enrol_code_invalid"
    with db.read() as conn:
        row = get_station(conn, issued.station_id)
    assert row.status == "revoked" and row.revoked_at is not None
    with db.write() as conn, pytest.raises(StationError, match="已经注销"):
        revoke_station(conn, issued.station_id, now=NOW, actor="admin")
    with db.write() as conn:
        again = issue_enrolment_code(conn, issued.station_id, now=NOW, hours=24, actor="admin")
        complete_enrolment(conn, _verify_in(conn, again.code), b"n" * 32, now=NOW)
    with db.read() as conn:
        assert get_station(conn, issued.station_id).status == "active"


def _verify_in(conn: sa.Connection, code: str) -> str:
    return str(verify_enrolment_code(conn, code, NOW).id)


def test_an_unknown_station_is_named(db: Database) -> None:
    with db.read() as conn, pytest.raises(StationError) as caught:
        get_station(conn, str(StationCode("511181100", 7)))
    assert caught.value.code == "station_not_found"


# ---- the throttle -------------------------------------------------------------------

LOCKOUT = dt.timedelta(minutes=15)


def _fail(db: Database, key: str, at: dt.datetime) -> bool:
    with db.write() as conn:
        return throttle.record_failure(conn, key, at, max_failures=3, lockout=LOCKOUT)


def _check(db: Database, key: str, at: dt.datetime) -> None:
    with db.read() as conn:
        throttle.check(conn, key, at, code="enrol_locked")


def test_repeated_failures_lock_the_key_until_the_lockout_ends(db: Database) -> None:
    key = "enrol:10.0.0.7"
    assert [_fail(db, key, NOW + dt.timedelta(seconds=i)) for i in range(3)] == [False, False, True]
    with pytest.raises(ApiError) as caught:
        _check(db, key, NOW + dt.timedelta(minutes=1))
    assert caught.value.code == "enrol_locked" and caught.value.status == 429
    assert caught.value.headers["Retry-After"] == str(14 * 60 + 2)
    _check(db, "enrol:10.0.0.8", NOW)  # other keys are not affected
    _check(db, key, NOW + LOCKOUT + dt.timedelta(seconds=3))  # the lock has passed
    assert not _fail(db, key, NOW + LOCKOUT + dt.timedelta(seconds=4))  # and the count started again


def test_old_failures_fall_out_of_the_window(db: Database) -> None:
    key = "login:zhang.li"
    _fail(db, key, NOW)
    _fail(db, key, NOW + dt.timedelta(seconds=1))
    assert not _fail(db, key, NOW + LOCKOUT + dt.timedelta(seconds=2))


def test_a_success_resets_the_count(db: Database) -> None:
    key = "login:wang"
    _fail(db, key, NOW)
    _fail(db, key, NOW)
    with db.write() as conn:
        throttle.reset(conn, key)
    assert not _fail(db, key, NOW)
    assert not _fail(db, key, NOW)


def test_locked_keys_lists_the_live_locks_under_a_prefix(db: Database) -> None:
    for key in ("login:wang", "login:li_x", "login:liyz", "enrol:10.0.0.7"):
        for i in range(3):
            _fail(db, key, NOW + dt.timedelta(seconds=i))
    _fail(db, "login:zhao", NOW)  # failed once: not locked
    until = NOW + dt.timedelta(seconds=2) + LOCKOUT
    with db.read() as conn:
        assert throttle.locked_keys(conn, "login:", NOW + dt.timedelta(minutes=1)) == {
            "wang": until,
            "li_x": until,
            "liyz": until,
        }
        assert throttle.locked_keys(conn, "login:li_", NOW) == {"x": until}  # "_" is not a wildcard
        assert throttle.locked_keys(conn, "login:", until) == {}  # the locks have passed
