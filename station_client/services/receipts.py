"""Receipt records: what the desk hands the applicant, stored sealed (``receipt_pdf`` prints them).

* ``completion`` (办结单) for a general item, number = the case number (``…-W0007``);
* ``acceptance`` (受理回执) for a complex item, number = the case number, with the promised
  date (or 待定) and the names of the materials received;
* ``payment`` (缴费收据) when money was collected, its own number (``…-F0003``) and the next
  number of the city's receipt stock (``stock_number``, 票据号码: ``services.receipt_stock``), the fee
  decomposition of :func:`station_client.core.fee_breakdown.breakdown` and what it was
  computed on (``basis``: the 缴费基数 and the period, or the resident's 档次 and year).

:func:`write_receipts` runs inside the intake transaction; :func:`read` opens one again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from schema.cases import CasePayload, FeeSummary, parse_case_number
from schema.catalog import CatalogItem
from schema.errors import FeeError
from schema.fees import FlexibleWorkerRequest, fee_request_from_form, provisional_months
from schema.vocabulary import Tier, label
from schema.workdays import PROVISIONAL_NOTE, mark_provisional
from station_client.core.case_numbering import format_receipt_number, local_day, receipt_counter_name
from station_client.core.fee_breakdown import breakdown
from station_client.core.intake_rules import PROMISED_PENDING
from station_client.crypto.keys import DataKey
from station_client.services import receipt_stock, reference
from station_client.store import counters
from station_client.store import receipts as store
from station_client.sync import crash_points


def _common(payload: CasePayload, item: CatalogItem, clerk_name: str, now: datetime) -> dict[str, Any]:
    applicant = payload.applicant
    return {
        "case_number": payload.case_number,
        "item_code": item.code,
        "item_name": item.name,
        "tier_label": label(item.tier),
        "applicant_name": applicant.name,
        "applicant_id": applicant.id_number or applicant.uscc,
        "station_id": payload.station_id,
        "clerk": payload.clerk,
        "clerk_name": clerk_name,
        "issued_at": now.isoformat(),
    }


def write_receipts(
    db: Database, dek: DataKey, payload: CasePayload, item: CatalogItem, *, clerk_name: str, now: datetime
) -> str | None:
    """Write the case's slip or receipt, and a payment receipt when a fee was collected.

    Returns the payment receipt's number (None when nothing was collected).
    """
    case_id = str(payload.case_id)
    doc = _common(payload, item, clerk_name, now)
    if payload.tier is Tier.GENERAL:
        store.insert(
            db,
            dek,
            number=payload.case_number,
            case_id=case_id,
            kind=store.COMPLETION,
            created_at=now,
            doc=doc,
        )
    else:
        promised = (
            mark_provisional(payload.promised_date.isoformat(), payload.promised_provisional)
            if payload.promised_date
            else PROMISED_PENDING
        )
        accept_doc = doc | {
            "promised_date": promised,
            "time_limit": item.time_limit.description,
            "materials": _material_names(item, payload.materials_provided),
        }
        if payload.promised_provisional:
            accept_doc["promised_note"] = PROVISIONAL_NOTE
        if item.section is not None:
            accept_doc["section"] = label(item.section)
        store.insert(
            db,
            dek,
            number=payload.case_number,
            case_id=case_id,
            kind=store.ACCEPTANCE,
            created_at=now,
            doc=accept_doc,
        )
    if payload.fee is None or payload.fee.collected <= 0:
        return None
    # The paper's number comes from the city's stock, in this transaction (no stock left:
    # receipt_stock_empty, nothing is saved); the daily ``…-F0003`` stays the receipt's own
    # number, the one its QR code seals.
    stock = payload.receipt_stock or receipt_stock.take(db)  # intake took it for the payload
    day = local_day(now)
    station_code = parse_case_number(payload.case_number).station_code
    number = format_receipt_number(station_code, day, counters.next_value(db, receipt_counter_name(day)))
    store.insert(
        db,
        dek,
        number=number,
        case_id=case_id,
        kind=store.PAYMENT,
        created_at=now,
        doc=doc
        | {
            "receipt_number": number,
            "stock_number": stock.text,
            "fee": _fee_doc(db, payload.fee) | _basis(item, payload.form),
        },
        stock=stock,
    )
    crash_points.reach("receipt.numbered")
    return number


def _fee_doc(db: Database, fee: FeeSummary) -> dict[str, Any]:
    """The fee's decomposition, and the months computed on the last published year's base
    limits (the receipt marks them 暂按上年度基数)."""
    doc = breakdown(fee)
    months = [m for m in doc["by_month"] if m != "全年"]
    provisional = provisional_months(months, reference.rates(db))
    if provisional:
        doc["provisional_months"] = list(provisional)
    return doc


def _material_names(item: CatalogItem, provided: Sequence[str]) -> list[str]:
    names = {m.code: m.name for m in item.materials}
    return [names.get(code, code) for code in provided]


def _basis(item: CatalogItem, form: Mapping[str, Any]) -> dict[str, Any]:
    """What the fee was computed on, for the receipt: ``{"basis": {...}}`` (empty when unknown)."""
    if item.fee_kind is None:
        return {}
    try:
        request = fee_request_from_form(item.fee_kind, form)
    except FeeError:  # the fee was computed from this very form; nothing to add if not
        return {}
    if isinstance(request, FlexibleWorkerRequest):
        basis: dict[str, Any] = {
            "base": f"{request.base:.2f}",
            "period_start": request.period_start,
            "period_end": request.period_end,
        }
    else:
        basis = {"grade": request.grade, "year": request.year}
    return {"basis": basis}


def read(db: Database, dek: DataKey, number: str) -> dict[str, Any] | None:
    return store.get(db, dek, number)
