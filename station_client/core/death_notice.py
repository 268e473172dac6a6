"""The warning a death registration (C018) gets at the desk when the deceased still draws
a benefit: not a refusal (the registration is exactly what stops the payment), but the
clerk must tell the reporter that the pension stops and that the months paid after the
month of death will be recovered (追回, docs/fraud_checks.md). Pure.
"""

from __future__ import annotations

from datetime import date

from schema.person_records import BenefitKind, record_label
from schema.records import PersonRecord
from station_client.core.intake_rules import Notice

DEATH_BENEFITS_IN_PAYMENT = "death_benefits_in_payment"


def _benefit_word(kind: str) -> str:
    try:
        return record_label(BenefitKind(kind))
    except ValueError:  # a kind newer than this client
        return kind


def _next_month(day: date) -> str:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return f"{year}年{month}月"


def death_registration_notice(deceased: PersonRecord | None, death_date: date | None) -> Notice | None:
    """The notice for a C018 whose deceased the township's slice shows drawing a benefit."""
    if deceased is None:
        return None
    paid = [b for b in deceased.benefits if b.status == "in_payment"]
    if not paid:
        return None
    kinds = "、".join(dict.fromkeys(_benefit_word(b.kind) for b in paid))
    total = sum((b.monthly_amount for b in paid), start=paid[0].monthly_amount * 0)
    since = f"{_next_month(death_date)}起" if death_date else "死亡次月起"
    return Notice(
        DEATH_BENEFITS_IN_PAYMENT,
        f"逝者{deceased.name}仍在领取{kinds}（每月 {total:,.2f} 元）：登记核准后待遇停发，"
        f"{since}已发放的待遇将由市局追回。请告知报告人，并提醒其保留银行卡、配合退回多领的金额。",
        "form.deceased_id_number",
    )
