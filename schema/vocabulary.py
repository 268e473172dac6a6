"""The shared vocabulary: the closed sets every part of the system names things by.

Values are stable ASCII identifiers (they travel on the wire and sit in databases);
``LABELS`` gives the Simplified-Chinese word shown to people.
"""

from __future__ import annotations

from enum import StrEnum


class InsuranceType(StrEnum):
    """Insurance schemes (险种)."""

    ENTERPRISE_PENSION = "enterprise_pension"  # 企业职工基本养老保险
    INSTITUTION_PENSION = "institution_pension"  # 机关事业单位养老保险
    RESIDENT_PENSION = "resident_pension"  # 城乡居民基本养老保险
    EMPLOYEE_MEDICAL = "employee_medical"  # 职工基本医疗保险
    RESIDENT_MEDICAL = "resident_medical"  # 城乡居民基本医疗保险
    MATERNITY = "maternity"  # 生育保险
    WORK_INJURY = "work_injury"  # 工伤保险
    UNEMPLOYMENT = "unemployment"  # 失业保险


class Account(StrEnum):
    """Fund accounts a contribution is split into."""

    POOLED = "pooled"  # 统筹账户（统筹基金）
    PERSONAL = "personal"  # 个人账户


class Tier(StrEnum):
    """Where a business item is finished."""

    GENERAL = "general"  # 一般业务：前台办结
    COMPLEX = "complex"  # 复杂业务：前台受理、后台办结


class ApplicantKind(StrEnum):
    PERSON = "person"  # 个人
    UNIT = "unit"  # 单位


class Section(StrEnum):
    """Back-office sections (业务科室) of the city bureau."""

    PENSION = "pension"  # 养老保险科
    RESIDENT_PENSION = "resident_pension"  # 城乡居民养老保险科
    MEDICAL = "medical"  # 医疗保险科（含生育）
    WORK_INJURY = "work_injury"  # 工伤保险科
    UNEMPLOYMENT = "unemployment"  # 失业保险科
    COLLECTION = "collection"  # 征收稽核科
    FINANCE = "finance"  # 基金财务科
    CARD = "card"  # 社会保障卡管理科
    INTEGRATED = "integrated"  # 综合业务科


class Role(StrEnum):
    """Staff roles."""

    CLERK = "clerk"  # 前台综合柜员（乡镇/社区）
    REVIEWER = "reviewer"  # 后台业务科室经办
    CHIEF = "chief"  # 科室负责人
    SUPERVISOR = "supervisor"  # 监管考核
    ADMIN = "admin"  # 系统管理员（综合业务科）
    FINANCE_MAKER = "finance_maker"  # 基金财务经办（编制支付计划）
    FINANCE_CHECKER = "finance_checker"  # 基金财务复核（复核支付计划，与经办不得为同一人）
    AUDITOR = "auditor"  # 稽核（处理部门协同防欺诈的疑点案件）


class FeeKind(StrEnum):
    """Kinds of money a station may collect at the desk."""

    FLEXIBLE_WORKER = "flexible_worker"  # 灵活就业人员社会保险费（按月、自选基数）
    RESIDENT_PENSION = "resident_pension"  # 城乡居民基本养老保险费（按年、缴费档次）


# One table per vocabulary: StrEnum members compare equal to their string values, so
# members of different enums with the same value (Section.WORK_INJURY and
# InsuranceType.WORK_INJURY) must not share one dict.
_LABELS_BY_TYPE: dict[type[StrEnum], dict[str, str]] = {
    InsuranceType: {
        InsuranceType.ENTERPRISE_PENSION.value: "企业职工基本养老保险",
        InsuranceType.INSTITUTION_PENSION.value: "机关事业单位养老保险",
        InsuranceType.RESIDENT_PENSION.value: "城乡居民基本养老保险",
        InsuranceType.EMPLOYEE_MEDICAL.value: "职工基本医疗保险",
        InsuranceType.RESIDENT_MEDICAL.value: "城乡居民基本医疗保险",
        InsuranceType.MATERNITY.value: "生育保险",
        InsuranceType.WORK_INJURY.value: "工伤保险",
        InsuranceType.UNEMPLOYMENT.value: "失业保险",
    },
    Account: {
        Account.POOLED.value: "统筹账户",
        Account.PERSONAL.value: "个人账户",
    },
    Tier: {
        Tier.GENERAL.value: "一般业务（前台办结）",
        Tier.COMPLEX.value: "复杂业务（前台受理、后台办结）",
    },
    ApplicantKind: {
        ApplicantKind.PERSON.value: "个人",
        ApplicantKind.UNIT.value: "单位",
    },
    Section: {
        Section.PENSION.value: "养老保险科",
        Section.RESIDENT_PENSION.value: "城乡居民养老保险科",
        Section.MEDICAL.value: "医疗保险科",
        Section.WORK_INJURY.value: "工伤保险科",
        Section.UNEMPLOYMENT.value: "失业保险科",
        Section.COLLECTION.value: "征收稽核科",
        Section.FINANCE.value: "基金财务科",
        Section.CARD.value: "社会保障卡管理科",
        Section.INTEGRATED.value: "综合业务科",
    },
    Role: {
        Role.CLERK.value: "前台综合柜员",
        Role.REVIEWER.value: "后台审核员",
        Role.CHIEF.value: "科室负责人",
        Role.SUPERVISOR.value: "监管考核员",
        Role.ADMIN.value: "系统管理员",
        Role.FINANCE_MAKER.value: "基金财务经办",
        Role.FINANCE_CHECKER.value: "基金财务复核",
        Role.AUDITOR.value: "稽核",
    },
    FeeKind: {
        FeeKind.FLEXIBLE_WORKER.value: "灵活就业人员社会保险费",
        FeeKind.RESIDENT_PENSION.value: "城乡居民基本养老保险费",
    },
}


def label(value: StrEnum) -> str:
    """The Chinese word for a vocabulary value."""
    return _LABELS_BY_TYPE[type(value)][value.value]


def labels(vocabulary: type[StrEnum]) -> dict[str, str]:
    """Value → Chinese word for every member of one vocabulary (e.g. ``labels(Section)``)."""
    return dict(_LABELS_BY_TYPE[vocabulary])
