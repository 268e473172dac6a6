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


class FeeKind(StrEnum):
    """Kinds of money a station may collect at the desk."""

    FLEXIBLE_WORKER = "flexible_worker"  # 灵活就业人员社会保险费（按月、自选基数）
    RESIDENT_PENSION = "resident_pension"  # 城乡居民基本养老保险费（按年、缴费档次）


LABELS: dict[str, str] = {
    InsuranceType.ENTERPRISE_PENSION: "企业职工基本养老保险",
    InsuranceType.INSTITUTION_PENSION: "机关事业单位养老保险",
    InsuranceType.RESIDENT_PENSION: "城乡居民基本养老保险",
    InsuranceType.EMPLOYEE_MEDICAL: "职工基本医疗保险",
    InsuranceType.RESIDENT_MEDICAL: "城乡居民基本医疗保险",
    InsuranceType.MATERNITY: "生育保险",
    InsuranceType.WORK_INJURY: "工伤保险",
    InsuranceType.UNEMPLOYMENT: "失业保险",
    Account.POOLED: "统筹账户",
    Account.PERSONAL: "个人账户",
    Tier.GENERAL: "一般业务（前台办结）",
    Tier.COMPLEX: "复杂业务（前台受理、后台办结）",
    ApplicantKind.PERSON: "个人",
    ApplicantKind.UNIT: "单位",
    Section.PENSION: "养老保险科",
    Section.RESIDENT_PENSION: "城乡居民养老保险科",
    Section.MEDICAL: "医疗保险科",
    Section.WORK_INJURY: "工伤保险科",
    Section.UNEMPLOYMENT: "失业保险科",
    Section.COLLECTION: "征收稽核科",
    Section.FINANCE: "基金财务科",
    Section.CARD: "社会保障卡管理科",
    Section.INTEGRATED: "综合业务科",
    Role.CLERK: "前台综合柜员",
    Role.REVIEWER: "后台审核员",
    Role.CHIEF: "科室负责人",
    Role.SUPERVISOR: "监管考核员",
    Role.ADMIN: "系统管理员",
    FeeKind.FLEXIBLE_WORKER: "灵活就业人员社会保险费",
    FeeKind.RESIDENT_PENSION: "城乡居民基本养老保险费",
}


def label(value: StrEnum) -> str:
    """The Chinese word for a vocabulary value."""
    return LABELS[value]
