"""The city's document CA on both backends: a station's enrolment with a CSR gets a
document-signing certificate under its registered name; a station enrolled earlier asks for
one over the signed API (a newer one supersedes the older); revoking the station revokes its
certificates and the verification page says so; ``init`` and ``ca init-documents`` make the CA.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from schema import document_seal
from schema.document_seal import DocumentKind, SealedDocument
from schema.protocol import DocumentCertificateRequest, EnrolResponse
from sync_server.core import document_certs
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, document_certificates, stations
from sync_server.services.admin import document_ca
from sync_server.services.admin import stations as station_admin
from tests.support.factories import (
    Station,
    accept_op,
    enrolled_station,
    make_client,
    public_key_b64,
    push,
    signed_headers,
)

ENROL = "/api/v1/enrol"
CERTIFICATE = "/api/v1/document-certificate"
NAME = "市中区大佛街道社保所"


def _csr(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, *, cn: str = "anything") -> str:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def _pending(db: Database) -> str:
    with db.write() as conn:
        issued = station_admin.add_station(
            conn, division="511102004", name=NAME, now=dt.datetime.now(dt.UTC), code_hours=24, actor="admin"
        )
    return issued.code


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, x509.InvalidSignature):
        return False
    return True


def _ask(client, station: Station, csr: str):
    """A signed request, as the station's sync agent sends it."""
    body = DocumentCertificateRequest(csr=csr).model_dump_json().encode()
    headers = {"Content-Type": "application/json", **signed_headers(station, body, path=CERTIFICATE)}
    return client.post(CERTIFICATE, content=body, headers=headers)


def _rows(db: Database, station_id: str) -> list:
    with db.read() as conn:
        return list(
            conn.execute(
                sa.select(document_certificates)
                .where(document_certificates.c.station_id == station_id)
                .order_by(document_certificates.c.issued_at)
            )
        )


