"""Amounts in Chinese capital numerals (人民币大写), as printed on receipts.

>>> in_words(Decimal("1529.20"))
'壹仟伍佰贰拾玖元贰角整'
>>> in_words(Decimal("300.05"))
'叁佰元零伍分'
"""

from __future__ import annotations

from decimal import Decimal

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _four(group: int) -> str:
    """0–9999 without leading 零 (the caller adds one where a gap needs it)."""
    out: list[str] = []
    zero = False
    for power in range(3, -1, -1):
        digit = group // 10**power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[power])
    return "".join(out)


def _integer(n: int) -> str:
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(_BIG_UNITS):
        raise ValueError("amount too large")
    out = ""
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            if out and not out.endswith("零"):
                out += "零"
            continue
        if out and group < 1000 and not out.endswith("零"):
            out += "零"
        out += _four(group) + _BIG_UNITS[index]
    return out.rstrip("零")


def in_words(amount: Decimal) -> str:
    """The amount (yuan, to the fen) in capital numerals: ``壹佰元整``; negative amounts refused."""
    if amount < 0:
        raise ValueError("amount is negative")
    fen = int((amount * 100).to_integral_value())
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    head = f"{_integer(yuan)}元" if yuan else ""
    if not jiao and not cents:
        return (head or "零元") + "整"
    tail = ""
    if jiao:
        tail += _DIGITS[jiao] + "角"
    elif yuan:
        tail += "零"
    if cents:
        tail += _DIGITS[cents] + "分"
    else:
        tail += "整"
    return head + tail
