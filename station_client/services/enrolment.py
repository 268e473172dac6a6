"""Enrolling this PC as a station (``station-client enroll``).

1. Generate the station's Ed25519 key pair, and its P-256 key for signing PDF receipts.
2. ``POST /api/v1/enrol`` with the one-time code, the public key and a CSR, through the
   ``httpx.Client`` given (the CLI pins the city CA with an ``ssl.SSLContext``; tests give
   Starlette's TestClient). HTTP lives in :mod:`station_client.transport`.
3. In ONE transaction: a new data key (DEK); the private key sealed under it
   (``secrets.station_ed25519``); the DEK wrapped for a new recovery key; the station's
   identity, server URL and server certificate fingerprint in ``meta``; the document key
   and its certificate (:mod:`pdf_signing`), when the server issued one. The pinned CA is
   copied to ``<home>/ca.pem``.
4. Return the recovery key, to be shown once: it opens the DEK if every staff password
   is lost, and is the key for the first clerk's login on this PC (SSB_RECOVERY_KEY).

The first pull (reference data, staff, the registry slice) is :func:`initial_pull`,
which runs one round of the sync agent with the DEK still in memory.

A home restored from a backup enrols again with a new code as the same station (new keys;
the data key, recovery key, cases and outbox stay; the city keeps the station's sequence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from sqlite_utils import Database

from schema.protocol import EnrolRequest, EnrolResponse
from station_client.crypto import station_key
from station_client.crypto.keys import DataKey, WrongCredential
from station_client.crypto.recovery import generate_recovery_key
from station_client.crypto.wraps import unwrap_with_recovery, wrap_for_recovery
from station_client.paths import StationPaths
from station_client.services import backup, pdf_signing, receipt_stock
from station_client.services.errors import ServiceError
from station_client.store import audit, cases, keys, meta, open_store
from station_client.store.codec import iso


def client_version() -> str:
    try:
        return metadata.version("leshan-ssb-stations")
    except metadata.PackageNotFoundError:  # running from a source tree without installing
        return "0.0.0"


@dataclass(frozen=True)
class EnrolmentResult:
    station_id: str
    station_code: str
    township_code: str
    catalog_version: str
    recovery_key: str = field(repr=False)
    dek: DataKey = field(repr=False)
    resumed: bool = False  # a restored store enrolled again: same data key, same recovery key


def initialise_station(
    db: Database,
    response: EnrolResponse,
    private_key: Ed25519PrivateKey,
    *,
    server_url: str,
    now: datetime,
    document_key: ec.EllipticCurvePrivateKey | None = None,
) -> tuple[DataKey, str]:
    """Create the DEK, seal the station key, write the recovery wrap and ``meta``, in one transaction.

    Returns the DEK and the recovery key (shown once, never stored).
    """
    dek = DataKey.generate()
    recovery_key = generate_recovery_key()
    with db.atomic():
        keys.put_secret(db, dek, station_key.SECRET_NAME, station_key.private_bytes(private_key))
        keys.put_wrap(db, wrap_for_recovery(dek, recovery_key))
        meta.put_many(
            db,
            {
                meta.STATION_ID: response.station_id,
                meta.STATION_CODE: response.station_code,
                meta.TOWNSHIP_CODE: response.division_code,
                meta.COUNTY_CODE: response.division_code[:6],
                meta.SERVER_URL: server_url,
                meta.SERVER_CERT_SHA256: response.server_cert_sha256,
                meta.PUBLIC_KEY: station_key.public_key_b64(private_key),
                meta.ENROLLED_AT: iso(now),
            },
        )
        if document_key is not None and response.document_certificate is not None:
            pdf_signing.keep(db, dek, document_key, response.document_certificate)
    return dek, recovery_key


def _restored_dek(db: Database, recovery_key: str | None) -> DataKey:
    wrap = keys.get_wrap(db, "recovery")
    if not recovery_key or wrap is None:
        raise ServiceError(
            "reenrol_needs_key",
            "本机数据是从备份恢复的：重新注册需要本服务站的恢复密钥（注册时打印、由站长保管），请输入后重试。",
        )
    try:
        return unwrap_with_recovery(wrap, recovery_key)
    except WrongCredential:
        raise ServiceError(
            "login_wrong_recovery_key", "恢复密钥不正确：请对照注册时打印的恢复密钥逐位核对后重新输入。"
        ) from None


def _resume_station(
    db: Database,
    dek: DataKey,
    response: EnrolResponse,
    private_key: Ed25519PrivateKey,
    document_key: ec.EllipticCurvePrivateKey,
    *,
    server_url: str,
    now: datetime,
) -> None:
    """The restored store takes its new keys; its outbox goes on after the city's last_seq."""
    held = meta.station_id(db)
    if response.station_id != held:
        raise ServiceError(
            "reenrol_other_station",
            f"注册码属于服务站 {response.station_id}，而恢复的数据属于服务站 {held}："
            "请向综合业务科索取本站的注册码（sync-server station new-code）。",
            {"station_id": held, "code_station_id": response.station_id},
        )
    with db.atomic():
        keys.put_secret(db, dek, station_key.SECRET_NAME, station_key.private_bytes(private_key))
        meta.put_many(
            db,
            {
                meta.SERVER_URL: server_url,
                meta.SERVER_CERT_SHA256: response.server_cert_sha256,
                meta.PUBLIC_KEY: station_key.public_key_b64(private_key),
                meta.ENROLLED_AT: iso(now),
                meta.SERVER_SEQ_FLOOR: str(response.last_seq or 0),
                backup.RESTORED_NEEDS_ENROL: None,
            },
        )
        if response.document_certificate is not None:
            pdf_signing.keep(db, dek, document_key, response.document_certificate)
        _resume_receipts(db, dek, response, now)
        audit.append(
            db,
            at=now,
            actor="system",
            action="station.reenrol",
            entity="station",
            entity_id=held,
            detail={"server_last_seq": response.last_seq or 0},
        )


