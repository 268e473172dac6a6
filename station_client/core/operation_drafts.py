"""Operations before they have a sequence number.

Intake writes an operation to the outbox before the sync agent numbers it, but every
``schema.protocol`` operation needs ``seq >= 1``. So the outbox first holds a *draft*:
the operation's JSON without ``seq``. :func:`draft` builds one (validating everything
but the number, so a bad operation fails at the desk, not at sync); :func:`sequenced`
turns a draft into the real operation once the agent has given it its number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from schema.protocol import OPERATION_ADAPTER, Operation, OperationKind

_PLACEHOLDER_SEQ = 1


def draft(
    *,
    kind: OperationKind,
    op_id: UUID,
    station_id: str,
    case_id: UUID,
    created_at: datetime,
    payload: BaseModel,
) -> dict[str, Any]:
    """The JSON of the operation without ``seq``; raises pydantic's ValidationError if invalid."""
    body: dict[str, Any] = {
        "kind": kind.value,
        "op_id": str(op_id),
        "station_id": station_id,
        "case_id": str(case_id),
        "created_at": created_at.isoformat(),
        "payload": payload.model_dump(mode="json"),
    }
    OPERATION_ADAPTER.validate_python({**body, "seq": _PLACEHOLDER_SEQ})  # everything else is checked now
    return body


def sequenced(body: dict[str, Any], seq: int) -> Operation:
    """The operation of a draft (or of an already sequenced body) with sequence number ``seq``."""
    return OPERATION_ADAPTER.validate_python({**body, "seq": seq})
