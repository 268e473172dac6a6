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
    # 日结存款对账 (services/finance/deposits.py) and 缴费通知单 (services/finance/notices.py)
    "deposit_not_finance": (
        "日结存款对账",
        "只有基金财务经办或复核能导入银行文件、登记存款账号：请用基金财务账号操作。",
    ),
    "deposit_file_invalid": (
        "日结存款对账",
        "存款到账文件有 {count} 处错误，整份文件未导入：请按所列行号向银行核对，取得正确文件后重新导入。",
    ),
    "deposit_file_header_invalid": (
        "日结存款对账",
        "存款到账文件首行应为 H,SSB-DEP-1,开户银行,收款账号：请向银行索取规定格式的文件。",
    ),
    "deposit_line_malformed": (
        "日结存款对账",
        "存款明细行格式不对（流水号、入账日期、金额）：消息写明行号，请向银行核对。",
    ),
    "deposit_line_duplicate": ("日结存款对账", "同一银行流水号在文件中出现两次：请向银行核对。"),
    "deposit_trailer_mismatch": (
        "日结存款对账",
        "存款到账文件缺少尾行，或尾行的笔数、合计金额与明细不符：请向银行核对。",
    ),
    "deposit_station_unknown": (
        "日结存款对账",
        "没有服务站 {station}：请核对服务站编码（如 511102004-00）。",
    ),
    "deposit_account_invalid": ("日结存款对账", "存款账号应为 6–40 位数字：请核对后重新输入。"),
    "deposit_account_taken": (
        "日结存款对账",
        "账号 {account} 已登记为服务站 {station} 的存款账号：一个账号只能属于一个服务站，请核对。",
    ),
    "payment_reference_invalid": (
        "缴费通知单",
        "缴费参考号应为 22 位数字（通知单上每 4 位一组）：请核对后重新输入。",
    ),
    "payment_reference_check_failed": (
        "缴费通知单",
        "缴费参考号校验位不符，可能抄错了某一位：请按通知单逐位核对。",
    ),
    "notice_person_unknown": ("缴费通知单", "库中没有身份证号为 {id_number} 的人员：请核对身份证号。"),
    "notice_not_enrolled": (
        "缴费通知单",
        "该人员没有有效的灵活就业人员养老保险参保登记：请先办理 G12 参保登记，再开具缴费通知单。",
    ),
    "notice_item_invalid": ("缴费通知单", "缴费通知单只用于灵活就业人员缴费（G12、G14）：请选择其中一项。"),
    "notice_missing": ("缴费通知单", "没有缴费参考号为 {reference} 的缴费通知单：请核对通知单上的参考号。"),
    "notice_not_open": ("缴费通知单", "缴费通知单 {reference} 已缴费或已作废，不能作废：请核对。"),
    "notice_file_invalid": (
        "缴费通知单",
        "银行缴费确认文件有 {count} 处格式错误，整份文件未导入：请按所列行号向银行核对，取得正确文件后重新导入。",
    ),
    "notice_file_header_invalid": (
        "缴费通知单",
        "缴费确认文件首行应为 H,SSB-NOTICE-1,银行名称：请向银行索取规定格式的文件。",
    ),
    "notice_line_malformed": (
        "缴费通知单",
        "缴费确认明细行格式不对（流水号、参考号、金额、缴费日期）：消息写明行号，请向银行核对。",
    ),
    "notice_trailer_mismatch": (
        "缴费通知单",
        "缴费确认文件缺少尾行，或尾行的笔数、合计金额与明细不符：请向银行核对。",
    ),
    "notice_reference_unknown": (
        "缴费通知单",
        "银行回传的缴费参考号不存在或校验位不符：该笔款项未入账，请联系银行核对后处理。",
    ),
    "notice_amount_mismatch": (
        "缴费通知单",
        "银行到账金额与通知单金额不符：该笔款项未入账，请联系银行核对或办理退款。",
    ),
    "notice_already_paid": (
        "缴费通知单",
        "该通知单已由另一笔银行流水缴清（重复缴费）：该笔款项未入账，请办理退款。",
    ),
    "notice_cancelled": (
        "缴费通知单",
        "该通知单已作废：该笔款项未入账，请联系缴费人办理退款或重新开具通知单。",
    ),
}
