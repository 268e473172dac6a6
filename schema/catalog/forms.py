"""Validating a whole form of a business item.

:func:`validate_form` never raises for bad input: it normalises what it can and returns
every problem at once, so the clerk fixes the form in one pass::

    >>> item = load_catalog().item("G14")
    >>> r = validate_form(item, {"base": "４５８８", "period_start": "2025年1月",
    ...                          "period_end": "2025-03"}, today=date(2025, 3, 10))
    >>> r.ok, r.values["base"], r.values["period_start"]
    (True, '4588.00', '2025-01')

Cross-field rules: a pair of fields ``X_start``/``X_end`` (dates or months) must not be
reversed, and a month span may not exceed the item's ``max_period_months`` (36 for the
desk's fee items; 补缴 items have no cap).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from schema.catalog.fields import age_bound, parse_value, reads_today
from schema.catalog.item import CatalogItem
from schema.catalog.models import FieldType, FormField, FormValue
from schema.catalog.problems import FORM_ERROR_MESSAGES, FormResult, Problem, form_problem, problem
from schema.identifiers import ResidentId

__all__ = ["FORM_ERROR_MESSAGES", "FormResult", "Problem", "validate_form"]


def _is_empty(raw: object) -> bool:
    if isinstance(raw, str):  # not clean_text(raw): folding keeps white space white space
        return not raw or raw.isspace()
    return raw is None or (isinstance(raw, list | tuple | set | frozenset) and not raw)


def validate_form(
    item: CatalogItem,
    values: Mapping[str, object],
    *,
    today: date,
    applicant: ResidentId | None = None,
) -> FormResult:
    """Normalise ``values`` for ``item`` and report every problem.

    ``today`` is the station's date (ages, dates not in the future). When the
    ``applicant`` is given, the item's applicant age range is checked too.
    Fields left empty take the field's default when it has one.
    """
    problems: list[Problem] = []
    out: dict[str, FormValue] = {}
    failed: set[str] = set()
    known = set(item.field_names)
    for key in values:
        if str(key) not in known:
            problems.append(form_problem(str(key), str(key)[:40], "form_unknown_field"))
    for f in item.form:
        raw = values.get(f.name)
        if _is_empty(raw):
            if f.default is not None:
                out[f.name] = f.default
            continue
        value, found = _parsed(f, raw, today)
        problems.extend(found)
        if found and value is None:
            failed.add(f.name)  # already reported; "required" would say the same thing twice
        elif value is not None and value != "":
            out[f.name] = value
    for f in item.form:
        needed = f.required or (f.required_if is not None and f.required_if.holds(out))
        if needed and f.name not in out and f.name not in failed:
            problems.append(problem(f, "form_required"))
    problems.extend(_periods(item, out))
    problems.extend(_applicant_age(item, applicant, today))
    return FormResult(values=out, problems=tuple(problems))


# parse_value is a pure function of (field, raw value, today), and most values repeat from
# form to form (a base, a month, a choice, a hospital's name), so results are remembered.
_PARSED: dict[
    tuple[int, type, object, date | None], tuple[FormField, FormValue | None, tuple[Problem, ...]]
] = {}
_MAX_PARSED = 8192
_CACHEABLE = frozenset({str, int, bool})


def _parsed(f: FormField, raw: object, today: date) -> tuple[FormValue | None, tuple[Problem, ...]]:
    if type(raw) not in _CACHEABLE or f.type is FieldType.MULTI_CHOICE:  # lists: not hashable, mutable
        parsed, listed = parse_value(f, raw, today)
        return parsed, tuple(listed)
    # The type too: True == 1 == "1" must not share an entry. The day only when it matters.
    key = (id(f), type(raw), raw, today if _reads_today(f) else None)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] is f:  # the same field object, not one that reused its id
        return hit[1], hit[2]
    value, problems = parse_value(f, raw, today)
    found = tuple(problems)
    if len(_PARSED) >= _MAX_PARSED:
        _PARSED.clear()
    _PARSED[key] = (f, value, found)
    return value, found


_READS_TODAY: dict[int, tuple[FormField, bool]] = {}


def _reads_today(f: FormField) -> bool:
    """:func:`reads_today`, remembered per field object (a catalog's fields are few)."""
    hit = _READS_TODAY.get(id(f))
    if hit is not None and hit[0] is f:
        return hit[1]
    reads = reads_today(f)
    if len(_READS_TODAY) >= _MAX_PARSED:
        _READS_TODAY.clear()
    _READS_TODAY[id(f)] = (f, reads)
    return reads


def _periods(item: CatalogItem, values: Mapping[str, FormValue]) -> list[Problem]:
    found: list[Problem] = []
    for end in item.form:
        if not end.name.endswith("_end") or end.type not in (FieldType.DATE, FieldType.MONTH):
            continue
        start = item.field(end.name.removesuffix("_end") + "_start")
        first, last = values.get(start.name) if start else None, values.get(end.name)
        if start is None or start.type != end.type or not isinstance(first, str) or not isinstance(last, str):
            continue
        if last < first:  # ISO dates and YYYY-MM months compare as text
            found.append(problem(end, "form_period_reversed", start_label=start.label))
        elif end.type == FieldType.MONTH and item.max_period_months is not None:
            months = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
            if months > item.max_period_months:
                found.append(
                    problem(end, "form_period_too_long", months=months, max_months=item.max_period_months)
                )
    return found


def _applicant_age(item: CatalogItem, applicant: ResidentId | None, today: date) -> list[Problem]:
    bounds = item.applicant_age
    if bounds is None or applicant is None or applicant.birth_date > today:
        return []
    age = applicant.age_on(today)
    low, high = bounds.min_age, bounds.max_age
    if (low is None or age >= low) and (high is None or age <= high):
        return []
    return [form_problem("applicant", "申请人", "form_age_out_of_range", age=age, bound=age_bound(low, high))]
