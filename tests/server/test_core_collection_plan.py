"""The collection plan's pure rules (core.collection_plan) and late fees (core.arrears), by hand.

Rate book: the shipped one (2025 table; 2025 limits 4,588–22,938, average wage 7,646,
carried into 2026). Every expected figure below is worked out by hand in its comment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from schema.fees import employee_contribution
from schema.rates import load_rates
from schema.vocabulary import InsuranceType
from sync_server.core.arrears import arrears, days_overdue, late_fee
from sync_server.core.collection_plan import Contributor, diff_plan, due_date, plan_lines

D = Decimal
MONTH = "2026-01"
U1, U2 = "91511102MA62A0001X", "91511102MA62A0002X"


def employee(n: int, insurance: str, base: str | None, *, unit: str = U1, **kw: object) -> Contributor:
    fields: dict[str, object] = {
        "id_number": f"51110219750517{n:03d}1"[:17] + "1", "insurance": insurance, "kind": "employee",
        "status": "active", "since": dt.date(2020, 1, 1), "until": None, "county": "511102",
        "township": "511102004", "latest_base": D(base) if base else None, "unit_uscc": unit,
        "unit_county": "511102", "unit_township": "511102004", "unit_risk_class": 3,
    }  # fmt: skip
    fields.update(kw)
    return Contributor(**fields)  # type: ignore[arg-type]


def flexible(id_number: str, insurance: str, base: str | None, **kw: object) -> Contributor:
    fields: dict[str, object] = {
        "id_number": id_number, "insurance": insurance, "kind": "flexible", "status": "active",
        "since": dt.date(2020, 1, 1), "until": None, "county": "511123", "township": "511123100",
        "latest_base": D(base) if base else None,
    }  # fmt: skip
    fields.update(kw)
    return Contributor(**fields)  # type: ignore[arg-type]


def test_a_units_line_sums_its_employees_parts_per_insurance() -> None:
    plan = plan_lines(
        MONTH,
        [
            employee(1, "enterprise_pension", "6000.00"),  # 960.00 + 480.00, account 480.00
            employee(2, "enterprise_pension", "3000.00"),  # below 4,588 → 4,588: 734.08 + 367.04
            employee(3, "enterprise_pension", None),  # no record yet → lower limit 4,588
            employee(1, "work_injury", "6000.00"),  # class 3, 0.7 %: 42.00, employer only
            employee(1, "unemployment", "6000.00"),  # 36.00 + 24.00, no account
        ],
        load_rates(),
    )
    by_key = {(x.payer, x.insurance): x for x in plan.lines}
    pension = by_key[(U1, "enterprise_pension")]
    assert (pension.persons, pension.base_total) == (3, D("15176.00"))  # 6000 + 4588 + 4588
    assert pension.employer_part == D("960.00") + D("734.08") * 2
    assert pension.employee_part == D("480.00") + D("367.04") * 2
    assert pension.account_part == pension.employee_part  # 8 % all to the personal account
    assert pension.amount == D("3642.24")  # 1,440.00 + 2 × 1,101.12
    assert (by_key[(U1, "work_injury")].employer_part, by_key[(U1, "work_injury")].employee_part) == (
        D("42.00"),
        D("0"),
    )
    assert by_key[(U1, "unemployment")].amount == D("60.00")
    assert pension.due_date == dt.date(2026, 2, 15)
    assert plan.total == D("3642.24") + D("42.00") + D("60.00")


def test_the_plan_prices_exactly_as_the_fee_maths_of_schema_fees() -> None:
    for base in ("4588.00", "5123.45", "7777.77", "22938.00"):
        for insurance in ("enterprise_pension", "employee_medical", "unemployment"):
            (line,) = plan_lines(MONTH, [employee(1, insurance, base)], load_rates()).lines
            fee = employee_contribution(D(base), InsuranceType(insurance), on=dt.date(2026, 1, 1))
            assert (line.employer_part, line.employee_part) == (fee.employer_amount, fee.employee_amount)


def test_a_base_above_the_upper_limit_is_brought_down_to_it() -> None:
    (line,) = plan_lines(MONTH, [employee(1, "enterprise_pension", "30000.00")], load_rates()).lines
    assert (line.base_total, line.employer_part) == (D("22938.00"), D("3670.08"))  # 22938 × 16 %


def test_a_flexible_worker_owes_his_own_pension_and_medical_on_the_average_wage() -> None:
    person = "511123198001011234"
    plan = plan_lines(
        MONTH, [flexible(person, "enterprise_pension", "5000.00"), flexible(person, "employee_medical", "5000.00")],
        load_rates(),
    )  # fmt: skip
    pension, medical = sorted(plan.lines, key=lambda x: x.insurance, reverse=True)
    assert (pension.payer_kind, pension.payer, pension.township) == ("flexible", person, "511123100")
    assert (pension.employer_part, pension.employee_part, pension.account_part) == (
        D("0.00"),
        D("1000.00"),
        D("400.00"),
    )
    assert (medical.base_total, medical.employee_part) == (D("7646.00"), D("611.68"))  # 7646 × 8 %


def test_who_owes_nothing_this_month() -> None:
    rates = load_rates()
    nobody = [
        employee(1, "enterprise_pension", "6000.00", status="suspended"),
        employee(2, "enterprise_pension", "6000.00", status="stopped"),
        employee(3, "enterprise_pension", "6000.00", since=dt.date(2026, 2, 1)),  # starts next month
        employee(4, "enterprise_pension", "6000.00", until=dt.date(2025, 12, 31)),
        employee(5, "enterprise_pension", "6000.00", unit_active=False),  # unit closed
        employee(6, "resident_pension", "6000.00"),  # not a unit scheme
        employee(7, "enterprise_pension", "6000.00", kind="retired"),
    ]
    assert plan_lines(MONTH, nobody, rates).lines == ()


def test_work_injury_without_a_risk_class_is_reported_not_guessed() -> None:
    plan = plan_lines(MONTH, [employee(1, "work_injury", "6000.00", unit_risk_class=None)], load_rates())
    assert plan.lines == () and len(plan.skipped) == 1 and "C093" in plan.skipped[0].reason


def test_rebuilding_an_unchanged_plan_changes_nothing_and_a_new_base_changes_one_line() -> None:
    rates = load_rates()
    staff = [
        employee(1, "enterprise_pension", "6000.00"),
        employee(2, "enterprise_pension", "6000.00", unit=U2),
    ]
    first = plan_lines(MONTH, staff, rates)
    stored = {x.key: x.digest for x in first.lines}
    assert diff_plan(plan_lines(MONTH, staff, rates).lines, stored).empty
    staff[1] = employee(2, "enterprise_pension", "6500.00", unit=U2)
    diff = diff_plan(plan_lines(MONTH, staff, rates).lines, stored)
    assert (diff.added, [x.payer for x in diff.changed], diff.removed) == ((), [U2], ())
    gone = diff_plan(plan_lines(MONTH, staff[:1], rates).lines, stored)
    assert gone.removed == ((MONTH, "unit", U2, "enterprise_pension"),)


def test_due_day_is_the_15th_of_the_following_month_unless_told_otherwise() -> None:
    assert due_date("2026-01") == dt.date(2026, 2, 15)
    assert due_date("2026-12") == dt.date(2027, 1, 15)
    assert due_date("2026-12", 20) == dt.date(2027, 1, 20)


def test_late_fee_is_half_a_thousandth_a_day_to_the_day_half_up() -> None:
    due = dt.date(2026, 2, 15)
    assert days_overdue(due, dt.date(2026, 2, 15)) == 0
    assert late_fee(D("1000.00"), due, dt.date(2026, 2, 15)) == D("0.00")  # on the due day: none
    assert days_overdue(due, dt.date(2026, 3, 4)) == 17  # 16–28 Feb (13) + 1–4 Mar (4)
    assert late_fee(D("1000.00"), due, dt.date(2026, 3, 4)) == D("8.50")  # 1000 × 0.0005 × 17
    assert late_fee(D("10.00"), due, dt.date(2026, 2, 16)) == D("0.01")  # 0.005 rounds half up
    assert late_fee(D("123.45"), due, dt.date(2026, 2, 18)) == D("0.19")  # 0.185175
    assert late_fee(D("3618.24"), due, dt.date(2027, 2, 15)) == D("660.33")  # × 365 days = 660.3288


def test_arrears_are_the_unpaid_rest_of_lines_past_their_due_date() -> None:
    rates = load_rates()
    jan = plan_lines("2026-01", [employee(1, "enterprise_pension", "6000.00")], rates).lines
    feb = plan_lines("2026-02", [employee(1, "enterprise_pension", "6000.00")], rates).lines
    lines = (*jan, *feb)  # 1,440.00 each; due 15 Feb and 15 Mar
    paid = {jan[0].key: D("1000.00")}
    (owing,) = arrears(lines, paid, dt.date(2026, 3, 1))  # Feb's line is not yet due
    assert (owing.payer, owing.months, owing.unpaid) == (U1, ("2026-01",), D("440.00"))
    assert owing.late_fees == D("3.08")  # 440 × 0.0005 × 14 days
    (later,) = arrears(lines, paid, dt.date(2026, 3, 16))
    assert later.months == ("2026-01", "2026-02") and later.unpaid == D("1880.00")
    assert arrears(lines, {jan[0].key: D("1440.00"), feb[0].key: D("1500.00")}, dt.date(2026, 4, 1)) == []
