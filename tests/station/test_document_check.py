"""The station seals what its receipts state (the QR's URL on the city server) and checks a
document offline: its own with its own key, another station's with the keys the city sent
down the reference feed, a revoked station's later documents refused."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from schema import document_seal
from schema.document_seal import (
    DocumentKind,
    SealedDocument,
    SealError,
    StationKey,
    StationKeysRecord,
    Verdict,
)
from schema.protocol import Change, ChangeKind
from schema.public_case import PublicStatus
from station_client.core.intake_rules import ApplicantInput
from station_client.services import document_check, receipt_seal, receipts, reference
from station_client.services.intake import IntakeRequest, intake
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, SERVER_URL

OTHER = "511102005-00"  # another township's station
TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": "91511102MA62ABCDE0",
    "transfer_month": "2026-11",
}


def _public(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def _pull_keys(db, keys: list[StationKey]) -> None:
    """As a pulled ``station_keys`` reference change leaves the store."""
    record = StationKeysRecord(version=1, keys=tuple(keys))
    change = Change(
        kind=ChangeKind.STATION_KEYS, key="station_keys", version=1, data=record.model_dump(mode="json")
    )
    with db.atomic():
        assert reference.apply_change(db, change)


def _other_document(key: Ed25519PrivateKey, at: dt.datetime) -> str:
    number = f"{OTHER}-20261126-0003"
    doc = SealedDocument(DocumentKind.ACCEPTANCE, number, number, "C009", Decimal(0), at)
    return document_seal.url("https://ssb.leshan.test", document_seal.sign(key, doc))


def _accepted(session) -> str:
    from schema.identifiers import make_uscc

    form = TRANSFER | {"new_employer_uscc": make_uscc("91511102MA62ABCDE")}
    result = intake(
        session, IntakeRequest("C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card", "new_employer_proof"]), now=NOW
    )  # fmt: skip
    return result.case_number


def test_a_receipt_s_qr_is_a_url_on_the_city_server_signed_over_what_it_states(session) -> None:
    number = _accepted(session)
    doc = receipts.read(session.db, session.dek, number)
    assert doc is not None
    qr = receipt_seal.document_qr(session.db, session.dek, "acceptance", doc)
    assert qr.startswith(f"{SERVER_URL}/v/")
    seal = document_seal.parse(qr)
    assert isinstance(seal, document_seal.Seal)
    assert seal.document.number == number and seal.document.item_code == "C009"
    assert seal.document.kind is DocumentKind.ACCEPTANCE and seal.document.issued_at == NOW


def test_the_desk_checks_its_own_document_offline_and_says_where_the_case_stands(session) -> None:
    number = _accepted(session)
    doc = receipts.read(session.db, session.dek, number)
    assert doc is not None
    qr = receipt_seal.document_qr(session.db, session.dek, "acceptance", doc)
    found = document_check.check(session.db, session.dek, qr)
    assert found.verification.verdict is Verdict.GENUINE
    assert found.own_station and not found.keys_known  # no keys pulled yet: its own key suffices
    assert found.status is PublicStatus.ACCEPTED
    # an old SSB1 code of the same receipt stays verifiable
    legacy = receipt_seal.qr_payload(number, receipt_seal.sign_number(session.db, session.dek, number))
    assert document_check.check(session.db, session.dek, legacy).verification.verdict is Verdict.GENUINE


def test_another_station_s_document_needs_the_keys_the_city_sends(session) -> None:
    other_key = Ed25519PrivateKey.generate()
    code = _other_document(other_key, NOW)
    before = document_check.check(session.db, session.dek, code)
    assert before.verification.verdict is Verdict.UNKNOWN_STATION and not before.keys_known
    revoked_at = NOW + dt.timedelta(hours=1)
    _pull_keys(
        session.db,
        [
            StationKey(
                station_id=OTHER, public_key=_public(other_key), valid_until=revoked_at, ended_by="revoked"
            )
        ],
    )
    assert document_check.check(session.db, session.dek, code).verification.verdict is Verdict.GENUINE
    late = document_check.check(
        session.db, session.dek, _other_document(other_key, revoked_at + dt.timedelta(minutes=1))
    )
    assert late.verification.verdict is Verdict.REVOKED and late.status is None
    forged = document_check.check(session.db, session.dek, _other_document(Ed25519PrivateKey.generate(), NOW))
    assert forged.verification.verdict is Verdict.FORGED


def test_what_is_not_a_seal_is_refused(session) -> None:
    with pytest.raises(SealError):
        document_check.check(session.db, session.dek, "511102004-00-20261126-0001")


def test_an_enrolled_desk_checks_another_enrolled_station_s_document_with_the_keys_it_pulled(
    sqlite_template, tmp_path
) -> None:
    """Through the real enrolment and pull: the city sends every station's key in the
    reference feed, so one desk verifies another station's receipt offline."""
    from station_client.services.enrolment import initial_pull
    from station_client.store import open_store
    from tests.support.sync_world import enrol_station, in_process

    with in_process(sqlite_template, tmp_path) as (first, client):
        second = enrol_station(first.server_db, tmp_path / "second", client)
        session = second.session()
        (taken,) = second.take_in(session, 1)
        doc = receipts.read(session.db, second.dek, taken.case_number)
        assert doc is not None
        qr = receipt_seal.document_qr(session.db, second.dek, "completion", doc)
        assert qr.startswith(f"{client.base_url}/v/")
        desk = open_store(first.paths.home)
        try:
            # the first station enrolled before the second: its snapshot did not have that key yet
            assert document_check.check(desk, first.dek, qr).verification.verdict is Verdict.UNKNOWN_STATION
            assert initial_pull(first.paths, first.dek, client) is None  # the next pull brings the list
            found = document_check.check(desk, first.dek, qr)
            assert (
                found.verification.verdict is Verdict.GENUINE and found.keys_known and not found.own_station
            )
        finally:
            desk.close()
