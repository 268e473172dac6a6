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
from station_client.crypto.keys import DataKey
from station_client.crypto.recovery import generate_recovery_key
from station_client.crypto.wraps import wrap_for_recovery
from station_client.paths import StationPaths
from station_client.services import pdf_signing
from station_client.services.errors import ServiceError
from station_client.store import keys, meta, open_store
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


def enrol(
    paths: StationPaths,
    *,
    server_url: str,
    ca_pem: bytes,
    code: str,
    client: httpx.Client,
    station_name: str | None = None,
    now: datetime | None = None,
) -> EnrolmentResult:
    """Enrol this home with the city server; ServiceError with the server's Chinese reason otherwise."""
    from station_client.transport import SyncError
    from station_client.transport import enrol as post_enrol

    now = now or datetime.now(UTC)
    db = open_store(paths.ensure().home)
    try:
        if (existing := meta.station_id(db)) is not None:
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
