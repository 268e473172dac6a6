"""Whether a case can be accepted, and what it becomes: pure rules, no store, no clock.

:func:`check_intake` runs every check and reports every problem at once, so the clerk
fixes the case in one pass and the applicant hears about every missing material at
once (一次性告知). The checks the server runs again are ``schema.case_checks``'s one
chain (identifier, form, derived fields, eligibility, missing materials, fee); this
module adds what only the desk sees and turns the answer into notices:

* the applicant as typed: the item's kind of applicant, name, phone;
* scans: type and size limits, and that they belong to one of the item's materials;
  material codes that are not the item's; the 一次性告知单 (``notice_text``);
* the promised date (complex items), ``schema.case_checks.time_limit_due``: a year past
  the calendar's range gives ``None`` and the warning :data:`PROMISED_PENDING`, not a refusal.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from schema.case_checks import CaseCheck, Identified, check_case, identify, time_limit_due
from schema.cases import ALLOWED_MEDIA_TYPES, MAX_ATTACHMENT_BYTES, Applicant, FeeSummary
from schema.catalog import CatalogItem, FormValue, Material, Problem, notice_text
from schema.identifiers import ResidentId
from schema.normalize import clean_text, compact_code
from schema.rates import RateBook
from schema.vocabulary import ApplicantKind, InsuranceType, Tier
from schema.workdays import DueDate, WorkdayCalendar
from station_client.core.errors import StationError

PROMISED_PENDING = "承诺办结日期待定（节假日安排未公布）"
_PHONE_CHARS = str.maketrans("", "", "()（）")


@dataclass(frozen=True, slots=True)
class ApplicantInput:
    """The applicant as the clerk typed them; ``kind`` None means the item's kind."""

    name: str
    id_number: str | None = None
    uscc: str | None = None
    phone: str | None = None
    kind: ApplicantKind | None = None


@dataclass(frozen=True, slots=True)
class ScanMeta:
    material_code: str
    media_type: str
    size: int


@dataclass(frozen=True, slots=True)
class Notice:
    """One line for the clerk: an error to fix or a warning to check."""

    code: str
    message: str
    field: str | None = None


@dataclass(frozen=True)
class CheckedIntake:
    item: CatalogItem
    applicant: Applicant
    resident: ResidentId | None
    form: dict[str, FormValue]
    materials: tuple[str, ...]
    fee: FeeSummary | None
    promised_date: date | None
    warnings: tuple[Notice, ...]
    promised_provisional: bool = False  # counted on the provisional holiday calendar: 暂定


class IntakeRefused(StationError):
    """The case cannot be accepted: ``problems`` lists every error, ``notice`` the 一次性告知单."""

    def __init__(
        self,
        code: str,
        message: str,
        problems: Sequence[Notice],
        missing: Sequence[Material],
        notice: str | None,
    ) -> None:
        super().__init__(
            code, message, {"problems": [p.code for p in problems], "missing": [m.code for m in missing]}
        )
        self.problems = tuple(problems)
        self.missing = tuple(missing)
        self.notice = notice


def _notice(problem: Problem, subject: str = "") -> Notice:
    return Notice(problem.code, f"{subject}{problem.message}", problem.field)


def _sorted(
    problems: tuple[Problem, ...], errors: list[Notice], warnings: list[Notice], subject: str = ""
) -> None:
    for p in problems:
        (errors if p.severity == "error" else warnings).append(_notice(p, subject))


def _phone(raw: str | None, errors: list[Notice]) -> str | None:
    if raw is None or not raw.strip():
        return None
    phone = compact_code(raw).translate(_PHONE_CHARS)
    if phone.startswith("+86"):
        phone = phone[3:]
    if not (7 <= len(phone) <= 15 and phone.isascii() and phone.isdigit()):
        errors.append(
            Notice(
                "applicant_phone_invalid",
                "申请人联系电话格式不正确：手机号为 11 位数字，固定电话须带区号（如 0833-2123456），请核对后重新输入。",
                "applicant.phone",
            )
        )
        return None
    return phone


def _applicant(
    item: CatalogItem, raw: ApplicantInput, today: date, errors: list[Notice], warnings: list[Notice]
) -> tuple[Applicant | None, Identified]:
    kind = raw.kind or item.applicant
    if kind is not item.applicant:
        wanted = (
            "个人（填写公民身份号码）"
            if item.applicant is ApplicantKind.PERSON
            else "单位（填写统一社会信用代码）"
        )
        errors.append(
            Notice("applicant_kind_mismatch", f"本事项的申请人应为{wanted}：请改填申请人信息。", "applicant")
        )
        return None, Identified()
    name = clean_text(raw.name or "")
    if not name or len(name) > 100:
        errors.append(
            Notice(
                "applicant_name_invalid",
                "请填写申请人姓名（单位填写全称），与证件一致，不超过 100 字。",
                "applicant.name",
            )
        )
    identified = identify(kind, raw.id_number, raw.uscc, today=today)
    _sorted(identified.problems, errors, warnings, "申请人" if kind is ApplicantKind.PERSON else "申请单位")
    phone = _phone(raw.phone, errors)
    if errors:
        return None, identified
    resident, unit = identified.person, identified.unit
    try:
        applicant = Applicant(
            kind=kind,
            name=name,
            id_number=resident.number if resident else None,
            uscc=unit.code if unit else None,
            phone=phone,
        )
    except ValidationError:
        errors.append(
            Notice("applicant_invalid", "申请人信息不完整或格式不正确：请核对后重新填写。", "applicant")
        )
        return None, identified
    return applicant, identified


