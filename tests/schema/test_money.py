"""Money: fen amounts, what clerks type, and splits that always add up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schema.errors import FeeError
from schema.money import FEN, allocate, format_yuan, parse_money, to_fen


def test_to_fen_rounds_half_up():
    assert to_fen(Decimal("917.605")) == Decimal("917.61")
    assert to_fen(Decimal("917.6049")) == Decimal("917.60")
    assert to_fen(Decimal("-0.005")) == Decimal("-0.01")  # half away from zero
    assert to_fen(7646) == Decimal("7646.00")
    assert to_fen("1529.2") == Decimal("1529.20")
    assert to_fen(Decimal("1")).as_tuple().exponent == -2


def test_to_fen_refuses_floats():
    with pytest.raises(TypeError):
        to_fen(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("１２３４．５", "1234.50"),  # full-width digits and full stop from a Chinese IME
        ("1,529.20", "1529.20"),
        ("1,529.20 元", "1529.20"),
        ("１，５２９．２０元", "1529.20"),
        (" 22 938 ", "22938.00"),
        ("￥300", "300.00"),
        ("12。5", "12.50"),  # "." typed in Chinese mode is "。"
        ("0.5", "0.50"),
        (".5", "0.50"),
        ("1000元整", "1000.00"),
    ],
)
def test_parse_money_accepts_what_clerks_type(typed, amount):
    assert parse_money(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["", "   ", "abc", "1e3", "12,34", "1,2345", "1.2.3", "NaN", "元", "+5"])
def test_parse_money_refuses_what_is_not_an_amount(typed):
    with pytest.raises(FeeError) as err:
        parse_money(typed)
    assert err.value.code == "money_invalid"
    assert "金额" in err.value.message


def test_parse_money_refuses_negative_amounts():
    with pytest.raises(FeeError) as err:
        parse_money("－100")
    assert err.value.code == "money_negative"


def test_parse_money_refuses_a_third_decimal_rather_than_rounding_it():
    with pytest.raises(FeeError) as err:
        parse_money("1529.205")
    assert err.value.code == "money_too_many_decimals"
    assert err.value.detail["decimals"] == 3


def test_allocate_splits_the_flexible_pension_into_its_accounts():
    # 4,588 × 20% = 917.60: 8 points to the personal account, 12 to the pooled fund
    assert allocate(Decimal("917.60"), [Decimal("0.08"), Decimal("0.12")]) == [
        Decimal("367.04"),
        Decimal("550.56"),
    ]


def test_allocate_gives_left_over_fen_to_largest_remainders_then_earliest():
    assert allocate(Decimal("0.10"), [Decimal(1)] * 3) == [Decimal("0.04"), Decimal("0.03"), Decimal("0.03")]
    assert allocate(Decimal("1.00"), [Decimal(1), Decimal(2)]) == [Decimal("0.33"), Decimal("0.67")]
    assert allocate(Decimal("-0.10"), [Decimal(1)] * 3) == [
        Decimal("-0.04"),
        Decimal("-0.03"),
        Decimal("-0.03"),
    ]
    assert allocate(Decimal("5.00"), [Decimal(0), Decimal(1)]) == [Decimal("0.00"), Decimal("5.00")]


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        (Decimal("1.00"), []),
        (Decimal("1.00"), [Decimal(0), Decimal(0)]),
        (Decimal("1.00"), [Decimal(-1), Decimal(2)]),
        (Decimal("1.005"), [Decimal(1)]),
    ],
)
def test_allocate_refuses_meaningless_splits(total, weights):
    with pytest.raises(ValueError):
        allocate(total, weights)


fen_amounts = st.integers(min_value=-(10**9), max_value=10**9).map(lambda n: Decimal(n) * FEN)
weights = st.lists(
    st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=8,
).filter(lambda ws: sum(ws) > 0)


@given(fen_amounts, weights)
def test_allocate_always_sums_exactly_to_the_total(total, ws):
    parts = allocate(total, ws)
    assert sum(parts) == total
    assert len(parts) == len(ws)
    assert all(to_fen(p) == p for p in parts)
    # each part is within one fen of its exact proportional share
    exact = [total * w / sum(ws) for w in ws]
    assert all(abs(p - e) < FEN for p, e in zip(parts, exact, strict=True))
    assert all(p == 0 for p, w in zip(parts, ws, strict=True) if w == 0)


@given(fen_amounts, weights)
def test_allocate_is_deterministic(total, ws):
    assert allocate(total, ws) == allocate(total, list(ws))


def test_format_yuan():
    assert format_yuan(Decimal("1529.2")) == "1,529.20"
    assert format_yuan(Decimal("22938")) == "22,938.00"
    assert format_yuan(Decimal("0.005")) == "0.01"
    assert format_yuan(Decimal("-1234567.8")) == "-1,234,567.80"


@given(st.integers(min_value=0, max_value=10**11).map(lambda n: Decimal(n) * FEN))
def test_formatted_amounts_parse_back(amount):
    assert parse_money(format_yuan(amount)) == amount
