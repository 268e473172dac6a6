"""Fee maths: worked examples from docs/sources.md §2, and sums that hold to the fen for any input."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from schema.errors import FeeError
from schema.fees import (
    MAX_MONTHS,
    Contribution,
    FeeLine,
    FeeRequest,
    FlexibleWorkerRequest,
    ResidentPensionRequest,
    compute_fee,
    employee_contribution,
    fee_request_from_form,
    months_in_period,
)
from schema.money import FEN, to_fen
from schema.rates import RateBook, load_rates
from schema.vocabulary import Account, FeeKind, InsuranceType

RATES = load_rates()
PENSION, MEDICAL = InsuranceType.ENTERPRISE_PENSION, InsuranceType.EMPLOYEE_MEDICAL


def flexible(base: str, start: str = "2025-01", end: str = "2025-01", medical: bool = False) -> Contribution:
    request = FlexibleWorkerRequest(
        base=Decimal(base), period_start=start, period_end=end, include_medical=medical
    )
    return compute_fee(request, RATES)


# --- worked examples (docs/sources.md §2.2) ---------------------------------------------------


@pytest.mark.parametrize(
    ("base", "monthly", "personal", "pooled"),
    [
        ("4588", "917.60", "367.04", "550.56"),  # 60% of the average wage
        ("7646", "1529.20", "611.68", "917.52"),  # 100%
        ("22938", "4587.60", "1835.04", "2752.56"),  # 300%
    ],
)
def test_2025_flexible_pension_worked_examples(base, monthly, personal, pooled):
    fee = flexible(base)
    assert fee.total == fee.payer_amount == Decimal(monthly)
    assert fee.subsidy_amount == 0
    assert fee.by_account() == {Account.PERSONAL: Decimal(personal), Account.POOLED: Decimal(pooled)}
    assert fee.by_insurance() == {PENSION: Decimal(monthly)}
    assert fee.months == ("2025-01",)


def test_a_year_at_the_lower_limit_is_twelve_monthly_lines_of_each_account():
    fee = flexible("4588", "2025-01", "2025-12")
    assert fee.total == Decimal("917.60") * 12 == Decimal("11011.20")
    assert len(fee.lines) == 24
    assert set(fee.by_month().values()) == {Decimal("917.60")}
    assert fee.by_account()[Account.PERSONAL] == Decimal("367.04") * 12


def test_medical_is_added_on_request_on_the_average_wage_base():
    fee = flexible("4588", medical=True)
    # configured default, unconfirmed: 8% of the 7,646 average wage, all pooled
    assert fee.by_insurance() == {PENSION: Decimal("917.60"), MEDICAL: Decimal("611.68")}
    medical_lines = [x for x in fee.lines if x.insurance is MEDICAL]
    assert [(x.account, x.amount) for x in medical_lines] == [(Account.POOLED, Decimal("611.68"))]
    assert fee.total == Decimal("1529.28")


def test_months_into_2026_use_the_2025_limits_until_2026_is_published():
    fee = flexible("4588", "2025-11", "2026-02")
    assert fee.months == ("2025-11", "2025-12", "2026-01", "2026-02")
    assert fee.total == Decimal("917.60") * 4


def test_resident_pension_grade_with_its_subsidy():
    fee = compute_fee(ResidentPensionRequest(grade=300, year=2025), RATES)
    assert fee.kind is FeeKind.RESIDENT_PENSION
    assert fee.payer_amount == Decimal("300.00")  # what the station collects
    assert fee.subsidy_amount == Decimal("50.00")  # configured, unconfirmed
    assert fee.total == Decimal("350.00")
    assert fee.by_account() == {Account.PERSONAL: Decimal("350.00")}  # both to the personal account
    assert fee.by_payer() == {"person": Decimal("300.00"), "government": Decimal("50.00")}
    assert fee.months == () and fee.year == 2025 and fee.by_month() == {None: Decimal("350.00")}


# --- refusals -------------------------------------------------------------------------


def test_a_base_below_the_lower_limit_is_refused_with_the_limits_in_the_message():
    with pytest.raises(FeeError) as err:
        flexible("3000")
    assert err.value.code == "fee_base_out_of_range"
    assert err.value.message == (
        "缴费基数 3,000.00 元低于 2025 年度下限 4,588.00 元，请在 4,588.00 至 22,938.00 元之间选择。"
    )
    assert err.value.detail["lower"] == "4588.00"
    assert err.value.detail["upper"] == "22938.00"


def test_a_base_above_the_upper_limit_is_refused_and_a_carried_forward_year_says_so():
    with pytest.raises(FeeError) as err:
        flexible("22938.01", "2026-03", "2026-03")
    assert err.value.code == "fee_base_out_of_range"
    assert "高于 2025 年度上限 22,938.00 元" in err.value.message
    assert "2026 年度基数尚未公布" in err.value.message
    assert "4,588.00 至 22,938.00" in err.value.message
    assert err.value.detail["month"] == "2026-03"


def test_a_period_may_not_run_backwards_or_exceed_36_months():
    with pytest.raises(FeeError) as err:
        flexible("4588", "2025-06", "2025-01")
    assert err.value.code == "fee_period_reversed"
    with pytest.raises(FeeError) as err:
        flexible("4588", "2025-01", "2028-01")
    assert err.value.code == "fee_period_too_long"
    assert err.value.detail == {"period_start": "2025-01", "period_end": "2028-01", "months": 37, "max": 36}
    assert len(months_in_period("2025-01", "2027-12")) == MAX_MONTHS


def test_months_before_the_first_rates_cannot_be_computed():
    with pytest.raises(FeeError) as err:
        flexible("4588", "2024-12", "2025-01")
    assert err.value.code == "fee_no_rates"


def test_an_unknown_grade_lists_the_allowed_grades():
    with pytest.raises(FeeError) as err:
        compute_fee(ResidentPensionRequest(grade=250, year=2025), RATES)
    assert err.value.code == "fee_grade_unknown"
    assert "100、200、300、400、500、600、700、800、900、1000、1500、2000、3000" in err.value.message
    assert err.value.detail["allowed"][-1] == 3000


def test_requests_validate_their_own_shape():
    with pytest.raises(ValidationError):
        FlexibleWorkerRequest(base=Decimal("4588.001"), period_start="2025-01", period_end="2025-01")
    with pytest.raises(ValidationError):
        FlexibleWorkerRequest(base=Decimal("4588"), period_start="2025-13", period_end="2025-01")
    request = FlexibleWorkerRequest(base=Decimal("4588"), period_start="2025-01", period_end="2025-01")
    with pytest.raises(ValidationError):
        request.base = Decimal(5000)  # type: ignore[misc]  # frozen


def test_a_contribution_that_does_not_add_up_cannot_be_built():
    line = FeeLine(
        insurance=PENSION, account=Account.POOLED, month="2025-01", amount=Decimal("1.00"), payer="person"
    )
    with pytest.raises(ValidationError):
        Contribution(
            kind=FeeKind.FLEXIBLE_WORKER,
            total=Decimal("1.01"),
            lines=(line,),
            months=("2025-01",),
            base=Decimal("4588.00"),
            payer_amount=Decimal("1.01"),
            subsidy_amount=Decimal(0),
        )


# --- requests from form values ----------------------------------------------------------


def test_form_values_as_a_clerk_types_them():
    request = fee_request_from_form(
        FeeKind.FLEXIBLE_WORKER,
        {
            "base": "４，５８８．００元",
            "period_start": "2025年1月",
            "period_end": "２０２５－１２",
            "include_medical": "是",
        },
    )
    assert request == FlexibleWorkerRequest(
        base=Decimal("4588.00"), period_start="2025-01", period_end="2025-12", include_medical=True
    )
    assert fee_request_from_form(FeeKind.RESIDENT_PENSION, {"grade": "３００", "year": 2025}) == (
        ResidentPensionRequest(grade=300, year=2025)
    )
    assert fee_request_from_form(FeeKind.RESIDENT_PENSION, {"grade": 1000, "year": "2026年"}).grade == 1000


@pytest.mark.parametrize(
    ("kind", "values", "code", "field"),
    [
        (
            FeeKind.FLEXIBLE_WORKER,
            {"period_start": "2025-01", "period_end": "2025-01"},
            "fee_field_missing",
            "base",
        ),
        (
            FeeKind.FLEXIBLE_WORKER,
            {"base": "4588", "period_start": " ", "period_end": "2025-01"},
            "fee_field_missing",
            "period_start",
        ),
        (
            FeeKind.FLEXIBLE_WORKER,
            {"base": "4588", "period_start": "2025-13", "period_end": "2025-01"},
            "fee_period_invalid",
            "period_start",
        ),
        (
            FeeKind.FLEXIBLE_WORKER,
            {"base": "0", "period_start": "2025-01", "period_end": "2025-01"},
            "fee_field_invalid",
            "base",
        ),
        (FeeKind.RESIDENT_PENSION, {"grade": "三百", "year": "2025"}, "fee_field_invalid", "grade"),
        (FeeKind.RESIDENT_PENSION, {"grade": "300", "year": "25"}, "fee_field_invalid", "year"),
        (FeeKind.RESIDENT_PENSION, {"grade": "300"}, "fee_field_missing", "year"),
    ],
)
def test_form_problems_name_the_field(kind, values, code, field):
    with pytest.raises(FeeError) as err:
        fee_request_from_form(kind, values)
    assert err.value.code == code
    assert err.value.detail["field"] == field


def test_form_values_are_checked_for_money_and_period_order_at_once():
    with pytest.raises(FeeError) as err:
        fee_request_from_form(
            FeeKind.FLEXIBLE_WORKER, {"base": "4588.123", "period_start": "2025-01", "period_end": "2025-01"}
        )
    assert err.value.code == "money_too_many_decimals"
    with pytest.raises(FeeError) as err:
        fee_request_from_form(
            FeeKind.FLEXIBLE_WORKER, {"base": "4588", "period_start": "2025-05", "period_end": "2025-01"}
        )
    assert err.value.code == "fee_period_reversed"


def test_requests_travel_as_a_discriminated_union():
    adapter: TypeAdapter[FeeRequest] = TypeAdapter(FeeRequest)
    wire = json.dumps({"kind": "resident_pension", "grade": 500, "year": 2025})
    assert adapter.validate_json(wire) == ResidentPensionRequest(grade=500, year=2025)
    flexible_request = FlexibleWorkerRequest(
        base=Decimal("4588"), period_start="2025-01", period_end="2025-02"
    )
    assert adapter.validate_json(flexible_request.model_dump_json()) == flexible_request


# --- employee schemes -------------------------------------------------------------------


def test_employee_pension_shares():
    fee = employee_contribution(Decimal("7646"), PENSION, on=date(2025, 6, 15))
    assert (fee.employer_amount, fee.employee_amount, fee.total) == (
        Decimal("1223.36"),
        Decimal("611.68"),
        Decimal("1835.04"),
    )
    assert fee.by_account() == {Account.POOLED: Decimal("1223.36"), Account.PERSONAL: Decimal("611.68")}
    assert fee.month == "2025-06"


def test_work_injury_needs_a_risk_class_and_only_the_employer_pays():
    fee = employee_contribution(Decimal("7646"), InsuranceType.WORK_INJURY, 8, on=date(2025, 6, 1))
    assert (fee.employer_amount, fee.employee_amount) == (Decimal("145.27"), Decimal("0.00"))  # 1.9% of 7,646
    for bad in (None, 9):
        with pytest.raises(FeeError) as err:
            employee_contribution(Decimal("7646"), InsuranceType.WORK_INJURY, bad, on=date(2025, 6, 1))
        assert err.value.code == "fee_risk_class_invalid"
    with pytest.raises(FeeError) as err:
        employee_contribution(Decimal("7646"), PENSION, 3, on=date(2025, 6, 1))
    assert err.value.code == "fee_risk_class_invalid"


def test_employee_contribution_refusals():
    with pytest.raises(FeeError) as err:
        employee_contribution(Decimal("7646"), InsuranceType.MATERNITY, on=date(2025, 6, 1))
    assert err.value.code == "fee_insurance_unsupported"
    with pytest.raises(FeeError) as err:
        employee_contribution(Decimal("3000"), PENSION, on=date(2025, 6, 1))
    assert err.value.code == "fee_base_out_of_range"
    with pytest.raises(FeeError) as err:
        employee_contribution(Decimal("7646.001"), PENSION, on=date(2025, 6, 1))
    assert err.value.code == "money_too_many_decimals"


# --- properties: every decomposition sums to the fen -------------------------------------

LIMITS = RATES.base_limits(date(2025, 1, 1))
bases = st.integers(min_value=int(LIMITS.lower * 100), max_value=int(LIMITS.upper * 100)).map(
    lambda fen: Decimal(fen) * FEN
)
month_indexes = st.integers(min_value=2025 * 12, max_value=2027 * 12 + 11)


@st.composite
def periods(draw: st.DrawFn) -> tuple[str, str]:
    first = draw(month_indexes)
    last = first + draw(st.integers(min_value=0, max_value=MAX_MONTHS - 1))
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in (first, last))  # type: ignore[return-value]


@settings(max_examples=300)
@given(bases, periods(), st.booleans())
def test_flexible_fee_decomposes_exactly_for_any_base_and_span(base, period, medical):
    fee = compute_fee(
        FlexibleWorkerRequest(
            base=base, period_start=period[0], period_end=period[1], include_medical=medical
        ),
        RATES,
    )
    assert all(to_fen(x.amount) == x.amount for x in fee.lines)
    for grouping in (fee.by_account(), fee.by_insurance(), fee.by_month(), fee.by_payer()):
        assert sum(grouping.values()) == fee.total
    assert fee.payer_amount == fee.total
    pension = RATES.in_force(date(2025, 1, 1)).flexible_pension
    # each month's pension is to_fen(base × 20%), split 8 : 12 without losing a fen
    for month in fee.months:
        lines = [x for x in fee.lines if x.month == month and x.insurance is PENSION]
        assert sum(x.amount for x in lines) == to_fen(base * pension.rate)
    assert len(fee.months) == len(set(fee.months))


@given(bases, st.sampled_from([PENSION, MEDICAL, InsuranceType.UNEMPLOYMENT, InsuranceType.WORK_INJURY]))
def test_employee_contribution_decomposes_exactly(base, insurance):
    risk = 5 if insurance is InsuranceType.WORK_INJURY else None
    fee = employee_contribution(base, insurance, risk, on=date(2025, 3, 1))
    assert sum(fee.by_account().values()) == fee.total == fee.employer_amount + fee.employee_amount


@given(st.sampled_from(RATES.in_force(date(2025, 1, 1)).resident_pension.amounts), st.integers(2025, 2030))
def test_resident_fee_decomposes_exactly(grade, year):
    fee = compute_fee(ResidentPensionRequest(grade=grade, year=year), RATES)
    assert fee.payer_amount == grade
    assert fee.payer_amount + fee.subsidy_amount == fee.total == sum(x.amount for x in fee.lines)


def test_compute_fee_uses_the_book_it_is_given():
    data = json.loads(resources.files("schema").joinpath("data/rates.json").read_text(encoding="utf-8"))
    data["tables"][0]["flexible_pension"].update(rate="0.24", personal="0.08")
    book = RateBook.model_validate(data)
    fee = compute_fee(
        FlexibleWorkerRequest(base=Decimal("4588"), period_start="2025-01", period_end="2025-01"), book
    )
    assert fee.total == Decimal("1101.12")
    assert fee.rates_version == book.version
