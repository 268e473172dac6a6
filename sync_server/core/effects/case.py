"""What an effect function reads: the finished case, the records it touches, the day. Pure.

The caller (the ingest core for a general item, the review decision for a complex one)
loads the records of :func:`subject_of` and the applicant unit, and hands them over in
one :class:`EffectCase`. An effect that cannot apply to those records (no pension to
suspend, a person unknown to the registry) raises :class:`EffectRefused` with a stable
code and a Chinese message that says what to do; the decision is then not recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from schema.catalog import CatalogItem, FormValue
from schema.catalog.effects import EFFECT_ERROR_MESSAGES
from schema.months import month_of
from schema.person_records import PersonRecords, RegistryUnit
from schema.rates import RateBook
from schema.vocabulary import InsuranceType

# Items whose records are those of a person named in the form, not of the applicant.
SUBJECT_FIELDS: dict[str, str] = {
    **dict.fromkeys(("C005", "C006", "C010", "C011", "C083"), "employee_id_number"),
    **dict.fromkeys(("C018", "C034", "C043", "C044", "C055", "C069"), "deceased_id_number"),
    **dict.fromkeys(("C017", "C033"), "deceased_id_number"),
    "C040": "retiree_id_number",
}
NAME_FIELDS: dict[str, str] = {
    "employee_id_number": "employee_name",
    "deceased_id_number": "deceased_name",
    "retiree_id_number": "retiree_name",
}


class EffectRefused(Exception):
    """The approval cannot take effect on these records (coded, in Chinese).

    ``code`` is one of ``EFFECT_ERROR_MESSAGES`` (its message filled with ``words``), or a
    calculation's or fee's own code passed on with its message.
    """

    def __init__(
        self,
        code: str,
        detail: Mapping[str, object] | None = None,
        *,
        message: str | None = None,
        **words: object,
    ) -> None:
        text = message if message is not None else EFFECT_ERROR_MESSAGES[code].format(**words)
        super().__init__(text)
        self.code, self.message, self.detail = code, text, dict(detail or {})


@dataclass(frozen=True, slots=True)
class EffectCase:
    item: CatalogItem
    values: Mapping[str, FormValue]
    case_id: str
    applicant_key: str  # ID number or USCC, as the case carries it
    applicant_name: str
    person: PersonRecords | None  # the records of subject_of(); None when unknown
    unit: RegistryUnit | None  # the applicant unit (unit items), None when unknown
    county: str  # 参保地 the case was attributed to
    on: dt.date  # the decision date (Beijing), or the trusted acceptance date (general items)
    at: dt.datetime
    rates: RateBook

    # ---- form values ----------------------------------------------------------------

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value.strip() or None if isinstance(value, str) else None

    def chosen(self, name: str) -> list[str]:
        value = self.values.get(name)
        return list(value) if isinstance(value, list) else []

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def money(self, name: str) -> Decimal | None:
        value = self.values.get(name)
        try:
            return Decimal(str(value)).quantize(Decimal("0.01")) if isinstance(value, str | int) else None
        except InvalidOperation:
            return None

    def date(self, name: str) -> dt.date | None:
        value = self.text(name)
        try:
            return dt.date.fromisoformat(value) if value else None
        except ValueError:
            return None

    def month(self, name: str) -> str | None:
        value = self.text(name)
        return value if value and len(value) == 7 else None

    @property
    def this_month(self) -> str:
        return month_of(self.on)

    # ---- the records ----------------------------------------------------------------

    def records(self) -> PersonRecords:
        """The subject's records; refused when the registry does not know the person."""
        if self.person is None:
            raise EffectRefused(
                "effect_person_unknown",
                {"item": self.item.code},
            )
        return self.person

    @property
    def id_number(self) -> str:
        return self.records().person.id_number

    def insurances(self, field: str = "insurance_types") -> list[InsuranceType]:
        """The insurances the form chose, else the item's own."""
        known = {t.value for t in InsuranceType}
        chosen = [InsuranceType(v) for v in self.chosen(field) if v in known]
        return chosen or list(self.item.insurance_types)


def subject_of(item_code: str, values: Mapping[str, FormValue], applicant_key: str) -> tuple[str, str | None]:
    """(whose records change, the name the form gives them): a person named in the form,
    else the applicant (for a unit applicant that is its USCC)."""
    field = SUBJECT_FIELDS.get(item_code)
    if field is not None:
        named = values.get(field)
        if isinstance(named, str) and named:
            name = values.get(NAME_FIELDS[field])
            return named, name if isinstance(name, str) else None
    return applicant_key, None


@dataclass(frozen=True, slots=True)
class Arrival:
    """A general item finished at the desk whose effect is on the records beyond the registry
    slice (cards, benefit accounts, G18's person fields): applied when the push is written."""

    case_id: str
    item_code: str
    values: Mapping[str, FormValue]
    applicant_key: str
    applicant_name: str
    county: str
    on: dt.date  # the trusted acceptance date
    clerk: str
