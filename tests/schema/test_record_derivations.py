"""Years, average index and account balance come from the records, the same either way.

Monthly rows and archived year summaries must give identical figures: the archive line of
a year is made from the rows it replaces, so a bureau may close old years without changing
anyone's pension.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from schema.person_records import AccountYear, ContributionMonth, ContributionSource
from schema.record_derivations import (
    MissingWage,
    account_balance,
    contribution_totals,
    last_contribution_month,
    month_index_value,
    summarise_year,
    year_lines,
)
from schema.vocabulary import InsuranceType

PENSION = InsuranceType.ENTERPRISE_PENSION
ID = "511102199001011237"
WAGES = {2022: Decimal("6000.00"), 2023: Decimal("6400.00"), 2024: Decimal("7000.00")}


def row(
    month: str, base: str, *, source: ContributionSource = ContributionSource.UNIT_DECLARATION
) -> ContributionMonth:
    # 16% employer, 8% personal, the personal 8% credited to the account.
    b = Decimal(base)
    sign = -1 if source == ContributionSource.REFUND else 1
    return ContributionMonth(
        id_number=ID,
        insurance=PENSION,
        month=month,
        base=b * sign,
        employer_part=(b * Decimal("0.16")).quantize(Decimal("0.01")) * sign,
        personal_part=(b * Decimal("0.08")).quantize(Decimal("0.01")) * sign,
        account_part=(b * Decimal("0.08")).quantize(Decimal("0.01")) * sign,
        source=source,
        county="511102",
    )


def history() -> list[ContributionMonth]:
    rows = [row(f"2022-{m:02d}", "4500.00") for m in range(1, 13)]
    rows += [row(f"2023-{m:02d}", "5000.00") for m in range(1, 13)]
    rows += [row(f"2024-{m:02d}", "7350.00") for m in range(1, 7)]
    rows.append(row("2024-06", "7350.00", source=ContributionSource.REFUND))  # June refunded
    return rows


def test_month_index_is_base_over_wage_to_four_places_half_up() -> None:
    # 4500 / 6000 = 0.75; 5000 / 6400 = 0.78125 → 0.7813 (half up); 7350 / 7000 = 1.05
    assert month_index_value(Decimal("4500"), Decimal("6000")) == Decimal("0.7500")
    assert month_index_value(Decimal("5000"), Decimal("6400")) == Decimal("0.7813")
    assert month_index_value(Decimal("7350"), Decimal("7000")) == Decimal("1.0500")


def test_totals_from_monthly_rows_hand_computed() -> None:
    totals = contribution_totals(history(), [], PENSION, wages=WAGES)
    # months: 12 + 12 + 5 (June 2024 paid then refunded) = 29 → 2 years 5 months
    assert totals.months == 29
    assert totals.years_and_months == (2, 5)
    # index sum: 12 × 0.75 + 12 × 0.7813 + 5 × 1.05 = 9 + 9.3756 + 5.25 = 23.6256
    assert totals.index_sum == Decimal("23.6256")
    # average: 23.6256 / 29 = 0.81467… → 0.8147
    assert totals.average_index == Decimal("0.8147")
    # account: 12 × 360 + 12 × 400 + 5 × 588 = 4320 + 4800 + 2940 = 12060
    assert totals.account_sum == Decimal("12060.00")


def test_archived_years_give_the_same_figures() -> None:
    rows = history()
    summaries = [summarise_year(rows, year=y, wages=WAGES) for y in (2022, 2023)]
    archived = [s for s in summaries if s is not None]
    remaining = [r for r in rows if r.month >= "2024-01"]

    from_rows = contribution_totals(rows, [], PENSION, wages=WAGES)
    from_archive = contribution_totals(remaining, archived, PENSION, wages=WAGES)
    assert from_archive == from_rows
    assert year_lines(remaining, archived, PENSION, wages=WAGES) == year_lines(rows, [], PENSION, wages=WAGES)
    assert account_balance([], remaining, archived, PENSION) == account_balance([], rows, [], PENSION)
    assert archived[1].months == 12 and archived[1].index_sum == Decimal("9.3756")


def test_summary_rows_win_over_monthly_rows_of_the_same_year() -> None:
    rows = history()
    archive = summarise_year(rows, year=2022, wages=WAGES)
    assert archive is not None
    # Kept monthly rows of an archived year are not counted a second time.
    assert contribution_totals(rows, [archive], PENSION, wages=WAGES).months == 29


def test_account_balance_is_last_statement_plus_later_credits() -> None:
    statement = AccountYear(
        id_number=ID,
        insurance=PENSION,
        year=2023,
        opening=Decimal("4320.00"),
        credited=Decimal("4800.00"),
        interest=Decimal("300.00"),
        rate=Decimal("0.0397"),
        closing=Decimal("9420.00"),
    )
    # 9420 + 5 months × 588 in 2024 (the refunded June nets to 0) = 12360
    assert account_balance([statement], history(), [], PENSION) == Decimal("12360.00")


def test_last_contribution_month_skips_a_refunded_month() -> None:
    assert last_contribution_month(history(), PENSION) == "2024-05"
    assert last_contribution_month(history(), InsuranceType.UNEMPLOYMENT) is None


def test_a_year_without_its_wage_is_refused_not_guessed() -> None:
    with pytest.raises(MissingWage) as caught:
        contribution_totals(history(), [], PENSION, wages={2022: Decimal("6000")})
    assert caught.value.year == 2023
