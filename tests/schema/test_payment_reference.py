"""The 缴费参考号 on a payment notice: 22 digits a bank echoes back, with a Luhn check digit
that catches a mistyped digit or two swapped neighbours."""

from __future__ import annotations

import datetime as dt

import pytest

from schema.payment_reference import CITY_ISSUER, PaymentReferenceError, make_reference, parse_reference

REF = make_reference("511102004-00", dt.date(2026, 12, 7), 13)


def test_a_reference_names_its_issuer_day_and_serial_and_prints_in_groups_of_four() -> None:
    assert REF.digits == "5111020040026120700133"
    assert REF.grouped == "5111 0200 4002 6120 7001 33"
    assert parse_reference(REF.grouped) == REF
    assert parse_reference("５１１１-0200-4002-6120-7001-33") == REF  # full-width digits and dashes as typed
    assert make_reference(CITY_ISSUER, dt.date(2026, 10, 9), 1).digits.startswith("51110000000261009")


@pytest.mark.parametrize("position", range(22))
def test_any_one_mistyped_digit_is_caught(position: int) -> None:
    d = REF.digits
    wrong = d[:position] + str((int(d[position]) + 3) % 10) + d[position + 1 :]
    with pytest.raises(PaymentReferenceError) as refused:
        parse_reference(wrong)
    assert refused.value.code in {"payment_reference_check_failed", "payment_reference_invalid"}


def test_swapped_neighbours_and_a_short_reference_are_refused() -> None:
    d = REF.digits
    with pytest.raises(PaymentReferenceError) as swapped:
        parse_reference(d[:3] + d[4] + d[3] + d[5:])  # 1 and 0 swapped
    assert swapped.value.code == "payment_reference_check_failed"
    with pytest.raises(PaymentReferenceError) as short:
        parse_reference(d[:-1])
    assert short.value.code == "payment_reference_invalid"
