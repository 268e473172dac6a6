"""The outbox has one owner: ``store/outbox.py`` holds every statement over the table, with one
state vocabulary (``OpState``); the push and the desk go through it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.protocol import OpResult, OpStatus
from station_client.core.intake_rules import ApplicantInput
from station_client.core.outbox_rules import Entry, OpState, Outcome
from station_client.services import resend, set_aside
from station_client.services.intake import IntakeRequest, intake
from station_client.services.session import Session
from station_client.services.supplement import withdraw
from station_client.store import cases, outbox
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW

STATION = Path(__file__).resolve().parents[2] / "station_client"
OWNER = STATION / "store" / "outbox.py"
SCHEMA_HISTORY = STATION / "store" / "migrations.py"  # creates and rebuilds the table
TABLE_SQL = re.compile(r"\b(FROM|UPDATE|INTO|JOIN|TABLE)\s+outbox\b", re.IGNORECASE)
TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    "transfer_month": "2026-11",
}


def test_no_module_but_the_outbox_store_speaks_sql_to_the_outbox_table():
    speaking = sorted(
        str(path.relative_to(STATION))
        for path in STATION.rglob("*.py")
        if path not in (OWNER, SCHEMA_HISTORY) and TABLE_SQL.search(path.read_text(encoding="utf-8"))
    )
    assert speaking == []
    assert TABLE_SQL.search(OWNER.read_text(encoding="utf-8"))  # the pattern does find SQL


def _case_with_two_operations(session: Session) -> str:
    request = IntakeRequest(
        "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
    )
    case_id = intake(session, request, now=NOW).case_id
    withdraw(session, case_id, reason="申请人主动撤回", now=NOW + timedelta(minutes=1))
    return str(case_id)


def _answer(entry: Entry, seq: int, status: OpStatus, code: str | None = None) -> Outcome:
    result = OpResult(
        op_id=entry.op_id, seq=seq, status=status, code=code, message="变更类别不对" if code else None,
        case_status=CaseStatus.ACCEPTED, server_received_at=NOW,
    )  # fmt: skip
    state = OpState.DONE if status is OpStatus.APPLIED else OpState.SET_ASIDE
    return Outcome(entry.local_id, state, result, code, result.message)


def test_a_refusal_blocks_the_rest_of_its_case_and_a_resend_releases_it_through_the_rules(session: Session):
    db = session.db
    case_id = _case_with_two_operations(session)
    first, second = outbox.unfinished(db)
    assert (first.state, second.state) == (OpState.PENDING, OpState.PENDING)
    draft = outbox.stored_bytes(db, session.dek, first.local_id)
    sealed = outbox.seal_enc(session.dek, first.op_id, draft)
    outbox.store_numbered(db, [(1, "digest-1", sealed, first.local_id)])
    assert outbox.stored_bytes(db, session.dek, first.local_id) == draft
    assert [e.seq for e in outbox.unfinished(db)] == [1, None]
    assert outbox.highest_seq(db) == 1

    outbox.record_outcomes(db, [_answer(first, 1, OpStatus.REJECTED, "op_validation_failed")], NOW)
    outbox.reconcile_blocked(db)
    assert [e.state for e in outbox.unfinished(db)] == [OpState.SET_ASIDE, OpState.BLOCKED]
    assert outbox.case_has_refused(db, case_id)
    assert [op.local_id for op in outbox.refused(db)] == [first.local_id]
    counts = outbox.counts(db)
    assert counts == {"pending": 0, "blocked": 1, "set_aside": 1, "failed": 0, "done": 0}
    assert set_aside.get(db, first.local_id).state is OpState.SET_ASIDE  # type: ignore[union-attr]

    cases.mark_set_aside(db, [case_id])
    done = resend.resend(session, first.local_id, now=NOW + timedelta(minutes=2))
    rows = outbox.of_case(db, case_id)
    assert [(r.op_id, r.state) for r in rows] == [
        (str(done.op_id), OpState.PENDING),
        (second.op_id, OpState.PENDING),  # released by reconcile_blocked, not by hand
    ]
    assert not outbox.case_has_refused(db, case_id)
    assert cases.get_row(db, case_id).set_aside is False  # type: ignore[union-attr]


def test_acknowledged_rows_reopen_and_failed_sends_are_counted_as_retrying(session: Session):
    db = session.db
    _case_with_two_operations(session)
    first, second = outbox.unfinished(db)
    outbox.store_numbered(db, [(1, "d1", b"x", first.local_id), (2, "d2", b"y", second.local_id)])
    outbox.record_outcomes(db, [_answer(first, 1, OpStatus.APPLIED)], NOW)
    assert outbox.acknowledged_between(db, "2000-01-01", "2100-01-01") == 1
    assert [e.local_id for e in outbox.numbered_from(db, 2)] == [second.local_id]
    outbox.record_attempt(db, [second.local_id], "network", "网络不通")
    assert outbox.retrying(db) == 1
    outbox.reopen(db, [first.local_id])
    assert [e.local_id for e in outbox.unfinished(db)] == [first.local_id, second.local_id]
