"""The city's document-signing CA and the certificates it issues to stations, pure.

A station signs its PDF receipts (PAdES) with an ECDSA P-256 key of its own; the city's
document CA certifies that key under the station's name. The document CA is a root of its
own, apart from the TLS CA (``sync_server.tls``, whose path length 0 allows no
intermediate): a PDF reader is given this one certificate to trust, and a leaked TLS key
cannot sign receipts. P-256 with SHA-256 is what pyHanko and Adobe Reader both verify.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

ORGANISATION = "乐山市社会保险事业管理局"
CA_COMMON_NAME = "乐山市社会保险事业管理局 文档签名根证书"
CA_YEARS = 20
STATION_DAYS = 3 * 365  # renewed on a sync when fewer than RENEW_DAYS are left (station side)

# documentSigning: RFC 9336's, and Microsoft's (the one Adobe Reader knows); emailProtection
# too, since NSS-based readers (poppler's pdfsig, Evince, Okular) check a PDF signer as an
# e-mail signer and refuse a certificate whose extended key usage lacks it
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
MS_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
SIGNER_USAGES = (ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING, MS_DOCUMENT_SIGNING)


class CsrRefused(ValueError):
    """The request is not a CSR over a P-256 key signed by that key."""


def _usage(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not sign_certs,  # nonRepudiation: the station stands by its receipts
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certs,
        crl_sign=sign_certs,
        encipher_only=False,
        decipher_only=False,
    )


def new_ca(now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new self-signed document CA (P-256) valid for CA_YEARS."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign_certs=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def csr_public_key(pem: str) -> ec.EllipticCurvePublicKey:
    """The P-256 key a CSR asks to certify; CsrRefused unless the CSR is signed by that key."""
    try:
        csr = x509.load_pem_x509_csr(pem.encode("ascii"))
        key = csr.public_key()
        signed = csr.is_signature_valid
    except (ValueError, UnicodeEncodeError) as exc:
        raise CsrRefused(str(exc)) from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise CsrRefused("the key is not ECDSA P-256")
    if not signed:
        raise CsrRefused("the CSR is not signed by its key")
    return key


def station_certificate(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    public_key: ec.EllipticCurvePublicKey,
    *,
    station_id: str,
    station_name: str,
    serial: int,
    now: dt.datetime,
) -> x509.Certificate:
    """The station's document-signing certificate: CN = its name, serialNumber = its code.

    The name comes from the city's register, never from the CSR. Valid for STATION_DAYS,
    never past the CA."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, station_name[:64]),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, station_id),
        ]
    )
    until = min(now + dt.timedelta(days=STATION_DAYS), ca_cert.not_valid_after_utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=5))  # a station clock a little behind
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign_certs=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(SIGNER_USAGES)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
