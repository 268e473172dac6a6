"""Every error code the system reports, in one table.

Each module keeps its own codes next to the code that raises them (identifiers, divisions,
catalog forms, lifecycle, money and fees, working days, the API); codes raised by the
station client and the server's commands are described in :mod:`schema.station_error_codes`
and :mod:`schema.server_error_codes`. This module gathers them
so README can list them and a test can keep README and code in step. Codes never change
meaning once released. ``python -m schema.error_codes`` prints README's table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from schema.api_errors import API_ERROR_MESSAGES, API_ERROR_STATUS
from schema.benefit_rates import BENEFIT_ERROR_MESSAGES
from schema.catalog.data_errors import CATALOG_DATA_ERROR_MESSAGES
from schema.catalog.effects import EFFECT_ERROR_MESSAGES
from schema.catalog.problems import FORM_ERROR_MESSAGES
from schema.divisions import DIVISION_ERROR_MESSAGES
from schema.document_seal import SEAL_ERROR_MESSAGES
from schema.eligibility import ELIGIBILITY_ERROR_MESSAGES
from schema.fraud_error_codes import FRAUD_ERROR_CODES
from schema.holiday_schedule import HOLIDAY_ERROR_MESSAGES
from schema.identifiers import ID_ERROR_MESSAGES, USCC_ERROR_MESSAGES
from schema.lifecycle import LIFECYCLE_ERROR_MESSAGES
from schema.passwords import PASSWORD_ERROR_MESSAGES
from schema.payment_error_codes import PAYMENT_ERROR_CODES
from schema.retirement_checks import RETIREMENT_ERROR_MESSAGES
from schema.server_error_codes import SERVER_ERROR_CODES
from schema.station_error_codes import STATION_ERROR_CODES


@dataclass(frozen=True)
class ErrorCodeInfo:
    code: str
    area: str
    message: str  # the Chinese message, or what it says when the message carries values
    http_status: int | None = None  # for API errors


# Codes whose messages are composed with the values involved (limits, dates, field names);
# what each says is described here.
_COMPOSED: dict[str, tuple[str, str]] = {
    "money_invalid": ("金额", "金额无法识别：请只输入数字和小数点，例如 1529.20。"),
    "money_negative": ("金额", "金额是负数：缴费金额不能为负，请重新输入。"),
    "money_too_many_decimals": ("金额", "金额最多精确到分（两位小数），请核对后重新输入。"),
    "fee_no_rates": ("缴费", "该期间没有适用的费率表或缴费基数上下限：请联系系统管理员载入费率表。"),
    "fee_base_out_of_range": ("缴费", "缴费基数超出该年度上下限：消息写明上下限，请在其间选择。"),
    "fee_period_reversed": ("缴费", "缴费起始月晚于截止月：请检查起止月份。"),
    "fee_period_too_long": ("缴费", "一次最多缴纳 36 个月：请分次缴纳。"),
    "fee_period_invalid": ("缴费", "年月格式不对：请按 2025-01 的格式输入。"),
    "fee_field_missing": ("缴费", "计算缴费所需的项目（基数、起止月、档次、年度）未填写。"),
    "fee_field_invalid": ("缴费", "计算缴费所需的项目无法识别：请输入整数或金额。"),
    "fee_grade_unknown": ("缴费", "缴费档次不在该年度档次表中：消息列出可选档次。"),
    "fee_risk_class_invalid": ("缴费", "工伤保险行业风险类别应为 1 至 8 类。"),
    "fee_insurance_unsupported": ("缴费", "费率表中没有该险种的费率：请选择其他险种或联系系统管理员。"),
    "fee_month_after_this_year": ("缴费", "窗口只能缴纳受理当年的月份：请把截止月改为本年 12 月或更早。"),
    "fee_month_of_past_year": (
        "缴费",
        "往年月份属于补缴，不在本事项中缴纳：请把起始月改为本年 1 月或更晚，往年欠缴另办补缴业务（C011、C012）。",
    ),
    "workday_no_calendar": (
        "工作日",
        "该年度超出节假日计算范围（1901–2099 年），无法按工作日计算期限：请核对受理日期是否正确。",
    ),
    "case_number_invalid": (
        "案件编号",
        "案件编号格式不对：应为 服务站编码-日期-序号，如 511102004-00-20261126-0007。",
    ),
    "case_counter_out_of_range": ("案件编号", "本站当日序号已用完（每日最多 9999 件）。"),
    "catalog_item_unknown": ("业务目录", "没有这个业务事项：请按名称、编码或拼音首字母重新查找。"),
    "catalog_invalid": ("业务目录", "业务目录数据不完整或格式错误：请联系系统管理员重新下发业务目录。"),
    "settings_missing": ("服务器配置", "数据目录尚未初始化：请先运行 sync-server init。"),
    "settings_unsafe_secret": ("服务器配置", "服务器密钥为空或过于简单：请用 sync-server init 生成。"),
    "not_ready": ("接口", "数据库不可用或未迁移到最新版本（/readyz 返回 503）。"),
}


@cache
def error_codes() -> dict[str, ErrorCodeInfo]:
    """Code → info for every code, sorted by area then code."""
    table: dict[str, ErrorCodeInfo] = {}

    statuses: dict[str, int] = dict(API_ERROR_STATUS.items())

    def add(area: str, messages: Iterable[tuple[str, str]]) -> None:
        for code, message in messages:
            table.setdefault(code, ErrorCodeInfo(code, area, message, statuses.get(code)))

    add("身份证号码", ID_ERROR_MESSAGES.items())
    add("统一社会信用代码", USCC_ERROR_MESSAGES.items())
    add("行政区划", DIVISION_ERROR_MESSAGES.items())
    add("业务表单", FORM_ERROR_MESSAGES.items())
    add("受理条件", ELIGIBILITY_ERROR_MESSAGES.items())
    add("退休条件", RETIREMENT_ERROR_MESSAGES.items())
    add("待遇计算", BENEFIT_ERROR_MESSAGES.items())
    add("案件流转", LIFECYCLE_ERROR_MESSAGES.items())
    add("记录生效", EFFECT_ERROR_MESSAGES.items())
    add("节假日安排", HOLIDAY_ERROR_MESSAGES.items())
    add("密码", PASSWORD_ERROR_MESSAGES.items())
    add("文件核验", SEAL_ERROR_MESSAGES.items())
    add("接口", API_ERROR_MESSAGES.items())
    add("业务目录", CATALOG_DATA_ERROR_MESSAGES.items())
    for code, (area, message) in (
        _COMPOSED | SERVER_ERROR_CODES | STATION_ERROR_CODES | FRAUD_ERROR_CODES | PAYMENT_ERROR_CODES
    ).items():
        table.setdefault(code, ErrorCodeInfo(code, area, message))
    return dict(sorted(table.items()))


def render_markdown_table() -> str:
    """README's error-code table."""
    rows = ["| code | HTTP | 范围 | 含义与处理 |", "|---|---|---|---|"]
    for info in error_codes().values():
        status = str(info.http_status) if info.http_status else ""
        message = info.message.replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{info.code}` | {status} | {info.area} | {message} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(render_markdown_table())
