"""Which registry row a desk change is based on: read the same way at the station and in the city.

A general item that changes the registry at the desk has one *primary row*, the row whose
version decides whether the change still applies (else it goes to 综合业务科 as a conflict):

* G08, G11 — the person's row;
* G09, G12 — the enrolment the item registers (its first insurance: 城乡居民养老 / 企业职工养老);
* G13 — the enrolment it stops (the first insurance chosen, 企业职工养老 when none is).

What the station sends (``schema.cases.CasePayload``):

* ``base_version`` is always the version of the PERSON row its slice held
  (``PersonRecord.version``; None when the slice did not know the person). Stations have
  always sent that; the console finds the station's copy of the person by it, and
  ``base_record.version`` must equal it.
* ``base_record`` (current stations) holds the rows the item changes as the station held them,
  each enrolment with its own version; an enrolment it does not list, the station did not hold.

:func:`station_base` turns these into the station's version of the primary row, the number the
city compares with the row's current version (0: the station held no such row):

* the person's row: ``base_version`` (None → 0);
* an enrolment, ``base_record`` sent: that enrolment's version, 0 when not held;
* an enrolment, person unknown to the station (``base_version`` None): 0;
* an enrolment from an OLDER station (``base_version`` without ``base_record``): :data:`UNKNOWN`.
  The person's version says nothing about the enrolment (the city's approvals change enrolments
  without a new person version), so the city decides on what it holds now: a registration
  applies while the enrolment row is still absent (nothing is overwritten — what a current
  station would have sent as 0, so the ordinary G09/G12 of a known person goes through), and
  everything else on that row (a registration over an existing enrolment, every stop) goes to
  综合业务科: a conflict rather than a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from schema.cases import BaseRecord
from schema.vocabulary import InsuranceType

# The older station's enrolment base: not known (see the module docstring).
UNKNOWN: Final = None

_PERSON_ITEMS = frozenset({"G08", "G11"})
_REGISTERED: dict[str, InsuranceType] = {
    "G09": InsuranceType.RESIDENT_PENSION,
    "G12": InsuranceType.ENTERPRISE_PENSION,
}
_STOPPED_BY_DEFAULT = InsuranceType.ENTERPRISE_PENSION


@dataclass(frozen=True, slots=True)
class PrimaryRow:
    entity: Literal["person", "enrolment"]
    insurance: InsuranceType | None = None  # the enrolment's insurance; None for the person's row

    def key(self, id_number: str) -> str:
        """The row's key as conflicts name it: the ID number, ``<ID>:<insurance>`` for an enrolment."""
        return id_number if self.insurance is None else f"{id_number}:{self.insurance.value}"


def primary_row(item_code: str, values: Mapping[str, object]) -> PrimaryRow | None:
    """The row a desk change of ``item_code`` is based on; None for items that change no row here."""
    if item_code in _PERSON_ITEMS:
        return PrimaryRow("person")
    if item_code in _REGISTERED:
        return PrimaryRow("enrolment", _REGISTERED[item_code])
    if item_code == "G13":
        return PrimaryRow("enrolment", stopped_insurance(values))
    return None


def stopped_insurance(values: Mapping[str, object]) -> InsuranceType:
    """G13's primary enrolment: the first insurance chosen to stop (企业职工养老 when none is)."""
    chosen = values.get("insurance_types")
    first = chosen[0] if isinstance(chosen, list) and chosen else None
    return next((i for i in InsuranceType if i.value == first), _STOPPED_BY_DEFAULT)


def station_base(row: PrimaryRow, base_version: int | None, base_record: BaseRecord | None) -> int | None:
    """The station's version of ``row`` (0: it held none), or :data:`UNKNOWN` for an older
    station's enrolment change (it sent only the person's version)."""
    if row.insurance is None or base_version is None:
        return base_version or 0
    if base_record is None:
        return UNKNOWN
    held = (e.version for e in base_record.enrolments if e.insurance == row.insurance.value)
    return next(held, 0)
