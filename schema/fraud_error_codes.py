"""Codes of the data exchange with other departments and of the 稽核 cases (部门协同防欺诈).

A department's file is checked row by row: each rejected row is reported with its line and
one of the ``exchange_row_*`` codes, and the file's other rows are imported. A whole file is
refused only with an ``exchange_file_*`` code. ``fraud_case_*`` codes answer the 稽核
console and ``sync-server exchange``. Gathered by :mod:`schema.error_codes` for README.
"""

from __future__ import annotations

_EXCHANGE = "部门数据交换"
_AUDIT = "稽核"

FRAUD_ERROR_CODES: dict[str, tuple[str, str]] = {
    "exchange_source_unknown": (
        _EXCHANGE,
        "数据来源不对：--source 只能是 death（死亡）、cremation（火化）、prison（服刑）、marriage（婚姻）之一。",
    ),
    "exchange_file_unreadable": (
        _EXCHANGE,
        "文件无法读取或不是 UTF-8 编码的 CSV：请让报送部门按 docs/fraud_checks.md 的格式重新导出。",
    ),
    "exchange_file_header": (
        _EXCHANGE,
        "文件首行（表头）与所选数据来源的格式不符：消息列出应有的列名；请确认 --source 选对了，或让报送部门按格式重新导出。",
    ),
    "exchange_file_empty": (_EXCHANGE, "文件除表头外没有数据行：请向报送部门核实后再导入。"),
    "exchange_row_columns": (_EXCHANGE, "该行的列数与表头不符：请报送部门核对该行是否多了或少了逗号。"),
    "exchange_row_id_invalid": (
        _EXCHANGE,
        "该行的公民身份号码无效（位数或校验位不对）：请报送部门核对后在下一批文件中更正。",
    ),
    "exchange_row_name_missing": (_EXCHANGE, "该行没有姓名：请报送部门补全后在下一批文件中报送。"),
    "exchange_row_date_invalid": (
        _EXCHANGE,
        "该行的日期无法识别：日期应写作 2026-03-15；请报送部门更正后在下一批文件中报送。",
    ),
    "exchange_row_date_future": (_EXCHANGE, "该行的日期晚于导入当天：请报送部门核对日期。"),
    "exchange_row_kind_invalid": (
        _EXCHANGE,
        "该行的登记类型无法识别：婚姻登记类型只能是“结婚”或“离婚”；请报送部门更正。",
    ),
    "exchange_row_duplicate": (_EXCHANGE, "同一人同一事件在文件中重复出现：只导入第一行，重复行不导入。"),
    "fraud_case_not_found": (_AUDIT, "没有这个稽核案件：请从稽核案件列表重新打开。"),
    "fraud_case_decided": (
        _AUDIT,
        "该稽核案件已经处理过（已确认或已排除），不能再次处理：请刷新页面查看处理结果。",
    ),
    "fraud_reason_missing": (_AUDIT, "排除疑点必须写明理由：请填写核实情况后再提交。"),
    "fraud_amount_invalid": (_AUDIT, "追回金额无法识别：请输入不小于 0 的金额，精确到分，例如 2856.40。"),
}
