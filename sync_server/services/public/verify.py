"""Is this printed document genuine? The seal in its QR code checked against every key its
station has held (``services.admin.station_keys``), with the case as it stands now.

The verdict comes from ``schema.document_seal.verify``, the same function the station's
核验 screen runs offline. What the page shows of the document is what the seal signed;
the case (status, masked applicant) comes from the city's records, and only for a
genuine document.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from schema import document_seal
from schema.document_seal import DocumentKind, LegacySeal, Seal, Verification
from schema.public_case import station_title
from sync_server.services.admin import document_ca, station_keys
from sync_server.services.admin.document_ca import CertificateStatus
from sync_server.services.public import case_view
from sync_server.services.public.case_view import PublicCase


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    seal: Seal | LegacySeal
    verification: Verification
    station_name: str
    kind_label: str
    item_name: str
    case: PublicCase | None  # the city's record of the case; None before the station sent it
    certificate: CertificateStatus | None = None  # a payment receipt's PDF signer (its station's newest)

    @property
    def genuine(self) -> bool:
        return self.verification.verdict.genuine


def check(conn: Connection, text: str) -> DocumentCheck:
    """Check a code, a ``…/v/<code>`` URL or an old ``SSB1|…`` value.

    SealError ``seal_unreadable`` when it is none of them.
    """
    seal = document_seal.parse(text)
    verification = document_seal.verify(seal, station_keys.keys_for(conn, seal.station_id))
    found = None
    if verification.verdict.genuine:
        number = seal.document.case_number if isinstance(seal, Seal) else seal.number
        found = case_view.find(conn, number)
    case = found[0] if found is not None else None
    if isinstance(seal, Seal):
        kind_label = seal.document.kind.label
        item = case_view.item_name(seal.document.item_code)
    else:
        kind_label = DocumentKind.PAYMENT.label if "-F" in seal.number else "社会保险业务回执"
        item = case.item_name if case is not None else ""
    certificate = None
    if verification.verdict.genuine and isinstance(seal, Seal) and seal.document.kind is DocumentKind.PAYMENT:
        certificate = document_ca.latest(conn, seal.station_id)
    return DocumentCheck(
        seal, verification, station_title(seal.station_id), kind_label, item, case, certificate
    )
