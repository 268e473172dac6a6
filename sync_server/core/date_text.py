"""Dates and months as the console's staff type them, read the same whatever the browser.

The console does not use ``<input type=date|month>``: their display follows the browser's
own language (an English Chromium shows ``mm/dd/yyyy``), so it asks for plain text in the
Chinese way (``2026年12月7日``, ``2026年12月``) and reads here every way people write it:
with 年月日, with ``-`` ``/`` ``.`` between the parts, run together (``20261207``), with
full-width digits from an input method, with spaces. Pure.
"""

from __future__ import annotations

import datetime as dt
import re

from schema.normalize import to_half_width

_DAY = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*(?:日|号)?")
_DAY_RUN = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月(?:份)?)?")
_MONTH_RUN = re.compile(r"(\d{4})(\d{2})")


def _typed(text: str) -> str:
    return to_half_width(text).strip()  # full-width digits and －／． folded to ASCII


def parse_day(text: str) -> dt.date:
    """``2026年12月7日``, ``2026-12-07``, ``2026/12/7``, ``２０２６年１２月７日``…; ValueError else."""
    typed = _typed(text)
    found = _DAY.fullmatch(typed) or _DAY_RUN.fullmatch(typed)
    if found is None:
        raise ValueError(text)
    year, month, day = (int(part) for part in found.groups())
    return dt.date(year, month, day)  # ValueError for 2026年2月30日


def parse_month(text: str) -> str:
    """``2026年12月``, ``2026-12``, ``2026/12``, ``202612``… as ``YYYY-MM``; ValueError else."""
    typed = _typed(text)
    found = _MONTH.fullmatch(typed) or _MONTH_RUN.fullmatch(typed)
    if found is None:
        raise ValueError(text)
    year, month = (int(part) for part in found.groups())
    if not 1 <= month <= 12:
        raise ValueError(text)
    return f"{year:04d}-{month:02d}"


def iso_day(text: str | None) -> str:
    """The day typed, as ``YYYY-MM-DD`` for the parsers that read ISO; unreadable text is
    passed on as typed, so their note says what is wrong."""
    if not text or not text.strip():
        return ""
    try:
        return parse_day(text).isoformat()
    except ValueError:
        return text


def iso_month(text: str | None) -> str:
    """The month typed, as ``YYYY-MM``; unreadable text passed on as typed (see :func:`iso_day`)."""
    if not text or not text.strip():
        return ""
    try:
        return parse_month(text)
    except ValueError:
        return text


def day_text(value: dt.date | None) -> str:
    """``2026年12月7日`` (how the inputs show a date)."""
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"


def month_text(value: str | None) -> str:
    """``2026-12`` → ``2026年12月``; anything else unchanged."""
    if not value:
        return ""
    try:
        year, month = parse_month(value).split("-")
    except ValueError:
        return value
    return f"{year}年{int(month)}月"
