"""The seal a printed document's QR code holds: what it signs, the URL, old SSB1 codes, and
the verdict over the keys a station has held."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from schema import document_seal
from schema.document_seal import DocumentKind, LegacySeal, SealedDocument, SealError, StationKey, Verdict
from schema.public_case import PublicStatus, id_tail_matches, mask_name, public_status

STATION = "511102004-00"
AT = dt.datetime(2026, 11, 26, 1, 30, 15, tzinfo=dt.UTC)  # 09:30:15 in Beijing
KEY = Ed25519PrivateKey.generate()


def _public(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def _payment() -> SealedDocument:
    return SealedDocument(
        kind=DocumentKind.PAYMENT,
        number=f"{STATION}-20261126-F0003",
        case_number=f"{STATION}-20261126-W0007",
        item_code="G09",
        amount=Decimal("300.00"),
        issued_at=AT,
    )


def test_the_code_carries_what_the_paper_states_and_fits_a_small_qr_code() -> None:
    seal = document_seal.sign(KEY, _payment())
    url = document_seal.url("https://sbj.leshan.gov.cn/", seal)
    assert url.startswith("https://sbj.leshan.gov.cn/v/") and len(seal.code) == 119
    back = document_seal.parse(url)
    assert isinstance(back, document_seal.Seal)
    assert back.document == _payment()
    assert back.station_id == STATION and back.document.issued_day == dt.date(2026, 11, 26)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    assert code.version <= 8  # 49 modules: 0.6 mm each in the receipt's 30 mm square


@pytest.mark.parametrize(
    ("kind", "number", "case"),
    [
        (DocumentKind.COMPLETION, f"{STATION}-20261126-W0008", f"{STATION}-20261126-W0008"),
        (DocumentKind.ACCEPTANCE, f"{STATION}-20261126-0009", f"{STATION}-20261126-0009"),
        (DocumentKind.PAYMENT, f"{STATION}-20261126-F0001", f"{STATION}-20261126-0009"),
    ],
)
def test_every_kind_of_document_round_trips(kind: DocumentKind, number: str, case: str) -> None:
    document = SealedDocument(kind, number, case, "C012", Decimal("1234.56"), AT)
    assert document_seal.decode(document_seal.sign(KEY, document).code).document == document


def test_a_scanner_s_full_width_or_spaced_input_still_reads() -> None:
    seal = document_seal.sign(KEY, _payment())
    typed = "ｈｔｔｐｓ://sbj.leshan.gov.cn/v/" + seal.code[:50] + " \n" + seal.code[50:]
    assert document_seal.parse(typed) == seal


@pytest.mark.parametrize("text", ["", "hello", "https://x/v/" + "A" * 119, "SSB1|123|abc", "SSB1|a|b|c"])
def test_what_is_not_a_seal_is_refused_with_a_code(text: str) -> None:
    with pytest.raises(SealError) as caught:
        document_seal.parse(text)
    assert caught.value.code == "seal_unreadable"


def test_the_signature_covers_every_field() -> None:
    keys = [StationKey(station_id=STATION, public_key=_public(KEY))]
    seal = document_seal.sign(KEY, _payment())
    assert document_seal.verify(seal, keys).verdict is Verdict.GENUINE
    raw = document_seal._unb64url(seal.code)
    for offset in range(2, document_seal.BODY_SIZE):  # every byte after version and kind
        changed = bytearray(raw)
        changed[offset] ^= 0x01
        try:
            other = document_seal.decode(document_seal._b64url(bytes(changed)))
        except SealError:
            continue  # no longer a well-formed document at all
        # another station's code names a station without this key; any other change breaks the signature
        expected = Verdict.UNKNOWN_STATION if other.station_id != STATION else Verdict.FORGED
        assert document_seal.verify(other, keys).verdict is expected, offset


def test_revocation_fails_what_was_signed_after_it_and_keeps_what_was_signed_before() -> None:
    revoked = StationKey(
        station_id=STATION,
        public_key=_public(KEY),
        valid_until=AT + dt.timedelta(minutes=1),
        ended_by="revoked",
    )
    before = document_seal.sign(KEY, _payment())
    later = _payment()
    after = document_seal.sign(KEY, SealedDocument(later.kind, later.number, later.case_number, later.item_code, later.amount, AT + dt.timedelta(minutes=2)))  # fmt: skip
    assert document_seal.verify(before, [revoked]).verdict is Verdict.GENUINE
    result = document_seal.verify(after, [revoked])
    assert result.verdict is Verdict.REVOKED and result.key_ended_at == AT + dt.timedelta(minutes=1)
    assert document_seal.verify(after, []).verdict is Verdict.UNKNOWN_STATION
    other_station = StationKey(station_id="511102004-01", public_key=_public(KEY))
    assert document_seal.verify(before, [other_station]).verdict is Verdict.UNKNOWN_STATION


def test_an_old_ssb1_code_counts_from_the_end_of_the_day_in_its_number() -> None:
    number = f"{STATION}-20261126-0007"
    value = document_seal._b64url(KEY.sign(number.encode()))
    seal = document_seal.parse(f"SSB1|{number}|{value}")
    assert isinstance(seal, LegacySeal) and seal.station_id == STATION
    same_day = StationKey(
        station_id=STATION, public_key=_public(KEY),
        valid_until=dt.datetime(2026, 11, 26, 15, 0, tzinfo=document_seal.BEIJING), ended_by="revoked",
    )  # fmt: skip
    next_day = same_day.model_copy(
        update={"valid_until": dt.datetime(2026, 11, 27, 9, 0, tzinfo=document_seal.BEIJING)}
    )
    assert document_seal.verify(seal, [same_day]).verdict is Verdict.REVOKED
    assert document_seal.verify(seal, [next_day]).verdict is Verdict.GENUINE


def test_the_public_sees_five_plain_statuses_and_a_masked_name() -> None:
    assert public_status("claimed") is PublicStatus.IN_REVIEW
    assert public_status("conflict") is PublicStatus.IN_REVIEW  # the city's internal business
    assert public_status("routed").label == "受理"
    assert public_status("approved").label == public_status("completed").label == "办结"
    assert public_status("rejected").label == "不予核准"
    assert public_status("returned").label == "退回补正"
    assert [mask_name(n) for n in ("罗小东", "王芳", "欧阳建国", "李")] == ["罗*东", "王*", "欧**国", "*"]


def test_the_id_tail_is_compared_as_typed_on_a_phone() -> None:
    assert id_tail_matches("51110219750517123X", "17123x")
    assert id_tail_matches("51110219750517123X", "１７１２３Ｘ")
    assert not id_tail_matches("51110219750517123X", "171230")
    assert not id_tail_matches("51110219750517123X", "7123X")
