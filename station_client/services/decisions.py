"""Applying what the server says about this station's cases (pulled ``decision`` and
``case_status`` changes). Call inside the pull page's transaction.

Versions order the records of one case. A record *newer* than the case's ``version``
moves the station's ``status`` to the server's; a record of the *same* version only
fills in what is missing (the decision text, the due date), so a decision and the status
record of the same step may arrive in either order, and a replayed page never undoes a
supplement or withdrawal the clerk has made since. Records of cases this station does
not hold are ignored (False).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from schema.records import CaseStatusRecord, DecisionRecord
from station_client.crypto.keys import DataKey
from station_client.store import cases

log = logging.getLogger(__name__)


def apply_decision(
    db: Database, dek: DataKey, record: DecisionRecord, *, now: datetime | None = None
) -> bool:
    case_id = str(record.case_id)
    row = cases.get_row(db, case_id)
    if row is None:
        log.warning("decision for unknown case %s ignored", case_id)
        return False
    doc = cases.get_doc(db, dek, case_id) or {}
    held = doc.get("decision") or {}
    if record.version < row.version or record.version <= int(held.get("version", 0)):
        return False
    doc["decision"] = record.model_dump(mode="json")
    columns: dict[str, Any] = {"updated_at": now or record.decided_at}
    if record.version > row.version:
        columns |= {
            "status": record.status.value,
            "server_status": record.status.value,
            "version": record.version,
        }
    cases.update_case(db, dek, case_id, doc=doc, **columns)
    return True


def apply_case_status(
    db: Database, dek: DataKey, record: CaseStatusRecord, *, now: datetime | None = None
) -> bool:
    case_id = str(record.case_id)
    row = cases.get_row(db, case_id)
    if row is None:
        log.warning("status for unknown case %s ignored", case_id)
        return False
    if record.version < row.version:
        return False
    columns: dict[str, Any] = {}
    if record.due_date is not None and record.due_date != row.due_date:
        columns["due_date"] = record.due_date
    if record.version > row.version:
        columns |= {
            "status": record.status.value,
            "server_status": record.status.value,
            "version": record.version,
        }
    if not columns:
        return False
    if now is not None:
        columns["updated_at"] = now
    cases.update_case(db, None, case_id, **columns)
    return True
