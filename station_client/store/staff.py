"""``staff``: the station's accounts as pulled from the server (password hashes only).

:func:`apply_account` applies a :class:`schema.records.StaffAccount` only when its version
is newer than the one held, so a replayed or reordered pull page never rolls an account
back (a disabled account stays disabled). ``failed_logins`` and ``locked_until`` are
local: the offline lockout of :mod:`station_client.services.session`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from schema.records import StaffAccount
from station_client.store.codec import iso, parse_instant


@dataclass(frozen=True, slots=True)
class StaffRow:
    username: str
    display_name: str
    role: str
    password_hash: str
    disabled: bool
    must_change_password: bool
    version: int
    failed_logins: int
    locked_until: datetime | None


_COLUMNS = (
    "username, display_name, role, password_hash, disabled, must_change_password, version, "
    "failed_logins, locked_until"
)


def _row(values: tuple[object, ...]) -> StaffRow:
    u, name, role, hash_, disabled, must, version, failed, locked = values
    return StaffRow(
        str(u),
        str(name),
        str(role),
        str(hash_),
        bool(disabled),
        bool(must),
        int(str(version)),
        int(str(failed)),
        parse_instant(None if locked is None else str(locked)),
    )


def apply_account(db: Database, account: StaffAccount, *, must_change_password: bool = False) -> bool:
    """Insert or update an account by version; True when it changed something.

    ``must_change_password`` comes with the account (a one-time password); the keyword
    forces it on (tests, an account made on this PC).

    A newer version (e.g. a password reset) keeps the local lockout counters: a reset
    on the server is not a way round the lockout on this PC.
    """
    cursor = db.execute(
        f"""INSERT INTO staff ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL)
        ON CONFLICT (username) DO UPDATE SET
            display_name = excluded.display_name, role = excluded.role,
            password_hash = excluded.password_hash, disabled = excluded.disabled,
            must_change_password = excluded.must_change_password, version = excluded.version
        WHERE excluded.version > staff.version""",  # noqa: S608  (constant column names)
        [
            account.username,
            account.display_name,
            account.role.value,
            account.password_hash,
            int(account.disabled),
            int(must_change_password or account.must_change_password),
            account.version,
        ],
    )
    return cursor.rowcount > 0


def get(db: Database, username: str) -> StaffRow | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM staff WHERE username = ?", [username]).fetchone()  # noqa: S608  (constant column names)
    return None if row is None else _row(row)


def list_all(db: Database) -> list[StaffRow]:
    return [_row(r) for r in db.execute(f"SELECT {_COLUMNS} FROM staff ORDER BY username").fetchall()]  # noqa: S608  (constant column names)


def versions(db: Database) -> list[tuple[str, int]]:
    """(username, version) pairs, for ``schema.registry_digest.registry_digest``."""
    return [(str(u), int(v)) for u, v in db.execute("SELECT username, version FROM staff").fetchall()]


def set_password(db: Database, username: str, password_hash: str) -> None:
    """The clerk chose a new password here: the new hash, no longer one-time. The version is
    the server's: its feed brings the same hash back at the next version once applied."""
    db.execute(
        "UPDATE staff SET password_hash = ?, must_change_password = 0, failed_logins = 0, locked_until = NULL "
        "WHERE username = ?",
        [password_hash, username],
    )


def record_failure(db: Database, username: str, failed_logins: int, locked_until: datetime | None) -> None:
    db.execute(
        "UPDATE staff SET failed_logins = ?, locked_until = ? WHERE username = ?",
        [failed_logins, None if locked_until is None else iso(locked_until), username],
    )


def clear_failures(db: Database, username: str) -> None:
    db.execute("UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE username = ?", [username])


def delete(db: Database, username: str) -> None:
    db.execute("DELETE FROM staff WHERE username = ?", [username])
