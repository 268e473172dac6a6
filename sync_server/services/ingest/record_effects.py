"""General items' effects on the records, written with the push that brought them.

The pure core notes an :class:`~sync_server.core.effects.Arrival` for each general item
finished at the desk whose effect reaches past the registry slice (a card's state, the
account benefits are paid into, G18's person fields). Here, in the push's transaction:
the records of every person they name are loaded at once, each item's effect function
runs (``core.effects``, the one the approval path uses), and the changes are written.

The desk already finished the case, so an effect that cannot apply (a card step for a
person the registry does not know) is not a refusal: the case stands, nothing is written
for it, and the audit says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.engine import Connection

from schema.catalog import load_catalog
from schema.rates import load_rates
from schema.record_changes import ChangeContext
from sync_server.core.effects import Arrival, EffectCase, EffectRefused, effect_changes
from sync_server.services import audit
from sync_server.services.records.load import load_person_records
from sync_server.services.records.write import write_record_changes


def apply_arrivals(conn: Connection, arrivals: Sequence[Arrival], *, at: dt.datetime) -> None:
    if not arrivals:
        return
    catalog, rates = load_catalog(), load_rates()
    records = load_person_records(conn, {a.applicant_key for a in arrivals})
    for a in arrivals:
        case = EffectCase(
            item=catalog.item(a.item_code), values=a.values, case_id=a.case_id, applicant_key=a.applicant_key,
            applicant_name=a.applicant_name, person=records.get(a.applicant_key), unit=None, county=a.county,
            on=a.on, at=at, rates=rates,
        )  # fmt: skip
        try:
            changes = effect_changes(case)
        except EffectRefused as refused:
            audit.append(conn, actor=a.clerk, action="records_not_changed", entity="case", entity_id=a.case_id,
                         detail={"code": refused.code, "item": a.item_code}, at=at)  # fmt: skip
            continue
        write_record_changes(
            conn, changes, ChangeContext(case_id=a.case_id, source="desk", actor=a.clerk, at=at)
        )
