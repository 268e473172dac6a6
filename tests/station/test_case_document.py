"""The case's sealed document: one typed model that every desk step and pulled record writes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.records import CaseStatusRecord, ConflictNote, DecisionRecord
from schema.vocabulary import Section
from station_client.core.case_document import CaseDocument
from station_client.core.intake_rules import ApplicantInput
from station_client.crypto.keys import aad
from station_client.services import decisions, resend
from station_client.services.intake import IntakeRequest, Scan, intake
from station_client.services.session import Session
from station_client.services.supplement import supplement, withdraw
from station_client.store import cases, outbox
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW

TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    "transfer_month": "2026-11",
}
LATER = NOW + timedelta(minutes=5)


def _accept(session: Session) -> str:
    request = IntakeRequest(
        "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
    )
    return str(intake(session, request, now=NOW).case_id)


def _raw(session: Session, case_id: str) -> dict[str, Any]:
    """The document exactly as sealed in ``cases.enc``."""
    enc = session.db.execute("SELECT enc FROM cases WHERE case_id = ?", [case_id]).fetchone()[0]
    value: dict[str, Any] = session.dek.open_json(enc, aad("cases", case_id))
    return value


def _store_raw(session: Session, case_id: str, doc: dict[str, Any]) -> None:
    session.db.execute(
        "UPDATE cases SET enc = ? WHERE case_id = ?",
        [session.dek.seal_json(doc, aad("cases", case_id)), case_id],
    )


def _refuse_first(session: Session, case_id: str) -> int:
    [first, *_] = outbox.of_case(session.db, case_id)
    outbox.set_aside(session.db, [first.local_id], "op_validation_failed", "变更类别不对")
    cases.mark_set_aside(session.db, [case_id])
    return first.local_id


def _decision(session: Session, case_id: str, status: CaseStatus, version: int) -> DecisionRecord:
    row = cases.get_row(session.db, case_id)
    assert row is not None
    return DecisionRecord(
        case_id=UUID(case_id),
        case_number=row.case_number,
        status=status,  # type: ignore[arg-type]
        reason="请补交劳动合同",
        decided_at=NOW + timedelta(minutes=1),
        decided_by="reviewer1",
        section=Section.PENSION,
        version=version,
    )


def test_every_key_written_by_the_desk_and_by_pulled_records_is_a_field_of_the_model(session: Session):
    case_id = _accept(session)
    local_id = _refuse_first(session, case_id)
    resend.resend(session, local_id, form_changes={"transfer_month": "2026-12"}, now=NOW)
    assert decisions.apply_decision(
        session.db, session.dek, _decision(session, case_id, CaseStatus.RETURNED, 3)
    )
    scan = Scan("id_card", "application/pdf", b"%PDF-1.4 id card")  # a 补正 must change something
    supplement(session, UUID(case_id), scans=[scan], now=LATER)
    withdraw(session, UUID(case_id), reason="申请人主动撤回", now=LATER)
    number = cases.get_row(session.db, case_id).case_number  # type: ignore[union-attr]
    note = ConflictNote(reason="stale_version")
    record = CaseStatusRecord(
        case_id=UUID(case_id), case_number=number, status=CaseStatus.CONFLICT, version=4, conflict=note
    )
    assert decisions.apply_case_status(session.db, session.dek, record)

    raw = _raw(session, case_id)
    written = {k for k, v in raw.items() if v not in (None, [], ())}
    assert written == set(CaseDocument.model_fields)  # every field used, nothing outside the model
    doc = cases.get_doc(session.db, session.dek, case_id)
    assert doc is not None and doc.conflict == note and doc.withdraw_reason == "申请人主动撤回"
    assert [r.code for r in doc.resends] == ["op_validation_failed"]
    assert doc.current_form["transfer_month"] == "2026-12" and len(doc.supplements) == 1


def test_a_document_stored_by_an_earlier_version_loads_and_keeps_a_key_it_does_not_know(session: Session):
    case_id = _accept(session)
    old = _raw(session, case_id)
    assert set(old) >= {"payload", "decision", "supplements"}
    # As the previous version wrote them: no "conflict" key at all, a resend in its own words,
    # and a key from a newer client this version has never heard of.
    old.pop("conflict", None)
    old["resends"] = [{"old_op_id": "7d6f", "code": "op_fee_mismatch", "at": "2026-12-01T02:00:00+00:00"}]
    old["form"] = None
    old["printed_on"] = {"printer": "柜台1"}
    _store_raw(session, case_id, old)

    doc = cases.get_doc(session.db, session.dek, case_id)
    assert doc is not None and doc.conflict is None and doc.resends[0].code == "op_fee_mismatch"
    assert doc.current_form == doc.payload.form  # no 补正 yet: the form as accepted
    assert decisions.apply_decision(
        session.db, session.dek, _decision(session, case_id, CaseStatus.RETURNED, 2)
    )
    raw = _raw(session, case_id)
    assert raw["printed_on"] == {"printer": "柜台1"} and raw["decision"]["version"] == 2


def test_a_step_that_would_store_what_a_reader_cannot_load_is_refused_before_writing(session: Session):
    case_id = _accept(session)
    doc = cases.get_doc(session.db, session.dek, case_id)
    assert doc is not None
    with pytest.raises(ValidationError):
        doc.with_withdrawal(["not", "a", "reason"])  # type: ignore[arg-type]
    assert _raw(session, case_id) == doc.to_json()  # unchanged
