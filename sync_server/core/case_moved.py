"""A case moved: its ``case_events`` rows, the accepting station's feed change, the audit item. Pure.

Every writer that moves a case (a push in :mod:`sync_server.core.ingest`, a review step
in ``services.review.record``, a conflict resolution in ``services.conflicts``) records
the move the same three ways, built here once:

* one ``case_events`` row per lifecycle step (a push may take several at once: accept,
  submit, route);
* the change the accepting station pulls (scope ``station:<id>``): where its case stands
  (``CaseStatusRecord``) or the decision (``DecisionRecord``); none when the station has
  nothing new to learn (a hand-over it made itself);
* one audit item for the hash-chained log.

The caller writes them: ingest with one statement per table for the whole batch, the
console's steps in their own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schema.protocol import Change, ChangeKind
from schema.records import CaseStatusRecord, DecisionRecord
from sync_server.core.feed_change import FeedChange, station_scope
from sync_server.core.json_doc import model_json

AuditItem = tuple[dt.datetime, str, str, str, str, dict[str, Any]]  # at, actor, action, entity, id, detail
StationRecord = CaseStatusRecord | DecisionRecord | Change


@dataclass(frozen=True, slots=True)
class Step:
    """One lifecycle step: who moved the case, when, from which status to which, and why."""

    at: dt.datetime
    actor: str
    event: str
    before: str | None
    after: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def row(self, case_id: str) -> dict[str, Any]:
        """The ``case_events`` row (the same keys for every step, as bulk inserts need)."""
        return {
            "case_id": case_id,
            "at": self.at,
            "actor": self.actor,
            "event": self.event,
            "from_status": self.before,
            "to_status": self.after,
            "detail": dict(self.detail),
        }


@dataclass(frozen=True, slots=True)
class CaseMoved:
    events: tuple[dict[str, Any], ...]
    feed: FeedChange | None
    audit: AuditItem


def station_change(station_id: str, record: StationRecord) -> FeedChange:
    """The feed row telling the accepting station about its case.

    A record model is serialised once (bytes, stored as they are); a ``Change`` built
    from a stored row (``services.case_records.case_change``) carries its JSON already.
    """
    if isinstance(record, Change):
        return FeedChange(
            station_scope(station_id), record.kind.value, record.key, record.version, dict(record.data)
        )
    kind = ChangeKind.DECISION if isinstance(record, DecisionRecord) else ChangeKind.CASE_STATUS
    return FeedChange(
        station_scope(station_id), kind.value, str(record.case_id), record.version, model_json(record)
    )


def case_moved(
    case_id: str,
    station_id: str,
    steps: Sequence[Step],
    *,
    tell: StationRecord | None,
    at: dt.datetime,
    actor: str,
    action: str,
    detail: Mapping[str, Any],
) -> CaseMoved:
    """The rows recording a move of ``case_id``: ``steps`` in order, ``tell`` for its station
    (None: nothing to tell) and the audit item ``action`` by ``actor`` at ``at``."""
    return CaseMoved(
        events=tuple(step.row(case_id) for step in steps),
        feed=station_change(station_id, tell) if tell is not None else None,
        audit=(at, actor, action, "case", case_id, dict(detail)),
    )
