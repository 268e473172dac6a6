"""The sync wire protocol: operations and their digests, push and pull, signing, error codes."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from schema.api_errors import (
    API_ERROR_CODES,
    API_ERROR_MESSAGES,
    API_ERROR_STATUS,
    OP_RESULT_CODES,
    RETRYABLE_CODES,
    ErrorBody,
    error_body,
)
from schema.cases import AttachmentRef, CasePayload, case_number
from schema.lifecycle import LIFECYCLE_ERROR_MESSAGES, CaseStatus
from schema.passwords import hash_password
from schema.protocol import (
    MAX_BATCH_OPERATIONS,
    OPERATION_ADAPTER,
    AttachmentStatus,
    CaseAcceptOp,
    CaseSupplementOp,
    CaseWithdrawOp,
    Change,
    ChangeKind,
    DecisionHandoverOp,
    EnrolRequest,
    EnrolResponse,
    HandoverPayload,
    OpResult,
    OpStatus,
    PullPage,
    PullRequest,
    PushBatch,
    PushResponse,
    StationDigest,
    SupplementPayload,
    WithdrawPayload,
    operation_digest,
)
from schema.records import (
    CHANGE_RECORDS,
    CaseStatusRecord,
    DecisionRecord,
    EnrolmentRecord,
    PersonRecord,
    StaffAccount,
    UnitRecord,
)
from schema.signing import (
    SIGNED_HEADERS,
    AuthError,
    canonical_request,
    sign_request,
    verify_request,
)

BEIJING = timezone(timedelta(hours=8))
STATION = "511102004-00"
CASE_ID = UUID("6f0b6b8e-3c1a-4f7e-9a52-2a4d1b6c9e01")
AT = datetime(2026, 11, 26, 9, 30, tzinfo=BEIJING)
SCAN = AttachmentRef(
    sha256="ab" * 32, size=2048, media_type="application/pdf", filename="证明.pdf", material_code="M03"
)
CASE = CasePayload(
    case_id=CASE_ID,
    case_number=case_number("511102004-00", date(2026, 11, 26), 7),
    item_code="C012",
    tier="complex",
    station_id=STATION,
    clerk="li.mei",
    applicant={"kind": "person", "name": "张三", "id_number": "511102199001010017"},
    form={"base": "4588.00", "months": 12},
    attachments=(SCAN,),
    fee={
        "kind": "flexible_worker",
        "total": "917.60",
        "lines": [
            {"insurance": "enterprise_pension", "account": "personal", "month": "2026-11", "amount": "366.98", "payer": "person"},
            {"insurance": "enterprise_pension", "account": "pooled", "month": "2026-11", "amount": "550.62", "payer": "person"},
        ],
    },
    accepted_at=AT,
    promised_date=date(2026, 12, 10),
)  # fmt: skip


def op_fields(seq: int, op_id: str) -> dict:
    return {"op_id": UUID(op_id), "station_id": STATION, "seq": seq, "case_id": CASE_ID, "created_at": AT}


ACCEPT = CaseAcceptOp(**op_fields(1, "00000000-0000-4000-8000-000000000001"), payload=CASE)
SUPPLEMENT = CaseSupplementOp(
    **op_fields(2, "00000000-0000-4000-8000-000000000002"),
    payload=SupplementPayload(
        case_id=CASE_ID, based_on_version=2, clerk="zhao.lei", form_changes={"months": 6}, attachments=(SCAN,)
    ),
)
WITHDRAW = CaseWithdrawOp(
    **op_fields(3, "00000000-0000-4000-8000-000000000003"),
    payload=WithdrawPayload(clerk="li.mei", reason="申请人自愿撤回"),
)
HANDOVER = DecisionHandoverOp(
    **op_fields(4, "00000000-0000-4000-8000-000000000004"),
    payload=HandoverPayload(
        clerk="li.mei", decision=CaseStatus.APPROVED, decision_version=3, handed_over_at=AT, recipient="张三"
    ),
)
OPERATIONS = (ACCEPT, SUPPLEMENT, WITHDRAW, HANDOVER)
STAFF = StaffAccount(
    username="li.mei",
    display_name="李梅",
    role="clerk",
    station_id=STATION,
    password_hash=hash_password("only-in-tests", salt=b"0123456789abcdef", log2_n=4),
    version=4,
)

EXAMPLES: list[BaseModel] = [
    *OPERATIONS,
    PushBatch(station_id=STATION, sent_at=AT, operations=OPERATIONS),
    PushResponse(
        results=(
            OpResult(op_id=ACCEPT.op_id, seq=1, status=OpStatus.APPLIED, case_id=CASE_ID,
                     case_status=CaseStatus.ROUTED, server_received_at=AT),
            OpResult(op_id=SUPPLEMENT.op_id, seq=2, status=OpStatus.REJECTED, code="op_validation_failed",
                     message="未通过校验", server_received_at=AT, detail={"problems": [{"field": "months"}]}),
        ),
        station_last_seq=2,
    ),
    PullRequest(cursor="pg.1234.56", limit=500),
    PullPage(
        changes=(Change(kind=ChangeKind.DECISION, key=str(CASE_ID), version=3, data={"status": "approved"}),),
        next_cursor="pg.1234.57",
        has_more=False,
        digest=StationDigest(catalog_version="2026.1", catalog_digest="1" * 64, rates_digest="2" * 64,
                             staff_digest="3" * 64, registry_count=2, registry_digest="4" * 64),
    ),
    DecisionRecord(case_id=CASE_ID, case_number=CASE.case_number, status=CaseStatus.RETURNED,
                   reason="请补充劳动合同复印件", decided_at=AT, decided_by="wang.fang", section="pension", version=2),
    CaseStatusRecord(case_id=CASE_ID, case_number=CASE.case_number, status=CaseStatus.ROUTED, section="pension",
                     due_date=date(2026, 12, 10), version=1),
    STAFF,
    PersonRecord(id_number="511102199001010017", name="张三", sex="M", birth_date=date(1990, 1, 1),
                 township="511102004", version=7,
                 enrolments=(EnrolmentRecord(insurance="enterprise_pension", county="511102", status="active",
                                             since=date(2015, 3, 1), version=2),)),
    UnitRecord(uscc="91511100MA6200000Q", name="乐山市某某有限公司", county="511102", version=1),
    EnrolRequest(enrolment_code="K7PD-93XQ", public_key=base64.b64encode(bytes(32)).decode(), client_version="0.1.0"),
    EnrolResponse(station_id=STATION, station_code="511102004-00", division_code="511102004",
                  catalog_version="2026.1", server_cert_sha256="c" * 64),
    AttachmentStatus(sha256="ab" * 32, size=2048, received_bytes=1024, complete=False),
    error_body("sequence_gap", {"missing_seq": 5}),
]  # fmt: skip


@pytest.mark.parametrize("model", EXAMPLES, ids=lambda m: type(m).__name__)
def test_every_model_round_trips_through_json(model: BaseModel):
    assert type(model).model_validate_json(model.model_dump_json()) == model


def test_operations_are_told_apart_by_kind():
    for op in OPERATIONS:
        parsed = OPERATION_ADAPTER.validate_json(op.model_dump_json())
        assert type(parsed) is type(op)
        assert parsed == op
    raw = json.loads(WITHDRAW.model_dump_json()) | {"kind": "case_accept"}
    with pytest.raises(ValidationError):
        OPERATION_ADAPTER.validate_python(raw)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"seq": 0}, "greater than or equal to 1"),
        ({"case_id": UUID(int=1)}, "payload.case_id"),
        ({"station_id": "511123100-00"}, "payload.station_id"),
        ({"created_at": datetime(2026, 11, 26, 9, 30)}, "timezone"),
        ({"note": "x"}, "Extra inputs"),
    ],
)
def test_malformed_operations_are_refused(change, problem):
    with pytest.raises(ValidationError, match=problem):
        CaseAcceptOp.model_validate(ACCEPT.model_dump() | change)


def test_a_batch_holds_one_to_five_hundred_operations():
    with pytest.raises(ValidationError):
        PushBatch(station_id=STATION, sent_at=AT, operations=())
    ops = tuple(WITHDRAW.model_copy(update={"seq": n}) for n in range(1, MAX_BATCH_OPERATIONS + 2))
    assert (
        len(PushBatch(station_id=STATION, sent_at=AT, operations=ops[:MAX_BATCH_OPERATIONS]).operations)
        == 500
    )
    with pytest.raises(ValidationError, match="at most 500"):
        PushBatch(station_id=STATION, sent_at=AT, operations=ops)


# ── digests ────────────────────────────────────────────────────────────────────────────


def _shuffled(value, rnd):
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        return {k: _shuffled(v, rnd) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rnd) for v in value]
    return value


@given(st.randoms(use_true_random=False))
def test_the_digest_ignores_key_order(rnd):
    for op in OPERATIONS:
        reordered = json.dumps(_shuffled(json.loads(op.model_dump_json()), rnd))
        assert operation_digest(OPERATION_ADAPTER.validate_json(reordered)) == operation_digest(op)


def test_the_digest_ignores_how_amounts_and_instants_are_written():
    raw = json.loads(ACCEPT.model_dump_json())
    raw["payload"]["fee"]["total"] = "917.6"
    raw["payload"]["fee"]["lines"][0]["amount"] = "366.980"
    raw["payload"]["accepted_at"] = "2026-11-26T01:30:00Z"  # the same instant in UTC
    raw["created_at"] = "2026-11-26T09:30:00.000+08:00"
    assert operation_digest(OPERATION_ADAPTER.validate_python(raw)) == operation_digest(ACCEPT)


def test_the_digest_changes_with_the_content():
    digests = {operation_digest(op) for op in OPERATIONS}
    digests.add(
        operation_digest(
            WITHDRAW.model_copy(update={"payload": WithdrawPayload(clerk="li.mei", reason="另有原因")})
        )
    )
    digests.add(operation_digest(ACCEPT.model_copy(update={"seq": 9})))
    assert len(digests) == len(OPERATIONS) + 2
    assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d in digests)


def test_the_digest_is_unchanged_by_an_absent_optional_field():
    # A later contract may add an optional field; an old operation keeps its digest.
    raw = json.loads(ACCEPT.model_dump_json())
    assert raw["payload"]["base_version"] is None
    del raw["payload"]["base_version"]
    assert operation_digest(OPERATION_ADAPTER.validate_python(raw)) == operation_digest(ACCEPT)


# ── results, pull and records ──────────────────────────────────────────────────────────


def test_refused_operations_carry_a_code_and_others_do_not():
    base = {"op_id": ACCEPT.op_id, "seq": 1, "server_received_at": AT}
    with pytest.raises(ValidationError, match="code and message"):
        OpResult(**base, status=OpStatus.REJECTED)
    with pytest.raises(ValidationError, match="code and message"):
        OpResult(**base, status=OpStatus.APPLIED, code="op_conflict", message="冲突")
    assert (
        OpResult(**base, status=OpStatus.CONFLICT, code="op_conflict", message="冲突").code == "op_conflict"
    )


def test_pull_limits_and_cursors():
    assert PullRequest().limit == 200 and PullRequest().cursor is None
    for bad in ({"limit": 0}, {"limit": 5001}, {"cursor": ""}, {"cursor": "a b"}):
        with pytest.raises(ValidationError):
            PullRequest.model_validate(bad)


def test_change_data_parses_as_its_record():
    change = Change(kind=ChangeKind.STAFF, key="li.mei", version=4, data=STAFF.model_dump(mode="json"))
    assert CHANGE_RECORDS[change.kind].model_validate(change.data) == STAFF


def test_staff_records_carry_a_hash_never_a_password():
    with pytest.raises(ValidationError):
        StaffAccount(username="li.mei", display_name="李梅", role="clerk", password_hash="123456", version=1)


def test_a_station_enrols_with_a_raw_ed25519_public_key():
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    request = EnrolRequest(
        enrolment_code=" K7PD-93XQ ", public_key=base64.b64encode(key).decode(), client_version="1"
    )
    assert request.public_key_bytes() == key and request.enrolment_code == "K7PD-93XQ"
    for bad in (base64.b64encode(key[:31]).decode(), "not base64!"):
        with pytest.raises(ValidationError, match="public_key"):
            EnrolRequest(enrolment_code="K7PD-93XQ", public_key=bad, client_version="1")


def test_attachment_status_is_consistent():
    assert AttachmentStatus(sha256="ab" * 32, size=10, received_bytes=10, complete=True).complete
    for received, complete in ((11, False), (10, False), (5, True)):
        with pytest.raises(ValidationError):
            AttachmentStatus(sha256="ab" * 32, size=10, received_bytes=received, complete=complete)


# ── request signing ────────────────────────────────────────────────────────────────────

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
BODY = PushBatch(station_id=STATION, sent_at=AT, operations=(ACCEPT,)).model_dump_json().encode()
NOW = 1_795_000_000
PATH = "/api/v1/sync/push"


def signed(body: bytes = BODY, **kw) -> dict[str, str]:
    return sign_request(KEY, "POST", PATH, body, STATION, timestamp=NOW, nonce="n0nce-0123456789abcd", **kw)


def auth_code(headers, *, method="POST", path=PATH, body=BODY, now=NOW, key=PUBLIC) -> str | None:
    try:
        verify_request(key, headers, method, path, body, now=now)
    except AuthError as error:
        assert error.message == API_ERROR_MESSAGES[error.code]  # type: ignore[index]
        return error.code
    return None


def test_a_good_signature_verifies_whatever_the_header_case():
    headers = signed()
    assert set(headers) == set(SIGNED_HEADERS)
    assert auth_code(headers) is None
    assert auth_code({k.lower(): v for k, v in headers.items()}) is None
    assert auth_code(headers, now=NOW + 299) is None


def test_a_flipped_body_byte_fails():
    tampered = bytearray(BODY)
    tampered[10] ^= 0x01
    assert auth_code(signed(), body=bytes(tampered)) == "auth_bad_signature"


@pytest.mark.parametrize(
    "change",
    [
        {"path": "/api/v1/sync/pull"},
        {"method": "PUT"},
        {"key": Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)},
    ],
)
def test_a_signature_is_bound_to_method_path_and_key(change):
    assert auth_code(signed(), **change) == "auth_bad_signature"


@pytest.mark.parametrize("header", ["X-Station-Id", "X-Nonce", "X-Timestamp", "X-Content-SHA256"])
def test_tampered_headers_fail(header):
    headers = signed()
    headers[header] = {"X-Timestamp": str(NOW + 1)}.get(header, "f" * 64)
    assert auth_code(headers) == "auth_bad_signature"


@pytest.mark.parametrize("header", SIGNED_HEADERS)
def test_a_missing_header_is_unsigned(header):
    headers = signed()
    del headers[header]
    assert auth_code(headers) == "auth_unsigned"
    assert auth_code({}) == "auth_unsigned"


def test_an_old_or_future_timestamp_is_clock_skew():
    assert auth_code(signed(), now=NOW + 301) == "auth_clock_skew"
    assert auth_code(signed(), now=NOW - 3600) == "auth_clock_skew"
    with pytest.raises(AuthError) as info:
        verify_request(PUBLIC, signed(), "POST", PATH, BODY, now=NOW + 3600)
    assert info.value.detail == {"server_time": NOW + 3600, "station_time": NOW, "allowed": 300}


def test_the_canonical_request_is_one_field_a_line():
    assert (
        canonical_request("post", "/p?a=1", "AB" * 32, 7, "n", "s")
        == b"LSSB-ED25519-1\nPOST\n/p?a=1\n" + (b"ab" * 32) + b"\n7\nn\ns"
    )
    with pytest.raises(ValueError, match="newline"):
        canonical_request("POST", "/p", "ab" * 32, 7, "n\nX-Other: 1", "s")


def test_signing_defaults_to_the_clock_and_a_fresh_nonce():
    first = sign_request(KEY, "GET", "/api/v1/sync/pull?limit=10", b"", STATION)
    second = sign_request(KEY, "GET", "/api/v1/sync/pull?limit=10", b"", STATION)
    assert first["X-Nonce"] != second["X-Nonce"]
    assert abs(int(first["X-Timestamp"]) - datetime.now(UTC).timestamp()) < 5
    verify_request(PUBLIC, first, "GET", "/api/v1/sync/pull?limit=10", b"")


# ── error codes ────────────────────────────────────────────────────────────────────────


def test_every_api_error_code_has_a_message_and_a_status():
    assert len(set(API_ERROR_CODES)) == len(API_ERROR_CODES)
    assert set(API_ERROR_MESSAGES) == set(API_ERROR_STATUS) == set(API_ERROR_CODES)
    for code in API_ERROR_CODES:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", code), code
        assert 400 <= API_ERROR_STATUS[code] <= 599
        assert re.search(r"[\u4e00-\u9fff]", API_ERROR_MESSAGES[code]), code


def test_operation_result_and_lifecycle_codes_are_api_codes():
    codes = set(API_ERROR_CODES)
    assert codes >= OP_RESULT_CODES | RETRYABLE_CODES | set(LIFECYCLE_ERROR_MESSAGES)
    assert codes >= {"auth_unsigned", "auth_bad_signature", "auth_clock_skew"}


def test_the_internal_error_says_nothing_about_the_server():
    body = error_body("internal_error")
    assert body == ErrorBody(code="internal_error", message=API_ERROR_MESSAGES["internal_error"], detail={})
    assert "Traceback" not in body.message and API_ERROR_STATUS["internal_error"] == 500


def test_amounts_in_an_operation_are_strings_on_the_wire():
    wire = json.loads(ACCEPT.model_dump_json())
    assert wire["payload"]["fee"]["total"] == "917.60"
    assert Decimal(wire["payload"]["fee"]["lines"][1]["amount"]) == Decimal("550.62")