def check_scans(item: CatalogItem, scans: Sequence[ScanMeta], errors: list[Notice]) -> None:
    codes = {m.code: m.name for m in item.materials}
    for scan in scans:
        name = codes.get(scan.material_code, scan.material_code)
        if scan.media_type not in ALLOWED_MEDIA_TYPES:
            errors.append(
                Notice(
                    "attachment_bad_type",
                    f"“{name}”的扫描件格式不支持：请扫描为 JPG、PNG 或 PDF 后重新添加。",
                )
            )
        if not 0 < scan.size <= MAX_ATTACHMENT_BYTES:
            errors.append(
                Notice(
                    "attachment_too_large",
                    f"“{name}”的扫描件为空或超过 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB："
                    "请降低扫描分辨率或分页扫描后重新添加。",
                )
            )


def _materials(item: CatalogItem, provided: Collection[str], errors: list[Notice]) -> tuple[str, ...]:
    known = [m.code for m in item.materials]
    unknown = sorted(set(provided) - set(known))
    if unknown:
        errors.append(
            Notice(
                "material_unknown",
                f"材料编码 {'、'.join(unknown)} 不属于本事项：请按本事项的材料清单勾选。",
                "materials",
            )
        )
    return tuple(code for code in known if code in provided)


def _fee(check: CaseCheck, errors: list[Notice]) -> FeeSummary | None:
    if check.fee_error is not None:
        exc = check.fee_error
        errors.append(Notice(exc.code, exc.message, exc.detail.get("field")))
    return None if check.fee is None else FeeSummary.of(check.fee)


def promised_due(item: CatalogItem, today: date, calendar: WorkdayCalendar) -> DueDate | None:
    """The promised completion date of a complex item, counted as the server counts its due
    date (provisional, 暂定, for a year whose notice is not loaded); None for a general
    item, or a year outside the calendar's range."""
    return time_limit_due(item, today, calendar) if item.tier is Tier.COMPLEX else None


def promised_date(item: CatalogItem, today: date, calendar: WorkdayCalendar) -> date | None:
    """:func:`promised_due`'s day."""
    due = promised_due(item, today, calendar)
    return None if due is None else due.day


def _refusal(item: CatalogItem, errors: list[Notice], missing: list[Material]) -> IntakeRefused:
    lines = [e.message for e in errors]
    if missing:
        names = "、".join(m.name for m in missing)
        lines.append(f"还缺 {len(missing)} 项材料：{names}。请将一次性告知单交给申请人，材料备齐后再办理。")
    code = errors[0].code if errors else "materials_missing"
    notice = notice_text(item, missing) if missing else None
    return IntakeRefused(code, "\n".join(lines), errors, missing, notice)


def check_intake(
    item: CatalogItem,
    applicant: ApplicantInput,
    form: Mapping[str, object],
    materials_provided: Collection[str],
    scans: Sequence[ScanMeta] = (),
    *,
    today: date,
    rates: RateBook,
    calendar: WorkdayCalendar,
    enrolled: Collection[InsuranceType] | None = None,
) -> CheckedIntake:
    """Everything the case will hold, or IntakeRefused listing every problem at once.

    ``enrolled``: the schemes the registry slice holds for the applicant (not stopped),
    None when the slice does not know them.
    """
    errors: list[Notice] = []
    warnings: list[Notice] = []
    who, identified = _applicant(item, applicant, today, errors, warnings)
    # The desk's own checks come first: with any error among them the fee is not worked out.
    desk: list[Notice] = []
    check_scans(item, scans, desk)
    provided = set(materials_provided) | {s.material_code for s in scans}
    materials = _materials(item, provided, desk)
    check = check_case(
        item, form, provided, identified=identified, today=today, rates=rates, enrolled=enrolled,
        fill_derived=True, with_fee=not (errors or desk),
    )  # fmt: skip
    _sorted(check.form_problems + check.eligibility_problems, errors, warnings)
    errors += desk
    fee = _fee(check, errors)
    if errors or check.missing or who is None:
        raise _refusal(item, errors, list(check.missing))
    promised = promised_due(item, today, calendar)
    if item.tier is Tier.COMPLEX and promised is None:
        warnings.append(Notice("promised_date_pending", PROMISED_PENDING))
    return CheckedIntake(item, who, identified.person, check.values, materials, fee,
                         promised.day if promised else None, tuple(warnings),
                         promised_provisional=bool(promised and promised.provisional))  # fmt: skip
