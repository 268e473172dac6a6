"""What a finished item does to the records (一库): the ``effect`` every catalog item declares.

A general item's effect applies when its case arrives at the city, a complex item's when
the back office approves it; a return or a rejection applies none. The server's pure
effect functions (``sync_server.core.effects``) turn (item, form, the person's records,
decision date) into record changes, one function per kind below.

``python -m schema.catalog.effect_doc`` prints ``docs/item_effects.md`` from the catalog.
"""

from __future__ import annotations

from enum import StrEnum


class ItemEffect(StrEnum):
    """The kinds of record change an item makes (a small, closed vocabulary)."""

    NONE = "none"
    PRINT_RECORDS = "print_records"
    PERSON_UPDATE = "person_update"
    KEY_INFO_CORRECTION = "key_info_correction"
    UNIT_OPEN = "unit_open"
    UNIT_UPDATE = "unit_update"
    UNIT_CLOSE = "unit_close"
    ENROLMENT_START = "enrolment_start"
    ENROLMENT_STOP = "enrolment_stop"
    TRANSFER = "transfer"
    DESK_CONTRIBUTIONS = "desk_contributions"
    BACK_PAYMENT = "contributions_back_payment"
    CONTRIBUTION_REFUND = "contribution_refund"
    DEATH = "death"
    RETIREMENT = "retirement"
    PENSION_GRANT = "pension_grant"
    RESIDENT_PENSION_GRANT = "resident_pension_grant"
    BENEFIT_SUSPEND = "benefit_suspend"
    BENEFIT_RESUME = "benefit_resume"
    BENEFIT_SUSPEND_OR_RESUME = "benefit_suspend_or_resume"
    BENEFIT_END = "benefit_end"
    FUNERAL_GRANT = "funeral_grant"
    UNEMPLOYMENT_REGISTRATION = "unemployment_registration"
    UNEMPLOYMENT_BENEFIT = "unemployment_benefit"
    ACCOUNT_REFUND = "account_refund"
    OVERPAYMENT_RECOVERY = "overpayment_recovery"
    CARD_STATUS = "card_status"
    BANK_ACCOUNT = "bank_account"
    CLAIM_PAYMENT = "claim_payment"
    ALLOWANCE_GRANT = "allowance_grant"
    DISABILITY_BENEFITS = "disability_benefits"
    BENEFIT_ADJUST = "benefit_adjust"
    FUND_PAID_CONTRIBUTIONS = "fund_paid_contributions"
    DETERMINATION = "determination"

    @property
    def label(self) -> str:
        return EFFECT_LABELS[self]

    @property
    def description(self) -> str:
        return EFFECT_DESCRIPTIONS[self]


EFFECT_LABELS: dict[ItemEffect, str] = {
    ItemEffect.NONE: "不改变参保记录",
    ItemEffect.PRINT_RECORDS: "按记录打印",
    ItemEffect.PERSON_UPDATE: "个人信息变更",
    ItemEffect.KEY_INFO_CORRECTION: "关键信息更正",
    ItemEffect.UNIT_OPEN: "单位参保登记",
    ItemEffect.UNIT_UPDATE: "单位信息变更",
    ItemEffect.UNIT_CLOSE: "单位注销",
    ItemEffect.ENROLMENT_START: "参保登记",
    ItemEffect.ENROLMENT_STOP: "停保",
    ItemEffect.TRANSFER: "转移接续",
    ItemEffect.DESK_CONTRIBUTIONS: "窗口缴费记录",
    ItemEffect.BACK_PAYMENT: "补缴记录",
    ItemEffect.CONTRIBUTION_REFUND: "退费",
    ItemEffect.DEATH: "死亡，待遇终止",
    ItemEffect.RETIREMENT: "退休",
    ItemEffect.PENSION_GRANT: "养老金核定发放",
    ItemEffect.RESIDENT_PENSION_GRANT: "城乡居民养老金核定发放",
    ItemEffect.BENEFIT_SUSPEND: "待遇暂停",
    ItemEffect.BENEFIT_RESUME: "待遇恢复",
    ItemEffect.BENEFIT_SUSPEND_OR_RESUME: "待遇暂停或恢复",
    ItemEffect.BENEFIT_END: "待遇终止",
    ItemEffect.FUNERAL_GRANT: "丧葬补助金",
    ItemEffect.UNEMPLOYMENT_REGISTRATION: "失业登记",
    ItemEffect.UNEMPLOYMENT_BENEFIT: "失业保险金核定发放",
    ItemEffect.ACCOUNT_REFUND: "个人账户退还",
    ItemEffect.OVERPAYMENT_RECOVERY: "多发待遇追回",
    ItemEffect.CARD_STATUS: "社保卡状态",
    ItemEffect.BANK_ACCOUNT: "待遇发放账户",
    ItemEffect.CLAIM_PAYMENT: "费用报销或补助支付",
    ItemEffect.ALLOWANCE_GRANT: "按月待遇核定发放",
    ItemEffect.DISABILITY_BENEFITS: "伤残待遇",
    ItemEffect.BENEFIT_ADJUST: "待遇调整",
    ItemEffect.FUND_PAID_CONTRIBUTIONS: "基金代缴记录",
    ItemEffect.DETERMINATION: "认定结论",
}

