"""A receipt voided without a new one (the cash went back to the payer): the case's detail
says 已作废退款, and the 日结 counts the money out (expected = issued − voided)."""

from __future__ import annotations

from datetime import timedelta

from station_client.core.daily_close import business_day
from station_client.core.intake_rules import ApplicantInput
from station_client.services import daily_close, receipt_stock
from station_client.services.case_detail import case_detail
from station_client.services.intake import IntakeRequest, intake
from station_client.services.reference import catalog
from station_client.services.session import Session
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, PASSWORDS

FLEXIBLE = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True}
G14 = IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"])
LATER = NOW + timedelta(minutes=3)


def test_a_refunded_receipt_shows_as_voided_and_refunded_and_leaves_the_days_takings(session: Session):
    kept, refunded = intake(session, G14, now=NOW), intake(session, G14, now=NOW)
    receipt_stock.void_receipt(session, refunded.receipt_number or "", reason="金额有误已退款", witness="clerk2",
                               witness_password=PASSWORDS["clerk2"], now=LATER)  # fmt: skip
    detail = case_detail(session.db, session.dek, catalog(session.db), str(refunded.case_id), now=LATER)
    [line] = [r.line for r in detail.stock_receipts]
    assert "已作废退款（金额有误已退款；复核人 柜员clerk2）" in line
    figures = daily_close.day_view(session, business_day(LATER), LATER).figures({})
    assert (figures.issued, figures.voided) == (2, 1) and kept.receipt_number
    # Two equal payments, one handed back: the cash expected is the one kept.
    assert figures.voided_total > 0 and figures.expected == figures.issued_total - figures.voided_total
    assert figures.expected == figures.voided_total
