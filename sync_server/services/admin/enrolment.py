"""Enrolment: a station trades its one-time code for a bound public key (and, with a CSR, its
document-signing certificate from :mod:`document_ca`).

Wrong, expired and used codes count toward a lockout keyed on the client address (in
the ``throttle`` table, so every server process sees it): after
``enrolment_max_failures`` failures the address gets ``enrol_locked`` for
``lockout_minutes``. The refused attempt's own transaction rolls back, so its failure is
counted (and audited) in a transaction of its own.
"""

from __future__ import annotations

import datetime as dt

from schema.protocol import EnrolRequest, EnrolResponse
from sync_server.db.engine import Database
from sync_server.errors import ApiError
from sync_server.services import audit
from sync_server.services.access import throttle
from sync_server.services.admin import document_ca, stations
from sync_server.services.finance import receipts_issued
from sync_server.settings import Settings


def enrol_key(client: str) -> str:
    return f"enrol:{client}"


def enrol(
    db: Database,
    request: EnrolRequest,
    *,
    client: str,
    now: dt.datetime,
    settings: Settings,
    catalog_version: str,
    cert_sha256: str,
) -> EnrolResponse:
    key = enrol_key(client)
    with db.write() as conn:
        throttle.check(conn, key, now, code="enrol_locked")
        try:
            row = stations.verify_enrolment_code(conn, request.enrolment_code, now)
        except ApiError as exc:
            failure = exc
        else:
            actor = f"station:{row.id}"
            stations.complete_enrolment(conn, row.id, request.public_key_bytes(), now=now, actor=actor)
            certificate = None
            if request.document_csr is not None:  # older clients send none: they ask on a sync
                ca = document_ca.ensure(settings.data_dir, now=now)
                certificate = document_ca.issue(conn, ca, row.id, request.document_csr, now=now, actor=actor)
            throttle.reset(conn, key)
            lost = receipts_issued.issued(conn, row.id)  # a restored PC moves past these
            used = receipts_issued.highest(conn, row.id, lost)
            return EnrolResponse(
                station_id=row.id,
                station_code=row.id,
                division_code=row.township_code,
                catalog_version=catalog_version,
                server_cert_sha256=cert_sha256,
                document_certificate=certificate,
                last_seq=int(row.last_seq)
                or None,  # None (left out) for a new station: older clients parse it
                receipt_stock_used=tuple(used) or None,
                receipts_issued=tuple(lost) or None,
            )
    lockout = dt.timedelta(minutes=settings.lockout_minutes)
    with db.write() as conn:
        locked = throttle.record_failure(
            conn, key, now, max_failures=settings.enrolment_max_failures, lockout=lockout
        )
        audit.append(
            conn,
            actor=f"client:{client}"[:64],
            action="station.enrol_failed",
            entity="station",
            entity_id=str(failure.detail.get("station_id", "-")),
            detail={"code": failure.code, "client": client, "locked": locked},
            at=now,
        )
    if locked:
        seconds = int(lockout.total_seconds())
        raise ApiError(
            "enrol_locked", detail={"retry_after_seconds": seconds}, headers={"Retry-After": str(seconds)}
        )
    raise failure
