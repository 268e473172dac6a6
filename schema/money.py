"""Money: ``Decimal`` yuan with two places (fen), parsed from what clerks type.

Rules every part of the system follows:

* money is ``Decimal``, never ``float``; amounts are quantised to the fen with
  ``ROUND_HALF_UP`` (the rounding people and receipts expect: 0.005 → 0.01);
* a total split into parts is split with :func:`allocate`, so the parts always add
  up to the total exactly, fen for fen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from schema.errors import FeeError
from schema.normalize import to_half_width

FEN = Decimal("0.01")

# Full-width digits and punctuation are folded by ``to_half_width``; the IME's
# ideographic full stop "。" is what a Chinese-mode "." key types, so it is a decimal point.
_SPACES = re.compile(r"[\s\u3000\u00a0\u2009\u200b]+")
_PREFIXES = ("¥", "￥", "RMB", "CNY")
_SUFFIXES = ("人民币元", "元整", "元")
_NUMBER = re.compile(r"(?P<sign>-?)(?P<int>[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)?(?:\.(?P<frac>[0-9]*))?")


def to_fen(value: Decimal | int | str) -> Decimal:
    """Quantise an amount to the fen, rounding half up (``1.005`` → ``1.01``)."""
    if isinstance(value, float):  # a float has already lost the fen
        raise TypeError("money must not be a float; pass a Decimal, an int or a str")
    try:
        return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc


def _invalid(text: str) -> FeeError:
    if not text.strip():
        return FeeError("money_invalid", "金额未填写，请输入金额，例如 1529.20。", {"text": text})
    return FeeError(
        "money_invalid",
        f"金额“{text}”无法识别，请只输入数字和小数点，例如 1529.20。",
        {"text": text},
    )


MAX_WHOLE_DIGITS = 12  # 999,999,999,999 yuan


def parse_money(text: str) -> Decimal:
    """Parse an amount as a clerk types it: ``"１２３４．５"``, ``"1,529.20 元"``, ``"￥300"``.

    Accepted: full-width digits, spaces anywhere, correctly grouped thousands
    separators, a leading ¥/￥ and a trailing 元. Refused with a :class:`FeeError`:
    anything else (``money_invalid``), a negative amount (``money_negative``), and more
    than two decimals (``money_too_many_decimals``): a typo there is caught, not rounded.
    """
    cleaned = _SPACES.sub("", to_half_width(text)).replace("。", ".").replace("－", "-")
    for prefix in _PREFIXES:
        cleaned = cleaned.removeprefix(prefix)
    for suffix in _SUFFIXES:
        if cleaned.endswith(suffix):
            cleaned = cleaned.removesuffix(suffix)
            break
    match = _NUMBER.fullmatch(cleaned)
    if match is None or (match["int"] is None and not match["frac"]):
        raise _invalid(text)
    if match["sign"]:
        raise FeeError(
            "money_negative",
            f"金额“{text}”是负数，缴费金额不能为负，请重新输入。",
            {"text": text},
        )
    frac = match["frac"] or ""
    if len(frac) > 2:
        raise FeeError(
            "money_too_many_decimals",
            f"金额“{text}”有 {len(frac)} 位小数，金额最多精确到分（两位小数），请核对后重新输入。",
            {"text": text, "decimals": len(frac)},
        )
    whole = (match["int"] or "0").replace(",", "")
    if len(whole) > MAX_WHOLE_DIGITS:  # beyond any real amount, and beyond Decimal's context
        raise _invalid(text)
    return to_fen(f"{whole}.{frac or '0'}")


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split a fen amount in proportion to ``weights`` so the parts sum exactly to it.

    Largest-remainder method: every part first gets its share rounded down to the fen;
    the fen left over go one each to the parts with the largest remainders, ties to the
    earlier part, so the result is deterministic. A negative total (a refund) is split
    like its absolute value. Weights must be non-negative and not all zero.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError(f"weights must not be negative: {list(weights)}")
    if to_fen(total) != total:
        raise ValueError(f"total must be a whole number of fen: {total}")
    weight_sum = sum((Fraction(w) for w in weights), Fraction(0))
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")

    sign = -1 if total < 0 else 1
    fen = int(abs(total).scaleb(2))
    shares = [Fraction(fen) * Fraction(w) / weight_sum for w in weights]
    parts = [int(share) for share in shares]  # floor: shares are non-negative
    left_over = fen - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in by_remainder[:left_over]:
        parts[i] += 1
    return [Decimal(sign * p).scaleb(-2) for p in parts]


def format_yuan(amount: Decimal) -> str:
    """``Decimal("1529.2")`` → ``"1,529.20"``: thousands separators, always two decimals."""
    return f"{to_fen(amount):,.2f}"
