"""Resident ID numbers (公民身份号码, GB 11643) and unified social credit codes (统一社会信用代码, GB 32100).

Input is normalised first (full-width characters, spaces, dashes, lowercase ``x``), then
checked in an order that gives the clerk the most useful message first::

    >>> parse_resident_id("511102 19900101 0017", today=date(2025, 1, 1)).birth_date
    datetime.date(1990, 1, 1)
    >>> parse_resident_id("511102900101001", today=date(2025, 1, 1)).number  # old 15-digit number
    '511102199001010017'

Check-digit algorithms come from python-stdnum (``stdnum.cn.ric``, ``stdnum.cn.uscc``).
Unlike ``stdnum.cn.ric.validate``, the full address code is never looked up: it is the
code in force when the number was issued, and old Leshan numbers carry codes such as
5126xx that no longer exist. Only its first two digits must be a province code
(:data:`PROVINCE_CODES`), and the birth year at least 1900: ``000000…`` and ``990000…``
test numbers are refused.

A USCC whose check digit fails is *not* an error: real licences with such codes exist
(e.g. ``91350211M0000XUF46``), so :func:`parse_uscc` returns it with
``check_digit_ok=False``, :func:`uscc_warning` words the warning, and
:func:`require_uscc` lets a supervisor's confirmation through.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal, NoReturn

from stdnum.cn import ric, uscc

from schema.errors import IdentifierError
from schema.normalize import compact_code

# --- resident ID numbers -------------------------------------------------------------------

IdErrorCode = Literal[
    "id_empty",
    "id_wrong_length",
    "id_bad_characters",
    "id_bad_check_digit",
    "id_bad_birth_date",
    "id_birth_date_in_future",
    "id_bad_province",
    "id_birth_year_too_early",
]

ID_ERROR_MESSAGES: dict[IdErrorCode, str] = {
    "id_empty": "请输入公民身份号码（18 位，旧证 15 位），或将身份证放到读卡器上读取。",
    "id_wrong_length": "公民身份号码应为 18 位（旧版身份证 15 位），位数不对，请对照证件逐位核对后重新输入。",
    "id_bad_characters": (
        "公民身份号码只能由数字组成（18 位号码的最后一位可以是 X），请删除其他字符后重新输入。"
    ),
    "id_bad_check_digit": "公民身份号码校验位不正确，请对照证件逐位核对（最后一位可能是 X）后重新输入。",
    "id_bad_birth_date": "公民身份号码中的出生日期（第 7–14 位）不是有效日期，请对照证件核对后重新输入。",
    "id_birth_date_in_future": (
        "公民身份号码中的出生日期晚于今天，请核对号码；若号码无误，请检查本机日期是否正确。"
    ),
    "id_bad_province": (
        "公民身份号码前两位不是我国的省级行政区划代码（如四川为 51），不是有效号码："
        "请对照证件逐位核对后重新输入。"
    ),
    "id_birth_year_too_early": (
        "公民身份号码中的出生年份早于 1900 年，不是有效号码：请对照证件核对第 7–10 位后重新输入。"
    ),
}

PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
    | {"71", "81", "82"}
)
"""The first two digits of a GB/T 2260 address code: the provinces, Taiwan, Hong Kong and Macao
(the same set as python-stdnum's ``cn/loc`` data; a test keeps them in step)."""
EARLIEST_BIRTH_YEAR = 1900

_DIGITS = frozenset("0123456789")


class Sex(StrEnum):
    """Sex as encoded by the parity of the 17th digit (odd = male)."""

    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class ResidentId:
    """A valid resident ID number and what it encodes."""

    number: str
    """The 18-character number, normalised (upper-case ``X``)."""
    birth_date: date
    sex: Sex
    area_code: str
    """The 6-digit address code at the time of issue; may be a historical code."""
    converted_from_15: bool
    """True when the input was an old 15-digit number."""

    def age_on(self, day: date) -> int:
        """Age in full years (周岁) on ``day``.

        A person gains a year on their birthday. Someone born on 29 February gains it
        on 28 February in common years: where a period counted in years has no
        corresponding day, the last day of the month ends it (民法典第二百零二条).
        Raises ``ValueError`` when ``day`` is before the birth date.
        """
        born = self.birth_date
        if day < born:
            raise ValueError(f"{day.isoformat()} is before the birth date {born.isoformat()}")
        birthday = (born.month, born.day)
        if birthday == (2, 29) and not calendar.isleap(day.year):
            birthday = (2, 28)
        years = day.year - born.year
        return years - 1 if (day.month, day.day) < birthday else years


def _id_error(error: IdErrorCode, /, **detail: object) -> NoReturn:
    raise IdentifierError(error, ID_ERROR_MESSAGES[error], detail)


def normalize_resident_id(raw: str) -> str:
    """Fold full-width characters, drop spaces and dashes, upper-case ``x``. No validation."""
    return compact_code(raw)


def parse_resident_id(raw: str, *, today: date) -> ResidentId:
    """Validate a resident ID number and return what it encodes.

    Old 15-digit numbers are converted to 18 digits ("19" inserted after the address
    code, check digit appended). Checks run in this order, each raising
    :class:`~schema.errors.IdentifierError` with its own code: ``id_empty``,
    ``id_bad_characters`` (detail ``positions``, 1-based), ``id_wrong_length``
    (detail ``length``), ``id_bad_birth_date``, ``id_birth_date_in_future`` (after
    ``today``), ``id_bad_province`` (first two digits not a province code),
    ``id_birth_year_too_early`` (before 1900), ``id_bad_check_digit``. The right check
    digit is never disclosed.
    """
    number = normalize_resident_id(raw)
    if not number:
        _id_error("id_empty")
    last = len(number) - 1
    bad = [i + 1 for i, ch in enumerate(number) if ch not in _DIGITS and not (ch == "X" and i == last)]
    if bad:
        _id_error("id_bad_characters", positions=bad)
    if len(number) not in (15, 18):
        _id_error("id_wrong_length", length=len(number))
    converted = len(number) == 15
    if converted:
        if number.endswith("X"):  # 15-digit numbers have no check character
            _id_error("id_bad_characters", positions=[15])
        number = _with_check_digit(number[:6] + "19" + number[6:])
    try:  # ric.get_birth_date without its clean-up pass: the number is clean ASCII by now
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        _id_error("id_bad_birth_date")
    if birth > today:
        _id_error("id_birth_date_in_future")
    if number[:2] not in PROVINCE_CODES:
        _id_error("id_bad_province", province=number[:2])
    if birth.year < EARLIEST_BIRTH_YEAR:
        _id_error("id_birth_year_too_early", year=birth.year)
    if number[-1] != ric.calc_check_digit(number):
        _id_error("id_bad_check_digit")
    return ResidentId(
        number=number,
        birth_date=birth,
        sex=Sex.MALE if int(number[16]) % 2 else Sex.FEMALE,
        area_code=number[:6],
        converted_from_15=converted,
    )


def is_valid_resident_id(raw: str, *, today: date) -> bool:
    """True when :func:`parse_resident_id` accepts ``raw``."""
    try:
        parse_resident_id(raw, today=today)
    except IdentifierError:
        return False
    return True


def _with_check_digit(body17: str) -> str:
    # stdnum's calc_check_digit expects the check position present and ignores it.
    return body17 + ric.calc_check_digit(body17 + "0")


def make_resident_id(area_code: str, birth: date, sequence: int) -> str:
    """Build a valid 18-digit number, for tests and demo data.

    ``sequence`` is 0..999; odd numbers are male. Raises ``ValueError`` on bad arguments,
    including a number :func:`parse_resident_id` would refuse as implausible (no province
    code, born before 1900).
    """
    if len(area_code) != 6 or not set(area_code) <= _DIGITS:
        raise ValueError(f"area_code must be 6 digits, got {area_code!r}")
    if area_code[:2] not in PROVINCE_CODES or birth.year < EARLIEST_BIRTH_YEAR:
        raise ValueError(f"implausible number: area {area_code!r}, born {birth.isoformat()}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be 0..999, got {sequence}")
    return _with_check_digit(f"{area_code}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}")


# --- unified social credit codes ---------------------------------------------------------

UsccErrorCode = Literal["uscc_empty", "uscc_wrong_length", "uscc_bad_characters", "uscc_bad_check_digit"]

USCC_ERROR_MESSAGES: dict[UsccErrorCode, str] = {
    "uscc_empty": "请输入统一社会信用代码（18 位，见营业执照或登记证书）。",
    "uscc_wrong_length": (
        "统一社会信用代码应为 18 位，位数不对，请对照营业执照（或登记证书）逐位核对后重新输入。"
    ),
    "uscc_bad_characters": (
        "统一社会信用代码只含数字和大写字母（不含 I、O、Z、S、V），第 3–8 位必须是数字；"
        "请检查是否把数字 0、1 输成了字母 O、I，核对后重新输入。"
    ),
    "uscc_bad_check_digit": (
        "统一社会信用代码校验位不符，可能是录入错误：请对照营业执照（或登记证书）逐位核对；"
        "如与证照完全一致，可请主管确认后继续办理。"
    ),
}

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters a USCC may contain (GB 32100: no I, O, Z, S, V)."""

REGISTRATION_AUTHORITY_LABELS: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
"""登记管理部门 by the first character."""

ORGANISATION_CATEGORY_LABELS: dict[str, str] = {
    "11": "机关",
    "12": "事业单位",
    "13": "编办直管群众团体",
    "19": "其他（机构编制）",
    "31": "律师事务所",
    "32": "公证处",
    "33": "基层法律服务所",
    "34": "司法鉴定机构",
    "35": "仲裁委员会",
    "51": "社会团体",
    "52": "民办非企业单位",
    "53": "基金会",
    "59": "其他（民政）",
    "91": "企业",
    "92": "个体工商户",
    "93": "农民专业合作社",
    "N1": "组级集体经济组织",
    "N2": "村级集体经济组织",
    "N3": "乡镇级集体经济组织",
}
"""机构类别 by the first two characters; only the categories confirmed in docs/sources.md §4.2."""


@dataclass(frozen=True)
class Uscc:
    """A well-formed unified social credit code; ``check_digit_ok`` says whether its check digit holds."""

    code: str
    registration_authority: str
    """Character 1 (登记管理部门代码)."""
    organisation_category: str
    """Characters 1–2 (登记管理部门 + 机构类别)."""
    area_code: str
    """Characters 3–8: the registering authority's division code."""
    check_digit_ok: bool

    @property
    def registration_authority_label(self) -> str | None:
        """e.g. ``"工商"``; None for a character the standard does not assign."""
        return REGISTRATION_AUTHORITY_LABELS.get(self.registration_authority)

    @property
    def organisation_category_label(self) -> str | None:
        """e.g. ``"企业"``; None for an unlisted category."""
        return ORGANISATION_CATEGORY_LABELS.get(self.organisation_category)


def _uscc_error(error: UsccErrorCode, /, **detail: object) -> NoReturn:
    raise IdentifierError(error, USCC_ERROR_MESSAGES[error], detail)


def normalize_uscc(raw: str) -> str:
    """Fold full-width characters, drop spaces and dashes, upper-case. No validation."""
    return compact_code(raw)


def parse_uscc(raw: str) -> Uscc:
    """Parse a unified social credit code.

    Raises :class:`~schema.errors.IdentifierError` with ``uscc_empty``,
    ``uscc_bad_characters`` (detail ``positions``, 1-based) or ``uscc_wrong_length``
    (detail ``length``). A failing check digit is returned as ``check_digit_ok=False``,
    not raised: see :func:`uscc_warning` and :func:`require_uscc`.
    """
    code = normalize_uscc(raw)
    if not code:
        _uscc_error("uscc_empty")
    bad = [i + 1 for i, ch in enumerate(code) if ch not in USCC_ALPHABET]
    if bad:
        _uscc_error("uscc_bad_characters", positions=bad)
    if len(code) != 18:
        _uscc_error("uscc_wrong_length", length=len(code))
    bad = [i + 1 for i in range(2, 8) if code[i] not in _DIGITS]
    if bad:
        _uscc_error("uscc_bad_characters", positions=bad)
    return Uscc(
        code=code,
        registration_authority=code[0],
        organisation_category=code[:2],
        area_code=code[2:8],
        check_digit_ok=uscc.calc_check_digit(code) == code[-1],
    )


def uscc_warning(u: Uscc) -> tuple[UsccErrorCode, str] | None:
    """The ``(code, message)`` warning to show for a parsed code, or None when it is clean."""
    if u.check_digit_ok:
        return None
    return "uscc_bad_check_digit", USCC_ERROR_MESSAGES["uscc_bad_check_digit"]


def require_uscc(raw: str, *, allow_bad_check_digit: bool) -> Uscc:
    """Parse like :func:`parse_uscc`, and also raise ``uscc_bad_check_digit`` unless allowed.

    Pass ``allow_bad_check_digit=True`` once a supervisor has confirmed the code
    against the licence.
    """
    u = parse_uscc(raw)
    if not u.check_digit_ok and not allow_bad_check_digit:
        _uscc_error("uscc_bad_check_digit")
    return u


def make_uscc(prefix17: str) -> str:
    """Append the check digit to 17 characters, for tests and demo data.

    Raises ``ValueError`` unless ``prefix17`` is 17 characters of :data:`USCC_ALPHABET`
    with digits in positions 3–8.
    """
    if len(prefix17) != 17 or any(ch not in USCC_ALPHABET for ch in prefix17):
        raise ValueError(f"prefix17 must be 17 characters of {USCC_ALPHABET}, got {prefix17!r}")
    if not set(prefix17[2:8]) <= _DIGITS:
        raise ValueError(f"characters 3-8 must be digits, got {prefix17[2:8]!r}")
    return prefix17 + uscc.calc_check_digit(prefix17)
