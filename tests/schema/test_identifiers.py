"""Resident ID numbers and unified social credit codes, checked against python-stdnum."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidComponent

from schema.errors import IdentifierError
from schema.identifiers import (
    ID_ERROR_MESSAGES,
    ORGANISATION_CATEGORY_LABELS,
    PROVINCE_CODES,
    REGISTRATION_AUTHORITY_LABELS,
    USCC_ALPHABET,
    USCC_ERROR_MESSAGES,
    IdErrorCode,
    Sex,
    UsccErrorCode,
    is_valid_resident_id,
    make_resident_id,
    make_uscc,
    normalize_resident_id,
    parse_resident_id,
    parse_uscc,
    require_uscc,
    uscc_warning,
)

TODAY = date(2025, 6, 1)
CJK = re.compile(r"[\u4e00-\u9fff]")

# Current Leshan counties, historical Leshan codes (5126xx, 511125, now-眉山 511121) and elsewhere.
AREA_CODES = ["511102", "511123", "511181", "512601", "512632", "511125", "511121", "110101", "360426"]


def build_id(area: str, birth: date, seq: int) -> str:
    """An 18-digit number whose check digit comes straight from stdnum."""
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def stdnum_accepts_except_place(number: str, today: date) -> bool:
    """stdnum's rules with its place look-up cut to the province (it rejects historical
    county codes), plus 'not in the future' and 'born 1900 or later'."""
    if len(number) != 18 or not number[:17].isdigit() or number[-1] not in "0123456789X":
        return False
    if number[-1] != ric.calc_check_digit(number) or number[:2] not in PROVINCE_CODES:
        return False
    try:
        return date(1900, 1, 1) <= ric.get_birth_date(number) <= today
    except InvalidComponent:
        return False


def dressed_up(number: str, how: str) -> str:
    """The ways clerks and card readers actually deliver a number."""
    if how == "full_width":
        return "".join(chr(ord(c) + 0xFEE0) for c in number)
    if how == "spaced":
        return f" {number[:6]} {number[6:14]}\u3000{number[14:]} "
    if how == "dashed":
        return f"{number[:6]}-{number[6:14]}－{number[14:]}"
    return number.lower()


births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
valid_ids = st.builds(build_id, st.sampled_from(AREA_CODES), births, st.integers(0, 999))


# --- resident ID: known vectors ------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "360426199101010071",
        "120103198806018241",
        "110101202311012176",
        "511102199001010017",
        "511123198506150020",
        "511181200002290031",  # born on a leap day
        "512632196001010052",  # 峨边县 before 1985
    ],
)
def test_valid_vectors(number: str) -> None:
    assert parse_resident_id(number, today=TODAY).number == number


@pytest.mark.parametrize("number", ["360426199101010072", "110101202311012171"])
def test_invalid_vectors_fail_on_the_check_digit(number: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id(number, today=TODAY)
    assert exc.value.code == "id_bad_check_digit"


def test_parse_reads_birth_date_sex_and_area() -> None:
    person = parse_resident_id("120103198806018241", today=TODAY)
    assert person.birth_date == date(1988, 6, 1)
    assert person.sex is Sex.FEMALE
    assert person.area_code == "120103"
    assert person.converted_from_15 is False
    assert parse_resident_id("511102199001010017", today=TODAY).sex is Sex.MALE


def test_normalisation_folds_what_ime_and_card_readers_type() -> None:
    assert normalize_resident_id("５１１１０２ 1990-0101-001ｘ") == "511102199001010017"[:-1] + "X"
    assert normalize_resident_id("") == ""


def test_lowercase_x_check_character() -> None:
    numbers = (build_id("511102", date(1990, 1, 1), seq) for seq in range(1000))
    number = next(n for n in numbers if n.endswith("X"))
    assert parse_resident_id(number.lower(), today=TODAY).number == number


def test_old_15_digit_number_is_converted() -> None:
    person = parse_resident_id("511102900101001", today=TODAY)
    assert person.number == "511102199001010017"
    assert person.converted_from_15 is True
    assert person.birth_date == date(1990, 1, 1)


def test_historical_area_codes_are_accepted() -> None:
    # 511102 exists only since 1985; stdnum's place check rejects a 1960 birth there, we must not:
    # the address code is the one in force when the card was issued.
    number = build_id("511102", date(1960, 5, 4), 12)
    assert not ric.is_valid(number)
    assert is_valid_resident_id(number, today=TODAY)
    assert parse_resident_id("512632196001010052", today=TODAY).area_code == "512632"
    # Any county code of a real province passes, listed today or not.
    assert is_valid_resident_id(build_id("519999", date(1990, 1, 1), 1), today=TODAY)


@pytest.mark.parametrize(
    "area", ["000000", "990000", "999999", "100000", "160101", "660101", "700000", "830000"]
)
def test_a_number_whose_first_two_digits_are_no_province_is_refused(area: str) -> None:
    number = build_id(area, date(1990, 1, 1), 1)  # right check digit: only the province is wrong
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id(number, today=TODAY)
    assert (exc.value.code, exc.value.detail) == ("id_bad_province", {"province": area[:2]})
    assert "省级行政区划代码" in exc.value.message and "请" in exc.value.message


def test_the_province_codes_are_python_stdnums() -> None:
    data = Path(ric.__file__).with_name("loc.dat").read_text(encoding="utf-8")
    stdnum_provinces = {line[:2] for line in data.splitlines() if line[:2].isdigit()}
    assert stdnum_provinces == PROVINCE_CODES


def test_a_birth_year_before_1900_is_refused() -> None:
    number = build_id("511102", date(1899, 12, 31), 1)
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id(number, today=TODAY)
    assert (exc.value.code, exc.value.detail) == ("id_birth_year_too_early", {"year": 1899})
    assert parse_resident_id(build_id("511102", date(1900, 1, 1), 1), today=TODAY).birth_date.year == 1900


def test_make_resident_id_refuses_implausible_numbers() -> None:
    with pytest.raises(ValueError):
        make_resident_id("990000", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_resident_id("511102", date(1899, 12, 31), 1)


def test_impossible_birth_dates() -> None:
    # 30 February 1999; and 29 February 1900 in an old number (1900 was not a leap year).
    for number in ("511102199902300010", "511102000229001"):
        with pytest.raises(IdentifierError) as exc:
            parse_resident_id(number, today=TODAY)
        assert exc.value.code == "id_bad_birth_date"


def test_birth_date_in_the_future() -> None:
    tomorrow = TODAY + timedelta(days=1)
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id(build_id("511102", tomorrow, 1), today=TODAY)
    assert exc.value.code == "id_birth_date_in_future"
    assert is_valid_resident_id(build_id("511102", TODAY, 1), today=TODAY)  # born today is fine


# --- resident ID: every error code -------------------------------------------------------

ID_EXAMPLES: dict[IdErrorCode, str] = {
    "id_empty": " \u3000- ",
    "id_bad_characters": "51110219900101001７A",
    "id_wrong_length": "51110219900101001",
    "id_bad_birth_date": "511102199913010010",
    "id_birth_date_in_future": build_id("511102", date(2030, 1, 1), 1),
    "id_bad_check_digit": "511102199001010018",
    "id_bad_province": build_id("000000", date(1990, 1, 1), 1),
    "id_birth_year_too_early": build_id("511102", date(1899, 1, 1), 1),
}


@pytest.mark.parametrize("code", get_args(IdErrorCode))
def test_every_id_error_is_reachable_and_explained_in_chinese(code: IdErrorCode) -> None:
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id(ID_EXAMPLES[code], today=TODAY)
    assert exc.value.code == code
    assert exc.value.message == ID_ERROR_MESSAGES[code]
    assert CJK.search(exc.value.message) and "请" in exc.value.message


def test_id_message_table_matches_the_codes() -> None:
    assert set(ID_ERROR_MESSAGES) == set(get_args(IdErrorCode))


def test_error_details_help_without_leaking_the_check_digit() -> None:
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id("5111021990010100", today=TODAY)
    assert exc.value.detail == {"length": 16}
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id("51110219900101O017", today=TODAY)  # letter O typed for zero
    assert exc.value.detail == {"positions": [15]}
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id("511102199001010018", today=TODAY)
    assert exc.value.detail == {}
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id("51110290010100X", today=TODAY)  # old numbers have no check character
    assert (exc.value.code, exc.value.detail) == ("id_bad_characters", {"positions": [15]})


def test_checks_run_in_a_sensible_order() -> None:
    # Bad characters are reported before the length, a bad date before the check digit.
    with pytest.raises(IdentifierError, match="id_bad_characters"):
        parse_resident_id("5111O2", today=TODAY)
    with pytest.raises(IdentifierError, match="id_bad_birth_date"):
        parse_resident_id("511102199002300019", today=TODAY)


# --- resident ID: properties against stdnum ----------------------------------------------


@given(valid_ids, st.sampled_from(["plain", "full_width", "spaced", "dashed", "lower"]))
def test_generated_numbers_parse_in_every_typed_form(number: str, how: str) -> None:
    person = parse_resident_id(dressed_up(number, how), today=TODAY)
    assert person.number == number
    assert person.birth_date == ric.get_birth_date(number)
    assert (person.sex is Sex.MALE) == (int(number[16]) % 2 == 1)


@given(valid_ids, st.integers(0, 17), st.sampled_from("0123456789X"))
@example("511102199001010017", 17, "8")
def test_agrees_with_stdnum_on_altered_numbers(number: str, position: int, char: str) -> None:
    altered = number[:position] + char + number[position + 1 :]
    assert is_valid_resident_id(altered, today=TODAY) == stdnum_accepts_except_place(altered, TODAY)
    if ric.is_valid(altered) and ric.get_birth_date(altered) <= TODAY:
        assert is_valid_resident_id(altered, today=TODAY)


@given(st.text(alphabet="0123456789X", max_size=20))
def test_agrees_with_stdnum_on_arbitrary_text(text: str) -> None:
    if len(text) != 15:
        assert is_valid_resident_id(text, today=TODAY) == stdnum_accepts_except_place(text, TODAY)


@given(st.sampled_from(AREA_CODES), st.dates(date(1900, 1, 1), date(1999, 12, 31)), st.integers(0, 999))
def test_15_digit_numbers_convert_to_their_18_digit_form(area: str, birth: date, seq: int) -> None:
    old = f"{area}{birth:%y%m%d}{seq:03d}"
    person = parse_resident_id(old, today=TODAY)
    assert person.number == build_id(area, birth, seq)
    assert ric.calc_check_digit(person.number) == person.number[-1]
    assert person.converted_from_15


@given(st.sampled_from(AREA_CODES), births, st.integers(0, 999))
def test_make_resident_id_builds_what_stdnum_checks(area: str, birth: date, seq: int) -> None:
    number = make_resident_id(area, birth, seq)
    assert number == build_id(area, birth, seq)
    assert parse_resident_id(number, today=TODAY).sex is (Sex.MALE if seq % 2 else Sex.FEMALE)


@pytest.mark.parametrize(("area", "seq"), [("51110", 1), ("51110A", 1), ("511102", -1), ("511102", 1000)])
def test_make_resident_id_refuses_bad_arguments(area: str, seq: int) -> None:
    with pytest.raises(ValueError):
        make_resident_id(area, date(1990, 1, 1), seq)


# --- age in full years (周岁) ----------------------------------------------------------------


def age(birth: date, on: date) -> int:
    return parse_resident_id(make_resident_id("511102", birth, 1), today=TODAY).age_on(on)


def test_age_counts_full_years_from_the_birthday() -> None:
    born = date(1990, 6, 15)
    assert age(born, date(2025, 6, 14)) == 34
    assert age(born, date(2025, 6, 15)) == 35  # the birthday itself completes the year
    assert age(born, date(2025, 12, 31)) == 35
    assert age(born, born) == 0


def test_leap_day_births_age_on_28_february_in_common_years() -> None:
    born = date(2000, 2, 29)
    assert age(born, date(2001, 2, 27)) == 0
    assert age(born, date(2001, 2, 28)) == 1  # 民法典 §202: no 29 Feb, so the month's last day
    assert age(born, date(2004, 2, 28)) == 3  # a leap year: wait for the 29th
    assert age(born, date(2004, 2, 29)) == 4
    assert age(born, date(2060, 2, 28)) == 59
    assert age(born, date(2060, 2, 29)) == 60


def test_age_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError):
        age(date(2000, 1, 1), date(1999, 12, 31))


@given(births, st.integers(1, 100))
def test_age_steps_up_exactly_on_each_birthday(born: date, years: int) -> None:
    year = born.year + years
    if born.month == 2 and born.day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        birthday = date(year, 2, 28)
    else:
        birthday = born.replace(year=year)
    assert age(born, birthday) == years
    assert age(born, birthday - timedelta(days=1)) == years - 1


# --- unified social credit codes ---------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91110108551385082Q",
        "91110000600037341L",
        "91350100M000100Y43",
        "91110000101623741K",
        "911101066976941872",
    ],
)
def test_valid_uscc_vectors(code: str) -> None:
    u = parse_uscc(code)
    assert (u.code, u.check_digit_ok) == (code, True)
    assert uscc_warning(u) is None


def test_uscc_parts_and_labels() -> None:
    u = parse_uscc("91110108551385082Q")
    assert (u.registration_authority, u.organisation_category, u.area_code) == ("9", "91", "110108")
    assert (u.registration_authority_label, u.organisation_category_label) == ("工商", "企业")
    assert REGISTRATION_AUTHORITY_LABELS["5"] == "民政"
    assert ORGANISATION_CATEGORY_LABELS["N2"] == "村级集体经济组织"
    assert parse_uscc(make_uscc("Y2511102MA0000001")).organisation_category_label is None


@pytest.mark.parametrize("code", ["91350100M000100Y4A", "91350211M0000XUF46"])
def test_bad_uscc_check_digit_is_a_warning_not_an_error(code: str) -> None:
    u = parse_uscc(code)  # 91350211M0000XUF46 is a real company's code that fails the checksum
    assert u.check_digit_ok is False
    warning = uscc_warning(u)
    assert warning is not None
    assert warning[0] == "uscc_bad_check_digit"
    assert "营业执照" in warning[1] and "主管" in warning[1]


def test_require_uscc_needs_a_supervisor_for_a_bad_check_digit() -> None:
    with pytest.raises(IdentifierError) as exc:
        require_uscc("91350211M0000XUF46", allow_bad_check_digit=False)
    assert exc.value.code == "uscc_bad_check_digit"
    assert require_uscc("91350211M0000XUF46", allow_bad_check_digit=True).check_digit_ok is False
    assert require_uscc("91110108551385082Q", allow_bad_check_digit=False).check_digit_ok


def test_uscc_normalisation() -> None:
    for typed in ("９１１１０１０８５５１３８５０８２Ｑ", "91110108 551385082q", "911101-085513-85082Q"):
        assert parse_uscc(typed).code == "91110108551385082Q"


USCC_EXAMPLES: dict[UsccErrorCode, str] = {
    "uscc_empty": "  ",
    "uscc_bad_characters": "91110108551385O82Q",  # letter O is not in the alphabet
    "uscc_wrong_length": "91110108551385082",
}


@pytest.mark.parametrize("code", list(USCC_EXAMPLES))
def test_every_uscc_error_is_reachable_and_explained_in_chinese(code: UsccErrorCode) -> None:
    with pytest.raises(IdentifierError) as exc:
        parse_uscc(USCC_EXAMPLES[code])
    assert exc.value.code == code
    assert exc.value.message == USCC_ERROR_MESSAGES[code]
    assert CJK.search(exc.value.message) and "请" in exc.value.message


def test_uscc_message_table_matches_the_codes() -> None:
    assert set(USCC_ERROR_MESSAGES) == set(get_args(UsccErrorCode))


def test_uscc_area_code_must_be_digits() -> None:
    with pytest.raises(IdentifierError) as exc:
        parse_uscc("9111A108551385082Q")
    assert (exc.value.code, exc.value.detail) == ("uscc_bad_characters", {"positions": [5]})


uscc_alnum = st.text(alphabet=USCC_ALPHABET, min_size=1, max_size=1)
uscc_prefixes = st.builds(
    lambda head, area, body: head + area + body,
    st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


@given(uscc_prefixes, uscc_alnum)
def test_uscc_check_digit_agrees_with_stdnum(prefix: str, check: str) -> None:
    code = prefix + check
    u = parse_uscc(code.lower())
    assert u.check_digit_ok == (check == uscc.calc_check_digit(prefix))
    if prefix[:2].isdigit():  # stdnum only takes digits in positions 1-2
        assert u.check_digit_ok == uscc.is_valid(code)


@given(uscc_prefixes)
def test_make_uscc_builds_valid_codes(prefix: str) -> None:
    assert parse_uscc(make_uscc(prefix)).check_digit_ok


@pytest.mark.parametrize("prefix", ["9111010855138508", "91110108551385O82", "91A10108551385082"])
def test_make_uscc_refuses_bad_prefixes(prefix: str) -> None:
    with pytest.raises(ValueError):
        make_uscc(prefix)
