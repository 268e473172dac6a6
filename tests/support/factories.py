"""Builders for server tests: settings and clients, enrolled stations, valid operations, signed pushes.

Operations are built the way a station builds them: the real catalog's forms, fees from
``schema.fees`` with the shipped rate book (so the station's FeeSummary matches the
server's to the fen), case numbers from ``schema.cases.case_number``. A :class:`Station`
numbers its operations 1, 2, 3 … like a real outbox.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import itertools
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient

from schema.cases import Applicant, CasePayload, FeeSummary, case_number
from schema.catalog import load_catalog, validate_form
from schema.errors import IdentifierError
from schema.fees import compute_fee, fee_request_from_form
from schema.identifiers import Sex, make_resident_id, make_uscc, parse_resident_id
from schema.protocol import (
    CaseAcceptOp,
    CaseSupplementOp,
    CaseWithdrawOp,
    Operation,
    PushBatch,
    SupplementPayload,
    WithdrawPayload,
    canonical_json,
)
from schema.rates import load_rates
from schema.retirement_age import WorkerCategory, statutory_retirement
from schema.signing import sign_request
from schema.vocabulary import ApplicantKind, Tier
from sync_server.api.app import create_app
from sync_server.db.engine import Database
from sync_server.db.tables import enrolments, persons, stations, units
from sync_server.settings import Settings
from tests.support.dates import first_months_of_this_year, month_of_this_year

CERT_SHA256 = "c3" * 32
PUSH_PATH = "/api/v1/push"
TOWNSHIP = "511102004"  # 市中区大佛街道
COUNTY = "511102"
BEIJING = dt.timezone(dt.timedelta(hours=8))
_ids = itertools.count(1)


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="x" * 48, database_url=database_url, **overrides)


def make_client(db: Database, tmp_path: Path, **overrides: Any) -> TestClient:
    """A TestClient over the real app on ``db``; the certificate fingerprint is fixed."""
    url = db.engine.url.render_as_string(hide_password=False)
    app = create_app(make_settings(tmp_path, url, **overrides), database=db)
    app.state.server_cert_sha256 = CERT_SHA256
    return TestClient(app)


def person_id(n: int, *, area: str = COUNTY, born: dt.date = dt.date(1975, 5, 17)) -> str:
    """A valid 18-digit ID number; ``n`` picks the sequence (0..999)."""
    return make_resident_id(area, born, n % 1000)


def unit_uscc(n: int, *, area: str = COUNTY) -> str:
    return make_uscc(f"91{area}MA{n:07d}"[:17])


# ---- stations --------------------------------------------------------------------------


@dataclass
class Station:
    """An enrolled station: its key, and its outbox counters (seq, daily case counter)."""

    id: str
    key: Ed25519PrivateKey
    seq: int = 0
    counter: int = 0
    clock_offset: dt.timedelta = dt.timedelta(0)  # how wrong the station's clock is
    sent: list[Operation] = field(default_factory=list)

    @property
    def county(self) -> str:
        return self.id[:6]

    def now(self) -> dt.datetime:
        return dt.datetime.now(BEIJING) + self.clock_offset

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


def enrolled_station(db: Database, township: str = TOWNSHIP, point: int = 0) -> Station:
    """Insert an active station with a fresh key straight into ``stations``."""
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    station_id = f"{township}-{point:02d}"
    with db.write() as conn:
        conn.execute(
            sa.insert(stations).values(
                id=station_id,
                township_code=township,
                county_code=township[:6],
                name=f"测试服务站 {station_id}",
                status="active",
                public_key=raw,
                enrolled_at=dt.datetime.now(dt.UTC),
            )
        )
    return Station(station_id, key)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


# ---- registry ---------------------------------------------------------------------------


def add_person(
    db: Database,
    id_number: str,
    *,
    township: str = TOWNSHIP,
    enrolled: Mapping[str, str] | None = None,
    version: int = 1,
    kind: str = "employee",
) -> None:
    """A registry person with enrolments {insurance_type: county}."""
    with db.write() as conn:
        conn.execute(
            sa.insert(persons).values(
                id_number=id_number,
                name="王小明",
                sex="male" if int(id_number[16]) % 2 else "female",
                birth_date=dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
                township_code=township,
                phone="13800000000",
                version=version,
            )
        )
        for insurance, county in (enrolled or {}).items():
            conn.execute(
                sa.insert(enrolments).values(
                    id_number=id_number,
                    insurance_type=insurance,
                    county_code=county,
                    kind=kind,
                    status="active",
                    since=dt.date(2010, 1, 1),
                )
            )


def add_unit(db: Database, uscc: str, county: str) -> None:
    with db.write() as conn:
        conn.execute(sa.insert(units).values(uscc=uscc, name="乐山测试有限公司", county_code=county))


# ---- operations -------------------------------------------------------------------------

Q1 = first_months_of_this_year(3)
FORMS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    # item: (form, materials)
    "G02": ({"purpose": "housing", "insurance_types": ["enterprise_pension"]}, ("id_or_ss_card",)),
    "G08": ({"change_items": ["phone"], "new_phone": "13912345678"}, ("id_card",)),
    "G09": (
        {
            "grade": "300",
            "year": 2026,
            "household_division": TOWNSHIP,
            "not_in_other_pension": True,
            "contact_phone": "13912345678",
        },
        ("id_card", "hukou"),
    ),
    "G14": (
        # this year's first quarter: the desk collects only months of the acceptance year
        {"base": "5000", "period_start": Q1[0], "period_end": Q1[1], "include_medical": True},
        ("id_card",),
    ),
    "C012": (
        {"grade": "500", "year": 2025, "reason": "interrupted"},
        ("id_card", "back_payment_application"),
    ),
    "C019": (
        {
            "retirement_month": month_of_this_year(12),
            "worker_category": "male_60",
            "work_start_date": "1990-07-01",
            "archive_location": "乐山市人才交流中心",
            "contact_phone": "13912345678",
        },
        ("id_card", "personnel_archive", "retirement_form"),
    ),
}


def fee_for(item_code: str, form: Mapping[str, Any], today: dt.date) -> FeeSummary | None:
    """What the station computes and sends (None when the item collects nothing here)."""
    item = load_catalog().item(item_code)
    values = validate_form(item, form, today=today).values
    if item.fee_kind is None or not item.collects_fee(values):
        return None
    return FeeSummary.of(compute_fee(fee_request_from_form(item.fee_kind, values), load_rates()))


def _at_statutory_age(form: dict[str, Any], id_number: str | None, day: dt.date) -> dict[str, Any]:
    """C019's default form with the applicant's own category and statutory retirement month:
    a retirement before it is refused (schema.retirement_checks)."""
    try:
        applicant = parse_resident_id(id_number or "", today=day)
    except IdentifierError:
        return form  # a test of a bad ID number: that is what gets reported
    category = WorkerCategory.MALE_60 if applicant.sex is Sex.MALE else WorkerCategory.FEMALE_WORKER_50
    month = statutory_retirement(applicant.birth_date, category).month
    return form | {"worker_category": category.value, "retirement_month": month}


def accept_op(
    station: Station,
    item_code: str,
    *,
    id_number: str | None = None,
    uscc: str | None = None,
    name: str = "王小明",
    form: Mapping[str, Any] | None = None,
    materials: Sequence[str] | None = None,
    fee: FeeSummary | str | None = "auto",
    accepted_at: dt.datetime | None = None,
    base_version: int | None = None,
) -> CaseAcceptOp:
    """A ``case_accept`` the way the station's intake writes it (valid unless told otherwise)."""
    item = load_catalog().item(item_code)
    default_form, default_materials = FORMS.get(item_code, ({}, ()))
    accepted_at = accepted_at or station.now()
    if form is None and "period_start" in default_form:
        # G14's quarter is of the acceptance year, also for a case backdated over New Year
        year = accepted_at.astimezone(BEIJING).year
        default_form = default_form | {"period_start": f"{year}-01", "period_end": f"{year}-03"}
    own_form = form is not None
    form = dict(default_form if form is None else form)
    station.counter += 1
    if item.applicant is ApplicantKind.PERSON:
        applicant = Applicant(
            kind=ApplicantKind.PERSON, name=name, id_number=id_number or person_id(next(_ids))
        )
    else:
        applicant = Applicant(kind=ApplicantKind.UNIT, name=name, uscc=uscc or unit_uscc(next(_ids)))
    day = accepted_at.astimezone(BEIJING).date()
    if item_code == "C019" and not own_form:
        form = _at_statutory_age(form, applicant.id_number, day)
    payload = CasePayload(
        case_id=uuid.uuid4(),
        case_number=case_number(station.id, day, station.counter, tier=item.tier),
        item_code=item_code,
        tier=item.tier,
        station_id=station.id,
        clerk="clerk01",
        applicant=applicant,
        form=form,
        materials_provided=tuple(default_materials if materials is None else materials),
        fee=fee_for(item_code, form, day) if fee == "auto" else fee,  # type: ignore[arg-type]
        accepted_at=accepted_at,
        promised_date=day + dt.timedelta(days=60) if item.tier is Tier.COMPLEX else None,
        base_version=base_version,
    )
    return CaseAcceptOp(
        op_id=uuid.uuid4(), station_id=station.id, seq=station.next_seq(), case_id=payload.case_id,
        created_at=accepted_at, payload=payload,
    )  # fmt: skip


