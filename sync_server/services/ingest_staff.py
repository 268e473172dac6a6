"""A clerk's password changed at the station (``staff_password``), applied by a push.

The station checked the old password offline (it holds the clerk's hash) and sends only
the new hash, in a signed batch, exactly once like any operation. The server takes it
when the account is a clerk of the pushing station, not disabled, and still at the
version the station based the change on: a reset or a disablement made here in the
meantime wins (``op_staff_changed``), and the station gets that account by its pull.

Applied, the account gets the new hash, ``must_change_password`` false and a new
version; the station's feed carries it back (the station then holds the same hash at
the server's version) and the audit log records ``staff.change_password``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.api_errors import API_ERROR_MESSAGES
from schema.protocol import ChangeKind, OpResult, OpStatus, StaffPasswordOp
from schema.records import StaffAccount
from schema.vocabulary import Role
from sync_server.core.case_rules import Rejection
from sync_server.db.tables import staff
from sync_server.services.bulk import in_list
from sync_server.services.feed import FeedChange, station_scope

if TYPE_CHECKING:
    from sync_server.services.ingest_apply import Applier

FEED_KIND = ChangeKind.STAFF.value


def check_change(account: dict[str, Any] | None, station_id: str, op: StaffPasswordOp) -> Rejection | None:
    """Why the change cannot be applied to ``account`` (its row as a dict); None when it can."""
    p = op.payload
    if account is None or account["role"] != Role.CLERK.value or account["station_id"] != station_id:
        return Rejection("op_clerk_unknown", API_ERROR_MESSAGES["op_clerk_unknown"], {"username": p.username})
    if account["disabled"] or int(account["version"]) != p.based_on_version:
        detail = {
            "username": p.username,
            "based_on_version": p.based_on_version,
            "current_version": int(account["version"]),
            "disabled": bool(account["disabled"]),
        }
        return Rejection("op_staff_changed", API_ERROR_MESSAGES["op_staff_changed"], detail)
    return None


@dataclass
class StaffAccounts:
    """The accounts one push's password changes name: loaded before, written after."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)

    def load(self, conn: Connection, usernames: list[str]) -> None:
        if not usernames:
            return
        query = sa.select(staff).where(in_list(conn, staff.c.username, usernames))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in conn.execute(query).all():
            self.rows[row.username] = dict(row._mapping)

    def write(self, conn: Connection, now: dt.datetime) -> None:
        for username in sorted(self.changed):
            row = self.rows[username]
            conn.execute(
                sa.update(staff)
                .where(staff.c.username == username)
                .values(
                    password_hash=row["password_hash"],
                    must_change_password=False,
                    version=row["version"],
                    updated_at=now,
                )
            )


def apply(a: Applier, op: StaffPasswordOp) -> OpResult:
    accounts: StaffAccounts = a.staff_accounts
    p, station_id = op.payload, a.ctx.station.id
    account = accounts.rows.get(p.username)
    refused = check_change(account, station_id, op)
    if refused is not None:
        return a.reject(op, refused)
    assert account is not None
    account.update(
        password_hash=p.password_hash, must_change_password=False, version=int(account["version"]) + 1
    )
    accounts.changed.add(p.username)
    record = StaffAccount(
        username=account["username"],
        display_name=account["display_name"],
        role=Role(account["role"]),
        station_id=account["station_id"],
        password_hash=account["password_hash"],
        disabled=bool(account["disabled"]),
        version=account["version"],
        must_change_password=False,
    )
    a.out.feed.append(
        FeedChange(
            station_scope(station_id), FEED_KIND, p.username, record.version, record.model_dump(mode="json")
        )
    )
    a.audit(
        "staff.change_password", "staff", p.username, op_id=str(op.op_id), seq=op.seq, version=record.version
    )
    return OpResult(
        op_id=op.op_id,
        seq=op.seq,
        status=OpStatus.APPLIED,
        case_id=op.case_id,
        server_received_at=a.ctx.received_at,
        detail={"username": p.username, "version": record.version},
    )
