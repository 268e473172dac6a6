"""A clerk's password changed at the station (``staff_password``), applied by a push. Pure.

The station checked the old password offline (it holds the clerk's hash) and sends only
the new hash, in a signed batch, exactly once like any operation. The server takes it
when the account is a clerk of the pushing station, not disabled, and still at the
version the station based the change on: a reset or a disablement made here in the
meantime wins (``op_staff_changed``), and the station gets that account by its pull.

Applied, the account gets the new hash, ``must_change_password`` false and a new
version (in the registry slice, stored by the push); the station's feed carries it back
(the station then holds the same hash at the server's version) and the audit log
records ``staff.change_password``.
"""

from __future__ import annotations

from schema.api_errors import API_ERROR_MESSAGES
from schema.protocol import ChangeKind, OpResult, OpStatus, StaffPasswordOp
from schema.vocabulary import Role
from sync_server.core.case_rules import Rejection
from sync_server.core.feed_change import FeedChange, station_scope
from sync_server.core.ingest.batch import IngestBatch
from sync_server.core.ingest.registry_slice import StaffRow


def check_change(account: StaffRow | None, station_id: str, op: StaffPasswordOp) -> Rejection | None:
    """Why the change cannot be applied to ``account``; None when it can."""
    p = op.payload
    if account is None or account.role != Role.CLERK.value or account.station_id != station_id:
        return Rejection("op_clerk_unknown", API_ERROR_MESSAGES["op_clerk_unknown"], {"username": p.username})
    if account.disabled or account.version != p.based_on_version:
        detail = {
            "username": p.username,
            "based_on_version": p.based_on_version,
            "current_version": account.version,
            "disabled": account.disabled,
        }
        return Rejection("op_staff_changed", API_ERROR_MESSAGES["op_staff_changed"], detail)
    return None


def change_password(b: IngestBatch, op: StaffPasswordOp, key: str) -> OpResult:
    p, station_id = op.payload, b.ctx.station.id
    refused = check_change(b.registry.staff.get(p.username), station_id, op)
    if refused is not None:
        return b.reject(op, refused)
    record = b.registry.change_password(p.username, p.password_hash).record()
    b.out.feed.append(
        FeedChange(station_scope(station_id), ChangeKind.STAFF.value, p.username, record.version,
                   record.model_dump(mode="json"))
    )  # fmt: skip
    b.audit(
        "staff.change_password", "staff", p.username, op_id=str(op.op_id), seq=op.seq, version=record.version
    )
    return OpResult(
        op_id=op.op_id,
        seq=op.seq,
        status=OpStatus.APPLIED,
        case_id=op.case_id,
        server_received_at=b.ctx.received_at,
        detail={"username": p.username, "version": record.version},
    )
