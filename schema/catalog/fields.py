"""Normalising one form value by its field type.

Values arrive as the clerk typed them (full-width digits from a Chinese IME, spaces from
an ID-card reader, ``2025年3月``) or as JSON scalars from a client. Each parser returns
the canonical value (ISO dates, ``YYYY-MM`` months, money as a two-place decimal string,
18-digit ID numbers) and the problems found; it never raises for bad input.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from schema.catalog.models import FieldType, FormField, FormValue, as_bool
from schema.catalog.problems import Problem, passed_through, problem
from schema.divisions import DivisionLevel, load_divisions
from schema.errors import DivisionError, FeeError, IdentifierError
from schema.identifiers import parse_resident_id, parse_uscc, uscc_warning
from schema.money import parse_money
from schema.normalize import clean_text, compact_code, to_half_width

Parsed = tuple[FormValue | None, list[Problem]]

DEFAULT_MAX_LENGTH = {FieldType.TEXT: 100, FieldType.LONG_TEXT: 2000}
_DATE = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?|([0-9]{4})([0-9]{2})([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})月?|([0-9]{4})([0-9]{2})")
_INTEGER = re.compile(r"[+-]?[0-9]{1,15}")
_DECIMAL = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,4})?")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))([0-9]{7,8})")
_BANK_ACCOUNT = re.compile(r"[0-9]{12,19}")
_SEPARATORS = re.compile(r"[,，、;；\s]+")
_FAR_DATES = (1900, 2100)  # outside this a typed year is a typo, not a date


def parse_value(f: FormField, raw: object, today: date) -> Parsed:
    """The canonical value of ``raw`` for field ``f`` (None when unusable) and the problems found."""
    if isinstance(raw, datetime):
        raw = raw.date()
    if f.type == FieldType.BOOLEAN:
        flag = as_bool(raw)
        return (flag, []) if flag is not None else (None, [problem(f, "form_not_a_boolean")])
    if f.type == FieldType.MULTI_CHOICE:
        return _multi_choice(f, raw)
    if f.type in (FieldType.DATE, FieldType.MONTH) and isinstance(raw, date):
        raw = raw.isoformat() if f.type == FieldType.DATE else raw.strftime("%Y-%m")
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        return None, [problem(f, "form_bad_value")]
    return _PARSERS[f.type](f, str(raw), today)


def _text(f: FormField, text: str, today: date) -> Parsed:
    r = f.rule
    if f.type == FieldType.LONG_TEXT:
        value = "\n".join(clean_text(line) for line in text.splitlines()).strip()
    else:
        value = compact_code(text) if r.compact else clean_text(text)
    max_length = r.max_length or DEFAULT_MAX_LENGTH[f.type]
    if len(value) > max_length:
        return None, [problem(f, "form_too_long", max_length=max_length, length=len(value))]
    if r.min_length and len(value) < r.min_length:
        return None, [problem(f, "form_too_short", min_length=r.min_length)]
    if r.pattern and not _compiled(r.pattern).fullmatch(value):
        return None, [problem(f, "form_bad_format", hint=r.pattern_hint or "规定的格式")]
    return value, []


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _in_range(f: FormField, number: Decimal) -> list[Problem]:
    low, high = f.rule.min, f.rule.max
    if f.type == FieldType.PERCENT:
        low, high = (low if low is not None else Decimal(0)), (high if high is not None else Decimal(100))
    if (low is None or number >= low) and (high is None or number <= high):
        return []
    if low is not None and high is not None:
        bound = f"在 {low} 至 {high} 之间"
    else:
        bound = f"不小于 {low}" if low is not None else f"不大于 {high}"
    return [problem(f, "form_out_of_range", bound=bound)]


def _integer(f: FormField, text: str, today: date) -> Parsed:
    cleaned = "".join(to_half_width(text).split()).replace(",", "")
    if not _INTEGER.fullmatch(cleaned):
        return None, [problem(f, "form_not_a_number", expected="整数")]
    value = int(cleaned)
    if f.rule.not_future and value > today.year:
        return None, [problem(f, "form_date_in_future", limit=f"今年（{today.year}年）")]
    found = _in_range(f, Decimal(value))
    return (None, found) if found else (value, [])


def _percent(f: FormField, text: str, today: date) -> Parsed:
    cleaned = "".join(to_half_width(text).split()).removesuffix("%")
    if not _DECIMAL.fullmatch(cleaned):
        return None, [problem(f, "form_not_a_number", expected="百分数（如 0.5 表示 0.5%）")]
    number = Decimal(cleaned).quantize(Decimal("0.01"))
    found = _in_range(f, number)
    return (None, found) if found else (str(number), [])


def _money(f: FormField, text: str, today: date) -> Parsed:
    try:
        amount = parse_money(text)
    except FeeError as exc:
        return None, [problem(f, "form_bad_money", detail=exc.message)]
    except (ValueError, InvalidOperation):  # more digits than Decimal can quantise to the fen
        return None, [problem(f, "form_bad_money", detail="金额位数过多，请核对后重新输入。")]
    found = _in_range(f, amount)
    return (None, found) if found else (f"{amount:.2f}", [])


def _date(f: FormField, text: str, today: date) -> Parsed:
    m = _DATE.fullmatch("".join(to_half_width(text).split()))
    if m is None:
        return None, [problem(f, "form_bad_date")]
    year, month, day = (int(g) for g in (m.groups()[:3] if m[1] else m.groups()[3:]))
    try:
        value = date(year, month, day)
    except ValueError:
        return None, [problem(f, "form_bad_date")]
    if not _FAR_DATES[0] <= year <= _FAR_DATES[1]:
        return None, [problem(f, "form_bad_date")]
    if f.rule.not_future and value > today:
        return None, [problem(f, "form_date_in_future", limit=f"今天（{today.isoformat()}）")]
    days = f.rule.within_days
    found = [problem(f, "form_date_too_old", days=days)] if days and (today - value).days > days else []
    return value.isoformat(), found


def _month(f: FormField, text: str, today: date) -> Parsed:
    m = _MONTH.fullmatch("".join(to_half_width(text).split()))
    if m is None:
        return None, [problem(f, "form_bad_month")]
    year, month = (int(g) for g in (m.groups()[:2] if m[1] else m.groups()[2:]))
    if not (1 <= month <= 12 and _FAR_DATES[0] <= year <= _FAR_DATES[1]):
        return None, [problem(f, "form_bad_month")]
    if f.rule.not_future and (year, month) > (today.year, today.month):
        return None, [problem(f, "form_date_in_future", limit=f"本月（{today:%Y-%m}）")]
    return f"{year:04d}-{month:02d}", []


def _match_choice(f: FormField, text: str) -> str | None:
    wanted = clean_text(text)
    for c in f.choices:
        if wanted in (c.value, c.label) or wanted.lower() == c.value.lower():
            return c.value
    return None


def _bad_choice(f: FormField) -> Problem:
    return problem(f, "form_bad_choice", options="、".join(c.label for c in f.choices))


def _choice(f: FormField, text: str, today: date) -> Parsed:
    value = _match_choice(f, text)
    return (value, []) if value is not None else (None, [_bad_choice(f)])


def _multi_choice(f: FormField, raw: object) -> Parsed:
    if isinstance(raw, str):
        parts: list[object] = [p for p in _SEPARATORS.split(to_half_width(raw)) if p]
    elif isinstance(raw, list | tuple | set | frozenset):
        parts = list(raw)
    else:
        return None, [problem(f, "form_bad_value")]
    chosen = {_match_choice(f, str(p)) if isinstance(p, str | int) else None for p in parts}
    if None in chosen:
        return None, [_bad_choice(f)]
    return [c.value for c in f.choices if c.value in chosen], []


def _resident_id(f: FormField, text: str, today: date) -> Parsed:
    try:
        person = parse_resident_id(text, today=today)
    except IdentifierError as exc:
        return None, [passed_through(f, exc.code, exc.message)]
    low, high = f.rule.min_age, f.rule.max_age
    age = person.age_on(today)
    if (low is not None and age < low) or (high is not None and age > high):
        return None, [problem(f, "form_age_out_of_range", age=age, bound=age_bound(low, high))]
    return person.number, []


def age_bound(low: int | None, high: int | None) -> str:
    """Chinese wording of an inclusive age range: 16–59 周岁, 年满 60 周岁."""
    if low is not None and high is not None:
        return f"{low}–{high}周岁"
    return f"年满{low}周岁" if low is not None else f"不超过{high}周岁"


def _uscc(f: FormField, text: str, today: date) -> Parsed:
    try:
        unit = parse_uscc(text)
    except IdentifierError as exc:
        return None, [passed_through(f, exc.code, exc.message)]
    warning = uscc_warning(unit)
    return unit.code, [passed_through(f, *warning)] if warning else []


def _phone(f: FormField, text: str, today: date) -> Parsed:
    number = compact_code(text).replace("(", "").replace(")", "").removeprefix("+")
    if len(number) == 13 and number.startswith("86"):
        number = number[2:]
    if _MOBILE.fullmatch(number):
        return number, []
    m = _LANDLINE.fullmatch(number)
    return (f"{m[1]}-{m[2]}", []) if m else (None, [problem(f, "form_bad_phone")])


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by bank card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _bank_account(f: FormField, text: str, today: date) -> Parsed:
    number = compact_code(text)
    if not _BANK_ACCOUNT.fullmatch(number):
        return None, [problem(f, "form_bank_account_digits")]
    return number, [] if luhn_ok(number) else [problem(f, "form_bad_bank_account")]


_DIVISION_LEVELS = frozenset(
    {DivisionLevel.COUNTY, DivisionLevel.STREET, DivisionLevel.TOWN, DivisionLevel.TOWNSHIP}
)


def _division(f: FormField, text: str, today: date) -> Parsed:
    divisions = load_divisions()
    code = compact_code(text)
    if not code.isascii() or not code.isdigit():  # a name such as 苏稽镇 typed instead of a code
        try:
            code = divisions.code_of(clean_text(text))
        except DivisionError:
            return None, [problem(f, "form_bad_division")]
    found = divisions.find(code)
    if found is None or found.level not in _DIVISION_LEVELS or not divisions.is_in_leshan(found.code):
        return None, [problem(f, "form_bad_division")]
    return found.code, []


def reads_today(f: FormField) -> bool:
    """Whether :func:`parse_value` looks at ``today`` for this field (keep in step with the
    parsers above: results are remembered per field and value, and per day only when this holds)."""
    r = f.rule
    if f.type == FieldType.RESIDENT_ID:
        return True
    if f.type == FieldType.DATE:
        return r.not_future or bool(r.within_days)
    if f.type in (FieldType.MONTH, FieldType.INTEGER):
        return r.not_future
    return False


_PARSERS: dict[FieldType, Callable[[FormField, str, date], Parsed]] = {
    FieldType.TEXT: _text,
    FieldType.LONG_TEXT: _text,
    FieldType.INTEGER: _integer,
    FieldType.MONEY: _money,
    FieldType.DATE: _date,
    FieldType.MONTH: _month,
    FieldType.CHOICE: _choice,
    FieldType.RESIDENT_ID: _resident_id,
    FieldType.USCC: _uscc,
    FieldType.PHONE: _phone,
    FieldType.BANK_ACCOUNT: _bank_account,
    FieldType.DIVISION: _division,
    FieldType.PERCENT: _percent,
}
