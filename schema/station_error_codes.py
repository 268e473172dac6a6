"""Codes the station client reports: login, intake checks, the desk's services, sync and
its own command line.

The station raises them with messages that carry the values involved (a username, a
file, a number of minutes); what each says and what to do is described here, for
README's table (gathered by :mod:`schema.error_codes`). Kept in ``schema`` because the
table is the contract; ``station_client`` must not be imported from here.
"""

from __future__ import annotations

STATION_ERROR_CODES: dict[str, tuple[str, str]] = {
    # logging in on the station PC
    "login_unknown_user": (
        "工作站登录",
        "账号不在本服务站的人员名单中：请核对用户名；新开账号请先联网同步后再登录。",
    ),
    "login_disabled": ("工作站登录", "该账号已停用，不能登录：如有疑问请联系综合业务科。"),
    "login_locked": (
        "工作站登录",
        "连续输错密码次数过多，账号已暂时锁定：消息写明几分钟后可再试，或联系综合业务科重置密码。",
    ),
    "login_wrong_password": ("工作站登录", "密码不正确：请重新输入；消息写明再错几次将锁定账号。"),
    "login_needs_key": (
        "工作站登录",
        "本机尚未保存该账号的数据密钥（首次在本机登录，或密码已在服务器重置）："
        "请输入本服务站注册时打印、由站长保管的恢复密钥（形如 ABCD-EFGH-…），只需这一次；"
        "或由已在本机登录过的柜员登录后切换到本账号。",
    ),
    "login_no_recovery_wrap": ("工作站登录", "本机没有恢复密钥记录：请联系综合业务科重新注册本服务站。"),
    "login_wrong_recovery_key": (
        "工作站登录",
        "恢复密钥不正确：请对照注册时打印的恢复密钥逐位核对后重新输入。",
    ),
    "session_locked": ("工作站登录", "工作站已锁定（长时间未操作）：请重新输入密码解锁后继续办理。"),
    "credential_wrong": ("工作站登录", "密码或恢复密钥无法解开本机数据：请核对后重新输入。"),
    # checks before a case is accepted (also shown as notices on the form)
    "applicant_invalid": ("受理检查", "申请人信息不完整或格式不正确：请核对后重新填写。"),
    "applicant_kind_mismatch": ("受理检查", "申请人类型与本事项不符（个人或单位）：请改填申请人信息。"),
    "applicant_name_invalid": ("受理检查", "请填写申请人姓名（单位填写全称），与证件一致，不超过 100 字。"),
    "applicant_name_mismatch": (
        "受理检查",
        "申请人姓名与参保登记信息不一致：请核对证件；如需更正姓名，请另办关键信息变更。",
    ),
    "death_benefits_in_payment": (
        "受理检查",
        "提示（不影响受理）：逝者仍在领取待遇，登记核准后停发，死亡次月起已发放的待遇由市局追回：请告知报告人。",
    ),
    "applicant_phone_invalid": (
        "受理检查",
        "申请人联系电话格式不正确：手机号为 11 位数字，固定电话须带区号（如 0833-2123456），请核对后重新输入。",
    ),
    "materials_missing": (
        "受理检查",
        "材料不齐：消息列出还缺的材料，并给出一次性告知单，请一次告知申请人补齐后再办理。",
    ),
    "material_unknown": ("受理检查", "所勾选的材料编码不属于本事项：请按本事项的材料清单勾选。"),
    "promised_date_pending": (
        "受理检查",
        "承诺办结日期待定：该年度的法定节假日安排尚未录入，暂无法按工作日计算；可照常受理，回执注明待定。",
    ),
    # the desk's services
    "intake_not_clerk": ("本站业务", "只有前台综合柜员可以受理业务：请用柜员账号登录后办理。"),
    "intake_invalid": (
        "本站业务",
        "业务数据未通过格式校验，未保存：请核对填写内容后重试；如仍不成功请联系综合业务科。",
    ),
    "case_not_found": ("本站业务", "本机没有这件业务：请刷新“本站业务”列表后重新选择，或核对受理编号。"),
    "case_not_returned": ("本站业务", "这件业务尚未收到退回补正通知，无需补正：请联网同步后查看最新状态。"),
    "supplement_unchanged": (
        "本站业务",
        "补正内容与退回前完全相同，未保存：请按退回原因更正表单、重新勾选已收到的材料或添加扫描件后再保存。",
    ),
    "case_no_decision": ("本站业务", "这件业务还没有收到市局的审核决定，不能办理领取：请联网同步后再查看。"),
    "case_already_handed_over": ("本站业务", "这件业务的审核决定已交付申请人，无需重复登记。"),
    "withdraw_reason_missing": ("本站业务", "请填写撤回原因（如“申请人主动撤回”）后再提交。"),
    "op_not_set_aside": ("本站业务", "这笔业务已不在“被退回待更正”的状态：请刷新“同步问题”列表后再处理。"),
    "op_not_resendable": (
        "本站业务",
        "这笔被退回的业务不能原样重新上报：请按“同步问题”中给出的处理办法更正。",
    ),
    "notice_not_available": (
        "本站业务",
        "这件业务现在没有可打印的告知书：补正告知书在退回补正后、办结通知书在核准或不予核准后才能打印；请联网同步后再查看。",
    ),
    "receipt_not_found": ("本站业务", "本机没有该编号的回执或收据：请核对编号后重试。"),
    # the receipt stock (票据号段) and voids (作废收据)
    "receipt_stock_empty": (
        "票据号段",
        "本站的缴费收据号码已用完，不能收取现金，业务未保存：请立即联系市社保局申请新的票据号段，分配后联网同步即可继续收费。",
    ),
    "receipt_stock_low": (
        "票据号段",
        "（提示）本站缴费收据号码所剩不多（少于 50 张，消息写明张数）：请尽快联系市社保局申请新的票据号段。",
    ),
    "receipt_not_voidable": (
        "票据号段",
        "只有按票据号段开具的缴费收据可以作废；办结单、受理回执和启用号段前开具的收据不能作废。业务办错请按撤回或更正办理。",
    ),
    "receipt_already_voided": ("票据号段", "这张收据已经作废，无需再次作废。"),
    "receipt_void_closed": (
        "票据号段",
        "这张收据已计入日结，不能再作废：如确需处理，请报综合业务科按退费办理。",
    ),
    "receipt_void_reason_missing": (
        "票据号段",
        "没有写作废原因，或原因超过 200 个字：请写明原因，如「打印错误」「卡纸」「金额有误已退款」。",
    ),
    "receipt_void_witness_missing": (
        "票据号段",
        "作废收据须由另一名工作人员复核：请输入复核人的用户名和密码。",
    ),
    "receipt_void_same_clerk": (
        "票据号段",
        "复核人不能是当前登录的柜员本人：请另一名本站工作人员输入其用户名和密码。",
    ),
    "receipt_voided": ("票据号段", "这张收据已作废，不能再打印：请打印换开的新收据。"),
    "station_key_missing": (
        "本站业务",
        "本机没有服务站密钥，回执无法加盖电子签章：请联系综合业务科重新注册本服务站。",
    ),
    "pdf_font_missing": (
        "本站业务",
        "本机没有可用于打印的中文字体，回执无法生成：Windows 请确认有黑体或微软雅黑；"
        "Linux 请安装 fonts-noto-cjk，或用环境变量 SSB_PDF_FONT 指定字体文件。",
    ),
    "reference_invalid": ("本站业务", "服务器下发的参考数据无法识别：已保留原有数据，请联系综合业务科。"),
    "already_enrolled": (
        "注册",
        "本机数据目录已注册为服务站：如需重新注册，请先请综合业务科注销本站，再使用新的数据目录（--home）注册。",
    ),
    # sync with the city server
    "network_unreachable": ("同步", "无法连接市社保服务器，请检查网络；恢复后会自动重试。"),
    "network_timeout": ("同步", "连接市社保服务器超时，网络可能较慢；稍后会自动重试。"),
    "server_untrusted": (
        "同步",
        "市社保服务器的证书与本站保存的根证书不符，已停止连接以保护数据。请联系综合业务科核实。",
    ),
    "response_invalid": (
        "同步",
        "服务器的应答无法识别（网络可能被拦截，或客户端版本不符）；稍后会自动重试，如持续出现请联系综合业务科。",
    ),
    "push_result_mismatch": (
        "同步",
        "服务器对上报业务的应答与所报业务对不上；稍后会自动重试，如持续出现请联系综合业务科。",
    ),
    "change_invalid": (
        "同步",
        "服务器下发的数据本机无法识别，已暂停下载更新（已上报的业务不受影响）。请安装最新版客户端或联系综合业务科。",
    ),
    "digest_mismatch": (
        "同步",
        "本机保存的参考数据与服务器不一致，重新下载后仍不一致。业务照常办理；请联系综合业务科核查。",
    ),
    "server_lost_operations": (
        "同步",
        "市局服务器已从备份恢复，部分早已上报的业务在本机已超过保留期限、无法重新上报。"
        "请把同步问题中列出的序号告知市局信息科核对补录。",
    ),
    # the station's data on this PC
    "store_unusable": (
        "本机数据",
        "本机数据库无法读写：请关闭其他正在使用本服务站数据的程序后重试；如反复出现，请联系综合业务科。",
    ),
    "store_too_new": ("本机数据", "本机数据库版本高于本程序支持的版本：请安装最新版工作站客户端。"),
    "data_undecryptable": (
        "本机数据",
        "本机加密数据无法解开（可能已损坏或被改动）：请联系综合业务科检查本机数据。",
    ),
    "crypto_failed": ("本机数据", "本机数据加解密失败：请联系综合业务科检查本机数据。"),
    # backup and restore (station-client backup / restore, the window's scheduled backup)
    "backup_not_configured": (
        "备份与恢复",
        "尚未设置备份位置：请站长运行 station-client backup --configure <文件夹>（U 盘或共享文件夹）。",
    ),
    "backup_dir_missing": ("备份与恢复", "备份位置不存在：请插好 U 盘或连上共享文件夹，确认路径后重试。"),
    "backup_dir_unwritable": ("备份与恢复", "备份位置无法写入：请检查权限或换一个位置。"),
    "backup_missing": ("备份与恢复", "找不到备份文件：请核对路径。"),
    "backup_manifest_missing": (
        "备份与恢复",
        "备份文件旁边缺少完好的说明文件（.json）：请连同它一起复制后重试。",
    ),
    "backup_corrupt": ("备份与恢复", "备份文件已损坏或与说明文件不符：请改用上一份备份。"),
    "backup_not_a_station": ("备份与恢复", "所选文件不是已注册服务站的数据备份：请选择正确的备份文件。"),
    "restore_home_not_empty": (
        "备份与恢复",
        "数据目录中已有服务站数据：恢复只能放进新的空目录，请用 --home 指定一个新目录。",
    ),
    "reenrol_needs_key": (
        "备份与恢复",
        "从备份恢复的数据重新注册需要本服务站的恢复密钥：请输入站长保管的恢复密钥后重试。",
    ),
    "reenrol_other_station": (
        "备份与恢复",
        "注册码属于另一个服务站：请向综合业务科索取本站的注册码（sync-server station new-code）。",
    ),
    # the station-client command line
    "home_not_enrolled": (
        "工作站命令",
        "数据目录中没有服务站数据：请先用注册码完成注册（station-client enroll），或用 --home 指定正确的数据目录。",
    ),
    "secret_needed": (
        "工作站命令",
        "需要密码或恢复密钥：请在提示时输入，或设置环境变量（不要写在命令行参数里）。",
    ),
    "file_unusable": ("工作站命令", "无法读写文件：请检查路径和权限后重试。"),
    "server_url_not_https": (
        "工作站命令",
        "服务器地址必须以 https:// 开头（只允许加密连接）：请核对后重新输入。",
    ),
    "ca_unusable": ("工作站命令", "根证书文件无法读取或不是 PEM 格式：请使用综合业务科提供的 ca.pem。"),
    "case_file_invalid": (
        "工作站命令",
        "案件文件不是有效的 JSON 或结构不对：请按 intake --template 输出的格式填写。",
    ),
    "case_file_item_mismatch": ("工作站命令", "案件文件所写的事项与 --item 不符：请核对事项编码。"),
    "case_file_case_mismatch": (
        "工作站命令",
        "补正文件所写的受理编号与要补正的业务不符：请核对受理编号，或用 supplement --template 重新生成。",
    ),
    "case_ambiguous": ("工作站命令", "有多件业务的受理编号含所输入的几位：请输入完整的受理编号。"),
    "case_status_unknown": (
        "工作站命令",
        "没有这种业务状态：可用 全部、待同步、退回补正、审核结果待交付 等列表名或状态名，也可写代码。",
    ),
    "receipt_kind_unknown": ("工作站命令", "没有这种回执：可选 受理回执、办结单、缴费收据。"),
    "person_query_empty": ("工作站命令", "请输入要查找的公民身份号码、姓名或姓名拼音。"),
    "scan_type_unsupported": ("工作站命令", "扫描件格式不支持：请使用 JPG、PNG 或 PDF 文件。"),
    "sync_needs_unlock": (
        "工作站命令",
        "同步需要解开本机数据：请用 --user 指定柜员账号（密码由 SSB_PASSWORD 或提示输入），"
        "或在环境变量 SSB_RECOVERY_KEY 中给出恢复密钥。",
    ),
    "sync_module_missing": (
        "工作站命令",
        "本程序未安装同步模块，无法显示同步状态：请安装完整版工作站客户端。",
    ),
    # 日结 (the desk's daily cash close)
    "close_count_invalid": (
        "日结",
        "某一面额的张数无法识别：请只输入整数张数，没有就留空；消息写明是哪一面额。",
    ),
    "close_reason_required": (
        "日结",
        "实点现金与应收（开具的缴费收据减作废）不符：请在「差额原因」中写明原因，或重新清点后再日结。",
    ),
    "close_nothing_new": ("日结", "本日已日结，之后没有新开的缴费收据：无需补充日结。"),
    "close_day_not_begun": ("日结", "要日结的日期还没到：请核对本机日期后重试。"),
    "close_not_found": ("日结", "找不到这次日结的记录：请在日结页面重新选择后再打印。"),
    # 缴费通知单 (paid at the bank or through 税务 instead of cash)
    "notice_item_not_payable": (
        "缴费通知单",
        "该事项不能开具缴费通知单：只有灵活就业人员缴费（G12、G14）可以到银行缴费。请收取现金。",
    ),
    "notice_no_fee": ("缴费通知单", "本次业务没有应缴金额，不需要开具缴费通知单：请直接办结。"),
    "notice_serial_exhausted": (
        "缴费通知单",
        "本站今天开具的缴费通知单已达 9999 张上限：请明天再开具，或收取现金。",
    ),
    "notice_not_found": ("缴费通知单", "本机没有该参考号的缴费通知单：请核对通知单上的 22 位缴费参考号。"),
    "no_display": (
        "工作站命令",
        "无法打开工作站窗口：没有可用的图形显示。请在电脑桌面上双击启动本程序；远程命令行中只能使用 sync、status 等命令。",
    ),
}
