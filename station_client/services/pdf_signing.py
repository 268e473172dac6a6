"""The station's signature on its PDF payment receipts (PAdES, with pyHanko), and its certificate.

A PDF reader that trusts the city's document CA (``document-ca/ca.pem`` on the server)
shows the receipt as signed by this station and unchanged since. The signature is
invisible: the page, its QR code included, stays exactly as rendered; the QR still
answers for the paper (``receipt_seal``), the signature for the file.

The key is ECDSA P-256 (what pyHanko and Adobe Reader verify), apart from the Ed25519 key
that signs sync requests: generated on the desk, sealed under the DEK in ``secrets`` as
``document_p256``; only a CSR leaves the PC. The city's certificate for it and the
document CA certificate are public and sit in ``meta``. A station gets its certificate at
enrolment; one enrolled earlier, or whose certificate nears its end (:data:`RENEW_DAYS`),
asks on its next sync (:func:`renew_if_due`, called by the sync agent). Until then its
receipts print unsigned (:func:`sign_receipt` hands the bytes back as they were).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509.oid import NameOID
from sqlite_utils import Database

from schema.protocol import DocumentCertificate, DocumentCertificateRequest
from station_client.crypto.keys import DataKey
from station_client.store import keys, meta

log = logging.getLogger(__name__)

SECRET_NAME = "document_p256"  # noqa: S105  (a row name, not a secret)
CERTIFICATE = "document_certificate"  # meta: the station's certificate (PEM)
CA = "document_ca"  # meta: the city document CA's certificate (PEM)
RENEW_DAYS = 60
REASON = "社会保险费缴费收据"


@dataclass(frozen=True)
class SigningMaterial:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    ca: x509.Certificate


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def csr_pem(key: ec.EllipticCurvePrivateKey, station_id: str | None = None) -> str:
    """A CSR over ``key`` (the city writes the certificate's name from its own register; at
    enrolment the station does not know its code yet)."""
    subject = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, station_id)] if station_id else [])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _private_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def keep(db: Database, dek: DataKey, key: ec.EllipticCurvePrivateKey, issued: DocumentCertificate) -> None:
    """Store the key (sealed) with its certificate and the CA (call inside a transaction).

    ValueError when the certificate is not for ``key``: nothing is stored then."""
    cert = x509.load_pem_x509_certificate(issued.certificate.encode("ascii"))
    if cert.public_key() != key.public_key():
        raise ValueError("the document certificate is not for this station's key")
    keys.put_secret(db, dek, SECRET_NAME, _private_bytes(key))
    meta.put_many(db, {CERTIFICATE: issued.certificate, CA: issued.ca})


def material(db: Database, dek: DataKey) -> SigningMaterial | None:
    """The key, the certificate and the CA, or None while the station has no certificate."""
    cert_pem, ca_pem = meta.get(db, CERTIFICATE), meta.get(db, CA)
    raw = keys.get_secret(db, dek, SECRET_NAME)
    if cert_pem is None or ca_pem is None or raw is None:
        return None
    key = serialization.load_der_private_key(raw, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return SigningMaterial(
        key,
        x509.load_pem_x509_certificate(cert_pem.encode("ascii")),
        x509.load_pem_x509_certificate(ca_pem.encode("ascii")),
    )


def due(db: Database, now: datetime) -> bool:
    """True when the station has no certificate, or it ends within RENEW_DAYS."""
    cert_pem = meta.get(db, CERTIFICATE)
    if cert_pem is None:
        return True
    cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
    return cert.not_valid_after_utc - now < timedelta(days=RENEW_DAYS)


def renew_if_due(
    db: Database,
    dek: DataKey,
    ask: Callable[[DocumentCertificateRequest], DocumentCertificate],
    *,
    now: datetime,
) -> bool:
    """Ask the city for a certificate (``ask`` sends the signed request) when one is due.

    A new key each time; it is kept only with the certificate that answers it. True when a
    certificate was stored."""
    station_id = meta.station_id(db)
    if station_id is None or not due(db, now):
        return False
    key = new_key()
    issued = ask(DocumentCertificateRequest(csr=csr_pem(key, station_id)))
    with db.atomic():
        keep(db, dek, key, issued)
    return True


# ── signing ────────────────────────────────────────────────────────────────────────


def sign_pdf(pdf: bytes, signing: SigningMaterial, *, location: str, reason: str = REASON) -> bytes:
    """``pdf`` with an invisible PAdES (B-B) signature appended as an incremental update."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = serialization.Encoding.DER
    ca = asn1_x509.Certificate.load(signing.ca.public_bytes(der))
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(signing.certificate.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(_private_bytes(signing.key)),
        # the CA travels in the signature, so a reader given only the root builds the chain
        cert_registry=SimpleCertificateStore.from_certs([ca]),  # type: ignore[no-untyped-call]
    )
    spec = signers.PdfSignatureMetadata(
        field_name="Signature1",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = signers.sign_pdf(writer, spec, signer=signer)
    return bytes(out.getbuffer())


def sign_receipt(db: Database, dek: DataKey, pdf: bytes, *, location: str) -> bytes:
    """The payment receipt signed by this station; unsigned while it has no certificate yet."""
    signing = material(db, dek)
    if signing is None:
        log.info("payment receipt printed unsigned: no document certificate yet (next sync asks)")
        return pdf
    return sign_pdf(pdf, signing, location=location)