EFFECT_DESCRIPTIONS: dict[ItemEffect, str] = {
    ItemEffect.NONE: "办结后不改变参保记录（办理结果只记在案件里）",
    ItemEffect.PRINT_RECORDS: "不改变记录；凭证、对账单、证明按库中记录打印",
    ItemEffect.PERSON_UPDATE: "更新电话、地址、户籍、经常居住地，留存原值",
    ItemEffect.KEY_INFO_CORRECTION: "更正姓名、出生日期、性别，留存原值",
    ItemEffect.UNIT_OPEN: "新建参保单位（状态：正常）",
    ItemEffect.UNIT_UPDATE: "更新单位名称或工伤行业风险类别",
    ItemEffect.UNIT_CLOSE: "单位状态改为已注销，记注销日期",
    ItemEffect.ENROLMENT_START: "为参保人（单位申报的为所列职工）新增或恢复所选险种的参保",
    ItemEffect.ENROLMENT_STOP: "所选险种停保，记停保日期和原因",
    ItemEffect.TRANSFER: "记转入或转出的月数和金额；转出的险种停保，转入的险种开始参保",
    ItemEffect.DESK_CONTRIBUTIONS: "窗口收取的费用按月写入缴费记录",
    ItemEffect.BACK_PAYMENT: "补缴的各月写入缴费记录（来源：补缴）",
    ItemEffect.CONTRIBUTION_REFUND: "退费月份写入冲减缴费记录，生成应退款",
    ItemEffect.DEATH: "参保人记为死亡；各项待遇终止于死亡当月，其后已发月份生成追回款；社保卡注销",
    ItemEffect.RETIREMENT: "职工养老参保改为退休，停止缴费",
    ItemEffect.PENSION_GRANT: "按计算核定职工基本养老金，开始发放，计算过程随待遇保存",
    ItemEffect.RESIDENT_PENSION_GRANT: "按计算核定城乡居民养老金，开始发放，计算过程随待遇保存",
    ItemEffect.BENEFIT_SUSPEND: "发放中的养老待遇自生效月起暂停",
    ItemEffect.BENEFIT_RESUME: "暂停的养老待遇自恢复月起恢复发放",
    ItemEffect.BENEFIT_SUSPEND_OR_RESUME: "按申请暂停或恢复城乡居民养老待遇",
    ItemEffect.BENEFIT_END: "失业保险金终止于生效月",
    ItemEffect.FUNERAL_GRANT: "生成丧葬补助金应付款，死者记为死亡",
    ItemEffect.UNEMPLOYMENT_REGISTRATION: "记失业，失业保险停保",
    ItemEffect.UNEMPLOYMENT_BENEFIT: "按计算核定失业保险金和领取月数，开始发放",
    ItemEffect.ACCOUNT_REFUND: "生成个人账户余额退还应付款，相应险种停保",
    ItemEffect.OVERPAYMENT_RECOVERY: "按清退金额生成追回款",
    ItemEffect.CARD_STATUS: "社保卡申领、启用、挂失、解挂、补换、注销",
    ItemEffect.BANK_ACCOUNT: "更新所选待遇的发放银行账户",
    ItemEffect.CLAIM_PAYMENT: "按核定金额生成应付款（由相应险种基金支付）",
    ItemEffect.ALLOWANCE_GRANT: "按核定的月标准新增待遇（病残津贴、遗属待遇），开始发放",
    ItemEffect.DISABILITY_BENEFITS: "按伤残等级和本人工资生成一次性伤残补助金应付款，1–4 级核定伤残津贴按月发放，"
    "申领护理费的核定生活护理费",
    ItemEffect.BENEFIT_ADJUST: "按核定结果调整发放中的待遇月标准（或暂停、恢复、终止），原标准随计算留存；资格认证记入认定结论",
    ItemEffect.FUND_PAID_CONTRIBUTIONS: "代缴的各月写入缴费记录（来源：基金代缴）",
    ItemEffect.DETERMINATION: "认定、鉴定、备案结论记入参保人（或单位）的认定记录，注明有效期；视同缴费年限用于养老金计算",
}


# Why an approval could not take effect on the records (the decision is then not recorded).
EFFECT_ERROR_MESSAGES: dict[str, str] = {
    "effect_person_unknown": "参保库中没有该人员的记录，本次核准无法生效。请先核实身份并办理参保登记，或退回补正。",
    "effect_nothing_to_stop": "该人员没有可停保（或办理退休）的在职参保险种，本次核准无法生效。"
    "请核对参保记录后退回补正或不予核准。",
    "effect_unit_exists": "该单位已在参保库中登记且状态正常，无需重复登记。请核对统一社会信用代码后不予核准或退回补正。",
    "effect_unit_unknown": "参保库中没有该单位的正常参保记录，无法变更或注销。请核对统一社会信用代码后不予核准或退回补正。",
    "effect_benefit_exists": "该人员已有同类待遇（发放中或暂停），不能重复核定。如需调整请办理待遇重新核定，本件请不予核准。",
    "effect_no_benefit": "该人员没有{status}的相应待遇，本次核准无法生效。请核对待遇记录后退回补正或不予核准。",
    "effect_nothing_to_refund": "没有可退的缴费记录或个人账户余额，本次核准无法生效。请核对记录后退回补正或不予核准。",
    "effect_parameter_missing": "费率表中没有{what}的标准，本次核准无法生效。请系统管理员在费率表中载入标准后再核准。",
    "effect_amount_missing": "申请表中没有{what}，本次核准无法生效。请退回补正，由窗口补录核定金额后再核准。",
    "effect_wage_missing": "费率表中没有 {year} 年全省在岗职工月平均工资，缴费指数无法计算，本次核准无法生效。"
    "请系统管理员载入该年工资后再核准。",
}
