"""Finding the applicant: an ID number checked as it is typed, a name, or a unit's code;
the registry summary when the township's slice knows the person: 参保地 and enrolments with
the last month paid, 参保状态, benefits in payment, the card, and 已死亡 above all else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from schema.divisions import load_divisions
from schema.errors import ContractError, IdentifierError
from schema.identifiers import Sex, normalize_resident_id, parse_resident_id, parse_uscc, uscc_warning
from schema.normalize import clean_text, compact_code
from schema.person_records import BenefitKind, BenefitStatus, CardStatus, record_label
from schema.records import BenefitRecord, PersonRecord
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
    enrolments: list[tuple[str, str, str, str, str]]  # 险种, 参保地, 状态, 起始, 最近缴费
    benefits: list[tuple[str, str, str, str]] = field(default_factory=list)  # 待遇, 月领金额, 状态, 起止
    deceased: str | None = None  # 已死亡: shown above everything, with what the desk may still do
    audit_warning: str | None = None  # 稽核: a death reported, or a case open (docs/fraud_checks.md)

    def benefit_lines(self, most: int = 3) -> list[str]:
        """One line per benefit (paid ones first); past ``most``, one line says how many more."""
        lines = [f"{kind}：月领 {amount}，{status}（{span}）" for kind, amount, status, span in self.benefits]
        if len(lines) > most:
            lines = [*lines[: most - 1], f"另有 {len(lines) - most + 1} 项待遇记录，详情请向市局查询。"]
        return lines or ["待遇：无待遇记录"]

    @property
    def insured_places(self) -> str:
        places = sorted({e[1] for e in self.enrolments if e[1] != "—"})
        return "、".join(places) if places else "本地无参保记录"


def _month(text: str) -> str:
    """``2026-05`` → 2026年5月; an archived year ``2019`` → 2019年（已归档）."""
    if len(text) == 4:
        return f"{text}年（已归档）"
    return f"{text[:4]}年{int(text[5:7])}月"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _record_word(kind: type[StrEnum], value: str) -> str:
    try:
        return record_label(kind(value))
    except ValueError:  # a value newer than this client: show it as it came
        return value


def insured_status(record: PersonRecord) -> str:
    """参保状态 in one line: which insurances are paid now, else what stands."""
    if record.status == "deceased":
        return "已死亡（参保关系终止）"
    active = [label(InsuranceType(e.insurance)) for e in record.enrolments if e.status == "active"]
    if active:
        return "正常参保：" + "、".join(active)
    if any(e.status == "suspended" for e in record.enrolments):
        return "暂停缴费"
    return "已终止参保" if record.enrolments else "本地无参保记录"


def deceased_note(record: PersonRecord) -> str | None:
    if record.status != "deceased":
        return None
    when = f"{_day(record.death_date)}死亡" if record.death_date else "已登记死亡"
    return (
        f"【已死亡】{when}。待遇已停发，不能再为本人办理缴费、认证或待遇申领；"
        "亲属可办理丧葬补助金、抚恤金、个人账户余额继承等业务。"
    )


def audit_note(record: PersonRecord) -> str | None:
    """The warning line while the city checks the person (稽核); the recorded death says more."""
    if record.status == "deceased":
        return None
    if record.death_reported is not None:
        return (
            f"【注意】有关部门报送本人已于{_day(record.death_date or record.death_reported)}死亡，市局正在稽核，"
            "待遇已暂停发放。如本人在场，请核验身份证件后请其联系市局稽核；如确已死亡，请亲属办理死亡登记。"
        )
    if record.audit_case_open:
        return (
            "【注意】本人有市局正在核实的稽核案件，部分待遇可能已暂停。办理待遇相关业务前请核验身份证件，"
            "有疑问请联系市局稽核。"
        )
    return None


def _benefit_row(b: BenefitRecord) -> tuple[str, str, str, str]:
    span = _month(b.start_month) + (f"至{_month(b.end_month)}" if b.end_month else "起")
    return (
        _record_word(BenefitKind, b.kind),
        f"{b.monthly_amount:,.2f} 元",
        _record_word(BenefitStatus, b.status),
        span,
    )


def person_card(record: PersonRecord, today: date) -> PersonCard:
    born = record.birth_date
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    lines = [
        ("姓名", record.name),
        ("公民身份号码", record.id_number),
        ("性别、出生", f"{SEX[record.sex]}，{born.year}年{born.month}月{born.day}日（{age}周岁）"),
        ("户籍乡镇", place(record.township)),
        ("经常居住地", place(record.residence) if record.residence else "未登记"),
        ("住址", record.address or "未登记"),  # the phone is in the applicant's field below
        ("参保状态", insured_status(record)),
        ("社保卡", _record_word(CardStatus, record.card_status) if record.card_status else "无制卡记录"),
    ]
    last = {c.insurance: _month(c.month) for c in record.last_contributions}
    enrolments = [
        (
            label(InsuranceType(e.insurance)),
            place(e.county),
            ENROLMENT_STATUS.get(e.status, e.status),
            f"{e.since.year}年{e.since.month}月",
            last.pop(e.insurance, "无记录"),
        )
        for e in record.enrolments
    ]
    # Months paid under an insurance with no enrolment here (moved away, transferred out).
    enrolments += [(label(InsuranceType(i)), "—", "无参保登记", "—", month) for i, month in last.items()]
    benefits = [_benefit_row(b) for b in record.benefits]
    return PersonCard(lines, enrolments, benefits, deceased_note(record), audit_note(record))


def unknown_note(online: bool | None) -> str:
    """What to say when the township's slice does not hold the person."""
    if online:
        return "本乡镇参保信息中没有此人（可能在外地参保或尚未参保）。可以继续办理，业务标记为“未核实”，上报后由市局核实。"
    return "当前离线，本机参保信息中没有此人：标记为【未核实】。可以继续办理，联网同步后由市局核实身份和参保情况。"


def masked(id_number: str) -> str:
    return f"{id_number[:6]}********{id_number[14:]}" if len(id_number) == 18 else id_number
