"""A case as a push holds it: the ``cases`` columns ingest reads and writes, typed. Pure.

A case accepted by the batch is built here and becomes a row only at the SQL edge
(:meth:`IngestCase.row`); a case the server already held is loaded into the same shape,
so a 补正, 撤回 or 交付 treats both alike (the batch may accept a case and withdraw it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from schema.lifecycle import CaseFacts, CaseStatus
from schema.records import CaseStatusRecord, ConflictNote
from schema.vocabulary import Section, Tier
from sync_server.core.json_doc import RawJson


@dataclass(slots=True)
class IngestCase:
    case_id: str
    case_number: str
    station_id: str
    township_code: str
    county_code: str  # the collecting county: the station's
    item_code: str
    tier: str
    section: str | None
    status: str  # a CaseStatus value
    applicant_kind: str
    applicant_key: str
    applicant_name: str
    clerk: str
    registration_county: str | None  # 参保地
    registration_rule: str | None
    attribution_flags: list[dict[str, Any]] | None
    fee_total: Decimal | None
    payload: RawJson | dict[str, Any]  # RawJson: accepted by this batch, stored as serialised
    accepted_at_station: dt.datetime
    accepted_at: dt.datetime
    received_at: dt.datetime
    clock_flag: str | None
    due_date: dt.date | None
    due_provisional: bool
    completed_at: dt.datetime | None
    claimed_by: str | None
    claimed_at: dt.datetime | None
    handed_over_at: dt.datetime | None
    version: int
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> IngestCase:
        return cls(**{name: row[name] for name in CASE_COLUMNS})

    def row(self) -> dict[str, Any]:
        """The ``cases`` columns of a new row (the others keep their defaults)."""
        return {name: getattr(self, name) for name in CASE_COLUMNS}

    def facts(self) -> CaseFacts:
        section = Section(self.section) if self.section else None
        return CaseFacts(
            Tier(self.tier), CaseStatus(self.status), self.station_id, self.clerk, section, self.claimed_by
        )

    def payload_dict(self) -> dict[str, Any]:
        """The payload as a dict (a copy: changes are stored back with :meth:`IngestBatch.update`)."""
        raw = self.payload
        return json.loads(raw) if isinstance(raw, RawJson) else dict(raw)

    def status_record(self, conflict: ConflictNote | None = None) -> CaseStatusRecord:
        """Where the case stands, for its station."""
        return CaseStatusRecord(
            case_id=self.case_id,
            case_number=self.case_number,
            status=CaseStatus(self.status),
            section=self.section,
            due_date=self.due_date,
            due_provisional=self.due_provisional,
            version=self.version,
            conflict=conflict,
        )


CASE_COLUMNS = tuple(f.name for f in fields(IngestCase))
# What a 补正, 撤回 or 交付 may change in a case the server already held.
UPDATE_COLUMNS = (
    "status", "section", "version", "due_date", "due_provisional", "claimed_by", "claimed_at", "payload", "handed_over_at", "updated_at",
)  # fmt: skip
