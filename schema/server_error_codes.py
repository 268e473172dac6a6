"""Codes the sync server's own command line and administration services report (data
directory, database, init, serve, seed, staff accounts, stations), and the problem codes
its checks of a pushed case put inside ``op_validation_failed``.

They reach a person as ``错误（code）：…`` from ``sync-server`` or as a console message;
the messages carry the values involved, so what each says is described here for
README's table (gathered by :mod:`schema.error_codes`). The HTTP API's codes are in
:mod:`schema.api_errors`.
"""

from __future__ import annotations

SERVER_ERROR_CODES: dict[str, tuple[str, str]] = {
    # data directory and database
    "data_dir_missing": (
        "服务器命令",
        "未指定数据目录。请加上 --data-dir 目录，或设置环境变量 SSB_DATA_DIR。",
    ),
    "database_missing": (
        "服务器命令",
        "数据库文件不存在。请检查数据目录是否正确，或先运行 `sync-server init`。",
    ),
    "database_url_invalid": (
        "服务器命令",
        "数据库地址无效。请使用 postgresql://用户@主机/库名 或 sqlite:///文件路径。",
    ),
    "database_unreachable": ("服务器命令", "无法连接数据库。请确认数据库已启动、地址和账号正确后重试。"),
    "database_not_migrated": ("服务器命令", "数据库结构不是最新版本。请先运行 `sync-server db upgrade`。"),
    # backup (sync-server backup)
    "backup_target_exists": ("服务器命令", "备份文件已存在。请换一个文件名，旧备份不会被覆盖。"),
    "backup_corrupt": ("服务器命令", "备份副本校验未通过。请检查磁盘后重试。"),
    "backup_tool_missing": (
        "服务器命令",
        "找不到 pg_dump。请安装 PostgreSQL 客户端（Debian：apt install postgresql-client）后重试。",
    ),
    "backup_failed": ("服务器命令", "pg_dump 未能完成备份。请检查数据库连接后重试。"),
    # init, serve, seed-demo
    "init_host_invalid": (
        "服务器命令",
        "主机名无效。--host 须为域名（如 sbj.leshan.gov.cn）或 IP 地址（如 10.1.2.3）。",
    ),
    "init_already_initialised": (
        "服务器命令",
        "数据目录已经初始化过，不会覆盖（覆盖会让各服务站固定信任的根证书失效）。如确需重建，请换一个新目录。",
    ),
    "init_data_dir_unusable": ("服务器命令", "无法创建数据目录。请检查路径和权限。"),
    "init_database_in_use": (
        "服务器命令",
        "该数据库已被另一个数据目录初始化。为同一数据库增加服务器请复制原数据目录，不要重新 init；否则请换一个空数据库。",
    ),
    "serve_tls_missing": (
        "服务器命令",
        "找不到服务器证书或私钥。请确认数据目录正确；证书由 `sync-server init` 生成。",
    ),
    "serve_tls_invalid": (
        "服务器命令",
        "服务器证书或私钥无法使用。请确认 tls/ 目录中的文件未被改动，必要时从备份恢复。",
    ),
    "serve_workers_failed": (
        "服务器命令",
        "服务进程未能启动。请查看上面的错误信息；常见原因是端口已被占用。",
    ),
    "seed_database_not_empty": (
        "服务器命令",
        "数据库中已有人员，seed-demo 只用于空数据库。请另建一个数据目录（sync-server init）后再运行。",
    ),
    # staff accounts
    "staff_username_invalid": (
        "人员账号",
        "用户名不符合要求：须为 3–32 位小写字母、数字或 . _ -。请修改后重试。",
    ),
    "staff_role_invalid": ("人员账号", "角色不存在：消息列出可选的角色，请从中选择。"),
    "staff_section_invalid": ("人员账号", "科室不存在：消息列出可选的科室，请从中选择。"),
    "staff_needs_station": (
        "人员账号",
        "前台综合柜员属于服务站：请指定所属服务站（命令行用 --station），不要指定科室。",
    ),
    "staff_needs_section": (
        "人员账号",
        "后台审核员和科室负责人属于科室：请指定所属科室（命令行用 --section），不要指定服务站。",
    ),
    "staff_no_placement": (
        "人员账号",
        "该角色不属于服务站或科室：请不要指定服务站（--station）或科室（--section）。",
    ),
    "staff_not_found": ("人员账号", "找不到该账号。请用 `sync-server staff list` 查看已有账号。"),
    "staff_station_revoked": ("人员账号", "服务站已注销，不能再添加柜员。请先为该站重新发放注册码。"),
    "staff_display_name_invalid": ("人员账号", "显示名为空或过长。请给出不超过 64 个字的姓名，如「张丽」。"),
    "staff_exists": ("人员账号", "账号已存在。请换一个用户名，或重置该账号的密码。"),
    "staff_unchanged": ("人员账号", "账号的状态、角色或所属单位未改变，无需重复操作。"),
    "staff_last_admin": (
        "人员账号",
        "这是最后一个可用的系统管理员账号，不能停用或改为其他角色。请先添加另一个管理员。",
    ),
    # the records of the one database (person show, unit show, the console person page)
    "person_not_found": (
        "参保人信息",
        "参保登记库中没有该身份证号码的人员。请核对号码（18 位，末位可为 X）；新参保人员须先办理参保登记。",
    ),
    "person_search_empty": (
        "参保人信息",
        "请填写身份证号码，或同时填写姓名和户籍所在乡镇（街道）后再查询。",
    ),
    "unit_not_found": (
        "参保人信息",
        "参保登记库中没有该统一社会信用代码的单位。请核对代码（18 位）；新单位须先办理单位参保登记（C001）。",
    ),
    # problems inside op_validation_failed (detail.problems[].code), beside the form_* codes
    "tier_mismatch": ("上报校验", "上报的业务类别（一般/复杂）与事项目录不符：请同步事项目录后重新办理。"),
    "case_number_station": ("上报校验", "案件编号中的服务站编码与本站不符：请检查本机的服务站设置。"),
    "material_missing": ("上报校验", "缺少必交材料：消息写明缺少哪一项，请收齐后重新提交。"),
    "case_exists": ("上报校验", "案件编号或案件标识已在服务器登记过：请核对是否重复受理。"),
    "case_id_refused": (
        "上报校验",
        "本案件的案件标识无法使用：请在本机重新受理该业务（会生成新的标识）；如反复出现，请联系综合业务科。",
    ),
    "fee_fields_fixed": (
        "上报校验",
        "已收费案件的缴费项目（基数、期间、档次、年度）不能通过补正修改：请撤回本案后重新受理。",
    ),
    # the fund's journal and month close (sync-server journal / month, the 基金财务 page)
    "month_invalid": ("月结", "月份格式应为 YYYY-MM（如 2025-03）：请重新输入。"),
    "month_already_closed": ("月结", "该月已经月结，不能重复月结；之后的入账记到下一个未结月份。"),
    "month_not_ended": ("月结", "该月尚未结束，不能月结：请在下月再办理。"),
    "month_not_balanced": (
        "月结",
        "试算不平衡（消息写明哪个基金借贷不等），不能月结：请联系系统管理员核查分录后再月结。",
    ),
    "month_plan_unlocked": (
        "月结",
        "本月的征缴计划或支付计划尚未锁定，不能月结：请先复核并锁定计划（支付计划导出银行文件即锁定）。",
    ),
    "collection_plan_missing": (
        "月结",
        "该月还没有征缴计划，无法锁定：请先生成征缴计划（sync-server plans collect）。",
    ),
    "collection_plan_locked": (
        "征缴计划",
        "该月征缴计划已锁定（已复核），不能重新生成：如记录确有变化，请由基金财务科负责人解锁后再生成。",
    ),
    # stations
    "station_division_not_township": (
        "服务站",
        "给出的区划不是乡镇（街道）。服务站设在乡镇（街道），请给出 9 位乡镇（街道）代码或名称，如 511102004 或 大佛街道。",
    ),
    "station_not_found": (
        "服务站",
        "找不到该服务站。请用 `sync-server station list` 查看已登记的服务站编码。",
    ),
    "station_points_full": (
        "服务站",
        "该乡镇（街道）的 100 个站点号（00–99）都已使用。请注销不用的站点后重新分配。",
    ),
    "station_name_invalid": (
        "服务站",
        "服务站名称为空或过长。请给出不超过 100 个字的名称，如「市中区大佛街道社保所」。",
    ),
    "station_exists": (
        "服务站",
        "服务站已存在。请换一个站点号，或不指定 --point 由系统分配下一个空闲站点号。",
    ),
    "station_already_revoked": (
        "服务站",
        "服务站已经注销，无需再次注销。如要在新电脑上恢复该站，请用 `sync-server station new-code` 发放新的注册码。",
    ),
    "station_phone_invalid": (
        "服务站",
        "联系电话不是有效的电话号码。请给出一个号码，如 0833-2123456（固定电话带区号）或 13812345678（手机）。",
    ),
    "station_address_invalid": (
        "服务站",
        "服务站地址过长。请精简到 200 个字以内后重新设置。",
    ),
    "station_contact_missing": (
        "服务站",
        "没有给出要设置的内容：请用 --phone 给出联系电话，或用 --address 给出地址（给空字符串则清除）。",
    ),
    # receipt stock (票据号段: sync-server receipts allocate)
    "receipt_series_invalid": (
        "票据号段",
        "票据代码不对：应为财政部门印制在收据上的 8 位数字，如 51110026。",
    ),
    "receipt_range_invalid": (
        "票据号段",
        "号段给法不对：用 --first/--last 给出起止号（1 至 99999999，起始号不大于终止号，一次最多 100000 张），"
        "或用 --count 给出张数。",
    ),
    "receipt_range_overlap": (
        "票据号段",
        "号段与已分配给某服务站的号段重叠（消息写明是哪个服务站的哪一段）：同一号码只能分给一个服务站，请改用其后的号码。",
    ),
    "receipt_station_revoked": (
        "票据号段",
        "该服务站已注销，不能再分配票据号段：请先重新登记该服务站。",
    ),
    # statistics (统计月报)
    "stats_directory_missing": (
        "统计报表",
        "输出目录不存在。请先建立该目录，或换一个输出位置。",
    ),
    # audit checkpoints (sync-server audit checkpoint / verify)
    "audit_anchor_unusable": (
        "审计日志",
        "审计检查点密钥、检查点文件或工作站数据无法使用（消息写明是哪个文件、哪一行）：请从单独保存的备份恢复密钥，或改用运到别处保存的完好检查点文件。",
    ),
}