def supplement_op(
    station: Station, case_id: uuid.UUID, based_on_version: int, **changes: Any
) -> CaseSupplementOp:
    payload = SupplementPayload(
        case_id=case_id, based_on_version=based_on_version, clerk="clerk01", form_changes=changes, note="补正"
    )
    return CaseSupplementOp(
        op_id=uuid.uuid4(), station_id=station.id, seq=station.next_seq(), case_id=case_id,
        created_at=station.now(), payload=payload,
    )  # fmt: skip


def withdraw_op(station: Station, case_id: uuid.UUID) -> CaseWithdrawOp:
    return CaseWithdrawOp(
        op_id=uuid.uuid4(), station_id=station.id, seq=station.next_seq(), case_id=case_id,
        created_at=station.now(), payload=WithdrawPayload(clerk="clerk01", reason="申请人撤回"),
    )  # fmt: skip


# ---- pushing ----------------------------------------------------------------------------


def batch_bytes(station: Station, ops: Iterable[Operation], *, sent_at: dt.datetime | None = None) -> bytes:
    batch = PushBatch(station_id=station.id, sent_at=sent_at or station.now(), operations=tuple(ops))
    return json.dumps(batch.model_dump(mode="json"), ensure_ascii=False).encode()


def signed_headers(
    station: Station,
    body: bytes,
    *,
    path: str = PUSH_PATH,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    return sign_request(station.key, "POST", path, body, station.id, timestamp=timestamp, nonce=nonce)


def push(
    client: TestClient,
    station: Station,
    ops: Iterable[Operation],
    *,
    sent_at: dt.datetime | None = None,
    raw: bytes | None = None,
    compress: bool = True,
    **sign: Any,
) -> Any:
    """Sign and send a batch (gzip unless told otherwise); the httpx response."""
    body = raw if raw is not None else batch_bytes(station, ops, sent_at=sent_at)
    if compress:
        body = gzip.compress(body, compresslevel=5)
    headers = {"Content-Type": "application/json", **signed_headers(station, body, **sign)}
    if compress:
        headers["Content-Encoding"] = "gzip"
    return client.post(PUSH_PATH, content=body, headers=headers)


def digest_json(value: Any) -> str:
    return canonical_json(value).decode()
