"""Feed changes that tell a station where its cases stand, built from a ``cases`` row.

Used by the snapshot (a station starting over learns every case it accepted) and by the
writers of decisions; ingest announces new statuses with the same record shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schema.lifecycle import CaseStatus, is_decided
from schema.protocol import Change, ChangeKind
from schema.records import CaseStatusRecord, DecisionRecord


def case_change(row: Mapping[str, Any]) -> Change:
    """A decision record for a decided case (it carries the reason), a status record otherwise."""
    status = CaseStatus(row["status"])
    if is_decided(status) and row.get("decided_at") is not None and row.get("decided_by"):
        decision = DecisionRecord(
            case_id=row["case_id"],
            case_number=row["case_number"],
            status=status,
            reason=row.get("decision_reason") or "",
            decided_at=row["decided_at"],  # aware: the column type is UTCDateTime
            decided_by=row["decided_by"],
            section=row["section"],
            version=row["version"],
        )
        return Change(
            kind=ChangeKind.DECISION, key=str(row["case_id"]), version=decision.version,
            data=decision.model_dump(mode="json"),
        )  # fmt: skip
    record = CaseStatusRecord(
        case_id=row["case_id"],
        case_number=row["case_number"],
        status=status,
        section=row.get("section"),
        due_date=row.get("due_date"),
        due_provisional=bool(row.get("due_provisional")),
        version=row["version"],
    )
    return Change(
        kind=ChangeKind.CASE_STATUS, key=str(row["case_id"]), version=record.version,
        data=record.model_dump(mode="json"),
    )  # fmt: skip
