"""``POST /api/v1/document-certificate``: a signed station asks for its document-signing certificate.

For stations enrolled before the document CA existed, and for renewal before expiry; the
body is a ``DocumentCertificateRequest`` (a CSR), the answer a ``DocumentCertificate``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from schema.protocol import DocumentCertificate, DocumentCertificateRequest
from sync_server.api import responses
from sync_server.api.auth import SignedRequest, signed_station
from sync_server.errors import ApiError
from sync_server.services.admin import document_ca

router = APIRouter(tags=["sync"])


@router.post(
    "/document-certificate", response_model=DocumentCertificate, responses=responses.DOCUMENT_CERTIFICATE
)
def document_certificate(request: Request, signed: SignedRequest = Depends(signed_station)) -> Response:  # noqa: B008
    try:
        body = DocumentCertificateRequest.model_validate_json(signed.body)
    except ValidationError:
        raise ApiError("document_csr_invalid", detail={"reason": "body"}) from None
    state = request.app.state
    issued = document_ca.renew(
        state.db, state.settings.data_dir, signed.station.id, body.csr, now=signed.received_at
    )
    return Response(issued.model_dump_json(), media_type="application/json")
