"""How the station's documents write dates, months, periods and ID numbers on paper. Pure.

Paper follows the 政务 habit: ``2026年11月26日``, months ``2026年01月``, a span of months as
``2026年01月—2026年12月，共12个月`` (a receipt never lists twelve rows for twelve months),
and a resident ID number with its birth date hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from station_client.core.case_numbering import CHINA_TZ


def mask_id(value: str | None) -> str:
    """A resident ID number with its birth date hidden (``511102********0123``); codes of units as they are."""
    if not value:
        return ""
    if len(value) == 18 and value[:17].isdigit():
        return f"{value[:6]}{'*' * 8}{value[14:]}"
    return value


def local_time(text: str | None) -> str:
    """An ISO instant as Beijing time: ``2026年11月26日 10:00``."""
    if not text:
        return ""
    moment = datetime.fromisoformat(text).astimezone(CHINA_TZ)
    return f"{moment:%Y年%m月%d日 %H:%M}"


def local_date(text: str | None) -> str:
    """An ISO instant as the Beijing date: ``2026年11月26日``."""
    return local_time(text)[:11]


def cn_date(text: str | None) -> str:
    """``2027-01-15`` → ``2027年01月15日``; a mark after the date (（暂定）) is kept."""
    if not text or len(text) < 10 or text[4] != "-" or text[7] != "-":
        return text or ""
    return f"{text[:4]}年{text[5:7]}月{text[8:10]}日{text[10:]}"


def cn_month(month: str) -> str:
    """``2026-01`` → ``2026年01月``; anything else as it is."""
    if len(month) == 7 and month[4] == "-" and month[:4].isdigit():
        return f"{month[:4]}年{month[5:]}月"
    return month


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_runs(months: Sequence[str]) -> list[tuple[str, str]]:
    """Consecutive ``YYYY-MM`` months grouped into (first, last) runs, in order."""
    runs: list[tuple[str, str]] = []
    for month in sorted(set(months)):
        if runs and _index(month) == _index(runs[-1][1]) + 1:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


def month_span(months: Sequence[str]) -> str:
    """``2026年01月—2026年12月，共12个月`` (gaps as separate spans joined by 、)."""
    valid = [m for m in months if len(m) == 7 and m[4] == "-" and m[:4].isdigit()]
    if not valid:
        return ""
    parts = [cn_month(a) if a == b else f"{cn_month(a)}—{cn_month(b)}" for a, b in month_runs(valid)]
    return f"{'、'.join(parts)}，共{len(set(valid))}个月"
