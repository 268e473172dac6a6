"""Electronic receipts: a payment receipt's PDF carries a PAdES signature that pyHanko validates
against the city's document CA as its only trust root; changing one byte breaks it; the page
(one A4 sheet, the QR code) stays as rendered. The station gets its certificate at enrolment,
or asks on a sync when it has none; without one it prints unsigned.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from schema.protocol import DocumentCertificate, DocumentCertificateRequest
from station_client.core.intake_rules import ApplicantInput
from station_client.services import pdf_signing, receipt_pdf, receipt_stock
from station_client.services.intake import IntakeRequest, intake
from station_client.store import meta, open_store
from station_client.sync.agent import SyncAgent
from sync_server.core import document_certs
from sync_server.db.tables import document_certificates
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, STATION_ID, receipt_stock_change
from tests.support.sync_world import in_process

FLEXIBLE = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True}
STATION_NAME = "市中区大佛街道社保所"
needs_poppler = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")


class CityCa:
    """The city's document CA as the server keeps it (``sync_server.core.document_certs``)."""

    def __init__(self) -> None:
        self.key, self.cert = document_certs.new_ca(dt.datetime.now(dt.UTC))
        self.pem = self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def answer(self, request: DocumentCertificateRequest) -> DocumentCertificate:
        """What ``/api/v1/document-certificate`` answers a station's CSR."""
        cert = document_certs.station_certificate(
            self.key,
            self.cert,
            document_certs.csr_public_key(request.csr),
            station_id=STATION_ID,
            station_name=STATION_NAME,
            serial=x509.random_serial_number(),
            now=dt.datetime.now(dt.UTC),
        )
        return DocumentCertificate(
            certificate=cert.public_bytes(serialization.Encoding.PEM).decode(), ca=self.pem
        )


