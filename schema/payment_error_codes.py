"""Codes of the payment plan (支付计划) and the banks' files, gathered by :mod:`schema.error_codes`.

Code → (area, message). Messages with ``{month}`` or ``{count}`` are filled with the values
involved where they are raised (``sync_server.services.finance.payment``).
"""

from __future__ import annotations

PAYMENT_ERROR_CODES: dict[str, tuple[str, str]] = {
    "payment_plan_month_invalid": ("支付计划", "月份格式不对：请按 2026-01 的格式输入。"),
    "payment_plan_not_maker": (
        "支付计划",
        "只有基金财务经办（finance_maker）能编制支付计划：请用经办账号操作，或请系统管理员开通角色。",
    ),
    "payment_plan_not_checker": (
        "支付计划",
        "只有基金财务复核（finance_checker）能复核支付计划：请用复核账号操作，或请系统管理员开通角色。",
    ),
    "payment_plan_checker_is_maker": (
        "支付计划",
        "复核人不能是编制人（经办与复核须分离）：请由另一位基金财务复核人员复核。",
    ),
    "payment_plan_missing": (
        "支付计划",
        "{month} 的支付计划尚未编制：请经办先运行 `sync-server plans pay --month {month}`。",
    ),
    "payment_plan_locked": (
        "支付计划",
        "{month} 的支付计划已复核或已导出银行文件，不能重新编制或再次复核。银行退票请导入退票文件。",
    ),
    "payment_plan_not_approved": ("支付计划", "{month} 的支付计划尚未复核：请复核人员复核后再导出银行文件。"),
    "payment_plan_not_exported": (
        "支付计划",
        "{month} 的支付计划尚未导出银行文件，没有可退回的款项：请先导出。",
    ),
    "bank_file_dir_unusable": ("银行文件", "无法创建银行文件目录：请检查 --out 的路径和权限。"),
    "bank_file_unreadable": ("银行文件", "无法读取退票文件：请确认路径正确且为 UTF-8 编码的 CSV。"),
    "bank_return_invalid": (
        "银行文件",
        "退票文件有 {count} 处错误，未导入任何一行：请按逐行列出的行号和代码改正后重新导入。",
    ),
    "bank_return_line_malformed": (
        "银行文件",
        "退票文件该行格式不对：应为 R,明细序号,银行账号,金额,退票原因。",
    ),
    "bank_return_line_unknown": (
        "银行文件",
        "退票文件中的明细序号不在该月支付计划中：请核对银行退回的文件和月份。",
    ),
    "bank_return_line_duplicate": ("银行文件", "同一明细序号在退票文件中重复出现：请删除重复行。"),
    "bank_return_line_not_sent": ("银行文件", "该明细未发出或已退回过，不能再退：请核对银行文件。"),
    "bank_return_account_mismatch": ("银行文件", "退票行的银行账号与代发文件不一致：请核对银行退回的文件。"),
    "bank_return_amount_mismatch": ("银行文件", "退票行的金额与代发文件不一致：请核对银行退回的文件。"),
    "bank_return_trailer_missing": (
        "银行文件",
        "退票文件缺少尾行 T（月份、银行、笔数、合计金额）：请向银行索取完整文件。",
    ),
    "bank_return_trailer_mismatch": (
        "银行文件",
        "退票文件尾行的月份、笔数或合计金额与明细不符：请向银行核对。",
    ),
}