def test_enrolment_with_a_csr_gets_a_document_certificate_under_the_registered_name(
    db: Database, tmp_path: Path
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    body = {
        "enrolment_code": _pending(db),
        "public_key": public_key_b64(Ed25519PrivateKey.generate()),
        "client_version": "1.0.0",
        "document_csr": _csr(key, cn="伪造的名称"),  # the station cannot name itself
    }
    with make_client(db, tmp_path) as client:
        answer = client.post(ENROL, json=body)
    assert answer.status_code == 200, answer.text
    issued = EnrolResponse.model_validate(answer.json()).document_certificate
    assert issued is not None
    cert = x509.load_pem_x509_certificate(issued.certificate.encode())
    ca = x509.load_pem_x509_certificate(issued.ca.encode())
    # the CA the response names is the one kept in the data directory, and it signed the certificate
    ca_file = tmp_path / "document-ca" / "ca.pem"
    assert ca_file.read_bytes().decode() == issued.ca and _issued_by(cert, ca)
    assert stat.S_IMODE((tmp_path / "document-ca" / "ca-key.pem").stat().st_mode) == 0o600
    assert cert.public_key() == key.public_key()
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == NAME
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "乐山市社会保险事业管理局"
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "511102004-00"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert document_certs.DOCUMENT_SIGNING in eku and ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert ExtendedKeyUsageOID.SERVER_AUTH not in eku
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    rows = _rows(db, "511102004-00")
    assert [r.serial for r in rows] == [format(cert.serial_number, "x")] and rows[0].revoked_at is None
    with db.read() as conn:
        assert "station.document_certificate" in conn.execute(sa.select(audit_log.c.action)).scalars().all()


@pytest.mark.parametrize("bad", ["rsa", "not_a_csr"])
def test_a_csr_that_is_not_p256_is_refused_and_the_code_still_works(
    db: Database, tmp_path: Path, bad: str
) -> None:
    code = _pending(db)
    csr = (
        _csr(rsa.generate_private_key(65537, 2048))
        if bad == "rsa"
        else "-----BEGIN CERTIFICATE REQUEST-----\n" + "A" * 80
    )
    body = {
        "enrolment_code": code,
        "public_key": public_key_b64(Ed25519PrivateKey.generate()),
        "client_version": "1.0.0",
        "document_csr": csr,
    }
    with make_client(db, tmp_path) as client:
        refused = client.post(ENROL, json=body)
        assert refused.status_code == 400 and refused.json()["code"] == "document_csr_invalid"
        assert "ECDSA P-256" in refused.json()["message"]
        with db.read() as conn:
            assert conn.execute(sa.select(stations.c.status)).scalar_one() == "pending"
        body["document_csr"] = _csr(ec.generate_private_key(ec.SECP256R1()))
        assert client.post(ENROL, json=body).status_code == 200


def test_an_older_client_without_a_csr_enrols_as_before_with_no_certificate(
    db: Database, tmp_path: Path
) -> None:
    body = {
        "enrolment_code": _pending(db),
        "public_key": public_key_b64(Ed25519PrivateKey.generate()),
        "client_version": "0.9.0",
    }
    with make_client(db, tmp_path) as client:
        answer = client.post(ENROL, json=body)
    assert answer.status_code == 200 and "document_certificate" not in answer.json()
    assert _rows(db, "511102004-00") == [] and not (tmp_path / "document-ca").exists()


def test_a_station_enrolled_earlier_asks_over_the_signed_api_and_a_new_one_supersedes_the_old(
    db: Database, tmp_path: Path
) -> None:
    station = enrolled_station(db)
    with make_client(db, tmp_path) as client:
        first = _ask(client, station, _csr(ec.generate_private_key(ec.SECP256R1())))
        assert first.status_code == 200, first.text
        second = _ask(client, station, _csr(ec.generate_private_key(ec.SECP256R1())))
        assert second.status_code == 200, second.text
        unsigned = client.post(CERTIFICATE, json={"csr": _csr(ec.generate_private_key(ec.SECP256R1()))})
        assert unsigned.status_code == 401 and unsigned.json()["code"] == "auth_unsigned"
    ca = document_ca.load(tmp_path)  # created on first use
    assert ca is not None
    for answer in (first, second):
        cert = x509.load_pem_x509_certificate(answer.json()["certificate"].encode())
        assert _issued_by(cert, ca.cert)
    old, new = _rows(db, station.id)
    assert old.revocation_reason == "superseded" and old.revoked_at is not None
    assert new.revoked_at is None


def _payment_seal(station: Station, case_number: str) -> str:
    day = case_number.split("-")[2]
    document = SealedDocument(
        kind=DocumentKind.PAYMENT,
        number=f"{station.id}-{day}-F0001",
        case_number=case_number,
        item_code="G14",
        amount=Decimal("1234.50"),
        issued_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
    )
    return document_seal.sign(station.key, document).code


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_revoking_a_station_revokes_its_certificate_and_the_verification_page_says_so(
    db: Database, tmp_path: Path
) -> None:
    station = enrolled_station(db)
    op = accept_op(station, "C019")
    with make_client(db, tmp_path) as client:
        assert push(client, station, [op]).status_code == 200
        assert _ask(client, station, _csr(ec.generate_private_key(ec.SECP256R1()))).status_code == 200
        code = _payment_seal(station, op.payload.case_number)
        before = _text(client.get(f"/v/{code}").text)
        assert "文件真实有效" in before and "带有该站的电子签名" in before
        with db.write() as conn:
            station_admin.revoke_station(conn, station.id, now=dt.datetime.now(dt.UTC), actor="admin")
        after = _text(client.get(f"/v/{code}").text)
    (row,) = _rows(db, station.id)
    assert row.revocation_reason == "station_revoked" and row.revoked_at is not None
    assert "文件真实有效" in after  # printed before the revocation: still genuine
    assert "其电子收据签名证书" in after and "同时吊销" in after and row.serial[:16] in after


def test_init_creates_the_document_ca_and_init_documents_adds_it_to_an_older_install(tmp_path: Path) -> None:
    from sync_server.cli import main

    runner = CliRunner()
    home = tmp_path / "data"
    done = runner.invoke(main, ["init", "--data-dir", str(home)])
    assert done.exit_code == 0, done.output
    assert "文档签名根证书" in done.output and (home / "document-ca" / "ca.pem").exists()
    kept = (home / "document-ca" / "ca.pem").read_bytes()
    again = runner.invoke(main, ["ca", "init-documents", "--data-dir", str(home)])
    assert again.exit_code == 0 and "已有文档签名根证书" in again.output
    assert (home / "document-ca" / "ca.pem").read_bytes() == kept  # never replaced
    # an install from before the document CA: the command creates it
    for name in ("ca.pem", "ca-key.pem"):
        (home / "document-ca" / name).unlink()
    (home / "document-ca").rmdir()
    made = runner.invoke(main, ["ca", "init-documents", "--data-dir", str(home)])
    assert made.exit_code == 0 and "已创建文档签名根证书" in made.output
    assert document_ca.load(home) is not None
