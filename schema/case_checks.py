"""The checks a new case must pass: one chain, run at the desk and again by the server.

The station runs it before accepting (``station_client.core.intake_rules``), the server
again on what it received (``sync_server.core.case_rules``): a client bug or an old
catalog must not reach the back office. Each side only adapts the answer, the station
into notices and a 一次性告知单, the server into a ``Rejection``. In order:

1. :func:`identify`: the applicant's resident ID number (full-width digits and 15-digit
   numbers are normalised) or unit's USCC (a failing check digit is a warning);
2. the form, ``schema.catalog.validate_form`` (types, required fields, cross-field
   rules, the item's applicant age range);
3. at the desk only, derived fields (``schema.eligibility.derive``): the server checks
   what the station recorded;
4. eligibility, ``schema.eligibility.check_eligibility``, and for C019/C021 the statutory
   retirement age and minimum years, ``schema.retirement_checks.retirement_problems``;
5. the materials still missing, ``schema.catalog.missing_materials``;
6. the fee, ``schema.fees.compute_fee``, when nothing before it is an error.

:func:`time_limit_due` is the item's due date (the station's promised date, the server's
due date), counted by ``schema.workdays.due``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from schema.catalog import CatalogItem, FormValue, Material, Problem, missing_materials, validate_form
from schema.eligibility import check_eligibility, derive
from schema.errors import FeeError, IdentifierError, WorkdayError
from schema.fees import Contribution, FeeRequest, compute_fee, fee_request_from_form
from schema.identifiers import ResidentId, Uscc, parse_resident_id, parse_uscc, uscc_warning
from schema.rates import RateBook
from schema.retirement_checks import retirement_problems
from schema.vocabulary import ApplicantKind, InsuranceType
from schema.workdays import DueDate, DueKind, WorkdayCalendar, default_calendar, due

FeeRule = Callable[[FeeRequest, RateBook], Contribution]


@dataclass(frozen=True, slots=True)
class Identified:
    """The applicant's identifier as read: the person or the unit, and what was wrong."""

    person: ResidentId | None = None
    unit: Uscc | None = None
    problems: tuple[Problem, ...] = ()  # messages without a subject: each side says whose


def identify(kind: ApplicantKind, id_number: str | None, uscc: str | None, *, today: dt.date) -> Identified:
    """Read a person's ID number or a unit's USCC (a missing one is an error)."""
    where = "applicant.id_number" if kind is ApplicantKind.PERSON else "applicant.uscc"
    try:
        if kind is ApplicantKind.PERSON:
            return Identified(person=parse_resident_id(id_number or "", today=today))
        unit = parse_uscc(uscc or "")
    except IdentifierError as exc:
        return Identified(
            problems=(Problem(field=where, code=exc.code, message=exc.message, severity="error"),)
        )
    warning = uscc_warning(unit)
    found = (
        ()
        if warning is None
        else (Problem(field=where, code=warning[0], message=warning[1], severity="warning"),)
    )
    return Identified(unit=unit, problems=found)


@dataclass(frozen=True)
class CaseCheck:
    """What the chain found; :attr:`problems` in the chain's order."""

    identified: Identified
    values: dict[str, FormValue]  # normalised (and, at the desk, with the derived fields)
    form_problems: tuple[Problem, ...]  # validate_form's
    eligibility_problems: tuple[Problem, ...]
    missing: tuple[Material, ...]
    fee: Contribution | None  # None: no fee, or not computed (an earlier error, or fee_error)
    fee_error: FeeError | None = None

    @property
    def form_ok(self) -> bool:
        return not _errors(self.form_problems)

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Identifier, form and eligibility problems (the fee error is :attr:`fee_error`)."""
        return self.identified.problems + self.form_problems + self.eligibility_problems

    @property
    def ok(self) -> bool:
        return not _errors(self.problems) and not self.missing and self.fee_error is None


def _errors(problems: tuple[Problem, ...]) -> bool:
    return any(p.severity == "error" for p in problems)


def check_case(
    item: CatalogItem,
    form: Mapping[str, object],
    materials: Collection[str],
    *,
    identified: Identified,
    today: dt.date,
    rates: RateBook,
    enrolled: Collection[InsuranceType] | None = None,
    fill_derived: bool = False,
    with_fee: bool = True,
    fee_rule: FeeRule = compute_fee,
    contribution_months: int | None = None,
) -> CaseCheck:
    """Run the chain over a case accepted on ``today``.

    ``enrolled``: the schemes the registry holds for the applicant (not stopped), None when
    unknown. ``fill_derived``: merge derived fields (at the desk). ``with_fee=False``: the
    caller already found an error of its own, so the fee is not worked out. ``fee_rule``:
    ``compute_fee``, or a caching wrapper of it. ``contribution_months``: the applicant's
    enterprise-pension contribution months from the registry's records, None when unknown
    (C019/C021's minimum years are then left to the back office).
    """
    result = validate_form(item, form, today=today, applicant=identified.person)
    values = dict(result.values)
    if fill_derived:
        values |= derive(item, result.values, accepted_on=today, rates=rates)
    eligibility = check_eligibility(item, values, accepted_on=today, rates=rates, enrolled=enrolled)
    eligibility += retirement_problems(
        item, values, applicant=identified.person, contribution_months=contribution_months
    )
    missing = tuple(missing_materials(item, materials, values))
    fee: Contribution | None = None
    fee_error: FeeError | None = None
    blocked = _errors(identified.problems) or not result.ok or _errors(eligibility)
    if with_fee and not blocked and item.fee_kind is not None and item.collects_fee(values):
        try:
            fee = fee_rule(fee_request_from_form(item.fee_kind, values), rates)
        except FeeError as exc:
            fee_error = exc
    return CaseCheck(identified, values, result.problems, eligibility, missing, fee, fee_error)


def time_limit_due(
    item: CatalogItem, start: dt.date, calendar: WorkdayCalendar | None = None
) -> DueDate | None:
    """When ``item`` accepted on ``start`` (a Beijing date) is due: provisional (暂定) for a
    year whose notice is not loaded; None only past the calendar's range (after 2099)."""
    limit = item.time_limit
    try:
        return _counted(calendar or default_calendar(), start, limit.kind, limit.days)
    except WorkdayError:
        return None


@functools.lru_cache(maxsize=4096)
def _counted(calendar: WorkdayCalendar, start: dt.date, kind: DueKind, days: int) -> DueDate:
    # A push holds hundreds of cases accepted on a few days with a few time limits.
    return due(start, kind, days, calendar=calendar)
