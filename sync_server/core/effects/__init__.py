"""What a finished case does to the records (一库): one pure function per declared effect.

The catalog says what each item does (``CatalogItem.effect``, ``schema.catalog.effects``,
the table in ``docs/item_effects.md``); :func:`effect_changes` runs that item's function
over an :class:`EffectCase` and returns ``schema.record_changes`` changes, which the
caller writes with ``services.records.write_record_changes`` in the transaction that
finishes the case: a general item when its case arrives, a complex item on approval.
A return or a rejection runs nothing. The console's case page shows the same changes,
worded by :func:`describe`, before the reviewer confirms.

    case      EffectCase (the case, its form, the records it touches, the day), EffectRefused
    registry  person fields, key-information correction, enrolments, retirement, units
    money     back payments, refunds, transfers (转移接续), personal accounts paid out
    benefits  pensions and unemployment benefit granted, suspended, resumed, ended; death
    payouts   claims and subsidies paid once, allowances, benefits adjusted, fund-paid months
    determinations  认定、鉴定、备案 conclusions kept as records (deemed years for pensions)
    cards     social security card states
    figures   months, average index, account balance derived from the records
    words     describe(): the changes in Chinese, for the preview and the audit
"""

from __future__ import annotations

from collections.abc import Callable

from schema.catalog import CatalogItem, ItemEffect
from schema.record_changes import RecordChange
from schema.vocabulary import Tier
from sync_server.core.effects import benefits, cards, determinations, money, payouts, registry
from sync_server.core.effects.case import Arrival, EffectCase, EffectRefused, subject_of
from sync_server.core.effects.words import describe

EffectFunction = Callable[[EffectCase], list[RecordChange]]


def _nothing(c: EffectCase) -> list[RecordChange]:
    """none, print_records (documents are printed from the records), desk_contributions
    (written by the money path from the fee lines, with the ledger)."""
    return []


EFFECTS: dict[ItemEffect, EffectFunction] = {
    ItemEffect.NONE: _nothing,
    ItemEffect.PRINT_RECORDS: _nothing,
    ItemEffect.DESK_CONTRIBUTIONS: _nothing,
    ItemEffect.PERSON_UPDATE: registry.person_update,
    ItemEffect.KEY_INFO_CORRECTION: registry.key_info_correction,
    ItemEffect.UNIT_OPEN: registry.unit_open,
    ItemEffect.UNIT_UPDATE: registry.unit_update,
    ItemEffect.UNIT_CLOSE: registry.unit_close,
    ItemEffect.ENROLMENT_START: registry.enrolment_start,
    ItemEffect.ENROLMENT_STOP: registry.enrolment_stop,
    ItemEffect.RETIREMENT: registry.retirement,
    ItemEffect.UNEMPLOYMENT_REGISTRATION: registry.unemployment_registration,
    ItemEffect.TRANSFER: money.transfer,
    ItemEffect.BACK_PAYMENT: money.back_payment,
    ItemEffect.CONTRIBUTION_REFUND: money.contribution_refund,
    ItemEffect.ACCOUNT_REFUND: money.account_refund,
    ItemEffect.DEATH: benefits.death,
    ItemEffect.PENSION_GRANT: benefits.pension_grant,
    ItemEffect.RESIDENT_PENSION_GRANT: benefits.resident_pension_grant,
    ItemEffect.UNEMPLOYMENT_BENEFIT: benefits.unemployment_grant,
    ItemEffect.BENEFIT_SUSPEND: benefits.benefit_suspend,
    ItemEffect.BENEFIT_RESUME: benefits.benefit_resume,
    ItemEffect.BENEFIT_SUSPEND_OR_RESUME: benefits.benefit_suspend_or_resume,
    ItemEffect.BENEFIT_END: benefits.benefit_end,
    ItemEffect.FUNERAL_GRANT: benefits.funeral_grant,
    ItemEffect.OVERPAYMENT_RECOVERY: benefits.overpayment_recovery,
    ItemEffect.BANK_ACCOUNT: benefits.bank_account,
    ItemEffect.CARD_STATUS: cards.card_status,
    ItemEffect.CLAIM_PAYMENT: payouts.claim_payment,
    ItemEffect.ALLOWANCE_GRANT: payouts.allowance_grant,
    ItemEffect.DISABILITY_BENEFITS: payouts.disability_benefits,
    ItemEffect.BENEFIT_ADJUST: payouts.benefit_adjust,
    ItemEffect.FUND_PAID_CONTRIBUTIONS: payouts.fund_paid_contributions,
    ItemEffect.DETERMINATION: determinations.determination,
}


# General items whose effect the ingest core's registry slice applies with its optimistic
# concurrency (core.registry_effects: a stale base version becomes a conflict case).
REGISTRY_SLICE_ITEMS = frozenset({"G08", "G09", "G11", "G12", "G13"})


def applies_on_arrival(item: CatalogItem) -> bool:
    """Whether a general item's case carries an :class:`Arrival` for the records path."""
    return (
        item.tier is Tier.GENERAL
        and item.code not in REGISTRY_SLICE_ITEMS
        and EFFECTS[item.effect] is not _nothing
    )


def effect_changes(case: EffectCase) -> list[RecordChange]:
    """The record changes of a finished case (EffectRefused when they cannot apply)."""
    return EFFECTS[case.item.effect](case)


__all__ = [
    "EFFECTS",
    "Arrival",
    "EffectCase",
    "EffectRefused",
    "applies_on_arrival",
    "describe",
    "effect_changes",
    "subject_of",
]
