"""Applying what the server says about this station's cases (pulled ``decision`` and
``case_status`` changes). Call inside the pull page's transaction.

Versions order the records of one case. A status record may carry a conflict note (the
case went to 综合业务科, and later how it was resolved): it is kept in the case's sealed
document for the history, the 同步问题 screen and the home page. A record *newer* than the case's ``version``
moves the station's ``status`` to the server's; a record of the *same* version only
fills in what is missing (the decision text, the due date), so a decision and the status
record of the same step may arrive in either order, and a replayed page never undoes a
supplement or withdrawal the clerk has made since. Records of cases this station does
not hold are ignored (False), except in a store restored from a backup: there they are
cases taken after the backup, listed as lost (services/backup.note_lost).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from schema.records import CaseStatusRecord, DecisionRecord
from station_client.core.case_document import CaseDocument
from station_client.crypto.keys import DataKey
from station_client.services import backup
from station_client.store import cases

log = logging.getLogger(__name__)


def apply_decision(
    db: Database, dek: DataKey, record: DecisionRecord, *, now: datetime | None = None
) -> bool:
    case_id = str(record.case_id)
    row = cases.get_row(db, case_id)
    if row is None:
        if not backup.note_lost(
            db, case_id, record.case_number, record.status.value, now or datetime.now(UTC)
        ):
            log.warning("decision for unknown case %s ignored", case_id)
        return False
    doc = cases.get_doc(db, dek, case_id)
    assert doc is not None  # the row is there, so is its document
    held = doc.decision
    if record.version < row.version or (held is not None and record.version <= held.version):
        return False
    doc = doc.with_decision(record)
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
        # A restored store meets the cases only the lost one held: listed, never silently.
        if not backup.note_lost(
            db, case_id, record.case_number, record.status.value, now or datetime.now(UTC)
        ):
            log.warning("status for unknown case %s ignored", case_id)
        return False
    if record.version < row.version:
        return False
    columns: dict[str, Any] = {}
    recounted = (record.due_date, record.due_provisional) != (row.due_date, row.due_provisional)
    if record.due_date is not None and recounted:
        # Also a same-version record: the server recounted a provisional (暂定) due date.
        columns |= {"due_date": record.due_date, "due_provisional": record.due_provisional}
    if record.version > row.version:
        columns |= {
            "status": record.status.value,
            "server_status": record.status.value,
            "version": record.version,
        }
    doc = _with_conflict(db, dek, case_id, record)
    if not columns and doc is None:
        return False
    if now is not None:
        columns["updated_at"] = now
    cases.update_case(db, dek if doc is not None else None, case_id, doc=doc, **columns)
    return True


def _with_conflict(db: Database, dek: DataKey, case_id: str, record: CaseStatusRecord) -> CaseDocument | None:
    """The case's document with the record's conflict note (went to 综合业务科, or how it was
    resolved), or None when there is nothing new. A later record without a note (a review
    step after the resolution) leaves the note in place: the history keeps it."""
    if record.conflict is None:
        return None
    doc = cases.get_doc(db, dek, case_id)
    assert doc is not None  # the row is there, so is its document
    note, held = record.conflict, doc.conflict
    if held == note or (held is not None and held.resolution and not note.resolution):
        return None  # the same note again, or an older "still open" one replayed after the outcome
    return doc.with_conflict(note)