def validate(pdf: bytes, ca_pem: str):
    """pyHanko's verdict on the PDF's one signature, trusting only ``ca_pem``."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(ca_pem.encode()).public_bytes(serialization.Encoding.DER)
    )
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    (signature,) = reader.embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))


def signatures(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return len(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures)


def _payment(session) -> str:
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"]), now=NOW
    )
    assert result.receipt_number
    return result.receipt_number


def _pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def city() -> CityCa:
    return CityCa()


@pytest.fixture
def certified(session, city: CityCa):
    """The station after its sync fetched a certificate from the city."""
    assert pdf_signing.renew_if_due(session.db, session.dek, city.answer, now=dt.datetime.now(dt.UTC))
    return session


@needs_poppler
def test_a_payment_receipt_is_signed_and_pyhanko_validates_it_against_the_city_document_ca(
    certified, city: CityCa, tmp_path: Path
) -> None:
    number = _payment(certified)
    printable = receipt_pdf.receipt_pdf(certified.db, certified.dek, number)
    status = validate(printable.pdf, city.pem)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    signer = status.signing_cert.subject.native
    assert signer["common_name"] == STATION_NAME and signer["organization_name"] == "乐山市社会保险事业管理局"
    assert status.coverage.name == "ENTIRE_FILE"
    # the page is the one rendered: still one A4 sheet, the receipt number and the QR on it
    assert _pages(printable.pdf, tmp_path) == 1
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "signed.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert number in text and "扫码核验真伪" in text


needs_nss = pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("certutil") is None,
    reason="poppler-utils and libnss3-tools not installed",
)


@needs_nss
def test_a_reader_on_nss_trusts_the_signature_once_given_the_city_ca(
    certified, city: CityCa, tmp_path: Path
) -> None:
    # poppler's pdfsig checks as Evince and Okular do: the signer as an e-mail signer (NSS)
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(receipt_pdf.receipt_pdf(certified.db, certified.dek, _payment(certified)).pdf)
    (tmp_path / "ca.pem").write_text(city.pem)
    nss = f"sql:{tmp_path / 'nss'}"
    (tmp_path / "nss").mkdir()
    subprocess.run(["certutil", "-N", "-d", nss, "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", nss, "-n", "city", "-t", "C,C,C", "-i", str(tmp_path / "ca.pem")], check=True
    )
    said = subprocess.run(
        ["pdfsig", "-nssdir", nss, str(pdf)], check=False, capture_output=True, text=True
    ).stdout  # pdfsig exits non-zero on any doubt: the words say which
    assert "Signature is Valid." in said and "Certificate is Trusted." in said


def test_changing_one_byte_of_a_signed_receipt_breaks_the_signature(certified, city: CityCa) -> None:
    signed = receipt_pdf.receipt_pdf(certified.db, certified.dek, _payment(certified)).pdf
    at = signed.index(b"/Title")  # inside the first revision, which the signature covers
    tampered = signed[:at] + b"/Titlf" + signed[at + 6 :]
    status = validate(tampered, city.pem)
    assert not status.intact and not status.bottom_line


def test_another_ca_does_not_vouch_for_the_receipt(certified) -> None:
    signed = receipt_pdf.receipt_pdf(certified.db, certified.dek, _payment(certified)).pdf
    status = validate(signed, CityCa().pem)  # a CA the city never used
    assert status.intact and not status.trusted and not status.bottom_line


def test_without_a_certificate_the_receipt_prints_unsigned_and_other_receipts_are_never_signed(
    session, city: CityCa
) -> None:
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"]), now=NOW
    )
    number = str(result.receipt_number)
    assert signatures(receipt_pdf.receipt_pdf(session.db, session.dek, number).pdf) == 0
    pdf_signing.renew_if_due(session.db, session.dek, city.answer, now=dt.datetime.now(dt.UTC))
    assert signatures(receipt_pdf.receipt_pdf(session.db, session.dek, number).pdf) == 1  # a reprint is
    completion = receipt_pdf.receipt_pdf(session.db, session.dek, result.case_number)  # its 办结单 is not
    assert completion.kind == "completion" and signatures(completion.pdf) == 0


def test_a_certificate_is_asked_for_when_missing_or_near_its_end_and_kept_only_for_its_own_key(
    session, city: CityCa
) -> None:
    asked: list[DocumentCertificateRequest] = []

    def ask(request: DocumentCertificateRequest) -> DocumentCertificate:
        asked.append(request)
        return city.answer(request)

    now = dt.datetime.now(dt.UTC)
    assert pdf_signing.renew_if_due(session.db, session.dek, ask, now=now)
    assert not pdf_signing.renew_if_due(session.db, session.dek, ask, now=now)  # it has a fresh one
    ends = pdf_signing.material(session.db, session.dek).certificate.not_valid_after_utc
    assert pdf_signing.renew_if_due(session.db, session.dek, ask, now=ends - dt.timedelta(days=30))
    assert len(asked) == 2 and asked[0].csr != asked[1].csr  # a new key each time

    def wrong_key(request: DocumentCertificateRequest) -> DocumentCertificate:
        other = pdf_signing.csr_pem(ec.generate_private_key(ec.SECP256R1()))
        return city.answer(DocumentCertificateRequest(csr=other))

    kept = meta.get(session.db, pdf_signing.CERTIFICATE)
    with pytest.raises(ValueError, match="not for this station's key"):
        pdf_signing.renew_if_due(session.db, session.dek, wrong_key, now=ends - dt.timedelta(days=1))
    assert meta.get(session.db, pdf_signing.CERTIFICATE) == kept


# ── with the real server ──────────────────────────────────────────────────────────────


def _receipt_in(world) -> bytes:
    session = world.session()
    with session.db.atomic():  # a 票据号段 as the city would send it, so the desk may take money
        receipt_stock.apply_change(session.db, receipt_stock_change())
    result = intake(
        session,
        IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"]),
        now=dt.datetime.now(dt.UTC),
    )
    pdf = receipt_pdf.receipt_pdf(session.db, session.dek, str(result.receipt_number)).pdf
    session.db.close()
    return pdf


def test_enrolment_gets_the_certificate_and_its_receipts_validate_against_the_servers_ca(
    sqlite_template: Path, tmp_path: Path
) -> None:
    with in_process(sqlite_template, tmp_path) as (world, _client):
        status = validate(_receipt_in(world), (tmp_path / "document-ca" / "ca.pem").read_text())
        assert status.bottom_line
        assert status.signing_cert.subject.native["serial_number"] == world.station_id


def test_a_station_enrolled_without_a_certificate_gets_one_on_its_next_sync(
    sqlite_template: Path, tmp_path: Path
) -> None:
    with in_process(sqlite_template, tmp_path) as (world, client):
        db = open_store(world.paths.home)
        meta.put_many(db, {pdf_signing.CERTIFICATE: None, pdf_signing.CA: None})  # as an older client left it
        db.execute("DELETE FROM secrets WHERE name = ?", [pdf_signing.SECRET_NAME])
        db.close()
        assert signatures(_receipt_in(world)) == 0
        agent = SyncAgent(world.paths.home, world.dek, client=client)
        try:
            assert agent.run_once().ok
        finally:
            agent.close()
        assert validate(_receipt_in(world), (tmp_path / "document-ca" / "ca.pem").read_text()).bottom_line
        with world.server_db.read() as conn:
            rows = (
                conn.execute(
                    sa.select(document_certificates.c.revocation_reason).order_by(
                        document_certificates.c.issued_at
                    )
                )
                .scalars()
                .all()
            )
        assert rows == ["superseded", None]  # the one from enrolment, then the sync's
