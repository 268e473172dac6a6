"""The document CA on disk, and the certificates it issues to stations (table ``document_certificates``).

The CA lives in ``<data dir>/document-ca/`` (``ca.pem``, ``ca-key.pem`` owner-only), beside
``tls/``; back both up together. ``sync-server init`` creates it; an install made before it
existed gets one from ``sync-server ca init-documents`` or on the first certificate asked
for (:func:`ensure`: several server processes may race there, the first rename wins).

A station gets a certificate at enrolment (its CSR rides in ``EnrolRequest``) or, enrolled
before the document CA, over the signed ``/api/v1/document-certificate`` on a sync. A new
certificate supersedes the station's earlier ones; revoking the station revokes them all.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.engine import Connection

from schema.protocol import DocumentCertificate
from sync_server.core import document_certs
from sync_server.db.engine import Database
from sync_server.db.tables import document_certificates, stations
from sync_server.errors import ApiError
from sync_server.services import audit

DIRECTORY = "document-ca"
CERT_FILE, KEY_FILE = "ca.pem", "ca-key.pem"
STATION_REVOKED, SUPERSEDED = "station_revoked", "superseded"


@dataclass(frozen=True)
class DocumentCa:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclass(frozen=True, slots=True)
class CertificateStatus:
    """A station's certificate as the verification page tells it."""

    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    revoked_at: dt.datetime | None
    revocation_reason: str | None

    @property
    def station_revoked(self) -> bool:
        return self.revocation_reason == STATION_REVOKED


def ca_dir(data_dir: Path) -> Path:
    return data_dir / DIRECTORY


def load(data_dir: Path) -> DocumentCa | None:
    """The document CA of this data directory, or None before it is created."""
    folder = ca_dir(data_dir)
    try:
        cert = x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())
        key = serialization.load_pem_private_key((folder / KEY_FILE).read_bytes(), password=None)
    except FileNotFoundError:
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{folder / KEY_FILE} is not an EC private key")
    return DocumentCa(key, cert)


def create(data_dir: Path, *, now: dt.datetime) -> DocumentCa | None:
    """Create the document CA; None when the data directory already has one (kept as it is).

    Written in a temporary folder and renamed into place, so a reader never sees half of it
    and of two processes creating it at once exactly one wins."""
    if ca_dir(data_dir).exists():
        return None
    key, cert = document_certs.new_ca(now)
    staging = Path(tempfile.mkdtemp(prefix=".document-ca-", dir=data_dir))
    try:
        pem = serialization.Encoding.PEM
        (staging / CERT_FILE).write_bytes(cert.public_bytes(pem))
        fd = os.open(staging / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        staging.chmod(0o700)
        try:
            staging.rename(ca_dir(data_dir))
        except OSError:  # another process got there first
            return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return DocumentCa(key, cert)


def ensure(data_dir: Path, *, now: dt.datetime) -> DocumentCa:
    """The document CA, created on first use."""
    created = create(data_dir, now=now)
    found = created or load(data_dir)
    if found is None:  # pragma: no cover - the folder exists but lost its files
        raise ApiError(
            "internal_error",
            "文档签名根证书文件缺失，暂不能签发电子收据证书。请系统管理员从备份恢复数据目录中的 document-ca/。",
            {"reason": "document_ca_missing"},
        )
    return found


def issue(
    conn: Connection, ca: DocumentCa, station_id: str, csr_pem: str, *, now: dt.datetime, actor: str
) -> DocumentCertificate:
    """Certify the key in ``csr_pem`` for the station; its earlier certificates are superseded.

    ApiError ``document_csr_invalid`` for a CSR that is not over a P-256 key signed by it."""
    try:
        public_key = document_certs.csr_public_key(csr_pem)
    except document_certs.CsrRefused as exc:
        raise ApiError("document_csr_invalid", detail={"reason": str(exc)[:200]}) from None
    name = conn.execute(sa.select(stations.c.name).where(stations.c.id == station_id)).scalar_one()
    cert = document_certs.station_certificate(
        ca.key,
        ca.cert,
        public_key,
        station_id=station_id,
        station_name=str(name),
        serial=x509.random_serial_number(),
        now=now,
    )
    serial = format(cert.serial_number, "x")
    _end(conn, station_id, now, SUPERSEDED)
    conn.execute(
        sa.insert(document_certificates).values(
            serial=serial,
            station_id=station_id,
            certificate=cert.public_bytes(serialization.Encoding.DER),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            issued_at=now,
        )
    )
    audit.append(
        conn,
        actor=actor,
        action="station.document_certificate",
        entity="station",
        entity_id=station_id,
        detail={"serial": serial, "not_after": cert.not_valid_after_utc.isoformat()},
        at=now,
    )
    return DocumentCertificate(
        certificate=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), ca=ca.pem
    )


def _end(conn: Connection, station_id: str, now: dt.datetime, reason: str) -> int:
    live = sa.and_(
        document_certificates.c.station_id == station_id, document_certificates.c.revoked_at.is_(None)
    )
    result = conn.execute(
        sa.update(document_certificates).where(live).values(revoked_at=now, revocation_reason=reason)
    )
    return int(result.rowcount or 0)


def revoke_station(conn: Connection, station_id: str, *, now: dt.datetime) -> int:
    """Revoke every live certificate of a revoked station; how many there were."""
    return _end(conn, station_id, now, STATION_REVOKED)


def latest(conn: Connection, station_id: str) -> CertificateStatus | None:
    """The station's newest certificate (the one its PDF receipts carry), or None."""
    row = conn.execute(
        sa.select(document_certificates)
        .where(document_certificates.c.station_id == station_id)
        .order_by(document_certificates.c.issued_at.desc(), document_certificates.c.serial)
        .limit(1)
    ).first()
    if row is None:
        return None
    return CertificateStatus(row.serial, row.not_before, row.not_after, row.revoked_at, row.revocation_reason)


def certificates(conn: Connection, station_id: str) -> list[CertificateStatus]:
    """Every certificate the station was issued, oldest first."""
    rows = conn.execute(
        sa.select(document_certificates)
        .where(document_certificates.c.station_id == station_id)
        .order_by(document_certificates.c.issued_at, document_certificates.c.serial)
    )
    return [
        CertificateStatus(r.serial, r.not_before, r.not_after, r.revoked_at, r.revocation_reason)
        for r in rows
    ]


def renew(
    db: Database, data_dir: Path, station_id: str, csr_pem: str, *, now: dt.datetime
) -> DocumentCertificate:
    """A signed station's own request (``/api/v1/document-certificate``), in one transaction."""
    ca = ensure(data_dir, now=now)
    with db.write() as conn:
        return issue(conn, ca, station_id, csr_pem, now=now, actor=f"station:{station_id}")
