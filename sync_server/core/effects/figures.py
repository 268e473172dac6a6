"""Figures an effect needs from a person's records: months, average index, account. Pure.

Derived with ``schema.record_derivations`` (never typed in): months and index from the
contribution records and archived years, the account from its statements plus what was
credited since. A year whose index cannot be measured (no wage in the rate book) refuses
the approval with a message saying which wage to load.
"""

from __future__ import annotations

from decimal import Decimal

from schema.person_records import PersonRecords
from schema.rates import RateBook
from schema.record_derivations import ContributionTotals, MissingWage, account_balance, contribution_totals
from schema.vocabulary import InsuranceType
from sync_server.core.effects.case import EffectRefused


def index_wages(rates: RateBook) -> dict[int, Decimal]:
    """A contribution year's index is measured by the previous year's 全省在岗职工月平均工资."""
    return {w.wage_year + 1: w.amount for w in rates.benefits.pension_base_wages}


def totals_of(records: PersonRecords, insurance: InsuranceType, rates: RateBook) -> ContributionTotals:
    try:
        return contribution_totals(
            records.contributions, records.year_summaries, insurance, wages=index_wages(rates)
        )
    except MissingWage as missing:
        raise EffectRefused(
            "effect_wage_missing",
            {"year": missing.year - 1},
            year=missing.year - 1,
        ) from None


def account_balance_of(records: PersonRecords, insurance: InsuranceType) -> Decimal:
    return account_balance(records.accounts, records.contributions, records.year_summaries, insurance)
