"""Staff accounts, and the feed changes that carry clerks' accounts to their station."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from schema.passwords import verify_password
from schema.records import StaffAccount
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, changes
from sync_server.services.admin.staff import (
    StaffError,
    add_staff,
    get_staff,
    list_staff,
    reset_password,
    set_disabled,
)
from sync_server.services.admin.stations import add_station

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
STATION = "511123100-00"


@pytest.fixture
def with_station(db: Database) -> Database:
    with db.write() as conn:
        add_station(conn, division="511123100", name="玉津镇社保所", now=NOW, code_hours=24, actor="admin")
    return db


def _add(db: Database, username: str = "zhang.li", role: str = "clerk", **kw: str | None) -> str:
    kw.setdefault("station_id", STATION if role == "clerk" else None)
    with db.write() as conn:
        return add_staff(conn, username=username, role=role, now=NOW, actor="admin", **kw).password  # type: ignore[arg-type]


def _feed(db: Database) -> list[sa.Row]:
    with db.read() as conn:
        return list(conn.execute(sa.select(changes).order_by(changes.c.id)).all())


def test_a_clerk_gets_a_one_time_password_and_reaches_the_station_feed(with_station: Database) -> None:
    password = _add(with_station, display_name="张丽")
    with with_station.read() as conn:
        row = get_staff(conn, "zhang.li")
    assert row.role == "clerk" and row.station_id == STATION and row.display_name == "张丽"
    assert row.must_change_password and not row.disabled
    assert verify_password(password, row.password_hash)
    [change] = _feed(with_station)
    assert (change.scope, change.kind, change.key, change.version) == (
        f"station:{STATION}",
        "staff",
        "zhang.li",
        1,
    )
    account = StaffAccount.model_validate(change.data)  # what the station will validate
    assert account.model_dump(
        include={"username", "display_name", "role", "station_id", "disabled", "version"}
    ) == {
        "username": "zhang.li",
        "display_name": "张丽",
        "role": "clerk",
        "station_id": STATION,
        "disabled": False,
        "version": 1,
    }
    assert account.password_hash == row.password_hash


def test_every_change_to_a_clerk_bumps_the_version_and_is_fed(with_station: Database) -> None:
    old = _add(with_station)
    with with_station.write() as conn:
        new = reset_password(conn, "zhang.li", now=NOW, actor="admin").password
        set_disabled(conn, "zhang.li", True, now=NOW, actor="admin")
    feed = _feed(with_station)
    assert [c.version for c in feed] == [1, 2, 3]
    assert [c.data["version"] for c in feed] == [1, 2, 3]
    assert feed[-1].data["disabled"] is True
    assert verify_password(new, feed[1].data["password_hash"]) and not verify_password(
        old, feed[1].data["password_hash"]
    )
    with with_station.read() as conn:
        actions = conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.seq)).scalars().all()
    assert actions[-3:] == ["staff.add", "staff.reset_password", "staff.disable"]


def test_back_office_accounts_stay_off_the_station_feed(db: Database) -> None:
    _add(db, "review.pension", "reviewer", section="pension")
    _add(db, "chief.medical", "chief", section="medical")
    _add(db, "supervisor", "supervisor")
    _add(db, "root", "admin")
    assert _feed(db) == []
    with db.read() as conn:
        assert [r.username for r in list_staff(conn, role="reviewer")] == ["review.pension"]


@pytest.mark.parametrize(
    ("username", "role", "extra", "code"),
    [
        ("Zhang", "clerk", {"station_id": STATION}, "staff_username_invalid"),
        ("zl", "clerk", {"station_id": STATION}, "staff_username_invalid"),
        ("zhang li", "clerk", {"station_id": STATION}, "staff_username_invalid"),
        ("wang", "boss", {}, "staff_role_invalid"),
        ("wang", "clerk", {"station_id": None}, "staff_needs_station"),
        ("wang", "reviewer", {}, "staff_needs_section"),
        ("wang", "chief", {"section": "canteen"}, "staff_section_invalid"),
        ("wang", "supervisor", {"section": "pension"}, "staff_no_placement"),
        ("wang", "admin", {"station_id": STATION}, "staff_no_placement"),
        ("wang", "clerk", {"station_id": "511123100-01"}, "station_not_found"),
        ("zhang.li", "clerk", {"station_id": STATION}, "staff_exists"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(
    with_station: Database, username: str, role: str, extra: dict[str, str | None], code: str
) -> None:
    _add(with_station)
    with pytest.raises(Exception) as caught:
        _add(with_station, username, role, **extra)
    assert getattr(caught.value, "code", None) == code
    assert "请" in caught.value.message  # type: ignore[attr-defined]


def test_the_last_administrator_cannot_be_disabled(db: Database) -> None:
    _add(db, "root", "admin")
    with db.write() as conn, pytest.raises(StaffError) as caught:
        set_disabled(conn, "root", True, now=NOW, actor="admin")
    assert caught.value.code == "staff_last_admin"
    _add(db, "root2", "admin")
    with db.write() as conn:
        set_disabled(conn, "root", True, now=NOW, actor="admin")
        set_disabled(conn, "root", False, now=NOW, actor="admin")
        assert not get_staff(conn, "root").disabled


def test_a_reset_lifts_a_login_lockout(with_station: Database) -> None:
    from sync_server.db.tables import staff

    _add(with_station)
    with with_station.write() as conn:
        conn.execute(sa.update(staff).values(failed_logins=5, locked_until=NOW + dt.timedelta(minutes=15)))
        reset_password(conn, "zhang.li", now=NOW, actor="admin")
        row = get_staff(conn, "zhang.li")
    assert row.failed_logins == 0 and row.locked_until is None and row.must_change_password
