"""What form validation reports: problems with stable ``form_*`` codes and Chinese messages.

Every ``form_*`` code has one message template in :data:`FORM_ERROR_MESSAGES` (a test
keeps the table and :data:`FormErrorCode` in step). Identifier problems keep the codes
and messages of :mod:`schema.identifiers` (``id_*``, ``uscc_*``). A problem's severity
follows from its code: warnings (:data:`WARNING_CODES`) let the clerk go on after
checking; errors must be fixed first.
"""

from __future__ import annotations

from typing import Literal

from schema.catalog.models import FormField, FormValue, FrozenModel

Severity = Literal["error", "warning"]

FormErrorCode = Literal[
    "form_required",
    "form_unknown_field",
    "form_bad_value",
    "form_not_a_number",
    "form_bad_money",
    "form_out_of_range",
    "form_bad_date",
    "form_bad_month",
    "form_date_in_future",
    "form_date_too_old",
    "form_bad_choice",
    "form_not_a_boolean",
    "form_too_long",
    "form_too_short",
    "form_bad_format",
    "form_bad_phone",
    "form_bank_account_digits",
    "form_bad_bank_account",
    "form_bad_division",
    "form_age_out_of_range",
    "form_period_reversed",
    "form_period_too_long",
]

FORM_ERROR_MESSAGES: dict[str, str] = {
    "form_required": "“{label}”必须填写：请向申请人询问后补填。",
    "form_unknown_field": "“{label}”不是本事项表单中的项目：请刷新业务目录后重新填写，或删去该项。",
    "form_bad_value": "“{label}”的内容无法识别：请清空后重新输入。",
    "form_not_a_number": "“{label}”应填写{expected}：请删去其他字符后重新输入。",
    "form_bad_money": "“{label}”不是有效金额：{detail}",
    "form_out_of_range": "“{label}”应{bound}：请核对后重新输入。",
    "form_bad_date": "“{label}”不是有效日期：请按“2025-03-01”的格式输入年、月、日。",
    "form_bad_month": "“{label}”不是有效年月：请按“2025-03”的格式输入年份和月份。",
    "form_date_in_future": "“{label}”不能晚于{limit}：请核对；若无误，请检查本机日期是否正确。",
    "form_date_too_old": (
        "“{label}”距今已超过{days}日，可能已过申请时限：请向申请人核实，并在受理意见中写明原因。"
    ),
    "form_bad_choice": "“{label}”只能从以下选项中选择：{options}。请重新选择。",
    "form_not_a_boolean": "“{label}”只能填“是”或“否”：请重新选择。",
    "form_too_long": "“{label}”最多{max_length}个字，现有{length}个：请精简后重新输入。",
    "form_too_short": "“{label}”至少要{min_length}个字：请填写完整。",
    "form_bad_format": "“{label}”格式不对，应为{hint}：请核对后重新输入。",
    "form_bad_phone": (
        "“{label}”不是有效的电话号码：手机号为 1 开头的 11 位数字，固定电话须带区号"
        "（如 0833-2123456）。请核对后重新输入。"
    ),
    "form_bank_account_digits": "“{label}”应为 12–19 位数字：请对照银行卡或存折逐位核对后重新输入。",
    "form_bad_bank_account": (
        "“{label}”未通过银行卡号校验，可能有一位录错：请对照银行卡逐位核对；"
        "存折账号可能不适用此校验，核对无误可继续办理。"
    ),
    "form_bad_division": "“{label}”不是乐山市的区县或乡镇（街道）：请从区划列表中选择。",
    "form_age_out_of_range": "{label}今天{age}周岁，本事项要求{bound}：请核对身份号码，或改办其他事项。",
    "form_period_reversed": "“{label}”早于“{start_label}”：请核对起止时间。",
    "form_period_too_long": "“{label}”与起始时间相隔{months}个月，一次最多办理{max_months}个月：请分次办理。",
}

WARNING_CODES = frozenset({"form_date_too_old", "form_bad_bank_account", "uscc_bad_check_digit"})


class Problem(FrozenModel):
    """One thing wrong (or worth checking) in a form."""

    field: str  # the form field's name; "applicant" for the applicant's own age
    code: str
    message: str
    severity: Severity


class FormResult(FrozenModel):
    """Normalised values and every problem found; ``ok`` when no problem is an error."""

    values: dict[str, FormValue]
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")


def form_problem(field: str, label: str, code: FormErrorCode, **params: object) -> Problem:
    """A ``form_*`` problem, its message filled from the template."""
    return Problem(
        field=field,
        code=code,
        message=FORM_ERROR_MESSAGES[code].format(label=label, **params),
        severity="warning" if code in WARNING_CODES else "error",
    )


def problem(f: FormField, code: FormErrorCode, **params: object) -> Problem:
    """A ``form_*`` problem on the form field ``f``."""
    return form_problem(f.name, f.label, code, **params)


def passed_through(f: FormField, code: str, message: str) -> Problem:
    """A problem reported by another part of the contract (identifiers), kept as it is."""
    return Problem(
        field=f.name, code=code, message=message, severity="warning" if code in WARNING_CODES else "error"
    )
