"""The amount an item collects, shown while the clerk fills the form (before confirming).

The same computation intake makes (``schema.fees`` through ``FeeSummary`` and
:func:`~station_client.core.fee_breakdown.breakdown`), on the values typed so far:
either the decomposition, or why it cannot be computed yet ("请先填写缴费基数…").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schema.cases import FeeSummary
from schema.catalog import CatalogItem, FormValue
from schema.errors import FeeError
from schema.fees import compute_fee, fee_request_from_form
from schema.rates import RateBook
from station_client.core.fee_breakdown import breakdown


@dataclass(frozen=True)
class FeePreview:
    fee: dict[str, Any] | None  # breakdown(); None when it cannot be computed yet
    message: str  # why not, or a one-line summary
    field: str | None = None  # the form field the reason is about (shown there too), if one

    @property
    def ok(self) -> bool:
        return self.fee is not None


# Problems found against the rate book name no field: which field they are about.
_FIELD_OF_CODE = {"fee_base_out_of_range": "base", "fee_grade_unknown": "grade"}


def _field_of(exc: FeeError) -> str | None:
    field = exc.detail.get("field")
    return str(field) if field else _FIELD_OF_CODE.get(exc.code)


def preview_fee(item: CatalogItem, values: Mapping[str, FormValue], rates: RateBook) -> FeePreview | None:
    """None when the item collects nothing with these values."""
    if item.fee_kind is None:
        return None
    if not item.collects_fee(values):
        return None
    try:
        fee = breakdown(FeeSummary.of(compute_fee(fee_request_from_form(item.fee_kind, values), rates)))
    except FeeError as exc:
        return FeePreview(None, exc.message, _field_of(exc))
    subsidy = f"，另有政府补贴 {fee['subsidy']} 元" if fee["subsidy"] != "0.00" else ""
    return FeePreview(fee, f"应缴 {fee['collected']} 元{subsidy}")