def _resume_receipts(db: Database, dek: DataKey, response: EnrolResponse, now: datetime) -> None:
    """The stock moves past the 票据号码 the lost PC issued (never printed twice); the receipts
    of cases this store lacks are listed with them as lost."""
    receipt_stock.keep_floor(db, response.receipt_stock_used or ())
    for issued in response.receipts_issued or ():
        if cases.get_row(db, str(issued.case_id)) is None:
            backup.note_lost_receipt(db, dek, issued, now)


def enrol(
    paths: StationPaths,
    *,
    server_url: str,
    ca_pem: bytes,
    code: str,
    client: httpx.Client,
    station_name: str | None = None,
    now: datetime | None = None,
    recovery_key: str | None = None,
) -> EnrolmentResult:
    """Enrol this home with the city server; ServiceError with the server's Chinese reason otherwise.

    A home restored from a backup (services/backup.py) is enrolled again as the same station
    with a new key: the recovery key opens its data key, the outbox and cases stay.
    """
    from station_client.transport import SyncError
    from station_client.transport import enrol as post_enrol

    now = now or datetime.now(UTC)
    db = open_store(paths.ensure().home)
    try:
        existing = meta.station_id(db)
        restored_dek = None
        if existing is not None and backup.needs_enrol(db):
            restored_dek = _restored_dek(db, recovery_key)
        elif existing is not None:
            raise ServiceError(
                "already_enrolled",
                f"本机数据目录已注册为服务站 {existing}：如需重新注册，请先请综合业务科注销本站，"
                "再使用新的数据目录（--home）注册。",
                {"station_id": existing},
            )
        private_key = station_key.generate()
        document_key = pdf_signing.new_key()
        try:
            request = EnrolRequest(
                enrolment_code=code,
                public_key=station_key.public_key_b64(private_key),
                station_name=station_name,
                client_version=client_version(),
                document_csr=pdf_signing.csr_pem(document_key),
            )
        except ValidationError:
            raise ServiceError(
                "enrol_code_invalid", "注册码格式不正确：请核对综合业务科发放的注册码（6 位以上）后重新输入。"
            ) from None
        try:
            response = post_enrol(client, request)
        except SyncError as exc:
            raise ServiceError(exc.code, exc.message, exc.detail) from exc
        resumed = restored_dek is not None and recovery_key is not None
        if restored_dek is not None and recovery_key is not None:
            _resume_station(
                db, restored_dek, response, private_key, document_key, server_url=server_url, now=now
            )
            paths.ca.write_bytes(ca_pem)
            dek = restored_dek
        else:
            paths.ca.write_bytes(ca_pem)
            dek, recovery_key = initialise_station(
                db, response, private_key, server_url=server_url, now=now, document_key=document_key
            )
        return EnrolmentResult(
            response.station_id,
            response.station_code,
            response.division_code,
            response.catalog_version,
            recovery_key,
            dek,
            resumed=resumed,
        )
    finally:
        db.close()


def initial_pull(paths: StationPaths, dek: DataKey, client: httpx.Client) -> str | None:
    """Pull reference data, staff and the registry slice once; the Chinese problem, or None.

    Uses the sync agent (``station_client.sync``); if it is not installed, says so and the
    first scheduled sync does the work instead.
    """
    try:
        from station_client.sync.agent import SyncAgent
    except ImportError:  # the sync agent ships separately in some builds
        return "同步模块不可用，未能下载参考数据和人员名单：请稍后运行 station-client sync。"
    agent = SyncAgent(paths.home, dek, client=client)
    try:
        report = agent.run_once()
    finally:
        agent.close()
    return None if report.problem is None else report.problem.message
