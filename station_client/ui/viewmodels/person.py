"""Finding the applicant: an ID number checked as it is typed, a name, or a unit's code;
the registry summary (参保地, enrolments) when the township's slice knows the person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from schema.divisions import load_divisions
from schema.errors import ContractError, IdentifierError
from schema.identifiers import Sex, normalize_resident_id, parse_resident_id, parse_uscc, uscc_warning
from schema.normalize import clean_text, compact_code
from schema.records import PersonRecord
from schema.vocabulary import InsuranceType, label

ENROLMENT_STATUS = {"active": "正常参保", "suspended": "暂停缴费", "stopped": "终止参保"}
SEX = {"M": "男", "F": "女"}


@dataclass(frozen=True)
class Check:
    ok: bool
    value: str  # the normalised number (18 digits for an ID number)
    message: str  # what was recognised, or what is wrong and what to do


def looks_like_code(text: str) -> bool:
    """Digits (and letters) rather than a Chinese name."""
    code = compact_code(text)
    return bool(code) and code.isascii() and code.isalnum()


def check_id(raw: str, today: date) -> Check:
    """The ID number as typed: normalised (full-width, spaces, 15 digits, x) and what it says."""
    number = normalize_resident_id(raw)
    try:
        person = parse_resident_id(raw, today=today)
    except IdentifierError as exc:
        return Check(False, number, exc.message)
    sex = "男" if person.sex is Sex.MALE else "女"
    old = "（由 15 位旧号码转换）" if person.converted_from_15 else ""
    born = person.birth_date
    return Check(
        True,
        person.number,
        f"号码有效{old}：{person.number}，{sex}，{born.year}年{born.month}月{born.day}日出生，{person.age_on(today)}周岁",
    )


def check_uscc(raw: str) -> Check:
    try:
        unit = parse_uscc(raw)
    except IdentifierError as exc:
        return Check(False, compact_code(raw), exc.message)
    warning = uscc_warning(unit)
    return Check(True, unit.code, warning[1] if warning else f"代码有效：{unit.code}")


def check_name(raw: str) -> Check:
    name = clean_text(raw)
    if not name:
        return Check(False, "", "请填写申请人姓名（与身份证件一致）。")
    if len(name) > 100:
        return Check(False, name, "姓名过长：请核对后重新输入（不超过 100 字）。")
    return Check(True, name, "")


def place(code: str) -> str:
    try:
        return load_divisions().full_name(code)
    except ContractError:
        return code


@dataclass(frozen=True)
class PersonCard:
    lines: list[tuple[str, str]]
    enrolments: list[tuple[str, str, str, str]]  # 险种, 参保地, 状态, 起始

    @property
    def insured_places(self) -> str:
        places = sorted({e[1] for e in self.enrolments})
        return "、".join(places) if places else "本地无参保记录"


def person_card(record: PersonRecord, today: date) -> PersonCard:
    born = record.birth_date
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    lines = [
        ("姓名", record.name),
        ("公民身份号码", record.id_number),
        ("性别、出生", f"{SEX[record.sex]}，{born.year}年{born.month}月{born.day}日（{age}周岁）"),
        ("户籍乡镇", place(record.township)),
        ("联系电话", record.phone or "未登记"),
        ("住址", record.address or "未登记"),
    ]
    enrolments = [
        (
            label(InsuranceType(e.insurance)),
            place(e.county),
            ENROLMENT_STATUS.get(e.status, e.status),
            f"{e.since.year}年{e.since.month}月",
        )
        for e in record.enrolments
    ]
    return PersonCard(lines, enrolments)


def unknown_note(online: bool | None) -> str:
    """What to say when the township's slice does not hold the person."""
    if online:
        return "本乡镇参保信息中没有此人（可能在外地参保或尚未参保）。可以继续办理，业务标记为“未核实”，上报后由市局核实。"
    return "当前离线，本机参保信息中没有此人：标记为【未核实】。可以继续办理，联网同步后由市局核实身份和参保情况。"


def masked(id_number: str) -> str:
    return f"{id_number[:6]}********{id_number[14:]}" if len(id_number) == 18 else id_number
