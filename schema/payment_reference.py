"""The payment reference (缴费参考号) on a payment notice (缴费通知单). Pure.

A person who pays through the bank or the tax channel instead of cash quotes the notice's
reference; the bank echoes it back in its confirmation file, and the city finds the notice
by it. 22 digits, so any bank's memo field and any phone keypad take it:

    issuer (11: the station code without the dash, 51110200400; the city itself 51110000000)
    + issue date (6: YYMMDD) + serial of that issuer and day (4) + a Luhn check digit (1)

The check digit catches one mistyped digit and most swapped neighbours, so a teller's typo
is refused at the import instead of paying somebody else's notice. Printed in groups of four.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from schema.normalize import compact_code
from schema.payment_error_codes import PAYMENT_ERROR_CODES

CITY_ISSUER = "511100000-00"  # notices the city's finance office issues itself
LENGTH = 22
_STATION = re.compile(r"^\d{9}-\d{2}$")


class PaymentReferenceError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(PAYMENT_ERROR_CODES[code][1])
        self.code = code


@dataclass(frozen=True, slots=True)
class PaymentReference:
    issuer: str  # a station code (511102004-00) or CITY_ISSUER
    issued_on: dt.date
    serial: int

    @property
    def digits(self) -> str:
        body = f"{self.issuer.replace('-', '')}{self.issued_on:%y%m%d}{self.serial:04d}"
        return body + luhn_digit(body)

    @property
    def grouped(self) -> str:
        """As printed: ``5111 0200 4002 6120 7001 33``."""
        d = self.digits
        return " ".join(d[i : i + 4] for i in range(0, len(d), 4))


def luhn_digit(body: str) -> str:
    """The Luhn check digit of a string of digits (as bank cards use)."""
    total = 0
    for n, ch in enumerate(reversed(body)):
        d = int(ch)
        if n % 2 == 0:  # every second digit from the right, starting with the last body digit
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str(-total % 10)


def make_reference(issuer: str, issued_on: dt.date, serial: int) -> PaymentReference:
    """A reference for the ``serial``-th notice ``issuer`` issued on ``issued_on`` (1–9999)."""
    if not _STATION.match(issuer) or not 1 <= serial <= 9999:
        raise ValueError(f"bad issuer {issuer!r} or serial {serial}")
    return PaymentReference(issuer, issued_on, serial)


def parse_reference(text: str) -> PaymentReference:
    """A reference as typed or echoed (spaces, dashes, full-width digits allowed)."""
    digits = compact_code(text)
    if len(digits) != LENGTH or not digits.isdigit():
        raise PaymentReferenceError("payment_reference_invalid")
    if luhn_digit(digits[:-1]) != digits[-1]:
        raise PaymentReferenceError("payment_reference_check_failed")
    try:
        issued_on = dt.datetime.strptime(digits[11:17], "%y%m%d").date()
    except ValueError:
        raise PaymentReferenceError("payment_reference_invalid") from None
    serial = int(digits[17:21])
    if serial == 0:
        raise PaymentReferenceError("payment_reference_invalid")
    return PaymentReference(f"{digits[:9]}-{digits[9:11]}", issued_on, serial)
