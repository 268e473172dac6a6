"""The record changes in words, for the case page's preview and the audit. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from schema.person_records import PersonStatus, record_label
from schema.record_changes import (
    PERSON_FIELDS,
    AccountYearsWritten,
    BankAccountChanged,
    BenefitEnded,
    BenefitGranted,
    BenefitSuspended,
    CardStatusChanged,
    ContributionsWritten,
    EnrolmentStarted,
    EnrolmentStopped,
    EnrolmentSuspended,
    PayableCreated,
    PersonChanged,
    RecordChange,
    TransferRecorded,
    UnitClosed,
    UnitOpened,
)
from schema.vocabulary import label

_KINDS = {"employee": "职工", "flexible": "灵活就业", "resident": "城乡居民", "retired": "退休"}


def _one(change: RecordChange) -> str:
    if isinstance(change, PersonChanged):
        value = (
            record_label(PersonStatus(change.value))
            if change.field == "status" and change.value
            else change.value
        )
        return f"人员信息：{PERSON_FIELDS[change.field]}改为“{value or '（空）'}”（原值留存）"
    if isinstance(change, EnrolmentStarted):
        unit = f"，单位 {change.unit_uscc}" if change.unit_uscc else ""
        return (
            f"参保登记：{label(change.insurance)}（{_KINDS[change.kind]}）自 {change.since:%Y-%m-%d} 起{unit}"
        )
    if isinstance(change, EnrolmentStopped):
        return f"停保：{label(change.insurance)}截至 {change.until:%Y-%m-%d}（{record_label(change.reason)}）"
    if isinstance(change, EnrolmentSuspended):
        return f"{'恢复缴费' if change.resumed else '中断缴费'}：{label(change.insurance)}"
    if isinstance(change, ContributionsWritten):
        rows = change.rows
        months = sorted({r.month for r in rows})
        total = sum(r.employer_part + r.personal_part for r in rows)
        source = record_label(rows[0].source)
        return f"缴费记录（{source}）：{len(rows)} 条，{months[0]} 至 {months[-1]}，合计 {total} 元"
    if isinstance(change, AccountYearsWritten):
        return f"个人账户：{len(change.rows)} 个年度的对账记录"
    if isinstance(change, BenefitGranted):
        b = change.benefit
        return f"待遇核定：{record_label(b.kind)}每月 {b.monthly_amount} 元，自 {b.start_month} 起发放"
    if isinstance(change, BenefitEnded):
        return f"待遇终止：{record_label(change.kind)}发放至 {change.end_month}（{change.reason}）"
    if isinstance(change, BenefitSuspended):
        return f"待遇{'恢复' if change.resumed else '暂停'}：{record_label(change.kind)}（{change.reason}）"
    if isinstance(change, BankAccountChanged):
        return f"待遇发放账户改为 {change.bank_name} 尾号 {change.bank_account[-4:]}"
    if isinstance(change, PayableCreated):
        p = change.payable
        return f"{record_label(p.direction)}：{record_label(p.kind)} {p.amount} 元（{p.payee_name}）"
    if isinstance(change, CardStatusChanged):
        return f"社保卡：{record_label(change.status)}"
    if isinstance(change, TransferRecorded):
        t = change.transfer
        return (
            f"转移接续（{record_label(t.direction)}）：{label(t.insurance)} {t.region_from} → {t.region_to}，"
            f"{t.months} 个月，统筹 {t.pooled_amount} 元，个人账户 {t.account_amount} 元"
        )
    if isinstance(change, UnitOpened):
        risk = f"，工伤风险类别 {change.risk_class} 类" if change.risk_class else ""
        return f"单位登记：{change.name}（{change.uscc}）{risk}"
    assert isinstance(change, UnitClosed)
    return f"单位注销：{change.uscc}，注销日期 {change.closed_on:%Y-%m-%d}"


def describe(changes: Iterable[RecordChange]) -> list[str]:
    """One Chinese sentence per change, in order."""
    return [_one(change) for change in changes]
